"""Photos of handwriting on paper: even out the light, keep only the ink.

A phone photo of a digit on paper is nothing like an MNIST scan: the paper is off-white and
lit unevenly (brighter near the lamp, a shadow of the hand or the phone across it), the camera
adds grain and JPEG blocks, and pencil is a pale grey where pen is nearly black. One global
threshold then either keeps the shadow as "ink" or loses the pencil.

`even_out_paper` looks at the paper locally instead: in every neighbourhood the paper is the
brightest thing, so the neighbourhood's brightest value, smoothed, is how bright the paper is
there (light and shadow included). Dividing by it leaves flat paper and ink as a share of
darkening. Paper grain is then measured (median and spread of that darkening) and dropped, and
what stands clearly above it is stretched so the faintest pencil line becomes as dark as pen.
The result is still dark ink on light paper: the usual steps (invert, contrast, crop, fit with
stroke thickening, centre) follow as for any picture. NumPy and Pillow only.
"""
from __future__ import annotations

import numpy as np
from PIL import Image

BLOCKS_ACROSS = 40  # the paper's brightness is estimated on a grid this fine (per shorter side)
GRAIN_SPREADS = 4.0  # darkening this many spreads above the paper's typical grain counts as ink
INK_PERCENTILE = 95  # ...and this percentile of the ink becomes full black (pencil as dark as pen)
FAINT_SHARE = 0.2
MIN_INK_RANGE = 0.08  # below this darkening range there is no ink to speak of: leave the picture alone


def paper_brightness(grey: np.ndarray) -> np.ndarray:
    """How bright the paper is at every pixel (float32, same shape): the brightest value of each
    block of a coarse grid, closed over the neighbouring blocks (so a thick stroke filling a block
    is not mistaken for paper), and enlarged back smoothly."""
    grey = np.asarray(grey, np.float32)
    h, w = grey.shape
    block = max(2, min(h, w) // BLOCKS_ACROSS)
    rows, cols = -(-h // block), -(-w // block)
    padded = np.pad(grey, ((0, rows * block - h), (0, cols * block - w)), mode="edge")
    brightest = padded.reshape(rows, block, cols, block).max(axis=(1, 3))
    # Widening then narrowing again (a "closing"): strokes up to a block wide vanish, while the edge
    # of a shadow stays where it is instead of letting the bright side spill over into the dark one.
    closed = _neighbours(_neighbours(brightest, np.max), np.min)
    small = Image.fromarray(closed.astype(np.float32), "F")
    return np.maximum(np.asarray(small.resize((w, h), Image.Resampling.BILINEAR), np.float32), 1.0)


def _neighbours(grid: np.ndarray, reduce) -> np.ndarray:
    """Each cell replaced by `reduce` (max, mean) of itself and its 8 neighbours (edges repeated)."""
    padded = np.pad(grid, 1, mode="edge")
    h, w = grid.shape
    stack = np.stack([padded[dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3)])
    return reduce(stack, axis=0)


def even_out_paper(grey: np.ndarray) -> tuple[np.ndarray, dict]:
    """Dark ink on evenly white paper (float32 0-255, same shape) from a grey photo of paper, and
    what was found: {"grain": typical darkening of bare paper, "threshold", "ink_level", "ink_share"}.

    A clean drawing (flat white background, black ink) comes back unchanged apart from rounding."""
    grey = np.asarray(grey, np.float32)
    darkening = np.clip(1.0 - grey / paper_brightness(grey), 0.0, 1.0)
    if min(grey.shape) >= 100:  # a photo: average away single-pixel camera noise (strokes are wider)
        darkening = _neighbours(darkening, np.mean)
    grain = float(np.median(darkening))
    spread = float(np.median(np.abs(darkening - grain))) * 1.4826  # the spread of bare paper, robustly
    threshold = grain + GRAIN_SPREADS * max(spread, 0.01)
    ink = darkening[darkening > threshold]
    level = float(np.percentile(ink, INK_PERCENTILE)) if ink.size else 0.0
    found = {"grain": grain, "threshold": threshold, "ink_level": level,
             "ink_share": float(ink.size / max(darkening.size, 1))}
    if level - threshold < MIN_INK_RANGE:
        return 255.0 * (1.0 - darkening), found
    # The lowest fifth of the range above the grain is left out too: faint smudges where a shadow
    # meets the picture's edge, not strokes (a pencil stroke's middle is at the top of the range).
    floor = threshold + FAINT_SHARE * (level - threshold)
    strength = np.clip((darkening - floor) / (level - floor), 0.0, 1.0)
    return 255.0 * (1.0 - strength), found
