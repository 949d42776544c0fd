"""What each named dataset is (titles, classes, sizes, licences: datasets.toml), and the Dataset that holds one.

Images stay uint8, shaped (N, height, width, channels), and labels int64 (N,): the models
rescale to 0..1 themselves, so no float copy is made here (CIFAR-10 as float32 takes 700 MB).
Each dataset is loaded once per process and shared, so its arrays are read-only: nobody can
change what the others see.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, NamedTuple, Optional

import numpy as np

from cnnlab.settings import CnnlabError

DEFAULT_DATASET = "mnist-sample"
REGISTRY_FILE = Path(__file__).with_name("datasets.toml")  # what each named dataset is: data, not code
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



def _read_registry(path: Path) -> dict[str, DatasetInfo]:
    with open(path, "rb") as f:
        table = tomllib.load(f)
    return {name: DatasetInfo(name=name, classes=tuple(values.pop("classes")),
                              image_shape=tuple(values.pop("image_shape")), **values)
            for name, values in table.items()}


DATASETS: dict[str, DatasetInfo] = _read_registry(REGISTRY_FILE)
DATASET_NAMES = tuple(DATASETS)  # bundled samples first, as the file lists them
DIGIT_CLASSES = DATASETS["mnist"].classes
FASHION_CLASSES = DATASETS["fashion-mnist"].classes
CIFAR10_CLASSES = DATASETS["cifar10"].classes


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


MAX_MEMBER_BYTES = 200_000_000  # an array in mnist.npz, or a CIFAR-10 batch, unpacks to far less (31-47 MB)


def check_unpacked_size(name: str, size: int, where: Path) -> None:
    """Refuse a member of an archive that would unpack to more than any real dataset file."""
    if size > MAX_MEMBER_BYTES:
        raise ValueError(f"{name} in {where.name} would unpack to {size / 1e6:,.0f} MB, far more than a real "
                         "dataset file: the archive is damaged or not what its name says")


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
