"""The `threads` backend: train inside this process, in the registry's thread.

Nothing to start and nothing to copy, so it is the quickest for a notebook or a test; but a
training that crashes TensorFlow or runs out of memory takes the whole process with it, and
TensorFlow never gives its memory back. A class server uses the `local` backend instead.
"""
from __future__ import annotations

from cnnlab.training import train


class ThreadBackend:
    name = "threads"

    def execute(self, job) -> None:
        job.run.claim()  # a resumed run was owned by the program that trained it before
        train(job.config, on_event=job.record, should_stop=lambda: job.stop_requested, run=job.run,
              progress=job.record_download, resume=job.resume)
