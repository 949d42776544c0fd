"""Downloading the full datasets from their canonical addresses (the ones Keras uses) into the data folder."""
from __future__ import annotations

import hashlib
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cnnlab import settings
from cnnlab.datasets.idx import IDX_STEMS
from cnnlab.datasets.registry import DATASETS, DatasetError, Progress
from cnnlab.files import write_atomically

DOWNLOAD_TIMEOUT_S = 30
# The canonical files, as Keras downloads them (same addresses, same SHA-256 checks where Keras has one).
_KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


@dataclass(frozen=True)
class Download:
    url: str
    filename: str  # saved as data_dir()/<dataset name>/<filename>
    size: int  # bytes, for the "(N MB)" the app shows before downloading
    sha256: str | None = None


DOWNLOADS = {
    "mnist": (Download(_KERAS_ORIGIN + "mnist.npz", "mnist.npz", 11_490_434,
                       "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"),),
    "fashion-mnist": tuple(Download(_KERAS_ORIGIN + f"{stem}.gz", f"{stem}.gz", size) for stem, size in
                           zip(IDX_STEMS, (26_421_880, 29_515, 4_422_102, 5_148))),
    "cifar10": (Download("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz", "cifar-10-python.tar.gz",
                         170_498_071, "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"),),
}

EXPECTED_FILES = {  # for the message shown when a dataset is nowhere to be found
    "mnist": "the four MNIST files " + ", ".join(f"{s}.gz" for s in IDX_STEMS) + " (or Keras's mnist.npz)",
    "fashion-mnist": "the four Fashion-MNIST files " + ", ".join(f"{s}.gz" for s in IDX_STEMS),
    "cifar10": ("cifar-10-python.tar.gz (or the cifar-10-batches-py folder inside it, or JPEG/PNG images in "
                "train/<class>/ and test/<class>/)"),
}


def fetch(url: str, dest: Path, progress: Progress | None = None, *, sha256: str | None = None) -> None:
    """Fetch url into dest. Tests replace this function: they never touch the network."""
    if settings.offline() and not url.startswith("file:"):
        raise OSError("downloads are switched off by CNNLAB_OFFLINE")
    with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
        total = int(response.headers.get("Content-Length") or 0) or None

        def copy(f: BinaryIO) -> None:
            digest, done = hashlib.sha256(), 0
            while chunk := response.read(1 << 20):
                f.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total, f"Downloading {dest.name}")
            if total is not None and done != total:
                raise OSError(f"the connection stopped after {done:,} of {total:,} bytes")
            if sha256 and digest.hexdigest() != sha256:
                raise OSError(f"{dest.name} arrived damaged (its SHA-256 checksum is wrong)")

        write_atomically(dest, copy)


def download_dataset(name: str, progress: Progress | None) -> str:
    """Download a full dataset into the data folder; returns where it came from, in words."""
    folder = settings.data_dir() / name
    for item in DOWNLOADS[name]:
        if not (folder / item.filename).is_file():
            try:
                fetch(item.url, folder / item.filename, progress, sha256=item.sha256)
            except OSError as err:  # no network, timeout, HTTP error, full disk, bad checksum
                raise DatasetError(not_found_message(name, f"the download from {item.url} failed ({err})")) from err
    return f"downloaded from {download_summary(name)} into {folder}"


def download_size(name: str) -> int | None:
    """How many bytes downloading a full dataset fetches (for "Download ... (170 MB)"); None for the others."""
    items = DOWNLOADS.get(name)
    return sum(item.size for item in items) if items else None


def download_summary(name: str) -> str:
    """Where a dataset downloads from and how much, in words: "https://... (170 MB)"."""
    items = DOWNLOADS[name]
    megabytes = f"{download_size(name) / 1e6:.0f} MB"
    if len(items) == 1:
        return f"{items[0].url} ({megabytes})"
    return f"{items[0].url.rsplit('/', 1)[0]}/ ({len(items)} files, {megabytes})"


def not_found_message(name: str, reason: str) -> str:
    return (f"{DATASETS[name].title} is not on this computer and {reason}. To use it offline, put "
            f"{EXPECTED_FILES[name]} in {settings.data_dir() / name}/ (CNNLAB_DATA_DIR sets the data folder), "
            f"or choose a bundled sample, which works offline: mnist-sample or fashion-sample.")
