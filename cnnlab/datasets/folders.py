"""Folders of image files, one subfolder per class: your own pictures ("folder:PATH"), and CIFAR-10's JPEG copy.

Listing a folder reads names only; decoding reads every picture once, resized to a square.
"""
from __future__ import annotations

import hashlib
import os
import threading
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnnlab.datasets.registry import FOLDER_PREFIX, SHUFFLE_SEED, Arrays, DatasetError, DatasetInfo, Progress

DEFAULT_IMAGE_SIZE = 32  # image folders: every picture is resized to this square
TEST_FRACTION = 0.2  # image folders without train/ and test/: share of each class kept for testing

_GREY_MODES = {"1", "L", "LA", "I", "F", "I;16", "I;16L", "I;16B", "I;16N"}


@dataclass
class FolderListing:
    root: Path
    classes: tuple[str, ...]
    train: list[tuple[str, int]]  # (file, label), already shuffled
    test: list[tuple[str, int]]
    has_split_folders: bool
    warnings: tuple[str, ...] = ()  # worth saying, not worth refusing (a class only test/ has)
    folders: tuple[str, ...] = ()  # every folder looked into, for _fingerprint
    all_grey: bool | None = None  # once all_grey() has looked

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


_LISTINGS: dict[tuple[str, tuple[str, ...] | None], tuple[tuple, FolderListing]] = {}
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


def list_image_folder(root: Path, classes: tuple[str, ...] | None = None) -> FolderListing:
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


def forget_listings() -> None:
    with _listings_lock:
        _LISTINGS.clear()


def _read_listing(root: Path, classes: tuple[str, ...] | None = None) -> FolderListing:
    if not root.is_dir():
        raise DatasetError(f"The image folder {root} does not exist: check the folder path "
                           "(it needs one subfolder per class).")
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
    return FolderListing(root, tuple(classes), train, test, has_split and not split_here, warnings, tuple(walked))


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


def read_picture(path: str, size: int, channels: int | None) -> np.ndarray | None:
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


def read_listed_images(listing: FolderListing, size: int, channels: int | None,
                        progress: Progress | None) -> Arrays:
    """Decode every listed picture (one after the other: with 32x32 files, threads only add overhead)."""
    items = listing.train + listing.test
    images = []
    for done, (path, _) in enumerate(items, 1):
        images.append(read_picture(path, size, channels))
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
    return Arrays(x_train, y_train, x_test, y_test, note, skipped)


def all_grey(listing: FolderListing) -> bool:
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


def folder_path(name: str) -> Path:
    raw = name[len(FOLDER_PREFIX):].strip()
    if not raw:
        raise DatasetError("Give the folder after 'folder:', e.g. folder:~/pictures/pets (one subfolder per class).")
    return Path(raw).expanduser().resolve()


def check_folder_options(image_size: int | None, channels: int | None) -> tuple[int, int | None]:
    size = DEFAULT_IMAGE_SIZE if image_size is None else image_size
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 8 <= size <= 256:
        raise DatasetError(f"Image size {image_size!r} is not possible: choose a whole number from 8 to 256.")
    if channels not in (None, 1, 3):
        raise DatasetError(f"Channels {channels!r} is not possible: choose 1 (grey), 3 (colour) or automatic.")
    return int(size), None if channels is None else int(channels)


def folder_info(name: str, listing: FolderListing, size: int, channels: int,
                 train_size: int, test_size: int) -> DatasetInfo:
    how = ("its train/ and test/ folders give the training and test pictures" if listing.has_split_folders else
           f"{TEST_FRACTION:.0%} of each class is kept aside for testing (always the same pictures)")
    return DatasetInfo(
        name, f"Your images: {listing.root.name}", listing.classes, (size, size, channels), train_size, test_size,
        "Your own pictures: check you may use them", "",
        f"Your own pictures from {listing.root}, one subfolder per class ({len(listing.classes)} classes), "
        f"resized to {size}x{size} pixels in {'shades of grey' if channels == 1 else 'colour'}; {how}."
        + "".join(f" Note: {warning}." for warning in listing.warnings), False)
