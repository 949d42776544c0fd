"""Turning arrays into pictures a person can see: small images enlarged crisply, channels
scaled to 0..255. Used for sample grids, kernels, feature maps and preparation steps alike."""
from __future__ import annotations

import math

import numpy as np
from PIL import Image

# Every picture sent to a browser stays within these bounds, whatever was uploaded: JPEG cannot
# hold a side over 65,500 pixels, and a strip thinner than 1:8 shrinks to under a pixel high
# (Streamlit refuses that) or stretches a column to thousands of pixels.
MAX_SIDE = 2048
MAX_ASPECT = 8
PADDING = 128  # mid grey around a strip: visibly not part of a black-and-white picture


def to_uint8(values: np.ndarray) -> np.ndarray:
    """Stretch any array to 0..255 (min to black, max to white); a flat array becomes black.

    Kernels and feature maps hold arbitrary numbers; stretching each one shows its pattern."""
    values = np.asarray(values, dtype=np.float64)
    low, high = np.nanmin(values) if values.size else 0.0, np.nanmax(values) if values.size else 0.0
    if not np.isfinite(low) or not np.isfinite(high) or high - low < 1e-12:
        return np.zeros(values.shape, np.uint8)
    return np.round((values - low) / (high - low) * 255).astype(np.uint8)


def enlarge(image: np.ndarray, min_side: int = 112, max_side: int = MAX_SIDE) -> np.ndarray:
    """Repeat pixels so a 28x28 image shows as a crisp 112x112 one instead of a blur.

    Browsers smooth small images when they stretch them; a student should see the real pixels.
    The longer side never grows past `max_side` (a 1 x 585 strip is not made 112 x 65,520)."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    wanted = math.ceil(min_side / max(1, min(image.shape[:2])))
    factor = max(1, min(wanted, max_side // max(1, max(image.shape[:2]))))
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def for_display(image, min_side: int = 112, max_side: int = MAX_SIDE, *, tall: float = MAX_ASPECT) -> np.ndarray:
    """Any picture (uint8 array or PIL image, any shape) ready to send to a browser.

    Big pictures are shrunk (area averaging) to `max_side`, small ones enlarged crisply towards
    `min_side` (within `max_side`), and a strip thinner than 1:MAX_ASPECT gets grey bands on both
    sides, so whatever was uploaded, every side ends between max/MAX_ASPECT and `max_side`.
    `tall`: how many times taller than wide the result may be (1 for a picture shown at a fixed
    width, so that it is never taller than that width)."""
    if isinstance(image, Image.Image):
        if image.mode not in ("L", "RGB"):
            image = image.convert("RGB")
        if max(image.size) > max_side:  # shrink before making an array: no full-size copy
            image = image.resize(_fitted(image.size, max_side), Image.Resampling.BOX, reducing_gap=2.0)
        image = np.asarray(image)
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.size == 0:
        image = np.zeros((1, 1) + image.shape[2:], np.uint8)
    height, width = image.shape[:2]
    if max(height, width) > max_side:
        width, height = _fitted((width, height), max_side)
        image = np.asarray(Image.fromarray(np.ascontiguousarray(image)).resize((width, height),
                                                                               Image.Resampling.BOX))
    image = enlarge(image, min_side, max_side)
    height, width = image.shape[:2]
    least_height, least_width = math.ceil(width / MAX_ASPECT), math.ceil(height / tall)
    pad = [_bands(max(0, least_height - height)), _bands(max(0, least_width - width))]
    if any(pad[0] + pad[1]):
        image = np.pad(image, pad + [(0, 0)] * (image.ndim - 2), constant_values=PADDING)
    return image


def _bands(gap: int) -> tuple[int, int]:
    return gap // 2, gap - gap // 2


def _fitted(size: tuple[int, int], side: int) -> tuple[int, int]:
    """(width, height) scaled down so the longer side is `side`, keeping the shape (at least 1 x 1)."""
    scale = side / max(size)
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))
