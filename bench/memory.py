"""How much memory does a training take? Peak resident memory (RSS) of one training process.

Each case runs in a fresh Python process (so nothing is shared or already loaded), trains one
epoch, measures the test set, saves the run, and exits; the parent reads the child's peak RSS
from the kernel (os.wait4's ru_maxrss). For comparison: a process that only imports
TensorFlow and loads the data, and the plain tutorial script for CIFAR-10 (float32 copy of the
images divided by 255 held in memory, `model.fit(x, y)`), which is what cnnlab's uint8
pipeline avoids.

    .venv/bin/python bench/memory.py
    .venv/bin/python bench/memory.py --cases cifar10-tf-tutorial plain-cifar10-tf-tutorial
    .venv/bin/python bench/memory.py --quick      # smoke test: 2,048 images
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import common

CASES = {  # name: (what, dataset, preset)
    "mnist-loaded-only": ("load", "mnist", None),
    "mnist-mnist-basic": ("cnnlab", "mnist", "mnist-basic"),
    "fashion-mnist-lenet5": ("cnnlab", "fashion-mnist", "lenet5"),
    "cifar10-loaded-only": ("load", "cifar10", None),
    "cifar10-tf-tutorial": ("cnnlab", "cifar10", "tf-tutorial"),
    "cifar10-fast-cnn-wide": ("cnnlab", "cifar10", "fast-cnn-wide"),
    "plain-cifar10-tf-tutorial": ("plain", "cifar10", "tf-tutorial"),
}
TARGET_MB = {"cifar10-tf-tutorial": 1500, "cifar10-fast-cnn-wide": 1500}


def child(case: str, quick: bool) -> None:
    """Runs inside the fresh process: do the case's work, print one JSON line."""
    if quick:
        common.quick_subset()
    common.use_private_runs_dir()
    what, dataset_name, preset = CASES[case]
    out = {}
    if what == "load":
        import tensorflow  # noqa: F401  (what every training process pays first)

        from cnnlab.datasets import load_dataset

        dataset = load_dataset(dataset_name)
        out["source"] = dataset.source
    elif what == "cnnlab":
        from cnnlab.config import TrainConfig
        from cnnlab.training import train

        run = train(TrainConfig.from_preset(preset, dataset_name, epochs=1))
        out.update(status=run.status, test_accuracy=run.test_accuracy, source=run.dataset_source)
    else:
        sys.path.insert(0, str(common.REPO / "bench"))
        import engine_overhead

        from cnnlab.datasets import load_dataset

        dataset = load_dataset(dataset_name)
        x = dataset.x_train.astype("float32") / 255
        x_test = dataset.x_test.astype("float32") / 255
        model = engine_overhead.plain_model(preset, dataset.image_shape, dataset.num_classes)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x, dataset.y_train, batch_size=64, epochs=1, validation_split=0.1, verbose=0)
        out["test_accuracy"] = float(model.evaluate(x_test, dataset.y_test, verbose=0)[1])
        out["source"] = dataset.source
    out["self_peak_mb"] = common.peak_rss_mb()
    print(json.dumps(out), flush=True)


def run_case(case: str, quick: bool) -> dict:
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, __file__, "--child", case] + (["--quick"] if quick else []),
                               stdout=subprocess.PIPE, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{case} failed (exit status {process.returncode})")
    result = json.loads(output.strip().splitlines()[-1])
    result.update(peak_rss_mb=usage.ru_maxrss / 1024, seconds=time.perf_counter() - started)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    parser.add_argument("--quick", action="store_true", help="smoke test: 2,048 images")
    parser.add_argument("--child", choices=list(CASES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.quick)
    result = {"machine": common.machine(), "quick": args.quick, "cases": {}}
    rows = []
    for case in args.cases:
        what, dataset_name, preset = CASES[case]
        common.say(f"{case} ...")
        out = run_case(case, args.quick)
        result["cases"][case] = {"what": what, "dataset": dataset_name, "preset": preset, **out}
        common.write_json("memory", result)
        target = TARGET_MB.get(case)
        rows.append([case, {"load": "import TensorFlow + load the data", "cnnlab": "cnnlab train, 1 epoch",
                            "plain": "plain script (float32 copy), 1 epoch"}[what],
                     f"{out['peak_rss_mb']:,.0f}",
                     f"under {target:,} MB: {'yes' if out['peak_rss_mb'] < target else 'no'}" if target else "",
                     f"{out['seconds']:.0f}"])
    result["load_after"] = common.load_average()
    path = common.write_json("memory", result)
    print(common.table(["case", "what", "peak RSS MB", "target", "seconds"], rows))
    print(f"\nEach case in a fresh process; peak RSS from os.wait4 (ru_maxrss). Raw figures: {path}")


if __name__ == "__main__":
    sys.exit(main())
