"""Hostile run folders: damaged run.json and model.keras files, leftovers of a killed training,
a runs folder that is a file or cannot be written. Every run folder is listed; a damaged one
says what is wrong, and the others keep working (in the library, the CLI and the Runs page)."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from support import open_app_page

from cnnlab import runs
from cnnlab.cli import main
from cnnlab.config import TrainConfig
from cnnlab.settings import CnnlabError
from cnnlab.training import train

ROOT = Path(__file__).resolve().parents[1]


def healthy_run(run_id: str = "20261201-090000-lenet5-mnist-sample-good") -> runs.Run:
    config = TrainConfig.from_preset("lenet5", "mnist-sample", epochs=2)
    run = runs.Run(run_id, config.to_json(), status="finished", classes=list("0123456789"), image_shape=[28, 28, 1],
                   history=[{"epoch": 1, "loss": 0.5, "accuracy": 0.8, "val_loss": 0.4, "val_accuracy": 0.85,
                             "seconds": 1.0, "images_per_second": 5000.0}], test_loss=0.4, test_accuracy=0.86)
    run.save()
    keras_like_model(run.model_path)
    return run


def keras_like_model(path: Path) -> None:
    """A file shaped like a .keras archive (listing runs never opens it with Keras)."""
    with zipfile.ZipFile(path, "w") as archive:
        for name in ("metadata.json", "config.json", "model.weights.h5"):
            archive.writestr(name, "{}")


def good_json() -> dict:
    return runs.Run("x", TrainConfig().to_json(), status="finished",
                    history=[{"epoch": 1, "loss": 0.5, "accuracy": 0.8, "val_loss": None, "val_accuracy": None,
                              "seconds": 1.0, "images_per_second": 900.0}]).to_json()


def damaged(**changes) -> bytes:
    data = good_json()
    data.update(changes)
    return json.dumps(data).encode()


DAMAGED = {  # folder name: (run.json bytes, or None for no run.json; words the message must contain)
    "list": (b"[]", "not a JSON object"),
    "null": (b"null", "not a JSON object"),
    "config-null": (damaged(config=None), "config"),
    "text-date": (damaged(created="2026-11-21 10:00"), "created"),
    "numeric-history": (damaged(history=5), "history"),
    "text-accuracy": (damaged(test_accuracy="high"), "test_accuracy"),
    "text-epoch": (damaged(history=[{"epoch": "one", "loss": 0.5, "accuracy": 0.8}]), "history"),
    "text-learning-rate": (damaged(config={**TrainConfig().to_json(), "learning_rate": "fast"}), "learning_rate"),
    "unknown-status": (damaged(status="exploded"), "status"),
    "nan-seconds": (damaged(seconds=float("nan")), "seconds"),  # json writes NaN and reads it back
    "infinite-seconds": (damaged(seconds=float("inf")), "seconds"),
    "accuracy-over-one": (damaged(test_accuracy=7.5), "test_accuracy"),
    "truncated": (json.dumps(good_json()).encode()[:60], "not valid JSON"),
    "not-utf8": (b'{"run_id": "\xff\xfe"}', "UTF-8"),
    "empty-folder": (None, "run.json is missing"),
}


def damaged_id(name: str) -> str:
    return f"20261201-08{list(DAMAGED).index(name):04d}-{name}"


def write_damaged_runs(root: Path) -> None:
    for name, (content, _) in DAMAGED.items():
        folder = root / damaged_id(name)
        folder.mkdir(parents=True)
        if content is not None:
            (folder / runs.RUN_FILE).write_bytes(content)
        os.utime(folder, (time.time() - 3600, time.time() - 3600))  # not one being created right now
    broken_model = healthy_run("20261201-070000-lenet5-mnist-sample-brokenmodel")
    broken_model.model_path.write_bytes(b"PK\x03\x04 not really a zip")


def test_every_run_folder_is_listed_and_a_damaged_one_says_what_is_wrong():
    good = healthy_run()
    write_damaged_runs(runs.runs_dir())
    listed = {run.run_id: run for run in runs.list_runs()}
    assert len(listed) == len(DAMAGED) + 2
    assert listed[good.run_id].status == "finished" and listed[good.run_id].has_model
    for name, (_, words) in DAMAGED.items():
        run = listed[damaged_id(name)]
        assert run.status == "damaged" and words in run.message, (name, run.message)
        assert not run.has_model
        with pytest.raises(CnnlabError, match="damaged"):
            runs.load_run(run.run_id)
        runs.delete_run(run.run_id, any_lab=True)  # whoever owns the runs folder can delete a damaged run
    broken = listed["20261201-070000-lenet5-mnist-sample-brokenmodel"]
    assert broken.status == "damaged" and "model.keras" in broken.message and not broken.has_model
    assert broken.history  # its curves are kept
    assert {r.run_id for r in runs.list_runs()} == {good.run_id, broken.run_id}


def test_the_cli_lists_damaged_runs_and_the_good_ones(capsys):
    good = healthy_run()
    write_damaged_runs(runs.runs_dir())
    assert main(["runs"]) == 0
    out, err = capsys.readouterr()
    assert good.run_id in out and out.count("damaged") >= len(DAMAGED) + 1 and not err
    assert "test_accuracy" in out  # what is wrong is said
    assert main(["runs", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed) == len(DAMAGED) + 2 and all("message" in r for r in listed)


def test_the_runs_page_shows_damaged_runs_and_keeps_working():
    good = healthy_run()
    write_damaged_runs(runs.runs_dir())
    at = open_app_page("pages/runs.py", "damagedruns")
    assert not at.exception, at.exception
    menu = at.selectbox(key="run_choice")
    assert len(menu.options) == len(DAMAGED) + 2
    for index, label in enumerate(menu.options):
        at.selectbox(key="run_choice").select_index(index).run()
        assert not at.exception, (label, at.exception)
        if "damaged" in label:
            assert at.error and "damaged" in at.error[0].value.lower(), label
            assert at.button(key="use_run_button").disabled
    at.selectbox(key="run_choice").select_index(
        next(i for i, label in enumerate(menu.options) if f"#{good.run_id[-4:]}" in label)).run()
    assert not at.error and not at.button(key="use_run_button").disabled


def test_a_damaged_model_file_is_refused_with_the_real_problem():
    run = healthy_run()
    run.model_path.write_bytes(b"this is not a zip archive")
    with pytest.raises(CnnlabError, match="model.keras.*not a zip archive"):
        runs.load_model(run.run_id)
    run.model_path.unlink()
    keras_like_model(run.model_path)  # the right members, but empty: Keras itself refuses it
    with pytest.raises(CnnlabError) as refused:
        runs.load_model(run.run_id)
    assert "(ValueError)" not in str(refused.value) and len(str(refused.value)) > 80


# --- Leftovers of a killed training ---------------------------------------------------------------

def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_leftover_temporary_files_are_cleaned_only_when_stale(monkeypatch):
    run = healthy_run()
    dead, alive = _dead_pid(), os.getpid()
    stale = run.path / f".tmp-{dead}-0123abcd.keras"
    writing = run.path / f".tmp-{alive}-4567ef01.keras"  # this process is writing it right now
    recent = run.path / f".tmp-{dead}-89abcdef.json"
    for path in (stale, writing, recent):
        path.write_bytes(b"half a file")
    old = time.time() - 2 * runs.STALE_TEMP_SECONDS
    os.utime(stale, (old, old))
    os.utime(writing, (old, old))
    runs.list_runs()
    assert not stale.exists()
    assert writing.exists() and recent.exists()


def test_kill_9_right_after_an_epoch_line_keeps_that_epoch(tmp_path):
    """The real thing: a CLI training killed with SIGKILL the moment it prints its first epoch."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    process = subprocess.Popen(
        [sys.executable, "-m", "cnnlab", "train", "--dataset", "mnist-sample", "--arch", "mnist-basic",
         "--epochs", "4", "--batch-size", "256"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        for line in process.stdout:
            if line.startswith("epoch 1/4"):
                os.kill(process.pid, signal.SIGKILL)
                break
    finally:
        process.kill()
        process.wait()
    listed = runs.list_runs()
    assert len(listed) == 1
    run = listed[0]
    assert run.status == "interrupted" and run.epochs_done >= 1, (run.status, run.epochs_done)
    assert run.has_model and "interrupted after" in run.message
    assert not list(run.path.glob(".tmp-*"))  # nothing half-written was left (or it was cleaned)


# --- The runs folder itself ---------------------------------------------------------------------

def test_a_runs_folder_that_is_a_file_is_a_clear_error(tmp_path, monkeypatch, capsys):
    a_file = tmp_path / "runs.txt"
    a_file.write_text("not a folder")
    monkeypatch.setenv("CNNLAB_RUNS_DIR", str(a_file))
    assert main(["runs"]) == 2
    out, err = capsys.readouterr()
    assert "No saved runs" not in out and err.startswith("error: ") and err.count("\n") == 1
    assert "CNNLAB_RUNS_DIR" in err and "not a folder" in err
    assert main(["train", "--dataset", "mnist-sample", "--arch", "lenet5", "--epochs", "1"]) == 2
    assert "not a folder" in capsys.readouterr().err
    with pytest.raises(CnnlabError, match="not a folder"):
        train(TrainConfig(epochs=1))
    for page in ("pages/runs.py", "pages/train.py"):
        at = open_app_page(page, "runsfolderfile")
        assert not at.exception, (page, at.exception)
        assert any("not a folder" in e.value for e in at.error), page


def _read_only(folder: Path) -> list[str]:
    """A command prefix under which `folder` cannot be written, also for root (who ignores chmod)."""
    folder.chmod(0o555)
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: a read-only folder cannot be simulated")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def test_a_read_only_runs_folder_is_refused_before_training(tmp_path):
    folder = tmp_path / "runs"
    folder.mkdir()
    prefix = _read_only(folder)
    env = {**os.environ, "CNNLAB_RUNS_DIR": str(folder)}
    try:
        done = subprocess.run(prefix + [sys.executable, "-m", "cnnlab", "train", "--dataset", "mnist-sample",
                                        "--arch", "lenet5", "--epochs", "1"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    finally:
        folder.chmod(0o755)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    assert "cannot be written" in done.stderr and str(folder) in done.stderr
    assert "epoch" not in done.stdout  # refused before training, not after an epoch


def test_a_run_folder_made_this_moment_is_not_yet_there_rather_than_damaged():
    # A worker makes the folder a moment before run.json lands in it; a page (or a test) asking then
    # must hear "not saved yet", as the run list does, not "damaged, delete it".
    folder = runs.runs_dir() / "20261201-090000-lenet5-mnist-sample-new1"
    folder.mkdir(parents=True)
    assert folder.name not in {run.run_id for run in runs.list_runs()}
    with pytest.raises(runs.RunNotFound):
        runs.load_run(folder.name)
    os.utime(folder, (time.time() - 3600, time.time() - 3600))  # an hour on, still no run.json: damaged
    with pytest.raises(CnnlabError, match="damaged"):
        runs.load_run(folder.name)
