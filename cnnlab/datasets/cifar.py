"""CIFAR-10 as it ships (Python pickles, in their folder or still inside the .tar.gz) or as one
image file per picture in train/<class>/ and test/<class>/."""
from __future__ import annotations

import pickle
import tarfile
from pathlib import Path
from typing import BinaryIO

import numpy as np

from cnnlab.datasets.cache import decoded_copy
from cnnlab.datasets.folders import list_image_folder, read_listed_images
from cnnlab.datasets.registry import CIFAR10_CLASSES, Arrays, Progress, check_unpacked_size

CIFAR_BATCHES = ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch")


class _CifarUnpickler(pickle.Unpickler):
    """CIFAR-10 ships as Python pickles; allow nothing but arrays so a tampered file cannot run code."""

    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}

    def find_class(self, module: str, name: str):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"unexpected {module}.{name} in a CIFAR-10 batch")
        return super().find_class(module, name)


def _read_cifar_batch(file: BinaryIO) -> tuple[np.ndarray, np.ndarray]:
    batch = _CifarUnpickler(file, encoding="bytes").load()  # written by Python 2: keys are bytes
    return np.asarray(batch[b"data"], np.uint8), np.asarray(batch[b"labels"])


def _cifar_arrays(batches: list[tuple[np.ndarray, np.ndarray]]) -> Arrays:
    def images(rows: list[np.ndarray]) -> np.ndarray:
        # Each row is the red, then the green, then the blue 32x32 plane: make it (N, 32, 32, 3).
        return np.ascontiguousarray(np.concatenate(rows).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))

    train, test = batches[:5], batches[5:]
    return Arrays(images([x for x, _ in train]), np.concatenate([y for _, y in train]),
                   images([x for x, _ in test]), np.concatenate([y for _, y in test]))


def has_cifar_batches(folder: Path) -> bool:
    return all((folder / name).is_file() for name in CIFAR_BATCHES)


def load_cifar_batches(folder: Path, progress: Progress | None = None) -> Arrays:
    batches = []
    for name in CIFAR_BATCHES:
        with open(folder / name, "rb") as f:
            batches.append(_read_cifar_batch(f))
    return _cifar_arrays(batches)


def load_cifar_archive(path: Path, progress: Progress | None = None) -> Arrays:
    """cifar-10-python.tar.gz read as it is: no need to unpack 180 MB onto the disk."""
    found = {}
    with tarfile.open(path, "r:*") as tar:
        for member in tar:
            base = member.name.rsplit("/", 1)[-1]
            if member.isfile() and base in CIFAR_BATCHES:
                check_unpacked_size(member.name, member.size, path)
                found[base] = _read_cifar_batch(tar.extractfile(member))
    missing = [name for name in CIFAR_BATCHES if name not in found]
    if missing:
        raise ValueError(f"{path.name} lacks {', '.join(missing)}")
    return _cifar_arrays([found[name] for name in CIFAR_BATCHES])


def has_split_folders(folder: Path) -> bool:
    return (folder / "train").is_dir() and (folder / "test").is_dir()



def load_cifar_images(folder: Path, progress: Progress | None = None) -> Arrays:
    """CIFAR-10 as one image file per picture in train/<class>/ and test/<class>/.

    Decoding 60,000 JPEGs takes several seconds, so the decoded arrays are kept beside them
    (see cache.decoded_copy).
    """
    listing = list_image_folder(folder, CIFAR10_CLASSES)
    return decoded_copy(folder, f"32x32x3 {listing.signature()}",
                        lambda: read_listed_images(listing, 32, 3, progress))
