"""Does the app still answer quickly while a training runs?

A student in a real browser (Chromium, driven by the browser suite's helpers) switches pages from
the sidebar and moves the Convolution explorer's position slider with the arrow keys, first with
nothing training, then while their own training runs (fast-cnn on MNIST, 3 epochs, started from
the Train page). Each action is timed from the click or key press to the moment the new page or
position is shown and the server's run has ended ("answered": what a server can promise), and to
the moment the browser has drawn all of it (nothing stale or loading: "drawn", which also counts
Chromium's own drawing, here on the same two cores). Printed: p50 / p95 / max per kind of action
and phase, and how fast the training went meanwhile.

    .venv/bin/python bench/responsive.py                      # needs MNIST in the data folder
    .venv/bin/python bench/responsive.py --quick              # the bundled MNIST sample, fewer actions
    CNNLAB_TRAINING_NICENESS=0 .venv/bin/python bench/responsive.py --tag nice0   # trainings not niced

Actions taken after the training ended are left out of the "while training" figures.
Raw figures: bench/output/responsive[-TAG].json.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from types import SimpleNamespace

import common

sys.path.insert(0, str(common.REPO / "tests"))
from e2e.helpers import PAGE_TITLES, Lab  # noqa: E402  (the browser suite's person-in-a-browser)

PAGES = ("Data", "Model", "Runs", "Home", "Convolution")  # one round; the slider moves on Convolution
SLIDER = "learn_conv_position"
SHOWN = """([title, position]) => {  // the new page or position is in the page
    const main = document.querySelector('[data-testid="stMain"]');
    if (!main) return false;
    const titled = !title || [...main.querySelectorAll('h1')].some(h => h.innerText.trim() === title);
    return titled && (!position || main.innerText.includes(`Position ${position} of`));
}"""
# The server has sent it all: the script's run has ended (Streamlit tells the browser as it happens).
ANSWERED = "() => document.querySelector('[data-testid=\"stApp\"]')?.dataset.testScriptState === 'notRunning'"
# ... and the browser has drawn it: nothing stale, no skeleton, every picture loaded (charts are drawn
# by then: Plotly draws synchronously when its element mounts).
DRAWN = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    const stale = document.querySelector('[data-stale="true"], [data-testid="stSkeleton"]');
    return !stale && ![...main.querySelectorAll('img')].some(img => !img.complete);
}"""


def timed(lab: Lab, act, title: str | None = None, position: int | None = None,
          timeout: float = 120) -> tuple[float, float]:
    """Seconds from `act()` until the server has answered with the page showing `title` (a page's h1)
    / `position`, and until the browser has drawn all of it."""
    start = time.perf_counter()
    act()
    lab.page.wait_for_timeout(50)  # the click's rerun starts a moment later: don't see the old page as drawn
    lab.page.wait_for_function(SHOWN, arg=[title, position], polling=25, timeout=timeout * 1000)
    lab.page.wait_for_function(ANSWERED, polling=25, timeout=timeout * 1000)
    answered = time.perf_counter() - start
    lab.page.wait_for_function(DRAWN, polling=25, timeout=timeout * 1000)
    return answered, time.perf_counter() - start


def slider(lab: Lab):
    return lab.widget(SLIDER).locator('input[type="range"]').first


def one_round(lab: Lab, samples: list, phase: str, moves: int) -> None:
    for page in PAGES:
        answered, drawn = timed(lab, lambda: lab.sidebar_link(page).click(), PAGE_TITLES[page])
        samples.append({"phase": phase, "action": "page", "what": page, "answered": answered, "seconds": drawn,
                        "at": time.time()})
    slider(lab).focus()
    for _ in range(moves):
        position, last = int(float(slider(lab).input_value())), int(float(slider(lab).get_attribute("max")))
        key = "ArrowRight" if position < last else "ArrowLeft"
        target = position + (1 if key == "ArrowRight" else -1)
        answered, drawn = timed(lab, lambda: lab.page.keyboard.press(key), position=target)
        samples.append({"phase": phase, "action": "slider", "what": str(target), "answered": answered,
                        "seconds": drawn, "at": time.time()})


def the_run():
    """The one run in this benchmark's runs folder, or None before it is saved."""
    from cnnlab.runs import list_runs

    found = list_runs()
    return found[0] if found else None


def still_training() -> bool:
    from cnnlab.runs import ACTIVE_STATUSES

    run = the_run()
    return run is None or run.status in ACTIVE_STATUSES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds with nothing training (default 3)")
    parser.add_argument("--moves", type=int, default=3, help="slider moves per round (default 3)")
    parser.add_argument("--tag", default="", help="suffix of the output file name")
    args = common.arguments(parser, "the bundled MNIST sample, 1 round before training", cut_data=False)
    from playwright.sync_api import sync_playwright

    from cnnlab.launcher import CHROMIUM_FLAGS, answers, free_port, start_app, stop_app
    from cnnlab.settings import training_niceness

    dataset, epochs = ("mnist-sample", 8) if args.quick else ("mnist", 3)
    rounds = 1 if args.quick else args.rounds
    # The app saves runs where this script reads them: CNNLAB_RUNS_DIR (common.arguments: a private
    # folder unless set), so the only run there is the one this benchmark starts.
    env = dict(os.environ, CNNLAB_OFFLINE="1", CNNLAB_LABS_DIR=tempfile.mkdtemp(prefix="cnnlab-responsive-labs-"))
    port = free_port()
    process = start_app(port, env, watch_files=False)
    url = f"http://localhost:{port}"
    samples: list[dict] = []
    load_before = common.load_average()
    try:
        if not answers(url, time.perf_counter() + 120, process):
            raise SystemExit("the app did not start")
        with sync_playwright() as playwright:
            chromium = os.environ.get("CNNLAB_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.set_default_timeout(120_000)
            lab = Lab(page, url, SimpleNamespace(name="test_90_responsive"))
            setup = f"dataset={dataset}&arch=fast-cnn&epochs={epochs}"  # a teacher link: a fresh lab, set up
            lab.page.goto(f"{url}/train?{setup}", wait_until="domcontentloaded")
            lab.page.wait_for_function(SHOWN, arg=["Train", None], polling=100, timeout=120_000)
            one_round(lab, samples, "warm-up", args.moves)  # every page drawn once, Plotly's script loaded
            for _ in range(rounds):
                one_round(lab, samples, "idle", args.moves)
            timed(lab, lambda: lab.sidebar_link("Train").click(), "Train")
            lab.click("train_button", idle=False)
            clicked = time.time()
            common.say(f"training fast-cnn on {dataset}, {epochs} epochs; switching pages meanwhile")
            while still_training():
                if the_run() is None and time.time() - clicked > 180:  # e.g. MNIST is not in the data folder
                    lab.goto("Train")
                    raise SystemExit(f"the training did not start within 3 minutes; the Train page says:\n"
                                     f"{lab.text()[:1500]}")
                one_round(lab, samples, "training", args.moves)
                common.say(f"  {sum(s['phase'] == 'training' for s in samples)} actions while training")
                if len(samples) > 2000:
                    break
            deadline = time.time() + 600
            while still_training() and time.time() < deadline:
                time.sleep(1)
            browser.close()
    finally:
        stop_app(process)
    run = the_run()
    status = run.status if run else None
    # When it ended: run.json is written last as the run ends.
    ended = (run.path / "run.json").stat().st_mtime if run and not still_training() else None
    during = [s for s in samples if s["phase"] == "training" and (ended is None or s["at"] <= ended)]
    rows = []
    figures = {}
    for phase, chosen in (("idle", [s for s in samples if s["phase"] == "idle"]), ("training", during)):
        for action in ("page", "slider"):
            picked = [s for s in chosen if s["action"] == action]
            if not picked:
                continue
            figure = {"n": len(picked)}
            for measure in ("answered", "seconds"):
                values = [s[measure] for s in picked]
                figure[measure] = {"p50": common.percentile(values, 50), "p95": common.percentile(values, 95),
                                   "max": max(values)}
            figures[f"{phase}-{action}"] = figure
            rows.append([phase, "switch page" if action == "page" else "move the slider", len(picked),
                         *(f"{figure[m][q]:.2f}" for m in ("answered", "seconds") for q in ("p50", "p95", "max"))])
    history = run.history if run else []
    result = {"machine": common.machine(), "quick": args.quick, "dataset": dataset, "epochs": epochs,
              "niceness": training_niceness(), "training_status": status, "training_history": history,
              "figures": figures, "samples": samples, "load_before": load_before, "load_after": common.load_average()}
    path = common.write_json("responsive" + (f"-{args.tag}" if args.tag else ""), result)
    print(common.table(["phase", "action", "n", "server answered p50 s", "p95", "max", "drawn p50 s", "p95", "max"],
                       rows))
    # Which pages make the p95: the same figures page by page (and the slider), drawn seconds.
    def kind(sample):
        return sample["what"] if sample["action"] == "page" else "slider"

    by_page = []
    for shown in dict.fromkeys(map(kind, samples)):
        cells = []
        for phase, chosen in (("idle", [s for s in samples if s["phase"] == "idle"]), ("training", during)):
            values = [s["seconds"] for s in chosen if kind(s) == shown]
            cells.append(f"{common.percentile(values, 50):.2f} / {max(values):.2f} ({len(values)})" if values else "-")
        by_page.append([shown, *cells])
    print()
    print(common.table(["page or action", "idle: drawn p50 / max s (n)", "training: drawn p50 / max s (n)"], by_page))
    speed = [round(h.get("images_per_second") or 0) for h in history]
    print(f"\ntraining: {status}, images/s per epoch {speed}, niceness {training_niceness()}; "
          f"load {load_before[0]:.1f} before, {result['load_after'][0]:.1f} after. Raw figures: {path}")


if __name__ == "__main__":
    sys.exit(main())
