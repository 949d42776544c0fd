"""Hostile data folders: a gzip bomb where MNIST should be, archives that unpack to gigabytes,
image folders too small to train and test on. Each is refused with a clear message, before any
training, and without first spending the memory the bomb asks for."""
from __future__ import annotations

import os
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import fixtures_data as fx
import pytest

from cnnlab.config import TrainConfig
from cnnlab.datasets import DatasetError, dataset_info, load_dataset
from cnnlab.settings import CnnlabError
from cnnlab.training import train

ROOT = Path(__file__).resolve().parents[1]


def gzip_bomb(header: bytes, zeros_mib: int) -> bytes:
    """A gzip file of `header` then `zeros_mib` MiB of zeros, about 1,000 times smaller than that:
    one compressed 16 MiB block of zeros, repeated (a full flush makes each copy stand alone)."""
    def deflate(data: bytes, final: bool = False) -> bytes:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        return packer.compress(data) + packer.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)

    block, count = bytes(1 << 24), zeros_mib // 16
    crc = zlib.crc32(header)
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    body = deflate(header) + deflate(block) * count + deflate(b"", final=True)
    size = len(header) + count * len(block)
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + body + struct.pack("<II", crc, size & 0xFFFFFFFF)


def idx_header(*shape: int) -> bytes:
    return bytes([0, 0, 8, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)


MEMORY_CHECK = """
import sys
from pathlib import Path
from cnnlab.datasets import DatasetError, load_dataset

def status(field):
    line = next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith(field + ":"))
    return int(line.split()[1]) / 1024

before = status("VmRSS")
try:
    load_dataset("mnist")
    print("loaded")
except DatasetError as e:
    print(e)
print(status("VmHWM") - before)
"""


@pytest.mark.parametrize("header", [idx_header(60000, 28, 28), idx_header(2**20, 32, 32), b"\0" * 16],
                         ids=["honest header, 1 GiB more", "header claiming 1 GiB", "no header"])
def test_a_gzip_bomb_in_the_data_folder_is_refused_without_unpacking_it(header, tmp_path, monkeypatch):
    """1 MB on disk, 1 GiB unpacked: refused for under 300 MB (it once cost 2.1 GB), in a fresh process."""
    folder = tmp_path / "data" / "mnist"
    fx.write_idx_files(folder)
    (folder / "train-images-idx3-ubyte.gz").write_bytes(gzip_bomb(header, 1024))
    done = subprocess.run([sys.executable, "-c", MEMORY_CHECK], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "CNNLAB_DATA_DIR": str(tmp_path / "data")})
    assert done.returncode == 0, done.stderr
    message, added_mb = done.stdout.strip().splitlines()[-2:]
    assert "train-images-idx3-ubyte.gz" in message and "damaged" in message, message
    assert float(added_mb) < 300, f"{float(added_mb):.0f} MB"


def test_an_npz_member_claiming_gigabytes_is_refused_from_the_archive_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNLAB_DATA_DIR", str(tmp_path))
    path = tmp_path / "mnist" / "mnist.npz"
    fx.write_keras_mnist_npz(path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("padding.npy", "w", force_zip64=True) as member:
            for _ in range(16):  # 256 MiB of zeros, a few hundred kB on disk
                member.write(bytes(1 << 24))
    with pytest.raises(DatasetError, match="would unpack to 268 MB"):
        load_dataset("mnist")


# --- Image folders too small to train and test on ---------------------------------------------------

def test_one_picture_per_class_is_refused_before_training_saying_how_many_are_needed(tmp_path):
    root = tmp_path / "pets"
    fx.write_picture_folder(root, {"cat": 1, "dog": 1, "fish": 5})
    for attempt in (lambda: dataset_info(f"folder:{root}"), lambda: load_dataset(f"folder:{root}"),
                    lambda: train(TrainConfig(dataset=f"folder:{root}", architecture="lenet5", epochs=1))):
        with pytest.raises(CnnlabError, match=r"at least 2 pictures of each class .* 'cat' and 'dog' have fewer"):
            attempt()


def test_the_smallest_folder_that_can_work_trains_and_is_tested(tmp_path):
    root = tmp_path / "pets"
    fx.write_picture_folder(root, {"cat": 2, "dog": 2})
    run = train(TrainConfig(dataset=f"folder:{root}", architecture="lenet5", epochs=1, validation_split=0.0))
    assert run.status == "finished" and run.test_accuracy is not None, run.message


def test_a_class_only_test_has_is_warned_about(tmp_path):
    root = tmp_path / "pets"
    fx.write_picture_folder(root / "train", {"cat": 3, "dog": 3})
    fx.write_picture_folder(root / "test", {"cat": 1, "dog": 1, "zebra": 2})
    info = dataset_info(f"folder:{root}")
    assert "'zebra'" in info.description and "never get those right" in info.description
    dataset = load_dataset(f"folder:{root}")
    assert "zebra" in dataset.source and dataset.classes == ("cat", "dog", "zebra")


def test_a_test_folder_of_unreadable_files_is_refused(tmp_path):
    root = tmp_path / "pets"
    fx.write_picture_folder(root / "train", {"cat": 3, "dog": 3})
    for name in ("cat", "dog"):
        (root / "test" / name).mkdir(parents=True)
        (root / "test" / name / "x.png").write_bytes(b"not a picture")
    with pytest.raises(DatasetError, match="None of the test pictures"):
        load_dataset(f"folder:{root}")


# --- A folder's listing is read once, and again only when the folder changes ---------------------

def settle(root: Path) -> None:
    """Date every folder under root a minute back: a listing made within 2 s of a change is not kept
    (a second change in the same clock tick would not change the folder's time)."""
    past = time.time() - 60
    for folder in [root, *(p for p in root.rglob("*") if p.is_dir())]:
        os.utime(folder, (past, past))


def test_a_folder_listing_is_read_once_and_refreshed_when_the_folder_changes(tmp_path, monkeypatch):
    """The Model and Train pages ask on every rerun: with 10,000 classes, listing them and reading
    every header again took over a second per click (bench/folder_listing.py)."""
    from PIL import Image

    import cnnlab.datasets as datasets
    from cnnlab.datasets import folders

    root = tmp_path / "shapes"
    fx.write_picture_folder(root, {f"class{i:03d}": 2 for i in range(50)}, mode="L")
    settle(root)
    opened, walked, real_open, real_walk = [], [], Image.open, os.walk
    monkeypatch.setattr(Image, "open", lambda *a, **k: opened.append(a[0]) or real_open(*a, **k))
    monkeypatch.setattr(os, "walk", lambda *a, **k: walked.append(a[0]) or real_walk(*a, **k))

    first = dataset_info(f"folder:{root}")
    assert first.image_shape == (32, 32, 1) and len(opened) == 100 and len(walked) == 50
    opened.clear(), walked.clear()
    assert dataset_info(f"folder:{root}") == first
    assert not opened and not walked  # nothing read again

    fx.write_picture_folder(root, {"class999": 2}, mode="RGB")  # a new class, in colour
    changed = dataset_info(f"folder:{root}")
    settle(root)
    assert len(changed.classes) == 51 and changed.image_shape == (32, 32, 3)
    fx.save_image(root / "class000" / "02.png", "L", 7)  # one more picture: its folder's time changes
    assert dataset_info(f"folder:{root}").train_size == changed.train_size + 1
    assert folders._LISTINGS  # and clear_cache forgets them
    datasets.clear_cache()
    assert not folders._LISTINGS
