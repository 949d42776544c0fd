"""Decoded pictures kept on disk beside their image files, so a folder of 60,000 JPEGs is decoded once.

The copy (.cnnlab-cache.npz: 185 MB for CIFAR-10, read in half a second) is tied to a signature
of the names, sizes and times of the image files: change any image and the copy is ignored and
rewritten.
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Callable

import numpy as np

from cnnlab.datasets.registry import Arrays
from cnnlab.files import write_atomically

DECODED_COPY = ".cnnlab-cache.npz"
DECODED_COPY_VERSION = 1  # raise when folders.read_picture changes what it makes of a file


def decoded_copy(folder: Path, signature: str, decode: Callable[[], Arrays]) -> Arrays:
    """The arrays kept in folder/.cnnlab-cache.npz if they match `signature`; else decode() them and keep them."""
    cache, signature = folder / DECODED_COPY, f"v{DECODED_COPY_VERSION} {signature}"
    try:
        with np.load(cache, allow_pickle=False) as f:
            if str(f["signature"]) == signature:
                return Arrays(f["x_train"], f["y_train"], f["x_test"], f["y_test"],
                              f"decoded copy {DECODED_COPY}", int(f["skipped"]))
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        pass  # no copy yet, or a damaged one: decode the images
    arrays = decode()
    try:
        write_atomically(cache, lambda f: np.savez(
            f, signature=np.array(signature), skipped=np.array(arrays.skipped), x_train=arrays.x_train,
            y_train=arrays.y_train, x_test=arrays.x_test, y_test=arrays.y_test))
    except OSError:
        pass  # a read-only data folder only costs speed next time
    return arrays
