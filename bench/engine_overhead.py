"""Does cnnlab's training engine cost anything over a plain Keras script?

The same network, data and batch size are trained two ways, alternately, in one process:

- plain: the tutorial way, float32 arrays divided by 255 held in memory, `model.fit(x, y,
  batch_size, epochs=2, verbose=0)`, with a network written out in Keras by hand;
- cnnlab: `cnnlab.training.train(TrainConfig.from_preset(...))`, uint8 arrays, the engine's
  input pipeline, callbacks, validation split, events and per-epoch saving; on a CPU with AMX
  or AVX512-BF16 the engine computes in bfloat16 (see `precision.training_precision`; also when
  CNNLAB_PRECISION=mixed_bfloat16 is set), so where that is the case a third way, cnnlab-float32
  (CNNLAB_PRECISION=float32), shows the engine without it.

Throughput is images per second of the training pass (first batch of an epoch to its last,
validation excluded on both sides), for the first epoch (with TensorFlow's tracing) and the
second one (warm). Order alternates each repetition (plain-cnnlab, cnnlab-plain, ...) so that
a change in machine load hurts both alike; the table gives medians and the ratio cnnlab/plain.

    .venv/bin/python bench/engine_overhead.py            # 3 repetitions of each case
    .venv/bin/python bench/engine_overhead.py --reps 5 --cases lenet5-mnist-32
    .venv/bin/python bench/engine_overhead.py --quick    # smoke test on 2,048 images
"""
from __future__ import annotations

import argparse
import gc
import sys
import time

import common

CASES = {  # name: (preset, dataset, batch size)
    "lenet5-mnist-32": ("lenet5", "mnist", 32),
    "lenet5-mnist-128": ("lenet5", "mnist", 128),
    "tf-tutorial-cifar10-64": ("tf-tutorial", "cifar10", 64),
}
EPOCHS = 2


def plain_model(preset: str, input_shape, num_classes: int):
    """The network as a tutorial writes it (inputs already scaled to 0..1, so no Rescaling layer)."""
    import keras
    from keras import layers

    if preset == "lenet5":
        stack = [layers.Conv2D(6, 5, padding="same", activation="relu"), layers.AveragePooling2D(2),
                 layers.Conv2D(16, 5, padding="same", activation="relu"), layers.AveragePooling2D(2),
                 layers.Flatten(), layers.Dense(120, activation="relu"), layers.Dense(84, activation="relu")]
    elif preset == "tf-tutorial":
        stack = [layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
                 layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
                 layers.Conv2D(64, 3, activation="relu"), layers.Flatten(), layers.Dense(64, activation="relu")]
    else:
        raise ValueError(preset)
    return keras.Sequential([keras.Input(input_shape), *stack, layers.Dense(num_classes, activation="softmax")])


def epoch_timer():
    """A Keras callback timing each epoch's training pass the way cnnlab's engine does."""
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.train_seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            self.last = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.train_seconds.append(self.last - self.start)

    return EpochTimer()


def run_plain(preset: str, dataset, x_float, batch_size: int) -> dict:
    import keras

    keras.utils.set_random_seed(42)
    model = plain_model(preset, dataset.image_shape, dataset.num_classes)
    model.compile(optimizer=keras.optimizers.Adam(0.001), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    timer = epoch_timer()
    model.fit(x_float, dataset.y_train, batch_size=batch_size, epochs=EPOCHS, verbose=0, callbacks=[timer])
    n = len(dataset.y_train)
    return {"images_trained": n * EPOCHS, "parameters": int(model.count_params()), "train_seconds": timer.train_seconds,
            "images_per_second": [n / s for s in timer.train_seconds]}


def run_cnnlab(preset: str, dataset_name: str, batch_size: int, precision: str = "auto") -> dict:
    import os

    from cnnlab.config import TrainConfig
    from cnnlab.training import train

    epochs = []
    before = os.environ.get("CNNLAB_PRECISION")
    os.environ["CNNLAB_PRECISION"] = precision
    try:
        run = train(TrainConfig.from_preset(preset, dataset_name, batch_size=batch_size, epochs=EPOCHS),
                    on_event=lambda e: epochs.append(e) if e["type"] in ("start", "epoch") else None)
    finally:
        if before is None:
            os.environ.pop("CNNLAB_PRECISION")
        else:
            os.environ["CNNLAB_PRECISION"] = before
    if run.status != "finished":
        raise SystemExit(f"cnnlab training ended {run.status}: {run.message}")
    start, epochs = epochs[0], epochs[1:]
    return {"images_trained": start["train_images"] * EPOCHS, "parameters": run.parameters,
            "train_seconds": [None for _ in epochs], "epoch_seconds": [e["seconds"] for e in epochs],
            "images_per_second": [e["images_per_second"] for e in epochs],
            "run_id": run.run_id}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=3, help="repetitions of each way (default 3)")
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    args = common.arguments(parser, "2,048 images, one repetition")
    if args.quick:
        args.reps = 1
    from cnnlab.datasets import load_dataset
    from cnnlab.network import multiply_adds
    from cnnlab.precision import training_precision
    from cnnlab.presets import PRESETS

    precision = training_precision()
    peak, peak_how = common.peak_flops()
    ways = ("plain", "cnnlab") + (("cnnlab-float32",) if precision != "float32" else ())
    result = {"machine": common.machine(with_tensorflow=True), "quick": args.quick, "epochs": EPOCHS,
              "reps": args.reps, "precision": precision, "ways": ways, "peak_flops": peak,
              "peak_flops_how": peak_how, "cases": {}}
    rows = []
    for case in args.cases:
        preset, dataset_name, batch_size = CASES[case]
        dataset = load_dataset(dataset_name)
        x_float = dataset.x_train.astype("float32") / 255  # what the tutorial script holds in memory
        samples = {way: [] for way in ways}
        load_before = common.load_average()
        for rep in range(args.reps):
            for way in ways if rep % 2 == 0 else ways[::-1]:
                gc.collect()
                clock = common.Stopwatch()
                # The precision resolved above, not "auto": CNNLAB_PRECISION=mixed_bfloat16 set by the
                # person running this must reach the engine on a CPU that "auto" keeps in float32.
                asked = "float32" if way == "cnnlab-float32" else precision
                out = (run_plain(preset, dataset, x_float, batch_size) if way == "plain"
                       else run_cnnlab(preset, dataset_name, batch_size, asked))
                out.update(wall=clock.wall, cpu=clock.cpu, load=common.load_average())
                samples[way].append(out)
                common.say(f"{case} rep {rep + 1} {way}: " + ", ".join(
                    f"epoch {i + 1} {v:,.0f} img/s" for i, v in enumerate(out["images_per_second"])))
        del x_float
        summary = {}
        for way in samples:
            for epoch in range(EPOCHS):
                summary[f"{way}_epoch{epoch + 1}"] = common.median(s["images_per_second"][epoch] for s in samples[way])
        for way in ways[1:]:
            suffix = "" if way == "cnnlab" else "_float32"
            pairs = list(zip(samples["plain"], samples[way]))
            warm = [c["images_per_second"][-1] / p["images_per_second"][-1] for p, c in pairs]
            first = [c["images_per_second"][0] / p["images_per_second"][0] for p, c in pairs]
            summary[f"ratio_warm{suffix}"] = common.median(warm)
            summary[f"ratio_first{suffix}"] = common.median(first)
            # The same comparison in CPU seconds per image (whole runs), which shared cores disturb less.
            summary[f"ratio_cpu{suffix}"] = common.median(
                (p["cpu"] / p["images_trained"]) / (c["cpu"] / c["images_trained"]) for p, c in pairs)
        # Training does about 3 x 2 floating-point operations per multiply-add of the forward pass.
        flops_per_image = 6 * multiply_adds(PRESETS[preset].layers, dataset.image_shape, dataset.num_classes)
        for way in ways:
            summary[f"{way}_peak_fraction"] = summary[f"{way}_epoch{EPOCHS}"] * flops_per_image / peak
        summary.update(load_before=load_before, load_after=common.load_average(), flops_per_image=flops_per_image)
        result["cases"][case] = {"preset": preset, "dataset": dataset_name, "batch_size": batch_size,
                                 "samples": samples, "summary": summary}
        for way in ways[1:]:
            suffix = "" if way == "cnnlab" else "_float32"
            rows.append([preset, dataset_name, batch_size, way,
                         f"{summary['plain_epoch1']:,.0f}", f"{summary[f'{way}_epoch1']:,.0f}",
                         f"{summary[f'ratio_first{suffix}']:.2f}",
                         f"{summary[f'plain_epoch{EPOCHS}']:,.0f}", f"{summary[f'{way}_epoch{EPOCHS}']:,.0f}",
                         f"{summary[f'ratio_warm{suffix}']:.2f}", f"{summary[f'ratio_cpu{suffix}']:.2f}",
                         f"{summary['plain_peak_fraction']:.1%} / {summary[f'{way}_peak_fraction']:.1%}",
                         f"{load_before[0]:.1f} / {summary['load_after'][0]:.1f}"])
    result["load_after"] = common.load_average()
    path = common.write_json("engine_overhead", result)
    print(common.table(["preset", "dataset", "batch", "engine", "plain img/s (1st epoch)", "engine img/s (1st)",
                        "ratio (1st)", "plain img/s (warm)", "engine img/s (warm)", "ratio (warm)", "ratio (CPU s)",
                        "of peak FLOP/s (plain / engine, warm)", "load 1-min before/after"], rows))
    print(f"\nmedians of {args.reps} alternating repetitions; ratios = median of per-repetition engine/plain "
          f"(images per second; CPU s: plain's CPU seconds per image over the engine's, whole runs of "
          f"{EPOCHS} epochs). Engine 'cnnlab' trains in {precision}. Peak FLOP/s: {peak / 1e9:.0f} G ({peak_how}); "
          f"a training image costs 6 x the network's multiply-adds. Raw figures: {path}")


if __name__ == "__main__":
    sys.exit(main())
