"""Convolution, one position at a time: the window of the picture under the kernel, the products
of each pixel with its weight, their sum (plus the bias), and the cell of the output it fills.

`convolve` computes the whole output map at once (NumPy windows and one einsum, fast enough to
redraw while a slider moves) and keeps what is needed to explain any single position. It
computes exactly what a Keras `Conv2D` layer computes before its activation (tests check it to
1e-5 for random kernels, strides, paddings and dilations), so a learned kernel applied here to
a picture scaled to 0..1 gives the trained network's own feature map.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from cnnlab.explain.windows import (ExplainError, as_picture, check_window, output_size, padded, padding_amounts,
                                    size_formula, span, sliding_windows)

MAX_TYPED_KERNEL = 7  # a typed kernel bigger than 7x7 is not worth typing, nor readable on screen


@dataclass(frozen=True)
class HandMadeKernel:
    name: str
    weights: tuple[tuple[float, ...], ...]
    what_it_does: str  # one sentence for the student

    @property
    def array(self) -> np.ndarray:
        return np.array(self.weights, dtype=np.float64)


_KERNELS = [
    HandMadeKernel("identity", ((0, 0, 0), (0, 1, 0), (0, 0, 0)),
                   "copies the picture: only the centre weight is 1, so each output is the pixel under the centre."),
    HandMadeKernel("blur", ((1 / 16, 2 / 16, 1 / 16), (2 / 16, 4 / 16, 2 / 16), (1 / 16, 2 / 16, 1 / 16)),
                   "averages each pixel with its neighbours (the centre counts most), so edges get soft."),
    HandMadeKernel("sharpen", ((0, -1, 0), (-1, 5, -1), (0, -1, 0)),
                   "adds to each pixel how much it stands out from its four neighbours, so edges get crisper."),
    HandMadeKernel("Sobel x", ((-1, 0, 1), (-2, 0, 2), (-1, 0, 1)),
                   "is large where the picture gets brighter from left to right, negative where it gets darker: "
                   "it finds vertical edges."),
    HandMadeKernel("Sobel y", ((-1, -2, -1), (0, 0, 0), (1, 2, 1)),
                   "is large where the picture gets brighter from top to bottom: it finds horizontal edges."),
    HandMadeKernel("outline", ((-1, -1, -1), (-1, 8, -1), (-1, -1, -1)),
                   "is zero on flat areas and large wherever a pixel differs from all around it: it draws outlines."),
]
HAND_MADE_KERNELS: dict[str, HandMadeKernel] = {kernel.name: kernel for kernel in _KERNELS}


def average_kernel(size: int) -> np.ndarray:
    """A size x size kernel of equal weights summing to 1: average pooling as a convolution."""
    return np.full((size, size), 1.0 / (size * size))


def parse_kernel(text: str) -> np.ndarray:
    """A square kernel typed as rows of numbers ("0 -1 0 / -1 5 -1 / 0 -1 0": one row per line,
    or rows separated by ';' or '/'), numbers separated by spaces or commas; fractions such as 1/9
    are allowed. Raises ExplainError saying what to fix."""
    rows = [row.strip() for row in re.split(r"[\n;]|\s/\s", text or "") if row.strip()]
    if not rows:
        raise ExplainError("type the kernel's weights: one row per line, numbers separated by spaces")
    numbers: list[list[float]] = []
    for number, row in enumerate(rows, start=1):
        values = []
        for token in re.split(r"[\s,]+", row):
            try:
                value = float(Fraction(token)) if "/" in token else float(token)
            except (ValueError, ZeroDivisionError):
                raise ExplainError(f"row {number}: {token!r} is not a number (write e.g. -1, 0.5 or 1/9)") from None
            if not np.isfinite(value):
                raise ExplainError(f"row {number}: {token!r} is not a finite number")
            values.append(value)
        numbers.append(values)
    size = len(numbers)
    for number, values in enumerate(numbers, start=1):
        if len(values) != size:
            raise ExplainError(f"a kernel must be square: there are {size} rows, but row {number} has "
                               f"{len(values)} number{'s' if len(values) != 1 else ''}")
    if size > MAX_TYPED_KERNEL:
        raise ExplainError(f"a typed kernel can be at most {MAX_TYPED_KERNEL}x{MAX_TYPED_KERNEL}, got {size}x{size}")
    return np.array(numbers, dtype=np.float64)


def format_kernel(kernel: np.ndarray) -> str:
    """A 2-D kernel as text `parse_kernel` reads back: one row per line, short numbers."""
    return "\n".join(" ".join(_short(v) for v in row) for row in np.asarray(kernel, dtype=np.float64))


def _short(value: float) -> str:
    for denominator in (1, 2, 4, 8, 9, 16, 25):
        if abs(value * denominator - round(value * denominator)) < 1e-9:
            n = round(value * denominator)
            return str(n) if denominator == 1 else f"{n}/{denominator}"
    return f"{value:.4g}"


def _as_kernel(kernel, channels: int) -> np.ndarray:
    """(K, K) / (K, K, C) / (K, K, C, F) -> float64 (K, K, C, F), checked against the picture."""
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim == 2:
        if channels != 1:
            raise ExplainError(f"the picture has {channels} channels, so the kernel needs a grid of weights for each "
                               f"(an array of {kernel.shape[0]}x{kernel.shape[1]}x{channels})")
        kernel = kernel[:, :, None]
    if kernel.ndim == 3:
        kernel = kernel[..., None]
    if kernel.ndim != 4 or min(kernel.shape) < 1:
        raise ExplainError(f"a kernel must be an array of height x width (x channels x filters), got {kernel.shape}")
    if kernel.shape[2] != channels:
        raise ExplainError(f"the kernel reads {kernel.shape[2]} channel(s) but the picture has {channels}")
    if not np.isfinite(kernel).all():
        raise ExplainError("the kernel holds values that are not numbers (NaN or infinity)")
    return kernel


@dataclass(frozen=True, eq=False)
class Convolution:
    """A whole convolution and everything needed to show any one position of it.

    image (H, W, C) and kernel (kh, kw, C, F) as float64; output (rows, cols, F): the sums plus
    bias, before any activation. Positions are numbered row by row from 0, the order in which
    the kernel slides."""

    image: np.ndarray
    kernel: np.ndarray
    bias: np.ndarray  # (F,)
    stride: int
    padding: str
    dilation: int
    pad: tuple[tuple[int, int], tuple[int, int]]  # zeros added ((top, bottom), (left, right))
    output: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols) of the output map."""
        return self.output.shape[0], self.output.shape[1]

    @property
    def positions(self) -> int:
        return self.shape[0] * self.shape[1]

    def position(self, index: int) -> tuple[int, int]:
        """(row, col) of the index-th position the kernel visits (row by row, from 0)."""
        if not 0 <= index < self.positions:
            raise ExplainError(f"position {index} does not exist: the kernel visits {self.positions} positions")
        return divmod(int(index), self.shape[1])

    def _check(self, row: int, col: int) -> None:
        if not (0 <= row < self.shape[0] and 0 <= col < self.shape[1]):
            raise ExplainError(f"the output map is {self.shape[0]}x{self.shape[1]}: there is no cell "
                               f"(row {row}, column {col})")

    def taps(self, row: int, col: int) -> tuple[np.ndarray, np.ndarray]:
        """The picture's row and column numbers under each kernel row and column at output (row, col);
        numbers below 0 or past the edge fall in the zero padding."""
        self._check(row, col)
        kh, kw = self.kernel.shape[:2]
        top = row * self.stride - self.pad[0][0]
        left = col * self.stride - self.pad[1][0]
        return top + self.dilation * np.arange(kh), left + self.dilation * np.arange(kw)

    def window(self, row: int, col: int) -> np.ndarray:
        """The (kh, kw, C) pixels under the kernel's taps at output (row, col); 0 in the padding."""
        rows, cols = self.taps(row, col)
        h, w = self.image.shape[:2]
        inside = (rows[:, None] >= 0) & (rows[:, None] < h) & (cols[None, :] >= 0) & (cols[None, :] < w)
        values = self.image[np.clip(rows, 0, h - 1)[:, None], np.clip(cols, 0, w - 1)[None, :]]
        return np.where(inside[..., None], values, 0.0)

    def products(self, row: int, col: int, filter: int = 0) -> np.ndarray:
        """Each pixel of the window times its weight: (kh, kw, C)."""
        return self.window(row, col) * self.kernel[..., filter]

    def total(self, row: int, col: int, filter: int = 0) -> float:
        """The sum of the products plus the bias: the value of the output cell (row, col)."""
        return float(self.products(row, col, filter).sum() + self.bias[filter])

    def map(self, filter: int = 0) -> np.ndarray:
        """The output map (rows, cols) of one filter."""
        return self.output[..., filter]

    def formulas(self) -> list[str]:
        """The output-size formula with this convolution's numbers, for the height and (when the
        numbers differ) the width."""
        (h, w), (kh, kw) = self.image.shape[:2], self.kernel.shape[:2]
        height = size_formula(h, kh, self.stride, self.padding, self.dilation)
        if (h, kh) == (w, kw):
            return [height]
        return [f"height: {height}", f"width: {size_formula(w, kw, self.stride, self.padding, self.dilation)}"]


def convolve(image, kernel, stride: int = 1, padding: str = "valid", dilation: int = 1, bias=0.0) -> Convolution:
    """Slide `kernel` over `image` and return the whole `Convolution`.

    image: (H, W) or (H, W, C); kernel: (K, K) for a grey picture, (K, K, C), or (K, K, C, F) for
    F filters at once (Keras's layout); bias: one number, or one per filter. What Keras's Conv2D
    computes before its activation, with the same 'valid'/'same' rules."""
    picture = as_picture(image)
    weights = _as_kernel(kernel, picture.shape[2])
    kh, kw, _, filters = weights.shape
    check_window(kh, stride, padding, dilation)
    check_window(kw, stride, padding, dilation)
    h, w = picture.shape[:2]
    rows, cols = output_size(h, kh, stride, padding, dilation), output_size(w, kw, stride, padding, dilation)
    if rows == 0 or cols == 0:
        raise ExplainError(f"the {kh}x{kw} kernel{f' with dilation {dilation}' if dilation > 1 else ''} spans "
                           f"{span(kh, dilation)}x{span(kw, dilation)} pixels, more than the {h}x{w} picture: use "
                           "'same' padding, a smaller kernel or less dilation")
    pad = (padding_amounts(h, kh, stride, padding, dilation), padding_amounts(w, kw, stride, padding, dilation))
    windows = sliding_windows(padded(picture, pad), (kh, kw), stride, dilation)[:rows, :cols]
    output = np.einsum("rscij,ijcf->rsf", windows, weights, optimize=True)
    biases = np.broadcast_to(np.asarray(bias, dtype=np.float64).ravel(), (filters,)) if np.size(bias) in (1, filters) \
        else None
    if biases is None:
        raise ExplainError(f"give one bias, or one per filter ({filters}), not {np.size(bias)}")
    return Convolution(picture, weights, np.array(biases), int(stride), padding, int(dilation), pad, output + biases)
