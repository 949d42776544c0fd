"""Photos of handwriting on paper: a generated set, and how well the Classify preparation reads it.

Real MNIST test digits are redrawn as phone photos of pen or pencil on paper: the digit's strokes
thinned to a pen's width (pencil: thinner, grey, grainy), on off-white paper with uneven light and a
soft shadow across it, camera noise, JPEG compression; the digit small (12-22% of the photo's
height), anywhere off-centre, slanted by up to 12 degrees. Each photo goes through exactly what the
Classify page does with an upload (`read_image` on the JPEG bytes, `prepare` with the MNIST style)
and a network trained on full MNIST classifies it. Reported per pen/pencil, with the paper step
on and off (`prepare(..., paper=False)`), and for the same digits as clean canvas drawings.

    CNNLAB_DATA_DIR=/path/to/data .venv/bin/python bench/paper_photos.py            # trains fast-cnn 2 epochs
    .venv/bin/python bench/paper_photos.py --run RUN_ID --count 300 --save 12        # an existing run; keep 12 photos
"""
from __future__ import annotations

import argparse
import io
import time

import common
import numpy as np
from PIL import Image, ImageFilter

PHOTO_SIZE = (640, 480)
KINDS = ("pen", "pencil")


def render_photo(digit: np.ndarray, kind: str, rng: np.random.Generator) -> bytes:
    """One MNIST digit (28x28, white on black) as a JPEG photo of it written on paper."""
    width, height = PHOTO_SIZE
    size = int(height * rng.uniform(0.12, 0.22) / 0.72)  # MNIST's digit fills about 72% of its frame
    big = Image.fromarray(digit).resize((size, size), Image.Resampling.BICUBIC)
    big = big.rotate(rng.uniform(-12, 12), resample=Image.Resampling.BICUBIC)
    coverage = np.asarray(big, np.float32) / 255
    # A pen line is thinner than MNIST's scanned strokes (a tenth of the digit): erode the stroke.
    thin_passes = int(size // 60)
    mask = Image.fromarray(np.uint8(np.clip(coverage * 255, 0, 255)))
    for _ in range(thin_passes):
        mask = mask.filter(ImageFilter.MinFilter(3))
    mask = mask.filter(ImageFilter.GaussianBlur(0.8))
    ink = np.clip((np.asarray(mask, np.float32) / 255 - 0.25) / 0.5, 0, 1)
    if kind == "pencil":
        ink *= rng.uniform(0.4, 0.6) * (0.7 + 0.3 * rng.random(ink.shape))  # grey, grainy graphite
        colour = np.array([90, 90, 95], np.float32)
    else:
        ink *= rng.uniform(0.8, 0.95)
        colour = np.array(rng.choice([[20, 25, 70], [25, 25, 30]]), np.float32)  # blue or black ink

    # Off-white paper, lit unevenly: a gradient in a random direction and a soft shadow edge.
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * (xx / width - 0.5) + np.sin(angle) * (yy / height - 0.5))
    light = 1.0 + rng.uniform(0.1, 0.25) * ramp
    edge_angle = rng.uniform(0, 2 * np.pi)
    distance = (np.cos(edge_angle) * (xx - width * rng.uniform(0.2, 0.8))
                + np.sin(edge_angle) * (yy - height * rng.uniform(0.2, 0.8)))
    shadow = 1.0 - rng.uniform(0.2, 0.4) / (1 + np.exp(-distance / rng.uniform(15, 40)))
    paper_colour = np.array([rng.uniform(225, 245), rng.uniform(220, 240), rng.uniform(200, 225)], np.float32)
    picture = np.ones((height, width, 3), np.float32) * paper_colour

    top = int(rng.uniform(0.05, 0.95) * (height - size))
    left = int(rng.uniform(0.05, 0.95) * (width - size))
    region = picture[top:top + size, left:left + size]
    picture[top:top + size, left:left + size] = region * (1 - ink[..., None]) + colour * ink[..., None]
    picture *= (light * shadow)[..., None]
    picture += rng.normal(0, rng.uniform(3, 7), picture.shape)
    out = io.BytesIO()
    Image.fromarray(np.uint8(np.clip(picture, 0, 255))).save(out, "JPEG", quality=int(rng.uniform(60, 85)))
    return out.getvalue()


def canvas_drawing(digit: np.ndarray) -> np.ndarray:
    """The same digit as a student's canvas drawing: white on black, 280x280, centred."""
    return np.asarray(Image.fromarray(digit).resize((280, 280), Image.Resampling.BICUBIC))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", help="an existing run trained on MNIST (default: train fast-cnn for 2 epochs)")
    parser.add_argument("--count", type=int, default=300, help="photos per kind (pen, pencil)")
    parser.add_argument("--save", type=int, default=0, help="keep this many photos per kind in bench/output/")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    from cnnlab.datasets import load_dataset
    from cnnlab.imagefiles import read_image
    from cnnlab.inference import Classifier
    from cnnlab.preprocess import prepare

    info = common.machine(with_tensorflow=True)
    mnist = load_dataset("mnist")
    if args.run:
        run_id = args.run
    else:
        common.use_private_runs_dir()
        from cnnlab.config import TrainConfig
        from cnnlab.training import train

        run = train(TrainConfig.from_preset("fast-cnn", "mnist", epochs=2))
        common.say(f"trained {run.run_id}: test accuracy {run.test_accuracy:.4f}")
        run_id = run.run_id
    classifier = Classifier.from_run(run_id)
    rng = np.random.default_rng(args.seed)
    chosen = rng.choice(len(mnist.y_test), args.count, replace=False)
    out_dir = common.OUTPUT / "paper-photos"
    rows, raw = [], {"machine": info, "run": run_id, "count": args.count, "seed": args.seed}
    for kind in KINDS:
        right = {"paper on": 0, "paper off": 0}
        started = time.perf_counter()
        for n, index in enumerate(chosen):
            photo = render_photo(mnist.x_test[index, :, :, 0], kind, rng)
            if n < args.save:
                out_dir.mkdir(parents=True, exist_ok=True)
                (out_dir / f"{kind}-{n:02d}-digit{mnist.y_test[index]}.jpg").write_bytes(photo)
            loaded = read_image(photo)
            for label, paper in (("paper on", True), ("paper off", False)):
                prepared = prepare(loaded, classifier.image_shape, style="digit", paper=paper)
                guess = int(np.argmax(classifier.probabilities(prepared.model_input)))
                right[label] += guess == int(mnist.y_test[index])
        seconds = time.perf_counter() - started
        rows.append([kind, args.count, f"{right['paper on'] / args.count:.1%}",
                     f"{right['paper off'] / args.count:.1%}",
                     f"{seconds / args.count * 1000:.0f}"])
        raw[kind] = {k: v / args.count for k, v in right.items()}
    canvas_right = sum(int(np.argmax(classifier.probabilities(prepare(canvas_drawing(mnist.x_test[i, :, :, 0]),
                                                                       classifier.image_shape, style="digit")
                                                               .model_input))) == int(mnist.y_test[i]) for i in chosen)
    rows.append(["canvas drawings (same digits)", args.count, f"{canvas_right / args.count:.1%}", "", ""])
    raw["canvas"] = canvas_right / args.count
    info["load_average_after"] = common.load_average()
    print(common.table(["pictures", "count", "read right (paper step on)", "paper step off",
                        "ms per photo (both ways)"], rows))
    print(f"\nrun {run_id}; load average before {info['load_average']}, after {info['load_average_after']}")
    common.write_json("paper_photos", raw)


if __name__ == "__main__":
    main()
