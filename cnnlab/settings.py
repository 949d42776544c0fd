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

    By default one fewer than the computer's cores, and at least one: one core keeps answering
    the pages (on a 2-core laptop that is one training at a time; two at once are each more than
    twice as slow anyway).
    """
    return _int_setting("CNNLAB_MAX_JOBS", max(1, (os.cpu_count() or 1) - 1))


def max_queue_length() -> int:
    """How many trainings may wait in the queue; beyond that the server says it is full and when
    to try again: CNNLAB_MAX_QUEUE."""
    return _int_setting("CNNLAB_MAX_QUEUE", 60)


def training_memory_mb() -> int:
    """The most memory (MB) one training may use: CNNLAB_TRAINING_MEMORY_MB. A training estimated
    to need more is refused before it starts; a training process that grows past it is stopped."""
    return _int_setting("CNNLAB_TRAINING_MEMORY_MB", 4096, minimum=64)


def training_niceness() -> int:
    """How far below the pages a training process's claim on the CPU is (Unix "nice", 0 to 19):
    CNNLAB_TRAINING_NICENESS, default 10. A training still gets every cycle the pages leave idle,
    so it trains at full speed on a quiet server, but when a page asks for the CPU it gets it first;
    0 treats them alike (a training's threads then take the cores a page needs)."""
    return min(19, _int_setting("CNNLAB_TRAINING_NICENESS", 10, minimum=0))


BACKENDS = ("local", "threads", "ray")


def backend() -> str:
    """Where trainings run: CNNLAB_BACKEND.

    local    each training in its own worker process on this computer (the default): a crash
             or an out-of-memory training ends only that training
    threads  inside the app's own process (quickest to start; for notebooks and tests)
    ray      on a Ray cluster (CNNLAB_RAY_ADDRESS; needs `pip install -r requirements-ray.txt`)
    """
    choice = (os.environ.get("CNNLAB_BACKEND") or "local").strip().lower()
    if choice not in BACKENDS:
        raise CnnlabError(f"CNNLAB_BACKEND={choice!r} is not a backend cnnlab knows; "
                          f"unset it or give one of: {', '.join(BACKENDS)}.")
    return choice


def ray_address() -> str:
    """Which Ray cluster the ray backend uses: CNNLAB_RAY_ADDRESS. `ray://HOST:10001` for a remote
    cluster, `auto` for the cluster this machine belongs to, `local` (the default) for a private
    one started on this computer, for trying it out."""
    return (os.environ.get("CNNLAB_RAY_ADDRESS") or "local").strip()


def max_parameters() -> int:
    """Largest model (in trainable numbers) cnnlab agrees to build: CNNLAB_MAX_PARAMS."""
    return _int_setting("CNNLAB_MAX_PARAMS", 5_000_000)


def offline() -> bool:
    """CNNLAB_OFFLINE=1 forbids downloads (tests, classrooms without internet): missing
    datasets then fail at once with the message saying which files to put where."""
    return os.environ.get("CNNLAB_OFFLINE", "").strip().lower() in ("1", "true", "yes")
