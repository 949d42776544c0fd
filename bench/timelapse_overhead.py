"""What do the time-lapse snapshots cost? (issue 12: at most 5% of training time, a few MB a run)

Each case trains the same preset twice per repetition, with snapshots and without
(`train(..., timelapse=False)`), alternating the order, and reports:

- wall seconds of the whole `train()` call, median of each, and their ratio (noisy on a shared
  machine: both sides suffer alike, but a single difference can be a few percent either way);
- the cost measured directly: the recorder's snapshot taken 20 times on the trained network
  (forward pass over the probe pictures, packing, compressed write), median ms, times the run's
  number of snapshots, as a share of its training seconds: the figure the 5% target is about;
- the snapshots' size on disk.

    CNNLAB_DATA_DIR=/path/to/data .venv/bin/python bench/timelapse_overhead.py
    .venv/bin/python bench/timelapse_overhead.py --cases fast-cnn-sample --reps 1
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import common

CASES = {  # name: (preset, dataset, epochs)
    "fast-cnn-mnist": ("fast-cnn", "mnist", 2),
    "fast-cnn-sample": ("fast-cnn", "mnist-sample", 3),
    "lenet5-fashion-sample": ("lenet5", "fashion-sample", 3),
}


def snapshot_ms(run, dataset, repeats: int = 20) -> float:
    """Median milliseconds of one snapshot of the run's trained network."""
    from cnnlab import runs
    from cnnlab.timelapse import make_recorder

    model = runs.load_model(run.run_id)
    with tempfile.TemporaryDirectory() as folder:
        recorder = make_recorder(Path(folder), dataset.x_test, dataset.y_test, dataset.num_classes, 100)
        recorder.set_model(model)
        recorder.on_train_begin()
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            recorder._snapshot(1.0)
            times.append(time.perf_counter() - start)
    return common.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--reps", type=int, default=2)
    args = parser.parse_args()
    common.use_private_runs_dir()
    from cnnlab.config import TrainConfig
    from cnnlab.datasets import load_dataset
    from cnnlab.timelapse import folder_size, load_timelapse
    from cnnlab.training import train

    info = common.machine(with_tensorflow=True)
    rows, raw = [], []
    for name in args.cases:
        preset, dataset_name, epochs = CASES[name]
        dataset = load_dataset(dataset_name)
        config = TrainConfig.from_preset(preset, dataset_name, epochs=epochs)
        walls = {True: [], False: []}
        last = None
        for rep in range(args.reps):
            for with_snapshots in ((True, False) if rep % 2 == 0 else (False, True)):
                clock = common.Stopwatch()
                run = train(config, timelapse=with_snapshots)
                walls[with_snapshots].append(clock.wall)
                common.say(f"{name} rep {rep + 1} snapshots={with_snapshots}: {clock.wall:.1f} s, "
                           f"training {run.seconds:.1f} s, test accuracy {run.test_accuracy:.4f}")
                if with_snapshots:
                    last = run
        lapse = load_timelapse(last.path)
        count, size = len(lapse.snapshots), folder_size(last.path)
        ms = snapshot_ms(last, dataset)
        with_s, without_s = common.median(walls[True]), common.median(walls[False])
        direct = count * ms / 1000 / last.seconds
        rows.append([name, epochs, count, f"{ms:.1f}", f"{direct:.2%}", f"{with_s:.1f}", f"{without_s:.1f}",
                     f"{with_s / without_s:.3f}", f"{size / 1e6:.2f}"])
        raw.append({"case": name, "preset": preset, "dataset": dataset_name, "epochs": epochs, "snapshots": count,
                    "snapshot_ms": ms, "direct_share": direct, "training_seconds": last.seconds,
                    "wall_with": walls[True], "wall_without": walls[False], "bytes": size})
    info["load_average_after"] = common.load_average()
    print(common.table(["case", "epochs", "snapshots", "ms each", "snapshots / training time",
                        "wall s with", "wall s without", "ratio", "MB on disk"], rows))
    print(f"\nload average before {info['load_average']}, after {info['load_average_after']}")
    common.write_json("timelapse_overhead", {"machine": info, "cases": raw})


if __name__ == "__main__":
    main()
