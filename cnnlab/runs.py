"""Training runs saved on disk, so a class can come back to them and compare them.

Each run is a folder under `settings.runs_dir()`:

    <run id>/run.json      settings, status, per-epoch history, test metrics, timings
    <run id>/model.keras   the trained network (saved after every epoch, so a run that is
                           killed half-way still has what it had learned so far)

Every write goes to a temporary file first and is then renamed over the old one: a rename is
atomic, so a crash never leaves a half-written run.json or model behind.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cnnlab.settings import CnnlabError, runs_dir

RUN_FILE = "run.json"
MODEL_FILE = "model.keras"

# Statuses a run can have. "running" and "queued" are only true while the process that owns
# the run is alive; otherwise the run is reported as "interrupted".
ACTIVE_STATUSES = ("queued", "running")
FINAL_STATUSES = ("finished", "stopped", "diverged", "failed", "interrupted")

# Tells this process's runs apart from those of an earlier process that had the same pid.
_PROCESS_TOKEN = uuid.uuid4().hex


class RunNotFound(CnnlabError):
    pass


@dataclass
class Run:
    run_id: str
    config: dict[str, Any]
    status: str = "queued"
    message: str = ""
    history: list[dict[str, float]] = field(default_factory=list)
    test_loss: float | None = None
    test_accuracy: float | None = None
    created: float = field(default_factory=time.time)
    seconds: float = 0.0  # training time so far, excluding loading data
    # What the model expects and predicts, so a run can classify images without its dataset.
    classes: list[str] = field(default_factory=list)
    image_shape: list[int] = field(default_factory=list)
    dataset_source: str = ""
    parameters: int = 0
    owner_pid: int = field(default_factory=os.getpid)
    owner_host: str = field(default_factory=socket.gethostname)
    owner_token: str = _PROCESS_TOKEN

    @property
    def path(self) -> Path:
        return runs_dir() / self.run_id

    @property
    def model_path(self) -> Path:
        return self.path / MODEL_FILE

    @property
    def has_model(self) -> bool:
        return self.model_path.exists()

    @property
    def epochs_done(self) -> int:
        return len(self.history)

    @property
    def title(self) -> str:
        """Short label for menus and chart legends, e.g. 'lenet5 on mnist-sample, lr 0.001 (#3f2a)'."""
        c = self.config
        return (f"{c.get('architecture', '?')} on {c.get('dataset', '?')}, "
                f"lr {c.get('learning_rate', '?')}, batch {c.get('batch_size', '?')} (#{self.run_id[-4:]})")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def claim(self) -> None:
        """Make this process the run's owner: the one whose death means "interrupted"."""
        self.owner_pid, self.owner_host, self.owner_token = os.getpid(), socket.gethostname(), _PROCESS_TOKEN

    @property
    def resumable(self) -> bool:
        """Whether "Continue training" can go on from the run's last saved epoch: it stopped
        before all its epochs (interrupted, stopped, or its process died) and kept a network."""
        planned = int(self.config.get("epochs") or 0)
        return (self.status in ("interrupted", "stopped", "failed") and 0 < self.epochs_done < planned
                and self.has_model)

    def save(self) -> None:
        """Write run.json atomically."""
        self.path.mkdir(parents=True, exist_ok=True)
        _atomic_write_text(self.path / RUN_FILE, json.dumps(self.to_json(), indent=1, allow_nan=True))

    def save_model(self, model) -> None:
        """Save the Keras model atomically (to a temporary file, then rename)."""
        self.path.mkdir(parents=True, exist_ok=True)
        # Keras insists on the .keras suffix, so the temporary file keeps it.
        tmp = self.path / f".tmp-{uuid.uuid4().hex}.keras"
        try:
            model.save(tmp)
            os.replace(tmp, self.model_path)
        finally:
            tmp.unlink(missing_ok=True)


def _atomic_write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def new_run_id(architecture: str, dataset: str) -> str:
    """Sortable, readable and unique: '20261121-201503-lenet5-mnist-sample-3f2a'."""
    slug = re.sub(r"[^a-z0-9]+", "-", f"{architecture}-{dataset}".lower()).strip("-")[:40]
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{slug}-{uuid.uuid4().hex[:4]}"


def _owner_alive(run: Run) -> bool:
    if run.owner_host != socket.gethostname():
        return True  # another machine's run: we cannot tell, so trust what it says
    if run.owner_pid == os.getpid():
        return run.owner_token == _PROCESS_TOKEN
    try:
        os.kill(run.owner_pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_run(folder: Path) -> Run:
    data = json.loads((folder / RUN_FILE).read_text(encoding="utf-8"))
    known = {f for f in Run.__dataclass_fields__}
    run = Run(**{k: v for k, v in data.items() if k in known})
    if run.status in ACTIVE_STATUSES and not _owner_alive(run):
        # The process that trained it died (killed, crashed, machine restarted): keep what it
        # had, and say so.
        run.status = "interrupted"
        run.message = (f"Training was interrupted after {run.epochs_done} epoch(s) "
                       "(the program that ran it stopped). What it learned so far is kept.")
    return run


def load_run(run_id: str) -> Run:
    folder = runs_dir() / run_id
    if not re.fullmatch(r"[A-Za-z0-9._-]+", run_id or "") or not (folder / RUN_FILE).exists():
        raise RunNotFound(f"No saved run called {run_id!r} in {runs_dir()}; "
                          "`python -m cnnlab runs` lists the saved runs.")
    try:
        return _read_run(folder)
    except (OSError, ValueError, TypeError) as e:
        raise CnnlabError(f"Run {run_id} could not be read ({e}); delete its folder {folder}.") from None


def list_runs() -> list[Run]:
    """Every readable saved run, newest first. Unreadable folders are skipped, not fatal."""
    root = runs_dir()
    if not root.is_dir():
        return []
    runs = []
    for folder in root.iterdir():
        if (folder / RUN_FILE).is_file():
            try:
                runs.append(_read_run(folder))
            except (OSError, ValueError, TypeError):
                continue
    return sorted(runs, key=lambda r: r.created, reverse=True)


def delete_run(run_id: str) -> None:
    run = load_run(run_id)
    if run.status in ACTIVE_STATUSES:
        raise CnnlabError(f"Run {run_id} is still training; stop it before deleting it.")
    shutil.rmtree(run.path)


def load_model(run_id: str):
    """The run's trained Keras model (imports TensorFlow)."""
    run = load_run(run_id)
    if not run.has_model:
        raise CnnlabError(f"Run {run_id} has no saved model (it ended before its first epoch); "
                          "train again or pick another run.")
    import keras

    try:
        return keras.models.load_model(run.model_path, compile=False)
    except Exception as e:  # a damaged file is the user's to delete, not a crash
        raise CnnlabError(f"The model file of run {run_id} could not be loaded ({type(e).__name__}); "
                          "delete the run and train again.") from None
