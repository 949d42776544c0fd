"""Finding a dataset's files, reading them in the right format, and sharing what was loaded.

A full dataset (mnist, fashion-mnist, cifar10) is looked for in this order:
    1. the data folder (settings.data_dir(): env CNNLAB_DATA_DIR, default ~/.cnnlab/data),
       holding the canonical files: mnist/, fashion-mnist/, cifar10/;
    2. Keras's own download cache ($KERAS_HOME/datasets, default ~/.keras/datasets);
    3. a download from the canonical address (the one Keras uses) into the data folder.
"""
from __future__ import annotations

import os
import pickle
import tarfile
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from cnnlab import settings
from cnnlab.datasets.cifar import (
    has_cifar_batches,
    has_split_folders,
    load_cifar_archive,
    load_cifar_batches,
    load_cifar_images,
)
from cnnlab.datasets.download import download_dataset, download_summary, not_found_message
from cnnlab.datasets.folders import (
    all_grey,
    check_folder_options,
    folder_info,
    folder_path,
    forget_listings,
    list_image_folder,
    read_listed_images,
)
from cnnlab.datasets.idx import has_idx_files, load_idx_folder, load_keras_npz
from cnnlab.datasets.registry import (
    DATASET_NAMES,
    DATASETS,
    FOLDER_PREFIX,
    SAMPLES_DIR,
    Arrays,
    Dataset,
    DatasetError,
    DatasetInfo,
    Progress,
    make_dataset,
)


def keras_cache_dir() -> Path:
    """Where Keras keeps the datasets it downloaded: $KERAS_HOME/datasets, default ~/.keras/datasets."""
    return Path(os.environ.get("KERAS_HOME") or "~/.keras").expanduser() / "datasets"



@dataclass(frozen=True)
class _Format:
    """One way a full dataset can be stored on disk."""
    what: str
    is_present: Callable[[Path], bool]  # cheap: looks at file names only
    load: Callable[[Path, Optional[Progress]], Arrays]


_IDX = _Format("IDX files", has_idx_files, load_idx_folder)
_KERAS_NPZ = _Format("Keras .npz", Path.is_file, load_keras_npz)
_CIFAR_PICKLES = _Format("Python batches", has_cifar_batches, load_cifar_batches)
_CIFAR_ARCHIVE = _Format("Python batches, read from the archive", Path.is_file, load_cifar_archive)
_IMAGE_FILES = _Format("image files, one folder per class", has_split_folders, load_cifar_images)

# Where each full dataset may already be, best first: (data folder or Keras cache, path inside it, format).
_LOCAL_COPIES = {
    "mnist": (("data", "mnist", _IDX), ("data", "mnist/mnist.npz", _KERAS_NPZ), ("keras", "mnist.npz", _KERAS_NPZ)),
    "fashion-mnist": (("data", "fashion-mnist", _IDX), ("keras", "fashion-mnist", _IDX)),
    "cifar10": (("data", "cifar10/cifar-10-batches-py", _CIFAR_PICKLES),
                ("data", "cifar10/cifar-10-python.tar.gz", _CIFAR_ARCHIVE),
                ("data", "cifar10", _IMAGE_FILES),
                ("keras", "cifar-10-batches-py-target/cifar-10-batches-py", _CIFAR_PICKLES),  # Keras 3
                ("keras", "cifar-10-batches-py", _CIFAR_PICKLES)),  # Keras 2
}


def _find_local_copy(name: str) -> tuple[Path, _Format, str] | None:
    roots = {"data": (settings.data_dir(), "data folder"), "keras": (keras_cache_dir(), "Keras cache")}
    for root, inside, fmt in _LOCAL_COPIES[name]:
        path = roots[root][0] / inside
        if fmt.is_present(path):
            return path, fmt, f"{roots[root][1]} {path}: {fmt.what}"
    return None



def _load_sample(name: str) -> Dataset:
    path = SAMPLES_DIR / f"{name}.npz"
    if not path.is_file():
        raise DatasetError(f"The bundled sample {path} is missing: reinstall cnnlab, or rebuild it with "
                           "scripts/build_samples.py.")
    with np.load(path, allow_pickle=False) as f:
        arrays = Arrays(f["x_train"], f["y_train"], f["x_test"], f["y_test"])
    return make_dataset(DATASETS[name], arrays, f"bundled sample {path.name}")


def load_folder(name: str, size: int, channels: int | None, progress: Progress | None) -> Dataset:
    listing = list_image_folder(folder_path(name))
    arrays = read_listed_images(listing, size, channels, progress)
    if not len(arrays.x_test):  # every test picture was unreadable
        raise DatasetError(f"None of the test pictures in {listing.root} could be read, so the network could not "
                           "be tested: add readable pictures (PNG, JPEG...) for testing.")
    arrays = arrays._replace(note="; ".join(filter(None, [arrays.note, *listing.warnings])))
    info = folder_info(name, listing, size, arrays.x_train.shape[-1], len(arrays.x_train), len(arrays.x_test))
    return make_dataset(info, arrays, f"folder {listing.root}")


def _load_full(name: str, progress: Progress | None) -> Dataset:
    found, downloaded_from = _find_local_copy(name), None
    if found is None:
        downloaded_from = download_dataset(name, progress)
        found = _find_local_copy(name)
        if found is None:  # only if the files downloaded are not what was expected
            raise DatasetError(not_found_message(name, "the downloaded files are not usable"))
    path, fmt, where = found
    try:
        arrays = fmt.load(path, progress)
    except (OSError, EOFError, ValueError, KeyError, tarfile.TarError, zipfile.BadZipFile,
            pickle.UnpicklingError) as err:
        raise DatasetError(f"Could not read {DATASETS[name].title} from {path} ({err}). The file may be damaged: "
                           f"delete or replace it.") from err
    return make_dataset(DATASETS[name], arrays, downloaded_from or where)


def _check_name(name: str) -> str:
    if name in DATASETS:
        return "sample" if DATASETS[name].bundled else "full"
    if isinstance(name, str) and name.startswith(FOLDER_PREFIX):
        return "folder"
    raise DatasetError(f"There is no dataset called {name!r}: choose one of {', '.join(DATASET_NAMES)}, "
                       f"or folder:PATH for a folder of your own pictures (one subfolder per class).")


def dataset_info(name: str, *, image_size: int | None = None, channels: int | None = None) -> DatasetInfo:
    """What a dataset is, without loading its pixels (for a folder: from its file names and headers)."""
    if _check_name(name) != "folder":
        return DATASETS[name]
    size, channels = check_folder_options(image_size, channels)
    listing = list_image_folder(folder_path(name))
    if channels is None:
        channels = 1 if all_grey(listing) else 3
    return folder_info(name, listing, size, channels, len(listing.train), len(listing.test))


def availability(name: str) -> tuple[bool, str]:
    """Whether a dataset can be loaded offline right now, and from where. Looks at file names only."""
    kind = _check_name(name)
    if kind == "sample":
        return (SAMPLES_DIR / f"{name}.npz").is_file(), "bundled sample"
    if kind == "folder":
        path = folder_path(name)
        return (True, f"folder {path}") if path.is_dir() else (False, f"folder {path} does not exist")
    found = _find_local_copy(name)
    return (True, found[2]) if found else (False, f"download from {download_summary(name)}")


def unreachable(name: str) -> str | None:
    """Why a full dataset cannot be had at all right now (not on this computer, and downloads are
    switched off by CNNLAB_OFFLINE): the message training would end with, said before it starts.
    None when it is here or can still be downloaded."""
    if _check_name(name) != "full" or not settings.offline() or availability(name)[0]:
        return None
    return not_found_message(name, "downloads are switched off on this server (CNNLAB_OFFLINE)")


_loaded: dict[tuple, Dataset] = {}
_loading_locks: dict[tuple, threading.Lock] = {}
_locks_guard = threading.Lock()


def load_dataset(name: str, *, image_size: int | None = None, channels: int | None = None,
                 progress: Progress | None = None) -> Dataset:
    """The dataset called name, loaded once per process: the same arguments give the same object.

    image_size and channels matter only for "folder:PATH" datasets (defaults: 32, and 1 if every
    picture is grey, else 3). progress(done, total, message) is called while downloading or decoding.
    """
    kind = _check_name(name)
    if kind == "folder":
        size, channels = check_folder_options(image_size, channels)
        key = (FOLDER_PREFIX, str(folder_path(name)), size, channels)
    else:
        key = (name,)
    with _locks_guard:
        lock = _loading_locks.setdefault(key, threading.Lock())
    with lock:  # one thread loads; others asking for the same dataset wait and share it
        if key not in _loaded:
            if kind == "sample":
                _loaded[key] = _load_sample(name)
            elif kind == "full":
                _loaded[key] = _load_full(name, progress)
            else:
                _loaded[key] = load_folder(name, size, channels, progress)
        return _loaded[key]


def clear_cache() -> None:
    """Forget every loaded dataset and folder listing (tests; or after new files were put in the data folder)."""
    with _locks_guard:
        _loaded.clear()
        _loading_locks.clear()
    forget_listings()


def catalogue() -> list[dict]:
    """Every named dataset, what it is and whether it loads offline now: one row each, for the
    command line's `datasets` and the Home page's table. Looks at file names only."""
    rows = []
    for name in DATASET_NAMES:
        info = DATASETS[name]
        available, source = availability(name)
        rows.append({"name": name, "title": info.title, "available": available, "source": source,
                     "train_size": info.train_size, "test_size": info.test_size,
                     "image_shape": list(info.image_shape), "classes": list(info.classes), "licence": info.licence})
    return rows
