"""Training jobs and the class server's queue.

The pages, the sidebar and the command line all talk to one `JobRegistry`: `submit` a training,
read a job's `view()`, `stop` it. Where the training actually runs is the registry's backend's
business (a thread, a worker process, a Ray cluster: see cnnlab.backends); the registry decides
*when*: at most `max_parallel` train at once, one training per lab, fair order across labs,
a bounded queue, and no training that cannot fit in memory.
"""
from __future__ import annotations

import math
import os
import statistics
import threading
import time
from typing import Any, Callable, Protocol

from cnnlab.backends.view import BatchProgress, JobView, duration
from cnnlab.runs import FINAL_STATUSES, Run, check_lab_may_change, check_runs_folder, new_run_id
from cnnlab.settings import CnnlabError, max_parallel_jobs, max_queue_length
from cnnlab.training import add_batch_point

Event = dict[str, Any]

# Estimating when a waiting training will start: before any epoch has been timed on this server,
# a training pays this to start (process, TensorFlow, data) and trains this many pictures a second.
TRAINING_STATUSES = ("loading", "running")  # a job's own statuses between "queued" and the run's final one
STARTUP_SECONDS = 10.0
DEFAULT_IMAGES_PER_SECOND = 3000.0


class Backend(Protocol):
    """Runs one job to its end. `execute` blocks (the registry calls it in a thread of its own),
    reports through `job.record(event)` and `job.record_download(...)`, and honours
    `job.stop_requested`. Its last event is the "end" event, or it lets an exception out and the
    registry ends the job as failed with the exception's message."""

    name: str

    def execute(self, job: "TrainingJob") -> None: ...


class TrainingJob:
    """One training, from the queue to its end, watched by whoever holds it.

    Readers (a page polling every second, a test) call `view()`; the backend only appends events.
    `stop()` asks the training to stop after the current step, or takes a waiting job out of the
    queue at once.
    """

    def __init__(self, owner: str, config, registry: "JobRegistry", resume: Run | None = None,
                 listener: Callable[[Event], None] | None = None):
        self.owner = owner
        self.config = config
        # "Continue training": the interrupted run itself, which goes on from its last saved epoch.
        self.run = resume or Run(run_id=new_run_id(config.architecture, config.dataset), config=config.to_json(),
                                 lab=owner)
        self.resume = resume is not None
        self.resumed_from = resume.epochs_done if resume else 0
        self.status = "queued"  # queued -> loading -> running -> finished/stopped/diverged/failed
        self.message = ""
        self.events: list[Event] = []
        self.last_batch: Event | None = None
        self.this_epoch: list[dict] = []  # the epoch in progress, batch by batch (the live chart's thin line)
        self.submitted_at = time.time()
        self.started_at: float | None = None
        self.download: tuple[int, int, str] | None = None
        self.worker_pid: int | None = None  # the training's own process, where it has one
        # The settings (runs folder, data folder...) as they were when the training was asked for:
        # a worker process gets these, whatever the app's environment is by the time it starts.
        self.env = dict(os.environ)
        self._registry = registry
        self._listener = listener
        self._stop = threading.Event()
        self._lock = threading.Lock()

    @property
    def run_id(self) -> str:
        return self.run.run_id

    def request(self) -> dict:
        """What a worker (a process, a Ray actor) needs to run this training; the lab goes with it
        so the run it saves says whose it is (only that lab may stop or delete it)."""
        return {"config": self.config.to_json(), "run_id": self.run_id, "resume": self.resume, "lab": self.owner}

    @property
    def done(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        self._stop.set()
        self._registry._stop_requested(self)

    def queue_position(self) -> int | None:
        """1 for the next job to start, None when not waiting."""
        return self._registry.queue_position(self)

    def record(self, event: Event) -> None:
        """An event from the training (see cnnlab.training)."""
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
            elif event["type"] == "end":
                self.status, self.message = event["status"], event.get("message") or ""
        if self._listener is not None:
            self._listener(event)

    def record_download(self, done: int, total: int, what: str) -> None:
        self.download = (done, total, what)

    def end_early(self, status: str, message: str) -> None:
        """End a job whose training did not end by itself: stopped in the queue, settings refused,
        or its process died. Epochs it had saved are counted."""
        if self.done:
            return
        history = [e for e in self.events if e["type"] == "epoch"]
        self.record({"type": "end", "status": status, "message": message, "run_id": self.run_id,
                     "test_loss": None, "test_accuracy": None,
                     "seconds": sum(e["seconds"] for e in history),
                     "epochs_done": self.resumed_from + len(history)})

    def view(self) -> JobView:
        """A consistent snapshot of everything a page needs to draw the job's state."""
        position, starts = self._registry.queue_position(self), None
        if position is not None:
            starts = self._registry.estimated_start(self)
        with self._lock:
            start = next((e for e in self.events if e["type"] == "start"), None) or {}
            end = next((e for e in self.events if e["type"] == "end"), None) or {}
            epochs = [{k: v for k, v in e.items() if k not in ("type", "epochs")}
                      for e in self.events if e["type"] == "epoch"]
            return JobView(
                run_id=self.run_id, status=self.status, config=self.config.to_json(), title=self.run.title,
                owner=self.owner, message=self.message, history=list(self.run.history[:self.resumed_from]) + epochs,
                train_images=start.get("train_images"), validation_images=start.get("validation_images"),
                test_images=start.get("test_images"), parameters=start.get("parameters"),
                batch=BatchProgress.from_event(self.last_batch), batches=list(self.this_epoch),
                test_loss=end.get("test_loss"), test_accuracy=end.get("test_accuracy"),
                seconds=float(end.get("seconds") or 0.0), queue_position=position, estimated_start=starts,
                download=self.download, stop_requested=self.stop_requested, resumed_from_epoch=self.resumed_from)


class JobRegistry:
    """All training jobs of this server. Keyed by owner (a lab: one browser session, kept across
    reloads) so each student's page finds its own job again after a rerun, a page switch or a
    reload."""

    def __init__(self, backend: Backend | None = None, max_parallel: int | None = None,
                 max_queue: int | None = None):
        if backend is None:
            from cnnlab.backends.threads import ThreadBackend

            backend = ThreadBackend()
        self.backend = backend
        self.max_parallel = max_parallel or max_parallel_jobs()
        self.max_queue = max_queue or max_queue_length()
        self._jobs: list[TrainingJob] = []
        self._waiting: list[TrainingJob] = []
        self._running: set[TrainingJob] = set()
        self._started_per_lab: dict[str, int] = {}
        self._lock = threading.RLock()

    # ---- what the pages use -------------------------------------------------------------------

    def submit(self, owner: str, config, *, resume: Run | None = None,
               listener: Callable[[Event], None] | None = None) -> TrainingJob:
        """Queue a training for lab `owner` and start it as soon as it is its turn.

        Refused here, before anything is queued, with a message saying what to do: settings that
        cannot work, a training too big for the memory cap, a second training of the same lab,
        and a full queue. `resume`: an interrupted run to continue from its last saved epoch.
        """
        from cnnlab.backends.limits import check_memory

        problem = getattr(self.backend, "problem", None)
        if problem:
            raise CnnlabError(problem)
        config.check()
        check_runs_folder(writable=True)
        check_memory(config)
        if resume is not None:
            check_lab_may_change(resume, owner)  # only the lab that trained a run may continue it
        with self._lock:
            if self.active(owner):
                raise CnnlabError("This lab already has a training queued or running: stop it before "
                                  "starting another.")
            if resume is not None and self.find_active(resume.run_id):
                raise CnnlabError("This run is being trained already (in another lab): wait until it ends.")
            if len(self._waiting) >= self.max_queue:
                minutes = max(1, math.ceil((self._estimated_starts(extra=config)[None] - time.time()) / 60))
                raise CnnlabError(f"The class server is full ({len(self._waiting)} trainings are waiting): "
                                  f"try again in about {minutes} minute{'s' if minutes != 1 else ''}.")
            job = TrainingJob(owner, config, self, resume=resume, listener=listener)
            self._jobs.append(job)
            self._waiting.append(job)
            self._dispatch()
        return job

    def latest(self, owner: str) -> TrainingJob | None:
        with self._lock:
            mine = [j for j in self._jobs if j.owner == owner]
        return mine[-1] if mine else None

    def active(self, owner: str | None = None) -> list[TrainingJob]:
        with self._lock:
            return [j for j in self._jobs if not j.done and (owner is None or j.owner == owner)]

    def find(self, run_id: str) -> TrainingJob | None:
        """The latest job that trained the run `run_id` (a continued run has several)."""
        with self._lock:
            return next((j for j in reversed(self._jobs) if j.run_id == run_id), None)

    def find_active(self, run_id: str) -> TrainingJob | None:
        job = self.find(run_id)
        return job if job is not None and not job.done else None

    def stop_run(self, lab: str, run_id: str) -> TrainingJob:
        """Stop the training of run `run_id` on behalf of `lab`: only the lab that started it may."""
        job = self.find_active(run_id)
        if job is None:
            raise CnnlabError(f"Run #{run_id[-4:]} is not training any more: there is nothing to stop.")
        check_lab_may_change(job.run, lab)
        job.stop()
        return job

    def queue_position(self, job: TrainingJob) -> int | None:
        with self._lock:
            order = self._queue_order()
            return order.index(job) + 1 if job in order else None

    def estimated_start(self, job: TrainingJob) -> float | None:
        """When a waiting job should start (Unix time), from what is training and what waits before it."""
        with self._lock:
            return self._estimated_starts().get(job)

    # ---- the queue ----------------------------------------------------------------------------

    def _queue_order(self) -> list[TrainingJob]:
        """Fair across labs: a lab that has trained less on this server goes first; among equals,
        whoever asked first. A lab that trains again and again cannot push others back."""
        return sorted(self._waiting, key=lambda j: (self._started_per_lab.get(j.owner, 0), j.submitted_at))

    def _dispatch(self) -> None:
        with self._lock:
            while self._waiting and len(self._running) < self.max_parallel:
                job = self._queue_order()[0]
                self._waiting.remove(job)
                self._running.add(job)
                self._started_per_lab[job.owner] = self._started_per_lab.get(job.owner, 0) + 1
                job.started_at = time.time()
                job.status = "loading"
                threading.Thread(target=self._execute, args=(job,), daemon=True,
                                 name=f"cnnlab-train-{job.run_id}").start()

    def _execute(self, job: TrainingJob) -> None:
        try:
            self.backend.execute(job)
            if not job.done:
                job.end_early("failed", "Training failed: the training ended without saying how.")
        except CnnlabError as e:
            job.end_early("failed", str(e))
        except Exception as e:  # noqa: BLE001 - never let a training end silently
            job.end_early("failed", f"Training failed: {type(e).__name__}: {e}")
        finally:
            with self._lock:
                self._running.discard(job)
                self._dispatch()

    def _stop_requested(self, job: TrainingJob) -> None:
        with self._lock:
            if job in self._waiting:
                self._waiting.remove(job)
                job.end_early("stopped", "Stopped while waiting in the queue.")

    # ---- estimates ----------------------------------------------------------------------------

    def _images_per_second(self, config) -> float:
        """Speed of recent epochs on this server, of the same network if there are any."""
        epochs = [(j.config.architecture, e["images_per_second"]) for j in self._jobs[-50:]
                  for e in j.events if e["type"] == "epoch" and e.get("images_per_second")]
        same = [speed for arch, speed in epochs if arch == config.architecture]
        return statistics.median(same or [speed for _, speed in epochs] or [DEFAULT_IMAGES_PER_SECOND])

    def _seconds_needed(self, job_or_config) -> float:
        """How long a training will take (a waiting one), or has left (a running one)."""
        from cnnlab.datasets import dataset_info

        job = job_or_config if isinstance(job_or_config, TrainingJob) else None
        config = job.config if job else job_or_config
        if job is not None and job in self._running:
            # Its own epochs, those of a continued run's earlier life included, time it best.
            timed = job.run.history[:job.resumed_from] + [e for e in job.events if e["type"] == "epoch"]
            if timed:
                return max(0, config.epochs - len(timed)) * float(timed[-1].get("seconds") or 0)
        try:
            images = dataset_info(config.dataset, image_size=config.image_size,
                                  channels=config.channels).train_size or 10_000
        except CnnlabError:
            images = 10_000
        epochs = config.epochs - (job.resumed_from if job else 0)
        total = STARTUP_SECONDS + epochs * images * (1 - config.validation_split) / self._images_per_second(config)
        if job is not None and job.started_at is not None:
            total -= time.time() - job.started_at
        return max(total, 1.0)

    def _estimated_starts(self, extra=None) -> dict[Any, float]:
        """Start time of each waiting job (and of one more, `extra`, under the key None): each
        takes the slot that frees up first."""
        now = time.time()
        slots = sorted(now + self._seconds_needed(j) for j in self._running)
        slots += [now] * (self.max_parallel - len(slots))
        starts: dict[Any, float] = {}
        for job in self._queue_order() + ([None] if extra is not None else []):
            slots.sort()
            starts[job] = slots[0]
            slots[0] += self._seconds_needed(job if job is not None else extra)
        return starts


def wait_text(view: JobView) -> str:
    """'It should start in about 3 min.' for a waiting job ('' when unknown)."""
    if view.estimated_start is None:
        return ""
    seconds = view.estimated_start - time.time()
    return "It should start any moment now." if seconds < 5 else f"It should start in about {duration(seconds)}."
