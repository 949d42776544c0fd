"""Unpacking an uploaded zip of class folders: what a person zips works; what could harm is refused
with a clear message and leaves nothing behind."""
from __future__ import annotations

import io
import stat
import zipfile

import fixtures_data as fx
import pytest

from cnnlab import uploads
from cnnlab.datasets import load_dataset
from cnnlab.uploads import ArchiveError, unpack_class_folders


def zipped(files: dict[str, bytes], *, links: dict[str, str] | None = None) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    buffer.seek(0)
    return buffer


def picture_files(tmp_path, prefix: str = "") -> dict[str, bytes]:
    """Real PNG files in two class folders, as a person would zip them."""
    folder = tmp_path / "made"
    fx.write_picture_folder(folder, {"circle": 6, "square": 5})
    return {prefix + str(path.relative_to(folder)): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def nothing_left(tmp_path) -> bool:
    where = tmp_path / "uploads"
    return not where.exists() or not any(where.iterdir())


@pytest.mark.parametrize("prefix", ["", "shapes/"])  # the class folders themselves, or a folder holding them
def test_a_zip_of_class_folders_becomes_a_folder_dataset(tmp_path, prefix):
    files = picture_files(tmp_path, prefix)
    files["__MACOSX/._circle"] = b"finder metadata"
    files[prefix + ".DS_Store"] = b"more metadata"
    upload = zipped(files).getvalue()  # zipped once: a zip holds the time it was made
    root = unpack_class_folders(io.BytesIO(upload), "My Shapes.zip", tmp_path / "uploads")
    assert root.parent.parent == tmp_path / "uploads" or root.parent == tmp_path / "uploads"
    assert sorted(p.name for p in root.iterdir()) == ["circle", "square"]
    assert not (root / "__MACOSX").exists() and not (root / ".DS_Store").exists()
    dataset = load_dataset(f"folder:{root}")
    assert dataset.classes == ("circle", "square") and len(dataset.y_train) + len(dataset.y_test) == 11
    # The same zip again: the same folder, nothing unpacked twice.
    assert unpack_class_folders(io.BytesIO(upload), "My Shapes.zip", tmp_path / "uploads") == root
    assert len(list((tmp_path / "uploads").iterdir())) == 1


@pytest.mark.parametrize("name", ["../evil.png", "cats/../../evil.png", "/etc/evil.png", "C:\\evil.png",
                                  "cats\\..\\..\\evil.png"])
def test_paths_that_leave_the_folder_are_refused(tmp_path, name):
    with pytest.raises(ArchiveError, match="leads out of its folder"):
        unpack_class_folders(zipped({"cats/a.png": b"x", name: b"x"}), "bad.zip", tmp_path / "uploads")
    assert nothing_left(tmp_path) and not (tmp_path / "evil.png").exists()


def test_links_are_refused(tmp_path):
    with pytest.raises(ArchiveError, match="link"):
        unpack_class_folders(zipped({"cats/a.png": b"x"}, links={"cats/b.png": "/etc/passwd"}), "l.zip",
                             tmp_path / "uploads")
    assert nothing_left(tmp_path)


def test_a_zip_bomb_is_refused_before_anything_is_written(tmp_path):
    bomb = zipped({"cats/a.png": b"x", "cats/huge.bmp": bytes(50_000_000)})  # 50 MB of zeros: ~50 kB packed
    with pytest.raises(ArchiveError, match="zip bomb"):
        unpack_class_folders(bomb, "bomb.zip", tmp_path / "uploads")
    assert nothing_left(tmp_path)


def test_too_many_files_or_too_many_bytes_are_refused(tmp_path, monkeypatch):
    files = picture_files(tmp_path)
    monkeypatch.setattr(uploads, "MAX_FILES", 10)
    with pytest.raises(ArchiveError, match="more than 10 files"):
        unpack_class_folders(zipped(files), "many.zip", tmp_path / "uploads")
    monkeypatch.setattr(uploads, "MAX_FILES", 1000)
    monkeypatch.setattr(uploads, "MAX_TOTAL_BYTES", 1000)
    with pytest.raises(ArchiveError, match="once unpacked"):
        unpack_class_folders(zipped(files), "big.zip", tmp_path / "uploads")
    assert nothing_left(tmp_path)


def test_sizes_the_zip_lies_about_are_caught_while_unpacking(tmp_path):
    data = zipped({"cats/a.png": b"x" * 5000, "dogs/b.png": b"y" * 10}).getvalue()
    # Patch the declared size of the first file (in its central directory entry) down to 100 bytes.
    central = data.rindex(b"PK\x01\x02", 0, data.rindex(b"PK\x01\x02"))
    lied = data[:central + 24] + (100).to_bytes(4, "little") + data[central + 28:]
    with pytest.raises(ArchiveError):
        unpack_class_folders(io.BytesIO(lied), "liar.zip", tmp_path / "uploads")
    assert nothing_left(tmp_path)


def test_not_a_zip_and_an_empty_zip_get_clear_messages(tmp_path):
    with pytest.raises(ArchiveError, match="not a zip file"):
        unpack_class_folders(io.BytesIO(b"these bytes are no zip"), "photos.zip", tmp_path / "uploads")
    with pytest.raises(ArchiveError, match="holds no files"):
        unpack_class_folders(zipped({"__MACOSX/x": b""}), "empty.zip", tmp_path / "uploads")
    assert nothing_left(tmp_path)
