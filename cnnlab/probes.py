"""Invariance probes: move, turn, resize, thicken or blur a picture the way a hand or a camera
would, and watch whether the network still reads it.

A CNN's convolutions find a pattern wherever it is, but the dense layers at the end learned
*where* each pattern usually sits; max pooling forgives only shifts smaller than its window.
So small changes keep the answer and bigger ones lose it, and where it is lost tells a student
what the network really learned. Everything works on the picture exactly as the network sees it
(28x28 for MNIST), with Pillow only: no TensorFlow here.

    transform(image, Change(rotation=20))          the changed picture
    sweep(probabilities, image, "rotation")        probabilities at every angle (one batch)
    recognised_range(values, probs, class_index)   from where to where the class stays on top
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

SUPERSAMPLE = 4  # strokes are thickened on a 4x larger copy, so a step is a quarter of a pixel
THICKNESS_STEP = 1 / SUPERSAMPLE

# What a sweep varies, and over which values: (label, unit, values).
SWEEPS = {
    "rotation": ("rotation", "degrees", tuple(range(-90, 91, 5))),
    "shift_x": ("shift left / right", "pixels", tuple(range(-10, 11))),
    "shift_y": ("shift up / down", "pixels", tuple(range(-10, 11))),
    "scale": ("size", "times", tuple(round(0.4 + 0.05 * i, 2) for i in range(25))),
    "thickness": ("stroke thickness", "pixels", tuple(round(-1.0 + 0.25 * i, 2) for i in range(11))),
    "noise": ("noise", "share of full brightness", tuple(round(0.05 * i, 2) for i in range(11))),
}


@dataclass(frozen=True)
class Change:
    """One set of changes. Shifts in pixels (right and down are positive), rotation in degrees
    (anticlockwise), scale as a factor around the centre, thickness in pixels added to (or, when
    negative, taken from) each side of a stroke, noise as the spread of random brightness changes
    (0.1 = a tenth of full brightness). The zero Change leaves a picture as it is."""

    shift_x: float = 0.0
    shift_y: float = 0.0
    rotation: float = 0.0
    scale: float = 1.0
    thickness: float = 0.0
    noise: float = 0.0
    seed: int = 0  # the same noise for the same settings: moving another slider does not re-roll it

    def with_value(self, what: str, value: float) -> "Change":
        return Change(**{**self.__dict__, what: value})


def transform(image: np.ndarray, change: Change) -> np.ndarray:
    """The picture (uint8, H x W x C, as the network takes it) with `change` applied, same shape.

    Moving and turning happen around the centre; whatever comes in from outside the frame is black,
    the background of MNIST-like pictures."""
    image = np.asarray(image, np.uint8)
    if image.ndim == 2:
        image = image[:, :, None]
    channels = [_transform_channel(image[:, :, c], change) for c in range(image.shape[2])]
    out = np.stack(channels, axis=2).astype(np.float64)
    if change.noise > 0:
        rng = np.random.default_rng(change.seed)
        out += rng.normal(0.0, change.noise * 255.0, out.shape)
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def _transform_channel(plane: np.ndarray, change: Change) -> np.ndarray:
    h, w = plane.shape
    picture = Image.fromarray(plane, "L")
    steps = int(round(abs(change.thickness) / THICKNESS_STEP))
    if steps:
        # Grow (max filter) or shrink (min filter) bright strokes a quarter pixel per pass, on a copy
        # four times larger, then bring it back: smooth changes instead of whole-pixel jumps.
        big = picture.resize((w * SUPERSAMPLE, h * SUPERSAMPLE), Image.Resampling.BICUBIC)
        grow = ImageFilter.MaxFilter(3) if change.thickness > 0 else ImageFilter.MinFilter(3)
        for _ in range(steps):
            big = big.filter(grow)
        picture = big.resize((w, h), Image.Resampling.BOX)
    if change.rotation or change.scale != 1.0 or change.shift_x or change.shift_y:
        picture = picture.transform((w, h), Image.Transform.AFFINE, _inverse_affine(w, h, change),
                                    resample=Image.Resampling.BILINEAR, fillcolor=0)
    return np.asarray(picture)


def _inverse_affine(w: int, h: int, change: Change) -> tuple[float, ...]:
    """Pillow's AFFINE maps each output pixel back to where it comes from in the input: the inverse
    of 'scale and turn around the centre, then shift'."""
    scale = max(change.scale, 1e-3)
    angle = math.radians(change.rotation)
    cx, cy = (w - 1) / 2, (h - 1) / 2
    cos, sin = math.cos(angle) / scale, math.sin(angle) / scale
    # Output (x, y) -> input: undo the shift, then the rotation (anticlockwise on screen) and scale.
    ox, oy = cx + change.shift_x, cy + change.shift_y
    a, b = cos, -sin
    d, e = sin, cos
    return (a, b, cx - a * ox - b * oy, d, e, cy - d * ox - e * oy)


def sweep_values(what: str) -> tuple[float, ...]:
    if what not in SWEEPS:
        raise ValueError(f"cannot sweep {what!r}; choose one of {', '.join(SWEEPS)}")
    return SWEEPS[what][2]


def sweep(probabilities, image: np.ndarray, what: str, base: Change = Change(),
          values: tuple[float, ...] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The network's probabilities for the picture changed by each value of `what` (the other
    changes as in `base`): (values, array of len(values) x classes), computed as one batch.

    `probabilities` is a function from a batch of pictures to a batch of probabilities
    (`Classifier.probabilities`)."""
    values = np.asarray(values if values is not None else sweep_values(what), dtype=np.float64)
    batch = np.stack([transform(image, base.with_value(what, float(v))) for v in values])
    return values, np.asarray(probabilities(batch), dtype=np.float64)


def recognised_range(values: np.ndarray, probs: np.ndarray, class_index: int, threshold: float = 0.5,
                     centre: float = 0.0) -> tuple[float, float] | None:
    """The widest run of values around `centre` (the unchanged picture) where `class_index` stays the
    network's top answer with at least `threshold` probability; None if it is not even there."""
    values, probs = np.asarray(values), np.asarray(probs)
    ok = (probs.argmax(axis=1) == class_index) & (probs[:, class_index] >= threshold)
    start = int(np.argmin(np.abs(values - centre)))
    if not ok[start]:
        return None
    lo = hi = start
    while lo > 0 and ok[lo - 1]:
        lo -= 1
    while hi < len(values) - 1 and ok[hi + 1]:
        hi += 1
    return float(values[lo]), float(values[hi])
