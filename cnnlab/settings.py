"""Settings read from the environment, and the one error type users see.

Every setting has a default that works on a laptop with nothing configured, so the app and
the command line run out of the box.
"""
from __future__ import annotations

import os
from pathlib import Path


class CnnlabError(Exception):
    """A mistake the user can fix (bad input, missing data, impossible model).

    Its message is one clear sentence saying what is wrong and what to do. The UI shows it in an
    error box and the command line prints it on one line; neither shows a traceback.
    """


def _path_setting(variable: str, default: str) -> Path:
    return Path(os.environ.get(variable) or default).expanduser()


def _int_setting(variable: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(variable)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise CnnlabError(f"{variable}={raw!r} is not a whole number; unset it or give e.g. {default}.") from None
    return max(minimum, value)


def data_dir() -> Path:
    """Folder holding full datasets (mnist/, fashion-mnist/, cifar10/): CNNLAB_DATA_DIR."""
    return _path_setting("CNNLAB_DATA_DIR", "~/.cnnlab/data")


def runs_dir() -> Path:
    """Folder where every training run is saved: CNNLAB_RUNS_DIR."""
    return _path_setting("CNNLAB_RUNS_DIR", "~/.cnnlab/runs")


def class_dir() -> Path:
    """Where the class's shared things live (the board, the handwriting set): CNNLAB_CLASS_DIR, by
    default a class/ folder beside the runs folder (~/.cnnlab/class), like labs/."""
    configured = os.environ.get("CNNLAB_CLASS_DIR")
    return Path(configured).expanduser() if configured else runs_dir().parent / "class"


def labs_dir() -> Path:
    """Folder where each lab's choices are kept across server restarts: CNNLAB_LABS_DIR, by default
    a labs/ folder beside the runs folder (~/.cnnlab/labs)."""
    return _path_setting("CNNLAB_LABS_DIR", str(runs_dir().parent / "labs"))


def max_parallel_jobs() -> int:
    """How many trainings may run at once; the rest wait in a queue: CNNLAB_MAX_JOBS.

    One by default: on a 2-core laptop two trainings at once are each more than twice as slow.
    """
    return _int_setting("CNNLAB_MAX_JOBS", 1)


def max_parameters() -> int:
    """Largest model (in trainable numbers) cnnlab agrees to build: CNNLAB_MAX_PARAMS."""
    return _int_setting("CNNLAB_MAX_PARAMS", 5_000_000)


def offline() -> bool:
    """CNNLAB_OFFLINE=1 forbids downloads (tests, classrooms without internet): missing
    datasets then fail at once with the message saying which files to put where."""
    return os.environ.get("CNNLAB_OFFLINE", "").strip().lower() in ("1", "true", "yes")
