"""How quickly does a drawing become a prediction, and how quickly does the app open?

1. Drawing to probabilities: a 280x280 canvas picture (white strokes on a see-through
   background, as streamlit-drawable-canvas sends it, synthesised with Pillow) goes through what
   the Classify page does after every stroke: `from_canvas` -> `prepare` (the whole preparation
   pipeline, every intermediate step) -> `Classifier.probabilities`. p50 and p95 over 200 calls
   (after one warm-up call, reported on its own), for each MNIST preset. The classifier is
   loaded from a saved run (`Classifier.from_run`), as the app loads it; its weights are
   untrained, which changes nothing in the time a call takes.
2. App cold start: seconds from launching `streamlit run app.py` until the home page is served
   (health endpoint, then GET /), until Chromium (driven by Playwright) shows the home page's
   title, and, in a second fresh start, until the Data page shows its sample grid (image
   elements in the main area).

    .venv/bin/python bench/latency.py                    # both parts
    .venv/bin/python bench/latency.py --skip-app         # only drawing -> probabilities
    .venv/bin/python bench/latency.py --quick            # smoke test: 20 calls, one app start
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time

import common

from cnnlab.launcher import CHROMIUM_FLAGS, answers, free_port, start_app, stop_app

MNIST_PRESETS = ("lenet5", "mnist-basic", "fast-cnn")
CANVAS_SIZE = 280
CHROMIUM = "/usr/bin/chromium"
MIN_GRID_IMAGES = 8
SHOWN_IMAGES = ("Array.from(document.querySelectorAll('[data-testid=\"stMain\"] img'))"
                ".filter(img => img.complete && img.naturalWidth > 0).length")


def drawings(count: int, seed: int = 0):
    """Digit-like scribbles: a few random pen strokes 20 px wide, each drawing different."""
    import numpy as np
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    pictures = []
    for _ in range(count):
        image = Image.new("RGBA", (CANVAS_SIZE, CANVAS_SIZE), (0, 0, 0, 0))
        pen = ImageDraw.Draw(image)
        for _ in range(rng.integers(1, 4)):
            points = [tuple(p) for p in rng.integers(50, 230, size=(rng.integers(3, 8), 2)).tolist()]
            pen.line(points, fill=(255, 255, 255, 255), width=20, joint="curve")
        pictures.append(np.asarray(image))
    return pictures


def saved_classifier(preset: str):
    """A run saved the way train() saves one, loaded back the way the app loads it."""
    from cnnlab.config import TrainConfig
    from cnnlab.datasets import DIGIT_CLASSES
    from cnnlab.inference import Classifier
    from cnnlab.network import build_model
    from cnnlab.presets import PRESETS
    from cnnlab.runs import Run, new_run_id

    run = Run(run_id=new_run_id(preset, "mnist"), config=TrainConfig.from_preset(preset, "mnist").to_json(),
              status="finished", classes=list(DIGIT_CLASSES), image_shape=[28, 28, 1])
    run.save_model(build_model(PRESETS[preset].layers, (28, 28, 1), 10, name=preset))
    run.save()
    return Classifier.from_run(run.run_id)


def drawing_latency(calls: int) -> dict:
    from cnnlab.imagefiles import from_canvas
    from cnnlab.preprocess import prepare, style_for_dataset

    pictures = drawings(calls + 1)
    result = {}
    for preset in MNIST_PRESETS:
        classifier = saved_classifier(preset)
        style = style_for_dataset(classifier.dataset)
        timings = {"prepare": [], "probabilities": [], "total": []}
        for i, rgba in enumerate(pictures):
            t0 = time.perf_counter()
            prepared = prepare(from_canvas(rgba, "#000000"), classifier.image_shape, style=style)
            t1 = time.perf_counter()
            classifier.probabilities(prepared.model_input)
            t2 = time.perf_counter()
            if i == 0:
                first = {"prepare": t1 - t0, "probabilities": t2 - t1, "total": t2 - t0}
                continue
            for key, value in (("prepare", t1 - t0), ("probabilities", t2 - t1), ("total", t2 - t0)):
                timings[key].append(value)
        result[preset] = {
            "first_call_ms": {k: v * 1000 for k, v in first.items()},
            **{f"{key}_p{q}_ms": common.percentile(values, q) * 1000
               for key, values in timings.items() for q in (50, 95)},
            "calls": len(timings["total"]),
            "raw_total_ms": [v * 1000 for v in timings["total"]],
        }
        common.say(f"{preset}: total p50 {result[preset]['total_p50_ms']:.1f} ms, "
                   f"p95 {result[preset]['total_p95_ms']:.1f} ms")
    return result


def app_start(browser, data_page: bool, timeout: float = 180) -> dict:
    """One cold start: seconds from launch to served, and to rendered in Chromium."""
    port, home = free_port(), tempfile.mkdtemp(prefix="cnnlab-bench-home-")
    env = {"HOME": home, "CNNLAB_RUNS_DIR": os.path.join(home, "runs")}  # its own empty run folder and settings
    base = f"http://127.0.0.1:{port}"
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    t0 = time.perf_counter()
    process = start_app(port, env)
    out = {}
    try:
        deadline = t0 + timeout
        if not answers(f"{base}/_stcore/health", deadline):
            raise RuntimeError("the app did not answer its health check")
        out["health_s"] = time.perf_counter() - t0
        if not answers(base + "/", deadline):
            raise RuntimeError("the app did not serve its home page")
        out["served_s"] = time.perf_counter() - t0
        if data_page:
            page.goto(base + "/data")
            # The sample grid: at least MIN_GRID_IMAGES pictures in the main area (not the sidebar),
            # each one loaded and drawn (complete, with a width).
            page.wait_for_function(f"{SHOWN_IMAGES} >= {MIN_GRID_IMAGES}",
                                   timeout=(deadline - time.perf_counter()) * 1000)
            out["data_grid_s"] = time.perf_counter() - t0
            out["data_images"] = page.evaluate(SHOWN_IMAGES)
        else:
            page.goto(base + "/")
            page.wait_for_selector('[data-testid="stMain"] h1', timeout=(deadline - time.perf_counter()) * 1000)
            out["home_rendered_s"] = time.perf_counter() - t0
    finally:
        page.close()
        stop_app(process)
        shutil.rmtree(home, ignore_errors=True)
    return out


def app_cold_start(reps: int) -> dict:
    from playwright.sync_api import sync_playwright

    has_data_page = (common.REPO / "pages" / "data.py").is_file()
    samples = {"home": [], "data": []}
    with sync_playwright() as p:
        # Playwright gives the browser a fresh profile folder of its own (the --user-data-dir advice).
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            for rep in range(reps):
                for kind in ("home", "data") if rep % 2 == 0 else ("data", "home"):
                    if kind == "data" and not has_data_page:
                        continue
                    sample = app_start(browser, data_page=kind == "data")
                    sample["load"] = common.load_average()
                    samples[kind].append(sample)
                    common.say(f"cold start {rep + 1} ({kind}): " + ", ".join(
                        f"{k} {v:.2f}" for k, v in sample.items() if k.endswith("_s")))
        finally:
            browser.close()
    summary = {key: common.median(s[key] for s in samples[kind])
               for kind, key in (("home", "health_s"), ("home", "served_s"), ("home", "home_rendered_s"),
                                 ("data", "data_grid_s")) if samples[kind]}
    return {"samples": samples, "medians": summary, "data_page_present": has_data_page}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--app-reps", type=int, default=3, help="cold starts of each kind (default 3)")
    parser.add_argument("--skip-app", action="store_true")
    args = common.arguments(parser, "20 calls, one start of each kind", cut_data=False)
    if args.quick:
        args.calls, args.app_reps = 20, 1
    result = {"machine": common.machine(with_tensorflow=True), "quick": args.quick}
    result["drawing"] = drawing_latency(args.calls)
    rows = [[preset, f"{r['prepare_p50_ms']:.1f} / {r['prepare_p95_ms']:.1f}",
             f"{r['probabilities_p50_ms']:.1f} / {r['probabilities_p95_ms']:.1f}",
             f"{r['total_p50_ms']:.1f}", f"{r['total_p95_ms']:.1f}", f"{r['first_call_ms']['total']:.0f}",
             "yes" if r["total_p95_ms"] < 20 else "no"]
            for preset, r in result["drawing"].items()]
    result["load_after_drawing"] = common.load_average()
    common.write_json("latency", result)
    if not args.skip_app:
        if not os.path.exists(CHROMIUM):
            common.say(f"{CHROMIUM} is missing: app cold start not measured (apt-get install chromium)")
        else:
            result["app"] = app_cold_start(args.app_reps)
    result["load_after"] = common.load_average()
    path = common.write_json("latency", result)
    print(common.table(["preset", "prepare p50 / p95 ms", "model p50 / p95 ms", "total p50 ms", "total p95 ms",
                        "first call ms", "p95 < 20 ms"], rows))
    print(f"\n{args.calls} calls each (after one warm-up call); canvas {CANVAS_SIZE}x{CANVAS_SIZE}.")
    if "app" in result:
        m = result["app"]["medians"]
        app_rows = [["home page served (health + GET /)", f"{m['served_s']:.2f}"],
                    ["home page rendered in Chromium", f"{m['home_rendered_s']:.2f}"]]
        if "data_grid_s" in m:
            app_rows.append(["Data page sample grid rendered (fresh start)", f"{m['data_grid_s']:.2f}"])
        else:
            app_rows.append(["Data page sample grid", "not measured: pages/data.py is absent"])
        print()
        print(common.table(["app cold start (median of %d)" % args.app_reps, "seconds from launch"], app_rows))
    print(f"\nload average before {result['machine']['load_average']}, after {result['load_after']}. "
          f"Raw figures: {path}")


if __name__ == "__main__":
    sys.exit(main())
