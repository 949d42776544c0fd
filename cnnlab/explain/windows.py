"""Where a sliding window lands: the output size, the zeros added around the picture, the formula.

Convolution and pooling share this arithmetic, and so does the receptive field, so it lives here
once. It follows Keras exactly: 'valid' keeps only windows that fit inside the picture; 'same'
gives ceil(N / S) outputs and pads just enough zeros for that, half before and the rest after
(an odd number of padding pixels puts the extra one at the bottom / right, as TensorFlow does).
"""
from __future__ import annotations

import math

import numpy as np

from cnnlab.layers import PADDINGS
from cnnlab.settings import CnnlabError


class ExplainError(CnnlabError):
    """Settings a window cannot have, or a picture it cannot slide over; the message says which."""


def span(kernel: int, dilation: int = 1) -> int:
    """How many pixels a kernel covers from its first tap to its last: D(K-1) + 1."""
    return dilation * (kernel - 1) + 1


def check_window(kernel: int, stride: int, padding: str, dilation: int = 1) -> None:
    for name, value in (("kernel size", kernel), ("stride", stride), ("dilation", dilation)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ExplainError(f"the {name} must be a whole number of at least 1, got {value!r}")
    if padding not in PADDINGS:
        raise ExplainError(f"padding must be one of {', '.join(PADDINGS)}, got {padding!r}")


def output_size(n: int, kernel: int, stride: int = 1, padding: str = "valid", dilation: int = 1) -> int:
    """Outputs along one side of n pixels; 0 when a 'valid' window does not fit at all."""
    check_window(kernel, stride, padding, dilation)
    if padding == "same":
        return math.ceil(n / stride)
    width = span(kernel, dilation)
    return 0 if n < width else (n - width) // stride + 1


def padding_amounts(n: int, kernel: int, stride: int = 1, padding: str = "valid", dilation: int = 1) -> tuple[int, int]:
    """Zeros added (before, after) along one side, as Keras adds them."""
    if padding == "valid":
        check_window(kernel, stride, padding, dilation)
        return 0, 0
    total = max((output_size(n, kernel, stride, padding, dilation) - 1) * stride + span(kernel, dilation) - n, 0)
    return total // 2, total - total // 2


def size_formula(n: int, kernel: int, stride: int = 1, padding: str = "valid", dilation: int = 1) -> str:
    """`out = floor((N + 2P - D(K-1) - 1) / S) + 1` with the numbers filled in, 2P being all the
    zeros added along this side (with 'same' they may be uneven: the text then says how)."""
    before, after = padding_amounts(n, kernel, stride, padding, dilation)
    out = output_size(n, kernel, stride, padding, dilation)
    total = before + after
    text = (f"out = floor((N + 2P − D(K−1) − 1) / S) + 1 = "
            f"floor(({n} + {total} − {dilation}·({kernel}−1) − 1) / {stride}) + 1 = {out}")
    if padding == "valid":
        return text + ("  (the window is wider than the picture: nothing fits)" if out == 0 else "")
    split = f"{before} before and {after} after" if before != after else f"{before} on each side"
    return text + f"  ('same' padding: 2P = {total} zeros, {split})"


def padded(image: np.ndarray, pad: tuple[tuple[int, int], tuple[int, int]], fill: float = 0.0) -> np.ndarray:
    """An (H, W, C) picture with `pad` ((top, bottom), (left, right)) pixels of `fill` around it."""
    return np.pad(image, (*pad, (0, 0)), constant_values=fill)


def sliding_windows(picture: np.ndarray, size: tuple[int, int], stride: int, dilation: int = 1) -> np.ndarray:
    """Every window of an (already padded) (H, W, C) picture: an array (rows, cols, C, kh, kw).

    A view, not a copy: the taps of a dilated window are every D-th pixel of a wider one."""
    kh, kw = size
    wide = (span(kh, dilation), span(kw, dilation))
    view = np.lib.stride_tricks.sliding_window_view(picture, wide, axis=(0, 1))
    return view[::stride, ::stride, :, ::dilation, ::dilation]


def windows_over(picture: np.ndarray, size: tuple[int, int], stride: int, padding: str, dilation: int = 1, *,
                 fill: float = 0.0, too_big: str) -> tuple[tuple[tuple[int, int], tuple[int, int]], np.ndarray]:
    """Every position of a (kh, kw) window over `picture`, padded with `fill` as Keras pads:
    ((top, bottom), (left, right)) padding and the windows (rows, cols, C, kh, kw). Raises
    ExplainError(too_big) when not one window fits."""
    kh, kw = size
    check_window(kh, stride, padding, dilation)
    check_window(kw, stride, padding, dilation)
    h, w = picture.shape[:2]
    rows, cols = output_size(h, kh, stride, padding, dilation), output_size(w, kw, stride, padding, dilation)
    if rows == 0 or cols == 0:
        raise ExplainError(too_big)
    pad = (padding_amounts(h, kh, stride, padding, dilation), padding_amounts(w, kw, stride, padding, dilation))
    return pad, sliding_windows(padded(picture, pad, fill), (kh, kw), stride, dilation)[:rows, :cols]


def as_picture(image) -> np.ndarray:
    """(H, W) or (H, W, C) numbers -> float64 (H, W, C); a clear error for anything else."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3 or min(image.shape) < 1:
        raise ExplainError(f"a picture must be an array of height x width (x channels), got shape {image.shape}")
    if not np.isfinite(image).all():
        raise ExplainError("the picture holds values that are not numbers (NaN or infinity)")
    return image


class SlidingWindow:
    """What a convolution and a pooling layer share: a window that visits the cells of an output
    map row by row. Subclasses hold `output` (rows, cols, ...) and name their window and map."""

    output: np.ndarray
    WINDOW = "window"  # what slides: "kernel" or "window"
    MAP = "output map"

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols) of the output map."""
        return self.output.shape[0], self.output.shape[1]

    @property
    def positions(self) -> int:
        return self.shape[0] * self.shape[1]

    def position(self, index: int) -> tuple[int, int]:
        """(row, col) of the index-th position the window visits (row by row, from 0)."""
        if not 0 <= index < self.positions:
            raise ExplainError(f"position {index} does not exist: the {self.WINDOW} visits {self.positions} positions")
        return divmod(int(index), self.shape[1])

    def check_cell(self, row: int, col: int) -> None:
        if not (0 <= row < self.shape[0] and 0 <= col < self.shape[1]):
            raise ExplainError(f"the {self.MAP} is {self.shape[0]}x{self.shape[1]}: there is no cell "
                               f"(row {row}, column {col})")
