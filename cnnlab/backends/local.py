"""The `local` backend: each training in a worker process of its own on this computer.

The web server never imports TensorFlow to train and never shares memory with a training: a
training that crashes, is killed (`kill -9`, the kernel's out-of-memory killer) or grows past the
memory cap ends as "failed" with a message saying so, and the server and every other training
carry on. The worker is spawned (a fresh interpreter running cnnlab.backends.worker), not forked
from the multi-threaded server.
"""
from __future__ import annotations

import collections
import json
import logging
import subprocess
import sys
import threading
import time
from pathlib import Path

from cnnlab.runs import RunNotFound, load_run
from cnnlab.settings import CnnlabError, training_memory_mb

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WATCH_SECONDS = 0.25  # how often the worker's memory and the Stop button are looked at

CRASHED = ("Training failed: the training process stopped (out of memory?). What it learned in its "
           "finished epochs is kept; \"Continue training\" goes on from there.")


def memory_exceeded(cap_mb: int) -> str:
    return (f"Training failed: it used more than the {cap_mb:,} MB of memory each training may use on this "
            "server, so it was stopped. Pick a smaller batch size, a smaller network or a smaller dataset "
            "(the teacher can raise the limit with CNNLAB_TRAINING_MEMORY_MB).")


def resident_mb(pid: int) -> float | None:
    """The process's resident memory in MB (Linux; None elsewhere or once it has gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class ProcessBackend:
    name = "local"

    def execute(self, job) -> None:
        cap = training_memory_mb()
        env = dict(job.env, PYTHONUNBUFFERED="1")
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        env["PYTHONPATH"] = str(PROJECT_ROOT) + (f":{env['PYTHONPATH']}" if env.get("PYTHONPATH") else "")
        worker = subprocess.Popen(
            [sys.executable, "-m", "cnnlab.backends.worker"], cwd=PROJECT_ROOT, env=env, text=True,
            bufsize=1, encoding="utf-8", stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        job.worker_pid = worker.pid
        said_to_worker = threading.Lock()

        def say(line: str) -> None:
            with said_to_worker:
                try:
                    worker.stdin.write(line + "\n")
                    worker.stdin.flush()
                except (BrokenPipeError, ValueError, OSError):
                    pass  # it has gone; reading its output tells how it ended

        say(json.dumps(job.request()))
        stderr_tail: collections.deque[str] = collections.deque(maxlen=30)
        threading.Thread(target=lambda: stderr_tail.extend(worker.stderr), daemon=True).start()
        over_memory, stopped_while_loading = threading.Event(), threading.Event()

        def watch() -> None:
            asked_to_stop = False
            while worker.poll() is None:
                if job.stop_requested and job.status == "loading":
                    # Nothing learned yet: no need to wait for TensorFlow and the data to load.
                    stopped_while_loading.set()
                    worker.kill()
                    break
                if job.stop_requested and not asked_to_stop:
                    say("stop")
                    asked_to_stop = True
                rss = resident_mb(worker.pid)
                if rss is not None and rss > cap:
                    over_memory.set()
                    worker.kill()
                    break
                time.sleep(WATCH_SECONDS)

        threading.Thread(target=watch, daemon=True, name=f"cnnlab-watch-{job.run_id}").start()
        refused = None
        for line in worker.stdout:
            try:
                refused = deliver(job, json.loads(line)) or refused
            except ValueError:
                continue
        worker.wait()
        worker.stdin.close()
        if job.done:
            return
        if refused is not None:
            raise CnnlabError(refused)
        if stopped_while_loading.is_set():
            mark_ended(job, "stopped", "Stopped before training began.")
            return
        message = memory_exceeded(cap) if over_memory.is_set() else CRASHED
        log.warning("training worker %s for run %s ended with exit code %s; its last words:\n%s",
                    worker.pid, job.run_id, worker.returncode, "".join(stderr_tail))
        mark_ended(job, "failed", message)


def deliver(job, event: dict) -> str | None:
    """Pass a worker's event on to its job; returns the message of a "refused" event."""
    if event["type"] == "download":
        job.record_download(event["done"], event["total"], event["what"])
    elif event["type"] == "refused":
        return event["message"]
    else:
        job.record(event)
    return None


def mark_ended(job, status: str, message: str) -> None:
    """End a job whose training process died or was ended, on disk too (it could not say so
    itself), keeping the epochs it saved."""
    try:
        run = load_run(job.run_id)
    except RunNotFound:
        pass  # it ended before saving anything
    else:
        run.status, run.message = status, message
        run.save()
    job.end_early(status, message)
