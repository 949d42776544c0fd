"""Max and average pooling, one window at a time: the window, its winning cell (max pooling), and
the value it leaves in the smaller map.

Pooling works on every channel separately. It follows Keras: 'valid' keeps only whole windows;
'same' pads, but the padding never wins a max and is not counted in an average.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnlab.explain.windows import ExplainError, as_picture, check_window, output_size, padded, padding_amounts, \
    sliding_windows

POOL_KINDS = ("max", "average")


@dataclass(frozen=True, eq=False)
class Pooling:
    """A whole pooling of an (H, W, C) map; output (rows, cols, C). Positions row by row from 0."""

    image: np.ndarray
    kind: str
    size: int
    stride: int
    padding: str
    pad: tuple[tuple[int, int], tuple[int, int]]
    output: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.output.shape[0], self.output.shape[1]

    @property
    def positions(self) -> int:
        return self.shape[0] * self.shape[1]

    def position(self, index: int) -> tuple[int, int]:
        if not 0 <= index < self.positions:
            raise ExplainError(f"position {index} does not exist: the window visits {self.positions} positions")
        return divmod(int(index), self.shape[1])

    def bounds(self, row: int, col: int) -> tuple[int, int, int, int]:
        """(top, bottom, left, right) of the window at (row, col) in the map, inclusive, clipped
        to the map (the padding holds nothing)."""
        if not (0 <= row < self.shape[0] and 0 <= col < self.shape[1]):
            raise ExplainError(f"the pooled map is {self.shape[0]}x{self.shape[1]}: there is no cell "
                               f"(row {row}, column {col})")
        h, w = self.image.shape[:2]
        top, left = row * self.stride - self.pad[0][0], col * self.stride - self.pad[1][0]
        return max(top, 0), min(top + self.size, h) - 1, max(left, 0), min(left + self.size, w) - 1

    def window(self, row: int, col: int, channel: int = 0) -> np.ndarray:
        """The map's values in the window at (row, col), clipped to the map."""
        top, bottom, left, right = self.bounds(row, col)
        return self.image[top:bottom + 1, left:right + 1, channel]

    def winner(self, row: int, col: int, channel: int = 0) -> tuple[int, int]:
        """(row, col) in the map of the window's largest value (the first one on a tie)."""
        top, _, left, _ = self.bounds(row, col)
        window = self.window(row, col, channel)
        r, c = np.unravel_index(int(np.argmax(window)), window.shape)
        return top + int(r), left + int(c)

    def map(self, channel: int = 0) -> np.ndarray:
        return self.output[..., channel]


def pool(image, size: int = 2, stride: int | None = None, kind: str = "max", padding: str = "valid") -> Pooling:
    """Pool an (H, W) or (H, W, C) map with size x size windows moving `stride` (default: the
    window size, windows side by side) pixels at a time."""
    if kind not in POOL_KINDS:
        raise ExplainError(f"pooling is 'max' or 'average', not {kind!r}")
    stride = size if stride is None else stride
    check_window(size, stride, padding)
    picture = as_picture(image)
    h, w = picture.shape[:2]
    rows, cols = output_size(h, size, stride, padding), output_size(w, size, stride, padding)
    if rows == 0 or cols == 0:
        raise ExplainError(f"the {size}x{size} window is bigger than the {h}x{w} map: use 'same' padding or a "
                           "smaller window")
    pad = (padding_amounts(h, size, stride, padding), padding_amounts(w, size, stride, padding))
    windows = sliding_windows(padded(picture, pad, np.nan), (size, size), stride)[:rows, :cols]
    with np.errstate(all="ignore"):
        output = np.nanmax(windows, axis=(3, 4)) if kind == "max" else np.nanmean(windows, axis=(3, 4))
    return Pooling(picture, kind, int(size), int(stride), padding, pad, output)
