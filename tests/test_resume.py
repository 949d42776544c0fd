"""Restarts: a run whose program died is listed as interrupted with its last saved epoch, and
"Continue training" trains on from there."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from support import open_app_page, tiny_config, wait_for

from cnnlab import runs
from cnnlab.backends import JobRegistry, job_registry
from cnnlab.backends.local import ProcessBackend
from cnnlab.config import TrainConfig
from cnnlab.training import train

ROOT = Path(__file__).resolve().parents[1]


def saved_epochs() -> int:
    listed = runs.list_runs()
    return listed[0].epochs_done if listed else 0


def test_a_run_whose_program_was_killed_continues_from_its_last_saved_epoch():
    # A whole program training (as the app's server would be) killed mid-way: kill -9, no goodbye.
    program = subprocess.Popen(
        [sys.executable, "-m", "cnnlab", "train", "--dataset", "mnist-sample", "--arch", "lenet5",
         "--epochs", "50", "--batch-size", "128", "--json"],
        cwd=ROOT, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert wait_for(lambda: saved_epochs() >= 1, timeout=180)
    finally:
        program.send_signal(signal.SIGKILL)
        program.wait()
    interrupted = runs.list_runs()[0]
    assert interrupted.status == "interrupted" and interrupted.resumable
    done_before = interrupted.epochs_done
    first_epoch = dict(interrupted.history[0])
    assert f"after {done_before} epoch(s)" in interrupted.message

    config = TrainConfig.from_json(interrupted.config).replace(epochs=done_before + 1)
    interrupted.lab = "lab-a"  # as if the app's lab-a had started it: only the lab that trained a run continues it
    registry = JobRegistry(ProcessBackend(), max_parallel=1)
    job = registry.submit("lab-a", config, resume=interrupted)
    assert job.run_id == interrupted.run_id and job.view().resumed_from_epoch == done_before
    assert wait_for(lambda: job.done, timeout=180), job.view()
    view = job.view()
    assert view.status == "finished", view.message
    assert [h["epoch"] for h in view.history] == list(range(1, done_before + 2))
    saved = runs.load_run(job.run_id)
    assert saved.status == "finished" and saved.epochs_done == done_before + 1
    assert saved.history[0] == first_epoch  # the epochs it had are kept as they were
    assert saved.test_accuracy > 0.5 and not saved.resumable


def interrupted_run(epochs_done: int = 1, lab: str = "resuming-lab") -> runs.Run:
    """A run as it is found after a restart: it trained `epochs_done` of 3 epochs, saved its network,
    and the program that trained it is gone."""
    ended: list[dict] = []
    run = train(tiny_config(epochs=3), on_event=lambda e: e["type"] == "epoch" and ended.append(e),
                should_stop=lambda: len(ended) >= epochs_done)
    data = json.loads((run.path / "run.json").read_text())
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    data.update(status="running", message="", owner_pid=dead.pid, owner_token="an-earlier-server", lab=lab)
    (run.path / "run.json").write_text(json.dumps(data))
    return runs.load_run(run.run_id)


def test_continue_training_on_the_runs_page_resumes_it_on_the_train_page():
    run = interrupted_run()
    assert run.status == "interrupted" and run.epochs_done == 1
    at = open_app_page("pages/runs.py", "resuming-lab")
    at.selectbox(key="run_choice").set_value(run.run_id).run()
    assert {m.label: m.value for m in at.metric}["Status"] == "interrupted"
    button = next(b for b in at.button if b.label == "Continue training from epoch 2")
    button.click().run()
    assert not at.exception, at.exception
    job = job_registry().latest("resuming-lab")
    assert job is not None and job.run_id == run.run_id and job.resume
    assert "Training" in [h.value for h in at.subheader]  # now on the Train page, following it
    assert wait_for(lambda: job.done, timeout=180), job.view()
    assert job.status == "finished", job.message
    at.run()
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.metric}["Epochs done"] == "3 of 3"
    assert runs.load_run(run.run_id).epochs_done == 3
