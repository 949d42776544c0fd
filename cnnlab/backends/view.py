"""What a page, the sidebar or the command line sees of a training: one typed snapshot.

A training is either a job (queued, training, or ended in this server's lifetime) or a run saved
on disk (from before a restart). Both are shown the same way, so both become a `JobView`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cnnlab.runs import FINAL_STATUSES

# queued -> loading -> running -> one of the FINAL_STATUSES. "interrupted" comes only from disk:
# the program that trained the run stopped before the run ended.


def ordinal(n: int) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th', 23 -> '23rd'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def duration(seconds: float) -> str:
    """12.3 -> '12 s', 95 -> '1 min 35 s'."""
    seconds = max(0, round(seconds))
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60:02d} s"


@dataclass(frozen=True)
class BatchProgress:
    """Where training is inside the current epoch (the latest "batch" event)."""

    epoch: int
    epochs: int
    batch: int
    batches: int
    loss: float
    accuracy: float

    @classmethod
    def from_event(cls, event: dict[str, Any] | None) -> "BatchProgress | None":
        if not event:
            return None
        # Keras runs several batches per call and may count the last call's steps past the end
        # of the epoch: the count is capped at the number of batches.
        return cls(epoch=int(event["epoch"]), epochs=int(event["epochs"]),
                   batch=min(int(event["batch"]), int(event["batches"])), batches=int(event["batches"]),
                   loss=float(event["loss"]), accuracy=float(event["accuracy"]))


@dataclass(frozen=True)
class JobView:
    """A training's state and progress at one moment, for drawing it."""

    run_id: str
    status: str
    config: dict[str, Any]
    title: str = ""
    owner: str | None = None  # the lab that started it (None: a saved run)
    message: str = ""
    history: list[dict[str, Any]] = field(default_factory=list)  # one record per finished epoch
    # From the "start" event: how the pictures were split, and the network's size.
    train_images: int | None = None
    validation_images: int | None = None
    test_images: int | None = None
    parameters: int | None = None
    batch: BatchProgress | None = None
    batches: list[dict[str, Any]] = field(default_factory=list)  # the epoch in progress, batch by batch
    # Once ended.
    test_loss: float | None = None
    test_accuracy: float | None = None
    seconds: float = 0.0
    # While waiting: place in line (1 = next) and when it should start (Unix time).
    queue_position: int | None = None
    estimated_start: float | None = None
    download: tuple[int, int, str] | None = None  # bytes done, total, what
    stop_requested: bool = False
    resumed_from_epoch: int = 0  # "Continue training": the epochs it already had

    @property
    def epochs(self) -> int:
        """Epochs planned."""
        return int(self.config.get("epochs") or 1)

    @property
    def epochs_done(self) -> int:
        return len(self.history)

    @property
    def done(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def training(self) -> bool:
        return self.status in ("loading", "running")

    @property
    def stopping(self) -> bool:
        return self.stop_requested and self.training

    @property
    def current_epoch(self) -> int:
        """The epoch being trained now: the one after the last finished epoch, or the one the
        latest batch belongs to."""
        return min(self.epochs, max(self.batch.epoch if self.batch else 1, self.epochs_done + 1))

    @property
    def seconds_left(self) -> float | None:
        """Rough time left, from the last epoch's time (not the average: the first epoch also
        pays for preparing the network). None before an epoch has finished."""
        if not self.history:
            return None
        return max(0, self.epochs - self.epochs_done) * float(self.history[-1].get("seconds") or 0)

    def summary(self) -> str:
        """The state in a few words, for the sidebar."""
        if self.status == "queued":
            return f"Queued: {ordinal(self.queue_position or 1)} in line"
        if self.stopping:
            return "Training: stopping..."
        if self.status == "loading":
            return "Training: loading data"
        if self.status == "running":
            return f"Training: epoch {self.current_epoch}/{self.epochs}"
        accuracy = f", {self.test_accuracy:.1%} on test" if self.test_accuracy is not None else ""
        return f"Last training: {self.status}{accuracy}"

    @classmethod
    def from_run(cls, run) -> "JobView":
        """A saved run (cnnlab.runs.Run) as a view: what a page shows after a restart."""
        return cls(run_id=run.run_id, status=run.status, config=run.config, title=run.title,
                   message=run.message, history=list(run.history), parameters=run.parameters or None,
                   test_loss=run.test_loss, test_accuracy=run.test_accuracy, seconds=run.seconds,
                   batches=list(getattr(run, "unfinished_epoch", None) or []))
