"""Where trainings run, behind one job interface (`JobRegistry`: submit, view, stop).

    local    each training in a worker process of its own on this computer (the default)
    threads  inside this process (notebooks, tests)
    ray      on a Ray cluster

The setting is CNNLAB_BACKEND (cnnlab.settings.backend); `python -m cnnlab train --backend`
chooses one for a single command.
"""
from __future__ import annotations

import threading

from cnnlab.backends.scheduler import TRAINING_STATUSES, Backend, JobRegistry, TrainingJob, wait_text
from cnnlab.backends.view import BatchProgress, JobView
from cnnlab.settings import CnnlabError
from cnnlab.settings import backend as backend_setting

__all__ = ["TRAINING_STATUSES", "Backend", "BatchProgress", "JobRegistry", "JobView", "TrainingJob", "job_registry",
           "make_backend", "wait_text"]


def make_backend(name: str | None = None) -> Backend:
    """The backend called `name` (default: the CNNLAB_BACKEND setting)."""
    name = name or backend_setting()
    if name == "threads":
        from cnnlab.backends.threads import ThreadBackend

        return ThreadBackend()
    if name == "local":
        from cnnlab.backends.local import ProcessBackend

        return ProcessBackend()
    from cnnlab.backends.ray_backend import RayBackend

    return RayBackend()


class UnavailableBackend:
    """The backend the settings ask for cannot be used (Ray not installed, a misspelt name): every
    training is refused with the message that says what to do, and the pages still work."""

    name = "unavailable"

    def __init__(self, problem: str):
        self.problem = problem

    def execute(self, job) -> None:
        raise CnnlabError(self.problem)


_registry: JobRegistry | None = None
_registry_lock = threading.Lock()


def job_registry() -> JobRegistry:
    """The process-wide registry, created on first use with the settings of that moment."""
    global _registry
    with _registry_lock:
        if _registry is None:
            try:
                backend = make_backend()
            except CnnlabError as e:
                backend = UnavailableBackend(str(e))
            _registry = JobRegistry(backend)
        return _registry
