"""Starting the app in a process of its own, as a person does (`streamlit run app.py`), waiting
until it answers, and stopping it: the one launcher the browser tests and the benchmarks share.

Pure standard library: nothing here imports Streamlit or TensorFlow (the app's process does).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]  # where app.py is

# How the browser tests and benchmarks start Debian's Chromium: headless, as root, with nothing
# reaching the network (never a browser Playwright downloads).
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_app(port: int, env: dict[str, str] | None = None, *, log: IO | None = None,
              watch_files: bool = True) -> subprocess.Popen:
    """`streamlit run app.py` on 127.0.0.1:`port`, with `env` added to this process's environment.

    Its output goes to `log` (or nowhere). `watch_files=False` stops Streamlit from offering to
    rerun when a page file changes (other people may edit pages/ while tests run). The app runs
    in a process group of its own, so `stop_app` also ends anything it started."""
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"]
    if not watch_files:
        command += ["--server.fileWatcherType", "none"]
    output = log if log is not None else subprocess.DEVNULL
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=output,
                            stderr=subprocess.STDOUT, start_new_session=True)


def answers(url: str, deadline: float, process: subprocess.Popen | None = None) -> bool:
    """Poll `url` until it answers 200 (True), `deadline` (time.perf_counter()) passes or `process` exits (False)."""
    while time.perf_counter() < deadline:
        if process is not None and process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def stop_app(process: subprocess.Popen) -> None:
    """Terminate the app (and anything it started), then kill it if it does not go."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)
