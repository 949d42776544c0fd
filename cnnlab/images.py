"""Turning arrays into pictures a person can see: small images enlarged crisply, channels
scaled to 0..255. Used for sample grids, kernels, feature maps and preparation steps alike."""
from __future__ import annotations

import numpy as np


def to_uint8(values: np.ndarray) -> np.ndarray:
    """Stretch any array to 0..255 (min to black, max to white); a flat array becomes black.

    Kernels and feature maps hold arbitrary numbers; stretching each one shows its pattern."""
    values = np.asarray(values, dtype=np.float64)
    low, high = np.nanmin(values) if values.size else 0.0, np.nanmax(values) if values.size else 0.0
    if not np.isfinite(low) or not np.isfinite(high) or high - low < 1e-12:
        return np.zeros(values.shape, np.uint8)
    return np.round((values - low) / (high - low) * 255).astype(np.uint8)


def enlarge(image: np.ndarray, min_side: int = 112) -> np.ndarray:
    """Repeat pixels so a 28x28 image shows as a crisp 112x112 one instead of a blur.

    Browsers smooth small images when they stretch them; a student should see the real pixels."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    factor = max(1, int(np.ceil(min_side / max(1, min(image.shape[:2])))))
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)
