"""cnnlab.datasets: every source format, the load order, downloading (faked), folders, samples, real data.

Never touches the network: every test runs with its own empty data folder and Keras cache, and
with `_download` replaced by a function that fails as it would offline. Tests on the real datasets
in ../shared/datasets use conftest's `shared_datasets` fixture, which skips them when it is absent.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import subprocess
import tarfile
import threading
import time
import urllib.error
from pathlib import Path

import fixtures_data as fx
import numpy as np
import pytest

from cnnlab import datasets
from cnnlab.datasets import (
    DatasetError,
    availability,
    clear_cache,
    dataset_info,
    download,
    folders,
    idx,
    load_dataset,
    unreachable,
)
from cnnlab.settings import CnnlabError

REAL_DOWNLOAD = download.fetch
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def offline(url, dest, progress=None, *, sha256=None):
    raise urllib.error.URLError("no network in tests")


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNLAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(download, "fetch", offline)
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def keras_datasets(tmp_path) -> Path:
    return tmp_path / "keras" / "datasets"


def assert_arrays(ds, x_train, y_train, x_test, y_test):
    assert ds.x_train.dtype == np.uint8 and ds.y_train.dtype == np.int64
    np.testing.assert_array_equal(ds.x_train.reshape(x_train.shape), x_train)
    np.testing.assert_array_equal(ds.y_train, y_train)
    np.testing.assert_array_equal(ds.x_test.reshape(x_test.shape), x_test)
    np.testing.assert_array_equal(ds.y_test, y_test)


# --- Registry ---------------------------------------------------------------------------------

def test_names_default_and_info_of_named_datasets():
    assert datasets.DATASET_NAMES == ("mnist-sample", "fashion-sample", "mnist", "fashion-mnist", "cifar10")
    assert datasets.DEFAULT_DATASET == "mnist-sample"
    assert [info.name for info in datasets.list_datasets()] == list(datasets.DATASET_NAMES)
    mnist, fashion, cifar = dataset_info("mnist"), dataset_info("fashion-mnist"), dataset_info("cifar10")
    assert mnist.classes == tuple("0123456789") and mnist.image_shape == (28, 28, 1)
    assert (mnist.train_size, mnist.test_size) == (60_000, 10_000) and not mnist.bundled
    assert "CC BY-SA 3.0" in mnist.licence and "LeCun" in mnist.citation
    assert fashion.classes[0] == "T-shirt/top" and fashion.classes[-1] == "Ankle boot" and len(fashion.classes) == 10
    assert "MIT" in fashion.licence and "Zalando" in fashion.licence and "Xiao" in fashion.citation
    assert cifar.classes == ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
    assert cifar.image_shape == (32, 32, 3) and "Krizhevsky" in cifar.citation and "2009" in cifar.citation
    for info in datasets.list_datasets():
        assert info.title and len(info.description) > 80 and info.num_classes == 10


# Fashion-MNIST's own label table, copied from its README (github.com/zalandoresearch/fashion-mnist,
# section "Labels": "Each training and test example is assigned to one of the following labels").
FASHION_README_LABELS = {0: "T-shirt/top", 1: "Trouser", 2: "Pullover", 3: "Dress", 4: "Coat",
                         5: "Sandal", 6: "Shirt", 7: "Sneaker", 8: "Bag", 9: "Ankle boot"}


def test_fashion_class_names_are_in_the_order_of_the_dataset_documentation():
    for name in ("fashion-sample", "fashion-mnist"):
        assert dict(enumerate(dataset_info(name).classes)) == FASHION_README_LABELS


def _ink_heights(pictures: np.ndarray) -> np.ndarray:
    """How many rows each picture's ink spans (pixels brighter than 50 of 255), top to bottom."""
    rows = (pictures.reshape(len(pictures), 28, 28) > 50).any(axis=2)
    return np.array([np.ptp(np.flatnonzero(r)) + 1 if r.any() else 0 for r in rows])


def test_fashion_names_match_the_pictures_sneakers_are_low_and_bags_are_tall():
    """Independently of any list of names: a sneaker seen from the side is low and wide (about 12 of
    the 28 rows), a bag fills a tall box (about 25 rows). Measured on the bundled sample: sneakers
    10/12/17 rows at the 10th/50th/90th percentile, bags 16/25/28; a swap of the two names fails here."""
    ds = load_dataset("fashion-sample")
    for x, y in ((ds.x_train, ds.y_train), (ds.x_test, ds.y_test)):
        sneakers = _ink_heights(x[y == ds.classes.index("Sneaker")])
        bags = _ink_heights(x[y == ds.classes.index("Bag")])
        assert np.median(sneakers) <= 14 < 20 <= np.median(bags)
        assert (sneakers < 16).mean() > 0.8 and (bags >= 16).mean() > 0.8


def test_unknown_name_is_a_clear_error():
    with pytest.raises(DatasetError, match="no dataset called 'mnsit'.*mnist-sample.*folder:PATH"):
        load_dataset("mnsit")
    with pytest.raises(CnnlabError):
        availability("nope")


# --- Bundled samples -------------------------------------------------------------------------

@pytest.mark.parametrize("name, train_counts, test_counts", [
    ("mnist-sample", [801, 902, 793, 826, 784, 690, 811, 856, 755, 782],
     [200, 225, 198, 206, 196, 173, 203, 214, 189, 196]),
    ("fashion-sample", [1000] * 10, [200] * 10),
])
def test_bundled_samples(name, train_counts, test_counts):
    assert availability(name) == (True, "bundled sample")
    ds = load_dataset(name)
    assert ds.x_train.shape == (sum(train_counts), 28, 28, 1) and ds.x_test.shape == (sum(test_counts), 28, 28, 1)
    assert ds.x_train.dtype == np.uint8 and ds.y_train.dtype == np.int64 and ds.y_test.dtype == np.int64
    assert np.bincount(ds.y_train).tolist() == train_counts and np.bincount(ds.y_test).tolist() == test_counts
    assert ds.image_shape == (28, 28, 1) and ds.num_classes == 10 and ds.name == name
    assert ds.info.bundled and ds.source == f"bundled sample {name}.npz"
    assert ds.x_train.max() == 255 and ds.x_train.min() == 0 and 25 < ds.x_train.mean() < 90
    assert not ds.x_train.flags.writeable  # shared by the whole process
    assert len(set(ds.y_train[:50].tolist())) > 5  # stored shuffled, not class by class
    assert load_dataset(name) is ds


def test_bundled_files_are_small():
    files = sorted(datasets.SAMPLES_DIR.glob("*.npz"))
    assert [f.name for f in files] == ["fashion-sample.npz", "mnist-sample.npz"]
    assert sum(f.stat().st_size for f in files) <= 8 * 1024 * 1024


# --- Full datasets from the data folder --------------------------------------------------------

def test_mnist_from_gzipped_idx_files(data_dir):
    arrays = fx.write_idx_files(data_dir / "mnist")
    assert availability("mnist") == (True, f"data folder {data_dir / 'mnist'}: IDX files")
    ds = load_dataset("mnist")
    assert_arrays(ds, *arrays)
    assert ds.x_train.shape == (30, 28, 28, 1) and ds.info.train_size == 30 and ds.info.test_size == 10
    assert ds.source == f"data folder {data_dir / 'mnist'}: IDX files"


def test_fashion_from_uncompressed_idx_files(data_dir):
    arrays = fx.write_idx_files(data_dir / "fashion-mnist", compress=False)
    ds = load_dataset("fashion-mnist")
    assert_arrays(ds, *arrays)
    assert ds.classes[9] == "Ankle boot"


def test_damaged_idx_file_is_a_clear_error(data_dir):
    fx.write_idx_files(data_dir / "mnist")
    path = data_dir / "mnist" / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-200])  # a download cut short
    with pytest.raises(DatasetError, match="Could not read MNIST.*damaged"):
        load_dataset("mnist")
    path.write_bytes(b"<html>not found</html>")
    with pytest.raises(DatasetError, match="not an IDX file"):
        load_dataset("mnist")


def test_mnist_npz_in_data_folder(data_dir):
    arrays = fx.write_keras_mnist_npz(data_dir / "mnist" / "mnist.npz")
    assert_arrays(load_dataset("mnist"), *arrays)


def test_cifar_from_python_batches_folder(data_dir):
    batches = fx.cifar_batches()
    fx.write_cifar_folder(data_dir / "cifar10" / "cifar-10-batches-py", batches)
    ds = load_dataset("cifar10")
    assert_arrays(ds, *fx.cifar_expected(batches))
    assert ds.x_train.shape == (60, 32, 32, 3) and ds.x_train.flags.c_contiguous
    # The first pixel of the first picture: byte 0 is red, byte 1024 green, byte 2048 blue.
    row = batches["data_batch_1"][b"data"][0]
    assert ds.x_train[0, 0, 0].tolist() == [row[0], row[1024], row[2048]]


def test_cifar_from_archive(data_dir):
    batches = fx.cifar_batches(seed=3)
    fx.write_cifar_archive(data_dir / "cifar10" / "cifar-10-python.tar.gz", batches)
    assert availability("cifar10")[0]
    ds = load_dataset("cifar10")
    assert_arrays(ds, *fx.cifar_expected(batches))
    assert "cifar-10-python.tar.gz" in ds.source


def test_cifar_pickle_that_would_run_code_is_refused(data_dir):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo hacked",))

    batches = fx.cifar_batches()
    fx.write_cifar_folder(data_dir / "cifar10" / "cifar-10-batches-py", batches)
    (data_dir / "cifar10" / "cifar-10-batches-py" / "test_batch").write_bytes(pickle.dumps({b"data": Evil()}))
    with pytest.raises(DatasetError, match="unexpected posix.system|unexpected nt.system"):
        load_dataset("cifar10")


def test_cifar_from_image_folders_with_decoded_copy(data_dir):
    root = data_dir / "cifar10"
    fx.write_picture_folder(root / "train", {c: 3 for c in datasets.CIFAR10_CLASSES})
    fx.write_picture_folder(root / "test", {c: 1 for c in datasets.CIFAR10_CLASSES})
    ds = load_dataset("cifar10")
    assert ds.x_train.shape == (30, 32, 32, 3) and ds.x_test.shape == (10, 32, 32, 3)
    assert np.bincount(ds.y_train).tolist() == [3] * 10
    # Colour (10 * class, number, 200) says which file each picture came from: labels must match.
    assert (ds.x_train[:, 0, 0, 0] == 10 * ds.y_train).all() and (ds.x_train[:, 5, 5, 2] == 200).all()
    assert ds.y_train.tolist() != sorted(ds.y_train.tolist())  # shuffled once, not class by class
    assert "decoded copy" not in ds.source and (root / ".cnnlab-cache.npz").is_file()

    clear_cache()
    again = load_dataset("cifar10")
    assert "decoded copy .cnnlab-cache.npz" in again.source
    assert_arrays(again, ds.x_train, ds.y_train, ds.x_test, ds.y_test)

    fx.save_image(root / "train" / "cat" / "99.png", "RGB", (30, 99, 200))  # new picture: copy is stale
    clear_cache()
    changed = load_dataset("cifar10")
    assert len(changed.x_train) == 31 and "decoded copy" not in changed.source


# --- Keras's download cache ----------------------------------------------------------------------

def test_keras_cache_mnist_npz(keras_datasets):
    arrays = fx.write_keras_mnist_npz(keras_datasets / "mnist.npz")
    assert availability("mnist") == (True, f"Keras cache {keras_datasets / 'mnist.npz'}: Keras .npz")
    ds = load_dataset("mnist")
    assert_arrays(ds, *arrays)
    assert ds.source.startswith("Keras cache")


def test_keras_cache_fashion_and_cifar(keras_datasets):
    arrays = fx.write_idx_files(keras_datasets / "fashion-mnist")
    assert_arrays(load_dataset("fashion-mnist"), *arrays)
    batches = fx.cifar_batches(seed=5)
    fx.write_cifar_folder(keras_datasets / "cifar-10-batches-py-target" / "cifar-10-batches-py", batches)  # Keras 3
    assert_arrays(load_dataset("cifar10"), *fx.cifar_expected(batches))


def test_data_folder_comes_before_keras_cache(data_dir, keras_datasets):
    fx.write_keras_mnist_npz(keras_datasets / "mnist.npz", seed=7)
    arrays = fx.write_idx_files(data_dir / "mnist", seed=8)
    assert_arrays(load_dataset("mnist"), *arrays)


# --- Downloading (never for real) ---------------------------------------------------------------

def fake_download_from(tmp_path: Path, calls: list):
    """A _download that 'fetches' a file from a local folder holding files named like the remote ones."""
    def download(url, dest, progress=None, *, sha256=None):
        calls.append(url)
        data = (tmp_path / "remote" / url.rsplit("/", 1)[-1]).read_bytes()
        if progress:
            progress(len(data) // 2, len(data), f"Downloading {dest.name}")
            progress(len(data), len(data), f"Downloading {dest.name}")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
    return download


def test_download_when_nothing_is_local(tmp_path, data_dir, monkeypatch):
    arrays = fx.write_keras_mnist_npz(tmp_path / "remote" / "mnist.npz")
    calls, reports = [], []
    monkeypatch.setattr(download, "fetch", fake_download_from(tmp_path, calls))
    assert availability("mnist") == (
        False, "download from https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz (11 MB)")
    ds = load_dataset("mnist", progress=lambda done, total, message: reports.append((done, total, message)))
    assert_arrays(ds, *arrays)
    assert calls == ["https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"]
    assert reports[-1][0] == reports[-1][1] and reports[-1][2] == "Downloading mnist.npz"
    assert ds.source.startswith("downloaded from https://storage.googleapis.com/")
    assert ds.source.endswith(f"into {data_dir / 'mnist'}")
    assert (data_dir / "mnist" / "mnist.npz").is_file()
    assert availability("mnist") == (True, f"data folder {data_dir / 'mnist' / 'mnist.npz'}: Keras .npz")


def test_fashion_download_fetches_four_files(tmp_path, data_dir, monkeypatch):
    arrays = fx.write_idx_files(tmp_path / "remote")
    calls = []
    monkeypatch.setattr(download, "fetch", fake_download_from(tmp_path, calls))
    assert_arrays(load_dataset("fashion-mnist"), *arrays)
    assert sorted(url.rsplit("/", 1)[-1] for url in calls) == sorted(f"{s}.gz" for s in fx.IDX_STEMS)


def test_cifar_download_is_read_from_the_archive(tmp_path, data_dir, monkeypatch):
    batches = fx.cifar_batches()
    fx.write_cifar_archive(tmp_path / "remote" / "cifar-10-python.tar.gz", batches)
    monkeypatch.setattr(download, "fetch", fake_download_from(tmp_path, []))
    assert_arrays(load_dataset("cifar10"), *fx.cifar_expected(batches))
    assert (data_dir / "cifar10" / "cifar-10-python.tar.gz").is_file()


def test_real_download_function_with_a_file_url(tmp_path):
    remote = tmp_path / "remote.bin"
    remote.write_bytes(os.urandom(3 << 20))  # 3 MiB: several chunks
    dest, reports = tmp_path / "data" / "mnist" / "mnist.npz", []
    REAL_DOWNLOAD(remote.as_uri(), dest, lambda *r: reports.append(r),
                  sha256=hashlib.sha256(remote.read_bytes()).hexdigest())
    assert dest.read_bytes() == remote.read_bytes()
    assert reports[-1] == (3 << 20, 3 << 20, "Downloading mnist.npz") and len(reports) >= 3
    assert [p.name for p in dest.parent.iterdir()] == ["mnist.npz"]  # no temporary file left


def test_real_download_with_wrong_checksum_leaves_nothing(tmp_path):
    remote = tmp_path / "remote.bin"
    remote.write_bytes(b"x" * 1000)
    dest = tmp_path / "data" / "mnist.npz"
    with pytest.raises(OSError, match="damaged"):
        REAL_DOWNLOAD(remote.as_uri(), dest, None, sha256="0" * 64)
    assert list(dest.parent.iterdir()) == []


@pytest.mark.parametrize("name, title, expected_file", [
    ("mnist", "MNIST", "train-images-idx3-ubyte.gz"),
    ("fashion-mnist", "Fashion-MNIST", "t10k-labels-idx1-ubyte.gz"),
    ("cifar10", "CIFAR-10", "cifar-10-python.tar.gz"),
])
def test_offline_with_nothing_local_says_what_to_do(name, title, expected_file, data_dir):
    with pytest.raises(DatasetError) as caught:
        load_dataset(name)
    message = str(caught.value)
    assert title in message and expected_file in message and str(data_dir / name) in message
    assert "no network in tests" in message and "mnist-sample" in message and "\n" not in message


def test_unreachable_only_when_offline_and_not_here(data_dir, monkeypatch):
    message = unreachable("cifar10")  # conftest: CNNLAB_OFFLINE=1, an empty data folder
    assert message and "CIFAR-10" in message and "downloads are switched off" in message
    assert str(data_dir / "cifar10") in message
    assert unreachable("mnist-sample") is None and unreachable(f"folder:{data_dir}") is None
    monkeypatch.delenv("CNNLAB_OFFLINE")
    assert unreachable("cifar10") is None  # it can still be downloaded when training starts
    monkeypatch.setenv("CNNLAB_OFFLINE", "1")
    fx.write_idx_files(data_dir / "mnist")
    assert unreachable("mnist") is None  # here: nothing to download


def test_availability_reads_no_pixels(data_dir, monkeypatch):
    for stem in fx.IDX_STEMS:  # garbage files: availability must not notice, only loading does
        (data_dir / "fashion-mnist").mkdir(parents=True, exist_ok=True)
        (data_dir / "fashion-mnist" / f"{stem}.gz").write_bytes(b"garbage")
    monkeypatch.setattr(idx, "read_idx", lambda path: pytest.fail("availability read a file"))
    assert availability("fashion-mnist")[0] is True
    assert availability("cifar10")[0] is False and "(170 MB)" in availability("cifar10")[1]
    assert availability("fashion-mnist")[1].startswith("data folder")


# --- The per-process cache -------------------------------------------------------------------------

def test_loaded_once_even_from_many_threads(data_dir, monkeypatch):
    fx.write_idx_files(data_dir / "mnist")
    reads, real_read_idx = [], idx.read_idx

    def slow_read_idx(path):
        reads.append(path)
        time.sleep(0.05)  # make the threads overlap
        return real_read_idx(path)

    monkeypatch.setattr(idx, "read_idx", slow_read_idx)
    results = []
    threads = [threading.Thread(target=lambda: results.append(load_dataset("mnist"))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and all(r is results[0] for r in results)
    assert len(reads) == 4  # the four IDX files, read once
    clear_cache()
    assert load_dataset("mnist") is not results[0]


# --- Folders of your own pictures ------------------------------------------------------------------

def test_folder_with_train_and_test(tmp_path):
    root = tmp_path / "pets"
    fx.write_picture_folder(root / "train", {"cat": 4, "dog": 3})
    fx.write_picture_folder(root / "test", {"cat": 2, "dog": 1})
    info = dataset_info(f"folder:{root}")
    assert info.classes == ("cat", "dog") and info.image_shape == (32, 32, 3)
    assert (info.train_size, info.test_size) == (7, 3) and "train/ and test/" in info.description
    ds = load_dataset(f"folder:{root}")
    assert ds.x_train.shape == (7, 32, 32, 3) and ds.x_test.shape == (3, 32, 32, 3)
    assert np.bincount(ds.y_train).tolist() == [4, 3] and np.bincount(ds.y_test).tolist() == [2, 1]
    assert ds.source == f"folder {root}" and ds.skipped_files == 0
    assert availability(f"folder:{root}") == (True, f"folder {root}")
    assert load_dataset(f"folder:{root}/../pets") is ds  # same folder, same dataset


def test_folder_without_split_keeps_a_fifth_of_each_class_for_testing(tmp_path):
    root = tmp_path / "shapes"
    fx.write_picture_folder(root, {"circle": 10, "square": 5, "star": 2}, mode="L")
    ds = load_dataset(f"folder:{root}")
    assert np.bincount(ds.y_test).tolist() == [2, 1, 1] and np.bincount(ds.y_train).tolist() == [8, 4, 1]
    assert ds.image_shape == (32, 32, 1)  # all grey: one channel
    # Grey level 10 * class + number is unique per file: no picture is in both parts.
    seen_train, seen_test = set(ds.x_train[:, 0, 0, 0].tolist()), set(ds.x_test[:, 0, 0, 0].tolist())
    assert not seen_train & seen_test and len(seen_train | seen_test) == 17
    clear_cache()
    again = load_dataset(f"folder:{root}")
    assert_arrays(again, ds.x_train, ds.y_train, ds.x_test, ds.y_test)  # same split and order every time


def test_folder_with_mixed_formats_and_unreadable_files(tmp_path):
    root = tmp_path / "mixed"
    fx.save_image(root / "a" / "rgb.png", "RGB", (200, 100, 50))
    fx.save_image(root / "a" / "big.jpg", "RGB", (0, 0, 255), size=(300, 200))
    fx.save_image(root / "a" / "grey.png", "L", 77)
    fx.save_image(root / "a" / "clear.png", "RGBA", (255, 0, 0, 0))  # fully see-through
    fx.save_image(root / "b" / "half.png", "LA", (0, 128))
    fx.save_image(root / "b" / "palette.gif", "P", 3)
    fx.save_image(root / "b" / "tiny.bmp", "RGB", (1, 2, 3), size=(7, 9))
    (root / "b" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (root / "b" / "notes.txt").write_text("not a picture")
    (root / "b" / ".DS_Store").write_bytes(b"\0\1")  # hidden: not even counted
    ds = load_dataset(f"folder:{root}", channels=None)
    assert ds.image_shape == (32, 32, 3) and len(ds.x_train) + len(ds.x_test) == 7
    assert ds.skipped_files == 2 and ds.source == f"folder {root} (2 unreadable files skipped)"
    pixels = {tuple(p) for p in np.concatenate([ds.x_train, ds.x_test])[:, 16, 16].tolist()}
    assert {(200, 100, 50), (77, 77, 77), (255, 255, 255), (1, 2, 3)} <= pixels  # see-through shows as white
    blue = [p for p in pixels if p[2] > 240 and p[0] < 15 and p[1] < 15]
    assert blue, pixels  # the JPEG, shrunk from 300x200, within JPEG's error
    grey = load_dataset(f"folder:{root}", channels=1, image_size=16)
    assert grey.image_shape == (16, 16, 1) and grey is not ds


def test_folder_dataset_info_reads_no_pixels_and_finds_grey(tmp_path):
    root = tmp_path / "digits"
    fx.write_picture_folder(root, {"one": 5, "two": 5}, mode="L", suffix=".jpg", size=(28, 28))
    info = dataset_info(f"folder:{root}")
    assert info.image_shape == (32, 32, 1) and (info.train_size, info.test_size) == (8, 2)
    assert dataset_info(f"folder:{root}", image_size=28, channels=3).image_shape == (28, 28, 3)
    reports = []
    ds = load_dataset(f"folder:{root}", image_size=28, progress=lambda *r: reports.append(r))
    assert ds.image_shape == (28, 28, 1) and reports[-1][:2] == (10, 10)


@pytest.mark.parametrize("make, message", [
    (lambda root: None, "does not exist"),
    (lambda root: fx.write_picture_folder(root, {"only": 3}), "at least two classes.*found 1: only"),
    (lambda root: fx.save_image(root / "loose.png", "RGB", 0), "found 0"),
    (lambda root: [(root / c).mkdir(parents=True) for c in ("a", "b")], "found 0"),
    (lambda root: [(root / c).mkdir(parents=True) or [(root / c / f"{i}.png").write_bytes(b"??") for i in "xy"]
                   for c in "ab"], "None of the 4 files"),
])
def test_folder_problems_are_clear_errors(tmp_path, make, message):
    root = tmp_path / "pictures"
    make(root)
    with pytest.raises(DatasetError, match=message):
        load_dataset(f"folder:{root}")


def test_folder_options_are_checked(tmp_path):
    with pytest.raises(DatasetError, match="Image size 3"):
        load_dataset(f"folder:{tmp_path}", image_size=3)
    with pytest.raises(DatasetError, match="Channels 2"):
        load_dataset(f"folder:{tmp_path}", channels=2)
    with pytest.raises(DatasetError, match="Give the folder"):
        load_dataset("folder:")


# --- The real datasets in ../shared/datasets ----------------------------------------------------

@pytest.mark.parametrize("name, train_counts, test_counts", [
    ("mnist", MNIST_TRAIN_COUNTS, MNIST_TEST_COUNTS),
    ("fashion-mnist", [6000] * 10, [1000] * 10),
])
def test_real_idx_datasets(name, train_counts, test_counts, shared_datasets, monkeypatch):
    monkeypatch.setenv("CNNLAB_DATA_DIR", str(shared_datasets))
    ds = load_dataset(name)
    assert ds.x_train.shape == (60_000, 28, 28, 1) and ds.x_test.shape == (10_000, 28, 28, 1)
    assert np.bincount(ds.y_train).tolist() == train_counts and np.bincount(ds.y_test).tolist() == test_counts
    assert ds.classes == dataset_info(name).classes and ds.source.startswith(f"data folder {shared_datasets / name}")


def test_bundled_samples_are_real_images(shared_datasets, monkeypatch):
    """Every sample picture is a picture of the real dataset, with the same label."""
    monkeypatch.setenv("CNNLAB_DATA_DIR", str(shared_datasets))
    for sample, full, parts in (("mnist-sample", "mnist", {"train": "train", "test": "train"}),
                                ("fashion-sample", "fashion-mnist", {"train": "train", "test": "test"})):
        real, small = load_dataset(full), load_dataset(sample)
        for part, real_part in parts.items():
            lookup = {image.tobytes(): label for image, label in
                      zip(getattr(real, f"x_{real_part}"), getattr(real, f"y_{real_part}").tolist())}
            found = [lookup.get(image.tobytes()) for image in getattr(small, f"x_{part}")]
            assert found == getattr(small, f"y_{part}").tolist(), (sample, part)


@pytest.fixture(scope="module")
def real_cifar_folder(request, tmp_path_factory, shared_datasets):
    """../shared/datasets/cifar10-jpeg.tar.gz unpacked once, and kept in pytest's cache between runs.

    Making its 60,000 files takes 1 s with the tar command on a plain disk, but 15 s and more in a
    watched /tmp (Python's tarfile is slower still); decoding them takes 7 s or more. Both happen
    once per checkout: later runs read the decoded copy the loader leaves beside the files.
    """
    archive = shared_datasets / "cifar10-jpeg.tar.gz"
    if not archive.is_file():
        pytest.skip(f"no {archive}")
    cache = getattr(request.config, "cache", None)  # absent with -p no:cacheprovider
    root = cache.mkdir("cifar10-jpeg") if cache else tmp_path_factory.mktemp("cifar10-jpeg")
    stamp, marker = f"{archive.stat().st_size} {archive.stat().st_mtime_ns}", root / "unpacked-from"
    if not marker.is_file() or marker.read_text() != stamp:
        shutil.rmtree(root / "cifar10", ignore_errors=True)
        if not shutil.which("tar") or subprocess.run(["tar", "xzf", archive, "-C", root]).returncode:
            with tarfile.open(archive) as tar:
                tar.extractall(root, filter="data")
        marker.write_text(stamp)
    return root


def test_real_cifar_jpeg_folder(real_cifar_folder, monkeypatch):
    monkeypatch.setenv("CNNLAB_DATA_DIR", str(real_cifar_folder))
    ds = load_dataset("cifar10")
    assert ds.x_train.shape == (50_000, 32, 32, 3) and ds.x_test.shape == (10_000, 32, 32, 3)
    assert ds.classes == datasets.CIFAR10_CLASSES and ds.skipped_files == 0
    assert np.bincount(ds.y_train).tolist() == [5000] * 10 and np.bincount(ds.y_test).tolist() == [1000] * 10
    assert np.allclose(ds.x_train.reshape(-1, 3)[::97].mean(axis=0), (125.3, 123.0, 113.9), atol=1.5)
    # Pictures decoded afresh from their files equal what was loaded, labels too (a stale copy would not).
    listing = folders.list_image_folder(real_cifar_folder / "cifar10", datasets.CIFAR10_CLASSES)
    for i in np.random.default_rng().choice(len(listing.train), 200, replace=False):
        path, label = listing.train[i]
        assert np.array_equal(folders.read_picture(path, 32, 3), ds.x_train[i]) and ds.y_train[i] == label
        assert Path(path).parent.name == datasets.CIFAR10_CLASSES[label]
    clear_cache()
    again = load_dataset("cifar10")
    assert again.source.endswith("(decoded copy .cnnlab-cache.npz)")
    assert np.array_equal(again.x_test, ds.x_test) and np.array_equal(again.y_train, ds.y_train)
