"""Training runs saved on disk, so a class can come back to them and compare them.

Each run is a folder under `settings.runs_dir()`:

    <run id>/run.json      settings, status, per-epoch history, test metrics, timings
    <run id>/model.keras   the trained network (saved after every epoch, so a run that is
                           killed half-way still has what it had learned so far)

Every write goes to a temporary file first and is then renamed over the old one: a rename is
atomic, so a crash never leaves a half-written run.json or model behind (only, at worst, a
`.tmp-<pid>-...` file, removed the next time runs are listed once its writer is gone).

A run folder whose files are damaged (run.json unreadable or holding values of the wrong kind,
model.keras not a Keras archive) is still listed, with status "damaged" and a message saying
what is wrong, so one bad file never hides the other runs; it can be looked at and deleted.
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import socket
import tempfile
import time
import uuid
import zipfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from cnnlab.fields import fits, shown, wrong_fields
from cnnlab.files import replacing, temporary_prefix, write_text_atomically
from cnnlab.settings import CnnlabError, runs_dir

RUN_FILE = "run.json"
MODEL_FILE = "model.keras"

# Statuses a run can have. "running" and "queued" are only true while the process that owns
# the run is alive; otherwise the run is reported as "interrupted".
ACTIVE_STATUSES = ("queued", "running")
FINAL_STATUSES = ("finished", "stopped", "diverged", "failed", "interrupted")
KEPT_STATUSES = ("finished", "stopped", "interrupted")  # ended keeping what it learned (if an epoch finished)
FAILED_STATUSES = ("diverged", "failed")  # ended with an error message to show
DAMAGED = "damaged"  # never saved: what list_runs reports for a folder whose files cannot be used
MODEL_MEMBERS = ("config.json", "metadata.json", "model.weights.h5")  # what every .keras archive holds
STALE_TEMP_SECONDS = 60  # a temporary file untouched this long, whose writer is gone, is a leftover
RUN_ID_PATTERN = r"[A-Za-z0-9._-]+"
# What each epoch of a run's history holds (a number, or null where there was no validation set);
# charts and the Runs page read these. Other keys an epoch may gain later are left alone.
EPOCH_NUMBERS = ("epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds", "images_per_second")

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
    history: list[dict[str, Any]] = field(default_factory=list)  # one dict per epoch: see EPOCH_NUMBERS
    test_loss: float | None = None
    test_accuracy: float | None = None
    created: float = field(default_factory=time.time)
    seconds: float = 0.0  # training time so far, excluding loading data
    # A run stopped or diverged during an epoch: that epoch's batch reports ({epoch, batch, batches,
    # loss, accuracy}), so its curve shows what happened up to the end (where the loss blew up).
    unfinished_epoch: list[dict[str, float]] = field(default_factory=list)
    # What the model expects and predicts, so a run can classify images without its dataset.
    classes: list[str] = field(default_factory=list)
    image_shape: list[int] = field(default_factory=list)
    dataset_source: str = ""
    parameters: int = 0
    # The app lab that trained it; only that lab may stop or delete it in the app. None: trained
    # by the command line or a cnnlab older than this field, so no lab may (it stays read-only).
    lab: str | None = None
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
        """A model that can be used: saved, and not in a damaged run."""
        return self.status != DAMAGED and self.model_path.exists()

    @property
    def epochs_done(self) -> int:
        return len(self.history)

    @property
    def imported(self) -> bool:
        """A network trained elsewhere and uploaded: it has no training settings or curves here."""
        return bool(self.config.get("imported"))

    @property
    def trained_for(self) -> str:
        """How long it trained, in words: "after 3 epochs", "after 1 epoch", or "trained elsewhere"."""
        if self.imported:
            return "trained elsewhere"
        return f"after {self.epochs_done} epoch{'s' if self.epochs_done != 1 else ''}"

    @property
    def title(self) -> str:
        """Short label for menus and chart legends, e.g. 'lenet5 on mnist-sample, lr 0.001 (#3f2a)'."""
        if self.status == DAMAGED and not self.config:  # its settings could not be read
            return f"damaged run {self.run_id}"

        c = self.config
        if self.imported:  # trained elsewhere: no learning rate or batch size to tell
            return f"{c.get('source_file', 'model')} (imported) on {c.get('dataset', '?')} (#{self.run_id[-4:]})"
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
        write_text_atomically(self.path / RUN_FILE, json.dumps(self.to_json(), indent=1, allow_nan=True))

    def save_model(self, model) -> None:
        """Save the Keras model atomically (to a temporary file, then rename)."""
        with replacing(self.model_path) as temporary:  # named .tmp-<pid>-....keras (see cnnlab.files)
            model.save(temporary)


def new_run_id(architecture: str, dataset: str) -> str:
    """Sortable, readable and unique: '20261121-201503-lenet5-mnist-sample-3f2a'."""
    slug = re.sub(r"[^a-z0-9]+", "-", f"{architecture}-{dataset}".lower()).strip("-")[:40]
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{slug}-{uuid.uuid4().hex[:4]}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return pid > 0
    return True


def _owner_alive(run: Run) -> bool:
    if run.owner_host != socket.gethostname():
        return True  # another machine's run: we cannot tell, so trust what it says
    if run.owner_pid == os.getpid():
        return run.owner_token == _PROCESS_TOKEN
    return _pid_alive(run.owner_pid)


# --- Reading run folders, whatever is in them ---------------------------------------------------

class _Damaged(Exception):
    """What is wrong with a run folder's files, in words."""


def _model_problem(path: Path) -> str | None:
    """What is wrong with a model file, checked cheaply (a .keras file is a zip archive holding
    MODEL_MEMBERS; TensorFlow is not needed to look), or None when it looks whole."""
    try:
        with zipfile.ZipFile(path) as archive:
            missing = [name for name in MODEL_MEMBERS if name not in archive.namelist()]
    except zipfile.BadZipFile:
        return f"{MODEL_FILE} is not a zip archive, so not a Keras model file (it may be cut short)"
    except OSError as e:
        return f"{MODEL_FILE} cannot be read ({e.strerror or e})"
    if missing:
        return f"{MODEL_FILE} lacks {', '.join(missing)}, so it is not a whole Keras model file"
    return None


def _parse_run(folder: Path) -> Run:
    """The run saved in `folder`, or _Damaged saying what is wrong with its run.json."""
    from cnnlab.config import TrainConfig  # the config's fields and their kinds

    try:
        text = (folder / RUN_FILE).read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise _Damaged(f"{RUN_FILE} is missing") from None
    except UnicodeDecodeError:
        raise _Damaged(f"{RUN_FILE} is not UTF-8 text (the file is garbled)") from None
    except OSError as e:
        raise _Damaged(f"{RUN_FILE} cannot be read ({e.strerror or e})") from None
    try:
        data = json.loads(text)
    except ValueError as e:
        raise _Damaged(f"{RUN_FILE} is not valid JSON ({e.msg} at character {e.pos}: it may be cut short)") from None
    if not isinstance(data, dict):
        raise _Damaged(f"{RUN_FILE} holds {shown(data)}, not a JSON object")
    problems = wrong_fields(data, Run)
    if isinstance(data.get("history"), list):
        problems += [f"history's epoch {i} has {key} {shown(entry[key])}, not a number"
                     for i, entry in enumerate(data["history"], 1) if isinstance(entry, dict)
                     for key in EPOCH_NUMBERS if key in entry and not fits(entry[key], float | None)]
    if isinstance(data.get("config"), dict):
        problems += wrong_fields(data["config"], TrainConfig, "config's ")
    # Right kind, impossible value: json writes NaN and Infinity, and a hand edit can write anything.
    for key, low, high in (("seconds", 0, math.inf), ("created", 0, math.inf), ("test_accuracy", 0, 1),
                           ("test_loss", 0, math.inf), ("parameters", 0, math.inf)):
        value = data.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and not (
                math.isfinite(value) and low <= value <= high):
            most = high if high < math.inf else "any size"
            problems.append(f"{key} is {shown(value)}, not a number from {low} to {most}")
    status = data.get("status")
    if isinstance(status, str) and status not in ACTIVE_STATUSES + FINAL_STATUSES:
        problems.append(f"status {shown(status)} is not one a run can have")
    if problems:
        raise _Damaged(f"in {RUN_FILE}, " + "; ".join(problems))
    known = {f.name for f in fields(Run)}
    values = {k: v for k, v in data.items() if k in known}
    values.setdefault("config", {})
    return Run(**{**values, "run_id": folder.name})  # the folder's name is the run's name


def _read_run(folder: Path) -> Run:
    """The run saved in `folder`, with status "damaged" (and why, in `message`) if its files
    cannot be used. Never raises for what is inside the folder."""
    try:
        run = _parse_run(folder)
    except _Damaged as problem:
        try:
            created = folder.stat().st_mtime
        except OSError:
            created = 0.0
        return Run(run_id=folder.name, config={}, status=DAMAGED, created=created, owner_pid=0,
                   message=f"This run's files are damaged: {problem}. Delete the run (its folder is {folder}).")
    if run.status in ACTIVE_STATUSES and not _owner_alive(run):
        # The process that trained it died (killed, crashed, machine restarted): keep what it
        # had, and say so.
        run.status = "interrupted"
        run.message = (f"Training was interrupted after {run.epochs_done} epoch(s) "
                       "(the program that ran it stopped). What it learned so far is kept.")
    if run.model_path.exists():
        problem = _model_problem(run.model_path)
        if problem:
            run.status = DAMAGED
            run.message = (f"This run's trained network is damaged: {problem}. Its curves and settings are "
                           "kept, but it cannot classify; delete the run and train again.")
    return run


def _remove_leftovers(folder: Path) -> None:
    """Delete temporary files a killed or crashed save left in a run folder: only those untouched for
    STALE_TEMP_SECONDS whose writer (the pid in their name) is no longer running here; a file another
    process is writing right now is never touched."""
    try:
        leftovers = list(folder.glob(".tmp-*"))
    except OSError:
        return
    for path in leftovers:
        writer = re.match(r"\.tmp-(\d+)-", path.name)
        try:
            age = time.time() - path.stat().st_mtime
            if age > STALE_TEMP_SECONDS and not (writer and _pid_alive(int(writer[1]))):
                path.unlink()
        except OSError:
            pass  # gone already, or not ours to delete


def check_runs_folder(*, writable: bool = False) -> Path:
    """The runs folder, or CnnlabError saying in one sentence what is wrong with it.

    With `writable`, also checks that a run can be saved there (creating the folder if needed),
    by writing a file: permission bits alone do not say (root ignores them, a read-only disk does not)."""
    root = runs_dir()
    setting = "CNNLAB_RUNS_DIR" if os.environ.get("CNNLAB_RUNS_DIR") else "the default runs folder"
    if root.exists() and not root.is_dir():
        raise CnnlabError(f"The runs folder {root} is a file, not a folder: point CNNLAB_RUNS_DIR at a folder "
                          f"(it is now {setting}).")
    if not writable:
        return root
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=root, prefix=temporary_prefix(), suffix=".probe")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise CnnlabError(f"The runs folder {root} cannot be written ({e.strerror or e}), so no training could "
                          "be saved: make it writable, or point CNNLAB_RUNS_DIR at a folder you can write "
                          "to.") from None
    return root


def load_run(run_id: str) -> Run:
    folder = runs_dir() / run_id if isinstance(run_id, str) else None
    if (folder is None or not re.fullmatch(RUN_ID_PATTERN, run_id or "") or not folder.is_dir()
            or _being_created(folder)):
        raise RunNotFound(f"No saved run called {run_id!r} in {runs_dir()}; "
                          "`python -m cnnlab runs` lists the saved runs.")
    run = _read_run(folder)
    if run.status == DAMAGED:
        raise CnnlabError(f"Run {run_id} is damaged: {run.message}")
    return run


def list_runs() -> list[Run]:
    """Every run folder, newest first. A damaged one is listed with status "damaged" and a message
    saying what is wrong; it never hides the others. Leftover temporary files are cleaned on the way."""
    root = check_runs_folder()
    try:
        folders = [entry for entry in root.iterdir() if re.fullmatch(RUN_ID_PATTERN, entry.name)
                   and not entry.name.startswith(".") and entry.is_dir()]
    except FileNotFoundError:
        return []
    except OSError as e:
        raise CnnlabError(f"The runs folder {root} cannot be read ({e.strerror or e}): check its permissions, "
                          "or point CNNLAB_RUNS_DIR at another folder.") from None
    runs = []
    for folder in folders:
        _remove_leftovers(folder)
        if _being_created(folder):
            continue
        runs.append(_read_run(folder))
    return sorted(runs, key=lambda r: r.created, reverse=True)


class NotYourRun(CnnlabError):
    pass


def check_lab_may_change(run: Run, lab: str | None) -> None:
    """Refuse (NotYourRun) unless `lab` is the lab that trained `run`: in a class, a lab may stop
    and delete only its own runs; everybody else's, and those no lab trained, are read-only."""
    if lab is None or run.lab != lab:
        whose = "was trained outside the app (or by an older cnnlab)" if run.lab is None else \
            "belongs to another lab"
        raise NotYourRun(f"Run #{run.run_id[-4:]} {whose}, so this lab may look at it and compare it, but "
                         "not stop or delete it.")


def _being_created(folder: Path) -> bool:
    """A run folder made this very moment, its run.json still on its way (not yet damaged)."""
    return not (folder / RUN_FILE).exists() and _recently_changed(folder)


def _recently_changed(folder: Path) -> bool:
    try:
        return time.time() - folder.stat().st_mtime < STALE_TEMP_SECONDS
    except OSError:
        return False


def delete_run(run_id: str, *, lab: str | None = None, any_lab: bool = False) -> None:
    """Delete a run's folder (a damaged run too); refuses a run that is still training. From the app,
    `lab` is the lab asking: only its own runs go. The command line and tests, run by whoever owns
    the runs folder, pass any_lab=True."""
    try:
        run = load_run(run_id)
    except RunNotFound:
        raise
    except CnnlabError:  # damaged: nothing in it can be training
        run = _read_run(runs_dir() / run_id)
    if not any_lab:
        check_lab_may_change(run, lab)
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
        from cnnlab.training import plain_message

        reason = " ".join(plain_message(e).split())  # one line, without Keras's terminal colours
        reason = reason if len(reason) <= 200 else reason[:197] + "..."
        raise CnnlabError(f"The model file of run {run_id} could not be loaded: Keras says "
                          f"\"{reason or type(e).__name__}\" ({type(e).__name__}). It may be damaged or saved by "
                          "another version of Keras; delete the run and train again.") from None
