"""The real app in a real browser: one Streamlit server and one Chromium for the whole session.

The server runs `streamlit run app.py` on a free loopback port with its own empty runs, data and
home folders and no network, exactly as a person would start it; every test opens its own
browser tab in its own lab session (`?lab=...`), so one scenario's choices never leak into the
next. Screenshots land in tests/e2e/screenshots/ (gitignored) for a person to look through.

Chromium is Debian's (`apt-get install chromium`), driven by Playwright's Python client: never
`playwright install`, which downloads a browser. Without Chromium the tests skip locally, but
fail in CI (CI=true), where a missing browser is a broken setup, not a choice.

Run them alone with `./lab test tests/e2e` (they are part of `./lab test` too); a failed check
names the screenshot of the moment, and the server's log is kept beside the screenshots.
"""
from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from cnnlab.launcher import CHROMIUM_FLAGS, answers, free_port, start_app, stop_app

from .helpers import PAGE_RECORDER, SCREENSHOTS, TABLET_VIEWPORTS, VIEWPORT, Lab

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
BROWSER_FLAGS = [*CHROMIUM_FLAGS, "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio"]
TEACHER_CODE = "e2e-teacher-owl"  # the class board's teacher passcode on the test server
SERVER_START_TIMEOUT = 90  # seconds; a busy 2-core machine can take a while to import Streamlit
INSTALL_HINT = ("Install Debian's Chromium to run them: `sudo apt-get install chromium` (never "
                "`playwright install`), or point CNNLAB_CHROMIUM at a Chromium binary.")


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _cannot_run(reason: str):
    """Skip here, fail in CI: there the browser is part of the setup (.ci/run installs it)."""
    message = f"end-to-end browser tests: {reason}. {INSTALL_HINT}"
    if _in_ci():
        pytest.fail(message + " (CI=true, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(message)


def _chromium_path() -> str | None:
    wanted = os.environ.get("CNNLAB_CHROMIUM")
    for candidate in ([wanted] if wanted else []) + [*CHROMIUM_CANDIDATES, shutil.which("chromium") or ""]:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@dataclass
class AppServer:
    url: str
    log: Path
    fresh: bool = True  # no browser has opened the app yet (set False by the first lab)


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = _chromium_path()
    if path is None:
        _cannot_run(f"no Chromium found (looked for {', '.join(CHROMIUM_CANDIDATES)})")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _cannot_run("the Python package `playwright` is missing (it is in requirements-dev.txt: ./lab test "
                    "installs it)")
    return path


@pytest.fixture(scope="session")
def app_server(chromium_executable) -> AppServer:
    """`streamlit run app.py` with empty folders and no network; yields its address."""
    home = Path(tempfile.mkdtemp(prefix="cnnlab-e2e-"))
    for folder in ("home", "runs", "data", "labs", "keras"):
        (home / folder).mkdir()
    port = free_port()
    env = dict(HOME=str(home / "home"), CNNLAB_RUNS_DIR=str(home / "runs"), CNNLAB_DATA_DIR=str(home / "data"),
               CNNLAB_LABS_DIR=str(home / "labs"), KERAS_HOME=str(home / "keras"), CNNLAB_OFFLINE="1",
               TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1", CNNLAB_TEACHER_CODE=TEACHER_CODE)
    log_path = home / "streamlit.log"
    log = open(log_path, "w")
    # Other developers edit pages/ while the tests run: no reload prompts mid-scenario.
    process = start_app(port, env, log=log, watch_files=False)
    atexit.register(stop_app, process)  # also after Ctrl-C, whatever pytest's teardown manages
    url = f"http://127.0.0.1:{port}"
    try:
        if not answers(f"{url}/_stcore/health", time.perf_counter() + SERVER_START_TIMEOUT, process):
            how = (f"exited with code {process.returncode} while starting" if process.poll() is not None
                   else f"did not answer {url}/_stcore/health within {SERVER_START_TIMEOUT} s")
            raise RuntimeError(f"streamlit {how}:\n" + log_path.read_text()[-3000:])
        yield AppServer(url, log_path)
    finally:  # runs on failures and on KeyboardInterrupt too
        stop_app(process)
        log.close()
        # Keep the server's log beside the screenshots (gitignored) for a person to read.
        kept = SCREENSHOTS / "streamlit-server.log"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log_path, kept)
        tail = log_path.read_text(errors="replace")[-4000:]
        if "Traceback" in tail:
            sys.stderr.write(f"\n--- end of the e2e Streamlit server's log ({kept}) ---\n{tail}\n")
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def browser(chromium_executable):
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):  # only this session's path through the app
        old.unlink()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_executable, args=BROWSER_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


@contextlib.contextmanager
def _browser_tab(request, browser, app_server, **device):
    """A fresh browser (its own cookies: its own labs) with one tab, named after the test's scenario;
    closed afterwards. Yields (browser context, Lab)."""
    context = browser.new_context(device_scale_factor=1, **{"viewport": VIEWPORT, **device})
    try:
        context.set_default_timeout(20_000)
        context.add_init_script(PAGE_RECORDER)
        session = Lab(context.new_page(), app_server.url, request.node)
        session.server_was_fresh, app_server.fresh = app_server.fresh, False
        request.node.e2e_lab = session
        yield context, session
    finally:
        context.close()


@pytest.fixture
def lab(request, browser, app_server):
    """A fresh tab in a fresh lab session, named after the test's scenario number."""
    with _browser_tab(request, browser, app_server) as (_, session):
        yield session


@pytest.fixture
def other_browser(request, browser, app_server):
    """A second person's browser, on another computer as far as the app can tell (no shared cookies)."""
    first = getattr(request.node, "e2e_lab", None)
    with _browser_tab(request, browser, app_server) as (_, session):
        session.steps = 50  # its screenshots come after the first person's
        request.node.e2e_lab = first or session  # a failure's screenshot shows the first person's tab
        yield session


@pytest.fixture(params=TABLET_VIEWPORTS, ids=lambda v: f"{v['width']}x{v['height']}")
def tablet(request, browser, app_server):
    """A tablet held upright with a touch screen and no mouse: no hover, a coarse pointer, touch
    events. Twice: 768 x 1024 (the narrowest the pages are laid out for, an iPad mini) and 820 x 1180
    (an iPad Air, where the defects were reported)."""
    viewport = request.param
    with _browser_tab(request, browser, app_server, viewport=viewport, has_touch=True) as (context, session):
        session.scenario += str(viewport["width"])  # each size's screenshots apart
        session.cdp = context.new_cdp_session(session.page)
        session.cdp.send("Emulation.setEmulatedMedia", {"features": [
            {"name": "hover", "value": "none"}, {"name": "any-hover", "value": "none"},
            {"name": "pointer", "value": "coarse"}]})
        yield session


@pytest.fixture
def another_lab(request, browser, app_server):
    """More people at once: each call opens a new browser context (its own cookies, its own lab)
    named `test_NN_<scenario><who>`; all are closed after the test."""
    import types

    contexts = []

    def open_one(who: str, viewport: dict | None = None) -> Lab:
        context = browser.new_context(viewport=viewport or VIEWPORT, device_scale_factor=1)
        context.set_default_timeout(20_000)
        context.add_init_script(PAGE_RECORDER)
        contexts.append(context)
        # test_09_board_x + "bob" -> screenshots named 09-boardbob-...
        name = re.sub(r"^(test_\d+_[a-z0-9]+)", lambda m: m[1] + who, request.node.name)
        return Lab(context.new_page(), app_server.url, types.SimpleNamespace(name=name))

    try:
        yield open_one
    finally:
        for context in contexts:
            context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, a last screenshot of what the browser showed, named in the report."""
    report = yield
    session = getattr(item, "e2e_lab", None)
    already_shot = call.excinfo is not None and "[screenshot:" in str(call.excinfo.value)
    if report.failed and call.when == "call" and session is not None and not already_shot:
        try:
            path = session.shot("FAILED")
            report.sections.append(("screenshot at failure", str(path)))
        except Exception as error:  # the page may be gone; the failure itself matters more
            report.sections.append(("screenshot at failure", f"could not be taken: {error}"))
    return report
