"""Small operations on pictures held as float32 arrays (HxW grey or HxWx3 colour, values 0-255):
finding the ink, its box and centre of mass, fitting, thickening and resizing. The steps of
cnnlab.preprocess are made of them."""
from __future__ import annotations

import math

import numpy as np
from PIL import Image

MIN_STROKE = 2.0  # thinnest stroke, in output pixels, left after shrinking (MNIST's are mostly 1.6-2.9)
EMPTY_CONTRAST = 24  # ink must stand this far (of 255) above the background's noise; pure blue on black is 29


def box(size: tuple[int, int], fill: float) -> tuple[int, int]:
    return max(1, round(size[0] * fill)), max(1, round(size[1] * fill))


def fit(x: np.ndarray, size: tuple[int, int], fill: float) -> tuple[np.ndarray, bool]:
    """Resize so the longer side fills the box, keep the shape, and centre the box in the frame."""
    height, width = size
    box_h, box_w = box(size, fill)
    h, w = x.shape[:2]
    scale = min(box_h / h, box_w / w)
    # A thin pen line on a big canvas would fade to a faint 1-pixel trace: thicken it first.
    # (Only when shrinking: enlarging never makes strokes fainter, and MNIST itself passes untouched.)
    stroke = stroke_width(luminance(x))
    radius = math.ceil((MIN_STROKE / scale - stroke) / 2) if scale < 1 and stroke * scale < MIN_STROKE else 0
    if radius > 0:
        x = thicken(x, radius)
        h, w = x.shape[:2]
        scale = min(box_h / h, box_w / w)
    new_h, new_w = max(1, min(box_h, round(h * scale))), max(1, min(box_w, round(w * scale)))
    top, left = (height - new_h + 1) // 2, (width - new_w + 1) // 2  # odd gap: extra pixel above/left, as Fashion-MNIST
    frame = np.zeros((height, width) + x.shape[2:], np.float32)
    frame[top : top + new_h, left : left + new_w] = resize(x, (new_h, new_w))
    return frame, radius > 0


def centre_by_mass(x: np.ndarray, size: tuple[int, int] | None) -> tuple[np.ndarray, tuple[int, int]]:
    """Shift the ink so its centre of mass is at (H/2, W/2): pixel (14, 14) in 28x28.

    That is where MNIST's digits have it (their mean centre of mass is (13.99, 14.01) in pixel
    coordinates), not the geometric middle 13.5. With a frame (`size`) the shift is a whole number
    of pixels that never pushes ink out of the frame; without one (fitting switched off) the
    picture is padded on one side instead.
    """
    lum = luminance(x)
    total = float(lum.sum())
    if total <= 0:
        return x, (0, 0)
    cy = float(lum.sum(axis=1) @ np.arange(lum.shape[0])) / total
    cx = float(lum.sum(axis=0) @ np.arange(lum.shape[1])) / total
    h, w = lum.shape
    if size is None:
        pad_y, pad_x = round(h - 2 * cy), round(w - 2 * cx)
        pads = [(max(pad_y, 0), max(-pad_y, 0)), (max(pad_x, 0), max(-pad_x, 0))] + [(0, 0)] * (x.ndim - 2)
        return np.pad(x, pads), (max(pad_y, 0), max(pad_x, 0))
    top, bottom, left, right = bounds(lum > 0)
    dy = int(np.clip(round(size[0] / 2 - cy), -top, h - bottom))
    dx = int(np.clip(round(size[1] / 2 - cx), -left, w - right))
    shifted = np.zeros_like(x)
    shifted[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = \
        x[max(-dy, 0) : h - max(dy, 0), max(-dx, 0) : w - max(dx, 0)]
    return shifted, (dy, dx)


def ink_box(lum: np.ndarray, ignore_specks: bool = True) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right) of the ink, or None when there is none.

    Clearly-ink pixels (a quarter of the way from background to the brightest) find the drawing;
    the box then grows to take in its faint anti-aliased edge, as MNIST's boxes do, but not stray
    specks of noise far away. Without `ignore_specks` every pixel above the background counts
    (clothes can be darker than a quarter of the brightest and still be part of the picture).
    """
    lo, hi = levels(lum)
    strong = lum > lo + 0.25 * (hi - lo) if ignore_specks else lum > lo
    if hi - lo < EMPTY_CONTRAST or not strong.any():
        return None
    top, bottom, left, right = bounds(strong)
    if not ignore_specks:
        return top, bottom, left, right
    margin = max(2, round(0.05 * max(bottom - top, right - left)))
    top, left = max(0, top - margin), max(0, left - margin)
    bottom, right = min(lum.shape[0], bottom + margin), min(lum.shape[1], right + margin)
    inner_top, inner_bottom, inner_left, inner_right = bounds(lum[top:bottom, left:right] > lo)
    return top + inner_top, top + inner_bottom, left + inner_left, left + inner_right


def is_flat(x: np.ndarray) -> bool:
    """No channel varies by EMPTY_CONTRAST or more, ignoring the most extreme 0.5% (noise, dust)."""
    values = x.reshape(-1, x.shape[2] if x.ndim == 3 else 1)
    values = values[:: max(1, len(values) // 100_000)].astype(np.float32)  # a sample is plenty
    spread = np.percentile(values, 99.5, axis=0) - np.percentile(values, 0.5, axis=0)
    return bool(spread.max() < EMPTY_CONTRAST)


def bounds(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(top, bottom, left, right), bottom and right exclusive, of the True pixels."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def levels(lum: np.ndarray) -> tuple[float, float]:
    """(background level, brightest ink) of a light-ink-on-dark picture.

    The background is the median of the border plus three times its noise (median absolute
    deviation), so paper grain and camera noise count as background; a clean canvas gives exactly
    0. A median ignores the ink where a drawing runs off the edge.
    """
    edge = border(lum)
    median = float(np.median(edge))
    noise = float(np.median(np.abs(edge - median))) * 1.4826
    return median + 3 * noise, float(lum.max())


def border(lum: np.ndarray) -> np.ndarray:
    """The pixels of a strip around the edge (4% of the shorter side, at least 1 pixel)."""
    h, w = lum.shape
    k = max(1, round(0.04 * min(h, w)))
    return np.concatenate([lum[:k].ravel(), lum[-k:].ravel(), lum[k:-k, :k].ravel(), lum[k:-k, -k:].ravel()])


def stroke_width(lum: np.ndarray) -> float:
    """Typical stroke width in pixels: ink area divided by half its outline length.

    Ink here is anything brighter than half the brightest pixel: the picture is a crop, so its
    border is ink, not background, and `_levels` would not apply.
    """
    ink = np.pad(lum > lum.max() / 2, 1).astype(np.int8)
    outline = np.abs(np.diff(ink, axis=0)).sum() + np.abs(np.diff(ink, axis=1)).sum()
    return float(ink.sum()) / max(outline / 2, 1.0)


def thicken(x: np.ndarray, radius: int) -> np.ndarray:
    """Grow bright strokes by `radius` pixels on every side (a maximum filter), padding to fit."""
    out = np.pad(x, [(radius, radius), (radius, radius)] + [(0, 0)] * (x.ndim - 2))
    for axis in (0, 1):
        grown = out.copy()
        n = out.shape[axis]
        for step in range(1, radius + 1):
            ahead, behind = [slice(None)] * out.ndim, [slice(None)] * out.ndim
            ahead[axis], behind[axis] = slice(step, n), slice(0, n - step)
            ahead, behind = tuple(ahead), tuple(behind)
            np.maximum(grown[ahead], out[behind], out=grown[ahead])
            np.maximum(grown[behind], out[ahead], out=grown[behind])
        out = grown
    return out


def resize(x: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Anti-aliased resize (Lanczos: sharp, no jagged edges), up or down, of a uint8 or float picture.

    Lanczos beat area averaging (BOX) slightly on digits redrawn from MNIST, and it keeps thin lines.
    """
    height, width = size
    if x.shape[:2] == (height, width):
        return x
    if x.dtype == np.uint8:  # photos: Pillow's fast 8-bit path, shrinking in two stages when it is big
        return np.asarray(Image.fromarray(x).resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0))
    planes = [x] if x.ndim == 2 else [x[..., c] for c in range(x.shape[2])]
    resized = [np.asarray(Image.fromarray(np.ascontiguousarray(p, np.float32)).resize((width, height),
                                                                                      Image.Resampling.LANCZOS))
               for p in planes]
    return np.clip(resized[0] if x.ndim == 2 else np.stack(resized, axis=2), 0, 255)


def luminance(x: np.ndarray) -> np.ndarray:
    """Brightness as Pillow's "L" conversion computes it (ITU-R 601 weights)."""
    if x.ndim == 2:
        return x
    return x[..., 0] * 0.299 + x[..., 1] * 0.587 + x[..., 2] * 0.114
