"""Labs: what each student has chosen, kept on disk so that a server restart forgets nothing.

A lab is one student's workspace in the app: the dataset, the network (a preset or their own
layer stack), the current model and the training settings. The app keeps each lab's choices in
memory and writes them, as plain JSON, to `settings.labs_dir()/<lab id>.json` whenever they
change (atomically, like runs); a lab seen for the first time since the server started is read
back from there. A damaged or unreadable file is not an error: the lab starts afresh.

Lab ids are 96 random bits written in hex: the id in a page's address (`?lab=...`) cannot be
guessed, and the app additionally remembers in a browser cookie which labs that browser owns.
"""
from __future__ import annotations

import json
import logging
import re
import secrets
from pathlib import Path
from typing import Any

from cnnlab.runs import _atomic_write_text
from cnnlab.settings import labs_dir

LAB_ID_PATTERN = re.compile(r"[0-9a-f]{24}")  # secrets.token_hex(12): 96 random bits
FILE_VERSION = 1
# Anything else a lab keeps (a lab store may hold test labs named freely) is saved only if its
# name is safe as a file name.
_SAFE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")

log = logging.getLogger(__name__)


def new_lab_id() -> str:
    """A fresh, unguessable lab id."""
    return secrets.token_hex(12)


def is_lab_id(text: Any) -> bool:
    """Whether `text` has the shape of a lab id the app hands out (from an address or a cookie)."""
    return isinstance(text, str) and LAB_ID_PATTERN.fullmatch(text) is not None


def lab_file(lab: str) -> Path | None:
    """Where the lab's choices are saved; None for a name that is no safe file name."""
    return labs_dir() / f"{lab}.json" if isinstance(lab, str) and _SAFE_NAME.fullmatch(lab) else None


def lab_saved(lab: str) -> bool:
    path = lab_file(lab)
    return path is not None and path.is_file()


def save_lab(lab: str, choices: dict[str, Any]) -> str | None:
    """Write the lab's choices (JSON-ready values) atomically; returns the text written, or None
    when the lab's name cannot be a file name. Raises OSError when the folder cannot be written."""
    path = lab_file(lab)
    if path is None:
        return None
    text = json.dumps({"version": FILE_VERSION, "choices": choices}, indent=1, sort_keys=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write_text(path, text)
    return text


def load_lab(lab: str) -> dict[str, Any] | None:
    """The lab's saved choices, or None when there are none or the file is damaged (logged)."""
    path = lab_file(lab)
    if path is None or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        choices = data["choices"]
        if not isinstance(choices, dict):
            raise ValueError("its choices are not a JSON object")
        return choices
    except (OSError, ValueError, KeyError, TypeError) as error:
        log.warning("The saved lab %s could not be read (%s); it starts afresh.", path, error)
        return None
