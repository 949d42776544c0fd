"""What a training run's data augmentation does to pictures: random shifts and left-right flips.

The same transformations as the training pipeline (`cnnlab.training`), which uses Keras's
RandomTranslation (a shift of up to `shift` x the side, each way, drawn uniformly; bilinear
interpolation; black where the picture moved away) and then RandomFlip("horizontal") (half the
pictures mirrored). Done here in NumPy, so the preview needs no TensorFlow; a test checks a
shift against Keras's own layer.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnlab.explain.windows import ExplainError


@dataclass(frozen=True)
class Change:
    """What happened to one picture: moved dx pixels right and dy down (negative: left / up), mirrored or not."""

    dx: float
    dy: float
    flipped: bool

    def describe(self) -> str:
        parts = []
        if round(self.dx, 1):
            parts.append(f"{abs(self.dx):.1f} px {'right' if self.dx > 0 else 'left'}")
        if round(self.dy, 1):
            parts.append(f"{abs(self.dy):.1f} px {'down' if self.dy > 0 else 'up'}")
        text = "moved " + ", ".join(parts) if parts else "not moved"
        return text + (", mirrored" if self.flipped else "")


def shifted(image: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """The picture moved dx pixels right and dy down, with bilinear interpolation for fractions of a
    pixel and black where nothing moved in (Keras's fill_mode="constant", fill_value=0)."""
    image = np.asarray(image, dtype=np.float64)
    squeeze = image.ndim == 2
    if squeeze:
        image = image[..., None]
    h, w = image.shape[:2]
    ys = np.arange(h, dtype=np.float64) - dy  # output pixel y takes the input at y - dy
    xs = np.arange(w, dtype=np.float64) - dx
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    fy, fx = (ys - y0)[:, None, None], (xs - x0)[None, :, None]

    def at(rows, cols):
        inside = ((rows >= 0) & (rows < h))[:, None] & ((cols >= 0) & (cols < w))[None, :]
        values = image[np.clip(rows, 0, h - 1)][:, np.clip(cols, 0, w - 1)]
        return np.where(inside[..., None], values, 0.0)

    out = ((1 - fy) * (1 - fx) * at(y0, x0) + (1 - fy) * fx * at(y0, x0 + 1)
           + fy * (1 - fx) * at(y0 + 1, x0) + fy * fx * at(y0 + 1, x0 + 1))
    return out[..., 0] if squeeze else out


def augment(images: np.ndarray, shift: float, flip: bool, seed: int) -> tuple[np.ndarray, list[Change]]:
    """One epoch's view of uint8 pictures (N, H, W, C): each shifted by up to `shift` of its size and,
    with `flip`, mirrored half the time. Returns uint8 pictures and what was done to each."""
    if not 0 <= shift < 0.5:
        raise ExplainError(f"the shift must be at least 0 and below 0.5 of the picture's size, got {shift!r}")
    images = np.asarray(images)
    if images.ndim != 4:
        raise ExplainError(f"expected pictures as an array (N, H, W, C), got shape {images.shape}")
    rng = np.random.default_rng(seed)
    h, w = images.shape[1:3]
    out, changes = [], []
    for image in images:
        dx, dy = (rng.uniform(-shift, shift) * w, rng.uniform(-shift, shift) * h) if shift else (0.0, 0.0)
        flipped = bool(flip and rng.uniform() < 0.5)
        moved = shifted(image, dx, dy) if shift else image.astype(np.float64)
        out.append(moved[:, ::-1] if flipped else moved)
        changes.append(Change(float(dx), float(dy), flipped))
    return np.clip(np.rint(np.stack(out)), 0, 255).astype(np.uint8), changes
