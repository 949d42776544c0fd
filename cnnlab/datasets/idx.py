"""MNIST and Fashion-MNIST as they ship: four IDX files (gzip-compressed or not), or Keras's mnist.npz."""
from __future__ import annotations

import gzip
import math
import struct
import zipfile
from pathlib import Path

import numpy as np

from cnnlab.datasets.registry import Arrays, Progress, check_unpacked_size

IDX_STEMS = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


# The most values an IDX file may claim: MNIST's training images are 47 million. A damaged or
# hostile file claiming more (a gzip "bomb" that unpacks to gigabytes) is refused from its header.
MAX_IDX_VALUES = 100_000_000


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (gzip-compressed or not), the format MNIST and Fashion-MNIST ship in, as uint8.

    Streamed: the header is read first, the size it claims is checked (at most MAX_IDX_VALUES),
    then exactly that many bytes are unpacked, and one more must not exist. So a file that unpacks
    to far more than it should costs no more memory than an honest one before it is refused."""
    path = Path(path)
    with open(path, "rb") as raw:
        compressed = raw.read(2) == b"\x1f\x8b"
    with (gzip.open(path, "rb") if compressed else open(path, "rb")) as f:
        # Header: 0, 0, type 0x08 (unsigned bytes), number of dimensions, then each size as big-endian uint32.
        head = f.read(4)
        ndim = head[3] if len(head) == 4 else 0
        sizes = f.read(4 * ndim)
        if head[:3] != b"\x00\x00\x08" or not ndim or len(sizes) != 4 * ndim:
            raise ValueError(f"{path.name} is not an IDX file of bytes")
        shape = struct.unpack(f">{ndim}I", sizes)
        claimed = math.prod(shape)
        if claimed > MAX_IDX_VALUES:
            raise ValueError(f"{path.name}'s header claims {' x '.join(map(str, shape))} = {claimed:,} values, more "
                             f"than any dataset cnnlab reads ({MAX_IDX_VALUES:,}): it is not a real MNIST-style file")
        data = f.read(claimed)
        if len(data) != claimed:
            raise ValueError(f"{path.name} holds {len(data):,} values where its header promises {claimed:,}")
        if f.read(1):
            raise ValueError(f"{path.name} holds more than the {claimed:,} values its header promises")
    return np.frombuffer(data, np.uint8).reshape(shape)  # no copy: a view of the bytes read


def _idx_file(folder: Path, stem: str) -> Path | None:
    return next((p for p in (folder / f"{stem}.gz", folder / stem) if p.is_file()), None)


def has_idx_files(folder: Path) -> bool:
    return all(_idx_file(folder, stem) for stem in IDX_STEMS)


def load_idx_folder(folder: Path, progress: Progress | None = None) -> Arrays:
    return Arrays(*(read_idx(_idx_file(folder, stem)) for stem in IDX_STEMS))


def load_keras_npz(path: Path, progress: Progress | None = None) -> Arrays:
    with zipfile.ZipFile(path) as archive:  # sizes first: np.load would unpack a "zip bomb" whole
        for member in archive.infolist():
            check_unpacked_size(member.filename, member.file_size, path)
    with np.load(path, allow_pickle=False) as f:
        return Arrays(f["x_train"], f["y_train"], f["x_test"], f["y_test"])
