"""The class server: the queue's rules (fair order, one training per lab, a bounded queue, a
memory cap) and the `local` backend's worker processes (a crash or a kill ends only that run)."""
from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from support import tiny_config, wait_for

from cnnlab import runs
from cnnlab.backends import JobRegistry, JobView
from cnnlab.backends.local import ProcessBackend
from cnnlab.config import TrainConfig
from cnnlab.settings import CnnlabError


class HeldBackend:
    """Trainings that take no time and end only when the test lets them (or they are stopped):
    the queue's rules without TensorFlow."""

    name = "held"

    def __init__(self):
        self.finish = threading.Event()

    def execute(self, job) -> None:
        job.record({"type": "start", "run_id": job.run_id, "train_images": 900, "validation_images": 100,
                    "test_images": 200, "batches": 8, "epochs": job.config.epochs, "parameters": 10})
        job.record({"type": "epoch", "epoch": 1, "epochs": job.config.epochs, "loss": 1.0, "accuracy": 0.5,
                    "val_loss": 1.0, "val_accuracy": 0.5, "seconds": 30.0, "images_per_second": 30.0})
        while not (job.stop_requested or self.finish.is_set()):
            time.sleep(0.01)
        status = "stopped" if job.stop_requested else "finished"
        job.record({"type": "end", "status": status, "message": "", "run_id": job.run_id, "test_loss": 1.0,
                    "test_accuracy": 0.5, "seconds": 30.0, "epochs_done": 1})


# ---- The queue's rules ---------------------------------------------------------------------

def test_one_training_per_lab_and_a_full_queue_says_when_to_try_again():
    backend = HeldBackend()
    registry = JobRegistry(backend, max_parallel=1, max_queue=2)
    first = registry.submit("lab-a", tiny_config(epochs=3))
    assert wait_for(lambda: first.status == "running")
    with pytest.raises(CnnlabError, match="already has a training"):
        registry.submit("lab-a", tiny_config())
    registry.submit("lab-b", tiny_config())
    registry.submit("lab-c", tiny_config())
    with pytest.raises(CnnlabError, match=r"class server is full .* try again in about \d+ minute"):
        registry.submit("lab-d", tiny_config())
    assert registry.latest("lab-d") is None  # nothing of it was queued
    backend.finish.set()
    assert wait_for(lambda: not registry.active())
    assert [j.status for j in (registry.latest(lab) for lab in ("lab-a", "lab-b", "lab-c"))] == ["finished"] * 3


def test_the_queue_is_fair_across_labs_and_estimates_each_start():
    backend = HeldBackend()
    registry = JobRegistry(backend, max_parallel=1)
    registry.submit("busy-lab", tiny_config(epochs=1))
    backend.finish.set()
    assert wait_for(lambda: not registry.active())
    backend.finish.clear()
    running = registry.submit("other-lab", tiny_config(epochs=3))  # 30 s an epoch, 1 of 3 done
    assert wait_for(lambda: running.status == "running")
    again = registry.submit("busy-lab", tiny_config())  # asked first, but has trained already
    new = registry.submit("new-lab", tiny_config())
    assert (new.queue_position(), again.queue_position()) == (1, 2)
    first, second = new.view(), again.view()
    # The running one has 2 epochs of 30 s left; the new lab's training follows it.
    assert 55 < first.estimated_start - time.time() < 65
    assert second.estimated_start > first.estimated_start
    assert first.summary() == "Queued: 1st in line"
    backend.finish.set()
    assert wait_for(lambda: not registry.active())


def test_a_waiting_training_stopped_leaves_the_queue_at_once():
    backend = HeldBackend()
    registry = JobRegistry(backend, max_parallel=1)
    running = registry.submit("lab-a", tiny_config())
    waiting = registry.submit("lab-b", tiny_config())
    after = registry.submit("lab-c", tiny_config())
    waiting.stop()
    assert waiting.status == "stopped" and waiting.message == "Stopped while waiting in the queue."
    assert after.queue_position() == 1
    running.stop()
    after.stop()
    assert wait_for(lambda: not registry.active())


def test_a_training_too_big_for_the_memory_cap_is_refused_before_it_is_queued(monkeypatch):
    monkeypatch.setenv("CNNLAB_TRAINING_MEMORY_MB", "1500")
    registry = JobRegistry(HeldBackend(), max_parallel=1)
    big = TrainConfig.from_preset("fast-cnn-wide", "cifar10", batch_size=1024)
    with pytest.raises(CnnlabError, match=r"would need about [\d,]+ MB .* at most 1,500 MB: pick a smaller batch"):
        registry.submit("lab-a", big)
    assert registry.latest("lab-a") is None
    registry.submit("lab-a", tiny_config()).stop()  # a small one fits


def test_a_saved_run_and_a_job_give_the_same_view():
    run = runs.Run(run_id="20260101-000000-custom-mnist-sample-abcd", config=tiny_config(epochs=3).to_json(),
                   status="interrupted", message="Training was interrupted after 1 epoch(s).",
                   history=[{"epoch": 1, "loss": 0.5, "seconds": 2.0}], test_accuracy=None, seconds=2.0)
    view = JobView.from_run(run)
    assert (view.done, view.epochs, view.epochs_done, view.current_epoch) == (True, 3, 1, 2)
    assert view.summary() == "Last training: interrupted" and view.title == run.title


def saved_epochs(run_id: str) -> int:
    try:
        return runs.load_run(run_id).epochs_done
    except runs.RunNotFound:
        return 0


# ---- The local backend: a worker process per training ---------------------------------------

def test_a_worker_process_trains_and_streams_its_events_back(monkeypatch):
    monkeypatch.delenv("CNNLAB_TRAINING_NICENESS", raising=False)
    registry = JobRegistry(ProcessBackend(), max_parallel=1)
    job = registry.submit("lab-a", tiny_config(epochs=2))
    assert wait_for(lambda: job.status == "running", timeout=120), job.view()
    # Training, the worker gives way to the pages: CNNLAB_TRAINING_NICENESS (10) below this process.
    assert os.getpriority(os.PRIO_PROCESS, job.worker_pid) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + 10)
    assert wait_for(lambda: job.done, timeout=120), job.view()
    view = job.view()
    assert view.status == "finished", view.message
    assert job.worker_pid not in (None, os.getpid())
    assert [h["epoch"] for h in view.history] == [1, 2] and view.test_accuracy > 0.3
    assert view.train_images == 7200 and view.batch is not None and view.batch.batches == 57
    saved = runs.load_run(job.run_id)
    assert saved.status == "finished" and saved.has_model and saved.epochs_done == 2


def test_a_worker_killed_mid_training_fails_only_its_run_and_the_next_one_trains():
    registry = JobRegistry(ProcessBackend(), max_parallel=1)
    doomed = registry.submit("lab-a", tiny_config(epochs=200))
    after = registry.submit("lab-b", tiny_config(epochs=1))
    assert wait_for(lambda: saved_epochs(doomed.run_id) >= 1, timeout=120), doomed.view()
    os.kill(doomed.worker_pid, signal.SIGKILL)  # what the kernel's out-of-memory killer does
    assert wait_for(lambda: doomed.done, timeout=15)
    assert doomed.status == "failed" and "the training process stopped (out of memory?)" in doomed.message
    saved = runs.load_run(doomed.run_id)
    assert saved.status == "failed" and saved.message == doomed.message and saved.epochs_done >= 1
    assert saved.resumable  # what it learned is kept, and it can go on
    assert wait_for(lambda: after.done, timeout=120) and after.status == "finished", after.message


def test_a_worker_that_grows_past_the_memory_cap_is_stopped_with_a_message(monkeypatch):
    monkeypatch.setenv("CNNLAB_TRAINING_MEMORY_MB", "250")  # TensorFlow alone needs more
    # The estimate is too optimistic here on purpose: the running worker is what must be caught.
    monkeypatch.setattr("cnnlab.backends.limits.estimate_memory_mb", lambda config: 100)
    registry = JobRegistry(ProcessBackend(), max_parallel=1)
    job = registry.submit("lab-a", tiny_config(epochs=5))
    assert wait_for(lambda: job.done, timeout=120)
    assert job.status == "failed"
    assert "used more than the 250 MB" in job.message and "smaller batch size" in job.message


def test_a_backend_that_cannot_be_used_refuses_trainings_with_what_to_do(monkeypatch):
    import sys

    import cnnlab.backends as backends

    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    monkeypatch.setenv("CNNLAB_BACKEND", "ray")
    monkeypatch.setattr(backends, "_registry", None)
    registry = backends.job_registry()  # the pages still open
    with pytest.raises(CnnlabError, match=r"needs Ray.*requirements-ray.txt.*CNNLAB_BACKEND=local"):
        registry.submit("lab-a", tiny_config())
    monkeypatch.setenv("CNNLAB_BACKEND", "gpu-farm")
    monkeypatch.setattr(backends, "_registry", None)
    with pytest.raises(CnnlabError, match="CNNLAB_BACKEND='gpu-farm'"):
        backends.job_registry().submit("lab-a", tiny_config())


def test_training_niceness_setting(monkeypatch):
    from cnnlab.settings import CnnlabError, training_niceness

    monkeypatch.delenv("CNNLAB_TRAINING_NICENESS", raising=False)
    assert training_niceness() == 10
    for raw, value in (("0", 0), ("5", 5), ("40", 19), ("-3", 0)):
        monkeypatch.setenv("CNNLAB_TRAINING_NICENESS", raw)
        assert training_niceness() == value
    monkeypatch.setenv("CNNLAB_TRAINING_NICENESS", "low")
    with pytest.raises(CnnlabError, match="CNNLAB_TRAINING_NICENESS"):
        training_niceness()
