"""Writing files so that a crash, a full disk or Ctrl-C never leaves half a file behind."""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import BinaryIO, Callable


def write_atomically(dest: Path, write: Callable[[BinaryIO], None]) -> None:
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
