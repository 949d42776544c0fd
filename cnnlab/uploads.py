"""A .zip of class folders, uploaded on the Data page, unpacked safely into the data folder.

A zip file is a list of paths and sizes chosen by whoever made it, so nothing in it is trusted:
a path that leaves the folder (`../`, `/etc/...`, `C:\\...`) or a link is refused; the number of
files, the size once unpacked and how much each file grows on unpacking are limited before
anything is written; and while unpacking, the bytes really written are counted, in case the
sizes the zip declares are lies. Everything is unpacked into a temporary folder first and renamed
into place at the end, so a refused or broken upload leaves nothing half-written behind.

The pictures land in `settings.data_dir()/uploads/<name>-<8 hex digits of the zip's SHA-256>/`,
so uploading the same zip again reuses its folder, and any folder:PATH dataset can use it.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from cnnlab import settings
from cnnlab.settings import CnnlabError

UPLOADS_FOLDER = "uploads"
MAX_FILES = 100_000  # CIFAR-10 as JPEG files is 60,000
MAX_TOTAL_BYTES = 1_000_000_000  # unpacked, all files together
MAX_RATIO = 100  # unpacked size / packed size, per file (pictures barely compress: JPEG ~1, BMP ~10)
RATIO_FROM_BYTES = 1_000_000  # smaller files may compress well (a blank picture) without harm
CHUNK = 1 << 20
_SKIPPED_PARTS = ("__MACOSX",)  # macOS's Finder adds these beside every zipped folder


class ArchiveError(CnnlabError):
    """An uploaded zip that cannot or must not be unpacked; the message says why and what to do."""


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.0f} MB" if size >= 1e6 else f"{size / 1e3:,.0f} kB"


def _safe_parts(name: str, zip_name: str) -> tuple[str, ...] | None:
    """The member's path as folder names inside the destination; None for entries to skip
    (folders' own entries, hidden files, macOS extras). Raises ArchiveError for a path that leaves."""
    path = name.replace("\\", "/")
    parts = PurePosixPath(path).parts
    if path.startswith("/") or (parts and re.fullmatch(r"[A-Za-z]:", parts[0])) or ".." in parts:
        raise ArchiveError(f"{zip_name} holds a file whose path leads out of its folder ({name!r}), so it was not "
                           "unpacked. Zip the class folders themselves (for example pets/cat/ and pets/dog/).")
    parts = tuple(part for part in parts if part not in ("", "."))
    if not parts or path.endswith("/") or any(p.startswith(".") or p in _SKIPPED_PARTS for p in parts):
        return None
    return parts


def _is_link(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _checked_members(archive: zipfile.ZipFile, zip_name: str) -> list[tuple[zipfile.ZipInfo, tuple[str, ...]]]:
    """The files to unpack, after every check that can be made before writing anything."""
    members, total = [], 0
    for info in archive.infolist():
        if _is_link(info):
            raise ArchiveError(f"{zip_name} holds a link ({info.filename!r}); cnnlab unpacks only plain files and "
                               "folders. Zip copies of the pictures instead of links to them.")
        parts = _safe_parts(info.filename, zip_name)
        if parts is None or info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise ArchiveError(f"{zip_name} is protected by a password; zip the folders again without one.")
        if info.file_size > RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ArchiveError(f"{zip_name} was refused: {info.filename!r} would grow from "
                               f"{_megabytes(info.compress_size)} to {_megabytes(info.file_size)} when unpacked, "
                               f"more than {MAX_RATIO} times its size, which pictures never do (a 'zip bomb').")
        members.append((info, parts))
        total += info.file_size
        if len(members) > MAX_FILES:
            raise ArchiveError(f"{zip_name} holds more than {MAX_FILES:,} files, more than cnnlab unpacks; "
                               "use fewer pictures per class.")
        if total > MAX_TOTAL_BYTES:
            raise ArchiveError(f"{zip_name} would take more than {_megabytes(MAX_TOTAL_BYTES)} once unpacked; "
                               "use fewer or smaller pictures (cnnlab shrinks them to at most 256x256 pixels).")
    if not members:
        raise ArchiveError(f"{zip_name} holds no files: zip a folder with one subfolder of pictures per class.")
    return members


def _unpack(archive: zipfile.ZipFile, members, into: Path, zip_name: str) -> None:
    """Write each member, counting the bytes really read: a zip may declare smaller sizes than it holds."""
    written = 0
    for info, parts in members:
        target = into.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        size = 0
        with archive.open(info) as source, open(target, "wb") as out:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                written += len(chunk)
                if size > info.file_size or written > MAX_TOTAL_BYTES:
                    raise ArchiveError(f"{zip_name} holds more data than it declares ({info.filename!r}), so it "
                                       "was not unpacked: the file is damaged or made to fill the disk.")
                out.write(chunk)


def _dataset_root(folder: Path) -> Path:
    """The folder holding the class folders: a zip of `pets/` (one folder, no loose files) has them inside it."""
    entries = [entry for entry in folder.iterdir() if not entry.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_dir() and entries[0].name.lower() not in ("train", "test"):
        return _dataset_root(entries[0])
    return folder


def _slug(zip_name: str) -> str:
    stem = re.sub(r"\.zip$", "", Path(zip_name).name, flags=re.IGNORECASE)
    return re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")[:40] or "pictures"


def unpack_class_folders(upload: BinaryIO, zip_name: str, uploads_dir: Path | None = None) -> Path:
    """Unpack an uploaded zip of class folders; returns the folder holding the class folders.

    `upload` is a binary file object (Streamlit's UploadedFile, an open file). Raises ArchiveError
    with a clear message for anything that is not a safe zip of files."""
    uploads_dir = uploads_dir or settings.data_dir() / UPLOADS_FOLDER
    digest = hashlib.sha256()
    upload.seek(0)
    while chunk := upload.read(CHUNK):
        digest.update(chunk)
    upload.seek(0)
    final = uploads_dir / f"{_slug(zip_name)}-{digest.hexdigest()[:8]}"
    if final.is_dir():  # the same zip, uploaded before
        return _dataset_root(final)
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ArchiveError(f"{zip_name} is not a zip file cnnlab can read ({error}); make it again with "
                           "'Compress' (macOS), 'Send to > Compressed folder' (Windows) or `zip -r`.") from None
    with archive:
        members = _checked_members(archive, zip_name)
        uploads_dir.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=uploads_dir))
        try:
            _unpack(archive, members, temporary, zip_name)
            os.replace(temporary, final)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as error:
            raise ArchiveError(f"{zip_name} could not be unpacked ({type(error).__name__}: {error}); it may be "
                               "damaged: make it again.") from None
        finally:
            if temporary.exists():
                shutil.rmtree(temporary, ignore_errors=True)
    return _dataset_root(final)

