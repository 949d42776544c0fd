"""Tiny datasets written in the exact file formats the real ones ship in, for tests of cnnlab.datasets.

Every writer returns the arrays it wrote, so a test can compare what was loaded with what was meant.
"""
from __future__ import annotations

import gzip
import io
import pickle
import struct
import tarfile
from pathlib import Path

import numpy as np
from PIL import Image

IDX_STEMS = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
CIFAR_BATCHES = ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch")


def random_split(n_train: int, n_test: int, shape: tuple[int, ...], seed: int = 0):
    """x_train, y_train, x_test, y_test: random uint8 pictures, labels cycling through 0..9."""
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, (n_train, *shape), np.uint8), np.arange(n_train, dtype=np.uint8) % 10,
            rng.integers(0, 256, (n_test, *shape), np.uint8), np.arange(n_test, dtype=np.uint8) % 10)


def idx_bytes(array: np.ndarray) -> bytes:
    """IDX: 0, 0, 0x08 (unsigned bytes), number of dimensions, each size as big-endian uint32, data."""
    return bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def write_idx_files(folder: Path, n_train: int = 30, n_test: int = 10, compress: bool = True, seed: int = 0):
    """The four MNIST/Fashion-MNIST files (.gz, or raw as some mirrors unpack them)."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays = random_split(n_train, n_test, (28, 28), seed)
    for stem, array in zip(IDX_STEMS, arrays):
        data = idx_bytes(array)
        if compress:
            (folder / f"{stem}.gz").write_bytes(gzip.compress(data))
        else:
            (folder / stem).write_bytes(data)
    return arrays


def write_keras_mnist_npz(path: Path, n_train: int = 30, n_test: int = 10, seed: int = 1):
    """mnist.npz as Keras downloads it: x (N, 28, 28) uint8, y (N,) uint8."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = random_split(n_train, n_test, (28, 28), seed)
    np.savez_compressed(path, **dict(zip(("x_train", "y_train", "x_test", "y_test"), arrays)))
    return arrays


def cifar_batches(per_batch: int = 12, seed: int = 0) -> dict[str, dict]:
    """The six CIFAR-10 batches: rows of 3072 bytes (red, green, blue planes), labels as a list."""
    rng = np.random.default_rng(seed)
    return {name: {b"batch_label": f"batch {name}".encode(),
                   b"labels": [int(v) for v in rng.integers(0, 10, per_batch)],
                   b"data": rng.integers(0, 256, (per_batch, 3072), np.uint8),
                   b"filenames": [f"img_{i}.png".encode() for i in range(per_batch)]}
            for name in CIFAR_BATCHES}


def cifar_expected(batches: dict[str, dict]):
    """What a loader must make of the batches: x (N, 32, 32, 3) and y, for train and test."""
    def images(names):
        return np.concatenate([batches[n][b"data"] for n in names]).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)

    def labels(names):
        return np.concatenate([batches[n][b"labels"] for n in names])

    return images(CIFAR_BATCHES[:5]), labels(CIFAR_BATCHES[:5]), images(CIFAR_BATCHES[5:]), labels(CIFAR_BATCHES[5:])


def write_cifar_folder(folder: Path, batches: dict[str, dict]) -> None:
    """cifar-10-batches-py/: one pickle per batch, protocol 2 as the original Python 2 files."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, batch in batches.items():
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))
    (folder / "batches.meta").write_bytes(pickle.dumps({b"label_names": [b"airplane"]}, protocol=2))


def write_cifar_archive(path: Path, batches: dict[str, dict]) -> None:
    """cifar-10-python.tar.gz: the batches inside a cifar-10-batches-py/ folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name, batch in batches.items():
            data = pickle.dumps(batch, protocol=2)
            member = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))


def save_image(path: Path, mode: str, colour, size=(32, 32), fmt: str | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, colour).save(path, fmt)


def write_picture_folder(root: Path, classes: dict[str, int], *, mode: str = "RGB", suffix: str = ".png",
                         size=(32, 32)) -> None:
    """root/<class>/NN<suffix>: solid pictures whose colour tells the class and the number."""
    for c, (name, count) in enumerate(classes.items()):
        for i in range(count):
            colour = (10 * c + i) if mode == "L" else (10 * c, i, 200)
            save_image(root / name / f"{i:02d}{suffix}", mode, colour, size)
