"""Writing files so that a crash, a full disk or Ctrl-C never leaves half a file behind.

Everything is written to a temporary file beside its destination and then renamed over it: a
rename is atomic, so a reader sees the old file or the new one, never a mix. Temporary files are
named `.tmp-<pid>-...`: whoever lists a folder (cnnlab.runs) can tell a leftover of a writer
that died from a file being written right now.
"""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Callable, Iterator


def temporary_prefix() -> str:
    """How this process's temporary files start: `.tmp-<pid>-`."""
    return f".tmp-{os.getpid()}-"


@contextmanager
def replacing(dest: Path, suffix: str | None = None) -> Iterator[Path]:
    """A temporary path beside `dest` to write to; renamed over `dest` when the block ends without error.

    The temporary name ends like `dest` (or with `suffix`): Keras insists that a model file end in ".keras"."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    temporary = dest.with_name(f"{temporary_prefix()}{uuid.uuid4().hex}{dest.suffix if suffix is None else suffix}")
    try:
        yield temporary
        os.replace(temporary, dest)
    finally:  # also on Ctrl-C: never leave half a file behind
        temporary.unlink(missing_ok=True)


def write_atomically(dest: Path, write: Callable[[BinaryIO], None]) -> None:
    """Call write(file) on a temporary file, flush it to the disk, then put it in dest's place."""
    with replacing(dest) as temporary, open(temporary, "wb") as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())


def write_bytes_atomically(dest: Path, data: bytes) -> None:
    write_atomically(dest, lambda f: f.write(data))


def write_text_atomically(dest: Path, text: str) -> None:
    write_bytes_atomically(dest, text.encode("utf-8"))
