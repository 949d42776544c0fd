"""Training jobs: `train` run in a background thread, owned by one process-wide registry.

`TrainingJob` runs `train` in a background thread, and `JobRegistry` (one per process) owns
the jobs, so a training survives page switches and reloads in the app, and at most N train at
once while the rest wait in a queue.
"""
from __future__ import annotations

import threading
import time
from typing import Any

from cnnlab.config import TrainConfig
from cnnlab.runs import FINAL_STATUSES, Run, check_lab_may_change, check_runs_folder, new_run_id
from cnnlab.settings import CnnlabError, max_parallel_jobs
from cnnlab.training import Event, add_batch_point, plain_message, train

TRAINING_STATUSES = ("loading", "running")  # a job's own statuses between "queued" and the run's final one


class TrainingJob:
    """One training running in a background thread, watched by whoever holds the job.

    Readers (a page polling every second, a test) call `snapshot()`; the thread only appends.
    `stop()` sets a flag the Keras callback reads after the current step, or takes a job that is
    still waiting out of the queue at once.
    """

    def __init__(self, owner: str, config: TrainConfig, registry: "JobRegistry"):
        self.owner = owner
        self.config = config
        self.run = Run(run_id=new_run_id(config.architecture, config.dataset), config=config.to_json(), lab=owner)
        self.status = "queued"  # queued -> loading -> running -> finished/stopped/diverged/failed
        self.message = ""
        self.events: list[Event] = []
        self.last_batch: Event | None = None
        self.this_epoch: list[dict] = []  # the epoch in progress, batch by batch (the live chart's thin line)
        self.started_at: float | None = None
        self.download: tuple[int, int, str] | None = None  # bytes done, total, what
        self._registry = registry
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self._work, name=f"cnnlab-train-{self.run.run_id}", daemon=True)

    @property
    def run_id(self) -> str:
        return self.run.run_id

    @property
    def done(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        self._stop.set()
        self._registry._wake()

    def queue_position(self) -> int | None:
        """1 for the next job to start, None when not waiting."""
        return self._registry.queue_position(self)

    def _on_event(self, event: Event) -> None:
        with self._lock:
            if event["type"] == "batch":
                self.last_batch = event  # hundreds per epoch: keep only the latest, and a thinned curve
                add_batch_point(self.this_epoch, event)
            else:
                self.events.append(event)
            if event["type"] == "epoch":
                self.this_epoch = []
            if event["type"] == "start":
                self.status = "running"

    def _on_download(self, done: int, total: int, what: str) -> None:
        self.download = (done, total, what)

    def snapshot(self) -> dict[str, Any]:
        """A consistent copy of everything a page needs to draw the job's state."""
        with self._lock:
            return {
                "run_id": self.run_id, "owner": self.owner, "status": self.status,
                "message": self.message, "config": self.config.to_json(),
                "history": [e for e in self.events if e["type"] == "epoch"],
                "start": next((e for e in self.events if e["type"] == "start"), None),
                "end": next((e for e in self.events if e["type"] == "end"), None),
                "last_batch": self.last_batch, "batches": list(self.this_epoch),
                "queue_position": self.queue_position(),
                "download": self.download, "stop_requested": self.stop_requested,
            }

    def _end_early(self, status: str, message: str) -> None:
        """End a job that never got to train (stopped in the queue, or refused its settings)."""
        self.status, self.message = status, message
        self._on_event({"type": "end", "status": status, "message": message, "run_id": self.run_id,
                        "test_loss": None, "test_accuracy": None, "seconds": 0.0, "epochs_done": 0})

    def _work(self) -> None:
        if not self._registry._wait_for_turn(self):
            self._end_early("stopped", "Stopped while waiting in the queue.")
            return
        self.started_at = time.time()
        self.status = "loading"
        try:
            run = train(self.config, on_event=self._on_event, should_stop=self._stop.is_set,
                        run=self.run, progress=self._on_download)
            self.status, self.message = run.status, run.message
        except CnnlabError as e:
            self._end_early("failed", str(e))
        except Exception as e:  # noqa: BLE001 - never let a thread die silently
            self._end_early("failed", f"Training failed: {type(e).__name__}: {plain_message(e)}")
        finally:
            self._registry._finished(self)


class JobRegistry:
    """All training jobs of this process: at most `max_parallel` train at once, first come first
    served; the rest wait in a queue. Keyed by owner (a browser session) so each student's page
    finds its own job again after a rerun, a page switch or a reload."""

    def __init__(self, max_parallel: int | None = None):
        self.max_parallel = max_parallel or max_parallel_jobs()
        self._jobs: list[TrainingJob] = []
        self._waiting: list[TrainingJob] = []
        self._running: set[TrainingJob] = set()
        self._cond = threading.Condition()

    def submit(self, owner: str, config: TrainConfig) -> TrainingJob:
        """Queue a training for `owner` and start it as soon as a slot is free.

        Settings that cannot work are refused here, before anything is queued."""
        config.check()
        check_runs_folder(writable=True)
        job = TrainingJob(owner, config, self)
        with self._cond:
            self._jobs.append(job)
            self._waiting.append(job)
        job.thread.start()
        return job

    def latest(self, owner: str) -> TrainingJob | None:
        with self._cond:
            mine = [j for j in self._jobs if j.owner == owner]
        return mine[-1] if mine else None

    def active(self, owner: str | None = None) -> list[TrainingJob]:
        with self._cond:
            return [j for j in self._jobs if not j.done and (owner is None or j.owner == owner)]

    def find(self, run_id: str) -> TrainingJob | None:
        with self._cond:
            return next((j for j in self._jobs if j.run_id == run_id), None)

    def stop_run(self, lab: str, run_id: str) -> TrainingJob:
        """Stop the training of run `run_id` on behalf of `lab`: only the lab that started it may."""
        job = self.find(run_id)
        if job is None or job.done:
            raise CnnlabError(f"Run #{run_id[-4:]} is not training any more: there is nothing to stop.")
        check_lab_may_change(job.run, lab)
        job.stop()
        return job

    def queue_position(self, job: TrainingJob) -> int | None:
        with self._cond:
            return self._waiting.index(job) + 1 if job in self._waiting else None

    def _wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def _wait_for_turn(self, job: TrainingJob) -> bool:
        """Block until `job` is first in line and a slot is free. False if stopped meanwhile."""
        with self._cond:
            while True:
                if job._stop.is_set():
                    self._waiting.remove(job)
                    self._cond.notify_all()
                    return False
                if self._waiting[0] is job and len(self._running) < self.max_parallel:
                    self._waiting.remove(job)
                    self._running.add(job)
                    self._cond.notify_all()
                    return True
                self._cond.wait(timeout=1.0)

    def _finished(self, job: TrainingJob) -> None:
        with self._cond:
            self._running.discard(job)
            self._cond.notify_all()


_registry: JobRegistry | None = None
_registry_lock = threading.Lock()


def job_registry() -> JobRegistry:
    """The process-wide registry (created on first use, with the CNNLAB_MAX_JOBS setting)."""
    global _registry
    with _registry_lock:
        if _registry is None:
            _registry = JobRegistry()
        return _registry
