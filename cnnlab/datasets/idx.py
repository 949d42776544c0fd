"""MNIST and Fashion-MNIST as they ship: four IDX files (gzip-compressed or not), or Keras's mnist.npz."""
from __future__ import annotations

import gzip
import math
import struct
from pathlib import Path

import numpy as np

from cnnlab.datasets.registry import Arrays, Progress

IDX_STEMS = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (gzip-compressed or not), the format MNIST and Fashion-MNIST ship in, as uint8."""
    path = Path(path)
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    # Header: 0, 0, type 0x08 (unsigned bytes), number of dimensions, then each size as big-endian uint32.
    ndim = data[3] if len(data) >= 4 else 0
    if data[:3] != b"\x00\x00\x08" or len(data) < 4 + 4 * ndim:
        raise ValueError(f"{path.name} is not an IDX file of bytes")
    shape = struct.unpack(f">{ndim}I", data[4:4 + 4 * ndim])
    values = np.frombuffer(data, np.uint8, offset=4 + 4 * ndim)  # no copy: a view of the bytes read
    if values.size != math.prod(shape):
        raise ValueError(f"{path.name} holds {values.size:,} values where its header promises {math.prod(shape):,}")
    return values.reshape(shape)


def _idx_file(folder: Path, stem: str) -> Path | None:
    return next((p for p in (folder / f"{stem}.gz", folder / stem) if p.is_file()), None)


def has_idx_files(folder: Path) -> bool:
    return all(_idx_file(folder, stem) for stem in IDX_STEMS)


def load_idx_folder(folder: Path, progress: Progress | None = None) -> Arrays:
    return Arrays(*(read_idx(_idx_file(folder, stem)) for stem in IDX_STEMS))


def load_keras_npz(path: Path, progress: Progress | None = None) -> Arrays:
    with np.load(path, allow_pickle=False) as f:
        return Arrays(f["x_train"], f["y_train"], f["x_test"], f["y_test"])
