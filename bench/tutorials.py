"""Do the tutorial presets reach their tutorials' results when trained by cnnlab?

Each tutorial preset is trained through cnnlab's engine (`cnnlab.training.train` with
`TrainConfig.from_preset(preset, its tutorial's dataset)`), with its tutorial's own settings
(epochs, batch size, optimizer, learning rate, validation split), then measured on the test set.
The table compares the test accuracy with the figure the tutorial published, where it gives one.

    .venv/bin/python bench/tutorials.py                       # all five (tens of minutes on 2 cores)
    .venv/bin/python bench/tutorials.py --presets lenet5 mnist-basic
    .venv/bin/python bench/tutorials.py --quick               # smoke test: 2,048 images, 1 epoch

CIFAR-10 figures are only comparable with published ones when the data is the original; a copy
made of JPEG files (like /work/data/cifar10 here) is slightly lossy: the table says which it was.
"""
from __future__ import annotations

import argparse
import re
import sys

import common

TUTORIALS = ("lenet5", "mnist-basic", "cifar-basic", "tf-tutorial", "fashion-bn")


def published_accuracy(text: str | None) -> float | None:
    """"90.67% test accuracy on Fashion-MNIST" -> 0.9067."""
    found = re.search(r"(\d+(?:\.\d+)?)\s*%", text or "")
    return float(found.group(1)) / 100 if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--presets", nargs="+", choices=TUTORIALS, default=list(TUTORIALS))
    parser.add_argument("--epochs", type=int, help="override every preset's epochs (not its tutorial's setting!)")
    args = common.arguments(parser, "2,048 images, 1 epoch")
    if args.quick:
        args.epochs = 1
    from cnnlab.config import TrainConfig
    from cnnlab.presets import PRESETS
    from cnnlab.training import train

    result = {"machine": common.machine(with_tensorflow=True), "quick": args.quick, "runs": {}}
    rows = []
    for preset_id in args.presets:
        preset = PRESETS[preset_id]
        config = TrainConfig.from_preset(preset_id, preset.dataset, epochs=args.epochs)
        load_before = common.load_average()
        common.say(f"{preset_id} on {preset.dataset}: {config.epochs} epochs, batch {config.batch_size} ...")
        clock = common.Stopwatch()
        run = train(config, on_event=lambda e: e["type"] == "epoch" and common.say(
            f"  epoch {e['epoch']}/{e['epochs']}: val_accuracy {e['val_accuracy']:.4f}, {e['seconds']:.1f} s"))
        wall, cpu = clock.wall, clock.cpu
        target = published_accuracy(preset.published)
        result["runs"][preset_id] = {
            "config": config.to_json(), "status": run.status, "message": run.message,
            "test_accuracy": run.test_accuracy, "test_loss": run.test_loss, "published": preset.published,
            "published_accuracy": target, "training_seconds": run.seconds, "wall_seconds": wall,
            "cpu_seconds": cpu, "history": run.history, "dataset_source": run.dataset_source,
            "load_before": load_before, "load_after": common.load_average(), "run_id": run.run_id,
        }
        common.write_json("tutorials", result)  # after each preset: a long run interrupted keeps what it has
        accuracy = f"{run.test_accuracy:.2%}" if run.test_accuracy is not None else run.status
        gap = f"{(run.test_accuracy - target) * 100:+.2f} pt" if target and run.test_accuracy is not None else ""
        dataset = preset.dataset + (" (JPEG copy)" if "image files" in run.dataset_source else "")
        rows.append([preset_id, dataset, config.epochs, config.batch_size, accuracy,
                     f"{target:.2%}" if target else "-", gap, f"{run.seconds:.0f}", f"{cpu:.0f}",
                     f"{load_before[0]:.1f} / {common.load_average()[0]:.1f}"])
    path = common.write_json("tutorials", result)
    print(common.table(["preset", "dataset", "epochs", "batch", "test accuracy", "published", "difference",
                        "training s", "CPU s", "load before/after"], rows))
    print(f"\ntraining s: sum of the epochs' seconds (training and validation passes). Raw figures: {path}")


if __name__ == "__main__":
    sys.exit(main())
