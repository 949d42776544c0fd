"""The `ray` backend: each training in a Ray actor, on whichever machine of a Ray cluster has room.

For a class that has outgrown one machine. The web server keeps the queue (fair order, positions,
estimates) and sends each training, when its turn comes, to the cluster as an actor: a process
that Ray starts on a node with a free CPU and enough memory. The actor trains with the same code
as a local worker process (cnnlab.backends.worker.run_training) and the server polls it for
events. The run is written by the actor to the runs folder, so on a cluster that folder must be
shared storage (NFS or similar) mounted at the same path on every node.

CNNLAB_RAY_ADDRESS: `ray://HOST:10001` (Ray Client of a remote cluster), `auto` (the cluster this
machine is part of), or `local` (a private one-machine cluster, started on first use, for trying
it out). The cnnlab package itself is shipped to the cluster with each connection.
"""
from __future__ import annotations

import functools
import os
import queue
import threading
import time
from pathlib import Path

from cnnlab.backends.local import CRASHED, deliver, mark_ended
from cnnlab.settings import CnnlabError, ray_address, training_memory_mb

POLL_SECONDS = 0.3
# Settings the training needs, copied into the actor's environment (the folders, the precision...).
FORWARDED_SETTINGS = ("CNNLAB_", "KERAS_", "TF_")
NOT_FORWARDED = ("CNNLAB_BACKEND", "CNNLAB_RAY_ADDRESS")

_connect_lock = threading.Lock()


def _ray():
    try:
        import ray
    except ImportError:
        raise CnnlabError("The ray backend needs Ray, which is not installed: run "
                          "`.venv/bin/pip install -r requirements-ray.txt`, or choose CNNLAB_BACKEND=local.") from None
    return ray


def connect(address: str | None = None):
    """Join the Ray cluster at `address` (once per process) and return the `ray` module."""
    ray = _ray()
    address = address or ray_address()
    with _connect_lock:
        if ray.is_initialized():
            return ray
        options = dict(runtime_env={"py_modules": [str(Path(__file__).resolve().parents[1])]},
                       log_to_driver=False, ignore_reinit_error=True, configure_logging=False)
        try:
            if address == "local":
                # A private cluster on this machine, on the loopback address only.
                _in_lasting_thread(lambda: ray.init(include_dashboard=False, num_cpus=os.cpu_count(),
                                                    _node_ip_address="127.0.0.1", **options))
            else:
                ray.init(address=address, **options)
        except Exception as e:  # noqa: BLE001 - Ray raises many kinds; the teacher needs one sentence
            raise CnnlabError(f"Could not reach the Ray cluster at CNNLAB_RAY_ADDRESS={address!r} "
                              f"({type(e).__name__}: {e}). Check the address (ray://HOST:10001, auto or "
                              "local) and that the cluster is running (`ray status` on its head node).") from None
    return ray


def _in_lasting_thread(start) -> None:
    """Run `start` in a thread that lives as long as the process, and wait for it.

    Ray ties the processes of a private cluster to the *thread* that started them (Linux's
    parent-death signal follows a thread, not a process): started from a job's thread, as the
    first training on a class server does, the whole cluster was killed when that training ended,
    and the web server with it a minute later."""
    outcome: queue.Queue = queue.Queue()

    def keeper():
        try:
            start()
        except BaseException as e:  # noqa: BLE001 - handed to the caller, raised there
            outcome.put(e)
            return
        outcome.put(None)
        threading.Event().wait()  # for ever: the cluster lives as long as this thread

    threading.Thread(target=keeper, name="ray-private-cluster", daemon=True).start()
    error = outcome.get()
    if error is not None:
        raise error


@functools.cache
def _actor_class():
    ray = _ray()

    @ray.remote(num_cpus=1, max_concurrency=4)  # threaded: poll and stop while it trains
    class TrainingActor:
        def __init__(self, settings: dict[str, str]):
            os.environ.update(settings)
            self.events: list[dict] = []
            self.stop = threading.Event()
            self.thread: threading.Thread | None = None

        def start(self, request: dict) -> None:
            from cnnlab.backends.worker import run_training

            self.thread = threading.Thread(target=run_training, args=(request, self.events.append, self.stop.is_set),
                                           daemon=True)
            self.thread.start()

        def poll(self, since: int) -> tuple[list[dict], bool]:
            ended = self.thread is not None and not self.thread.is_alive()  # before reading: none missed
            return self.events[since:], ended

        def stop_training(self) -> None:
            self.stop.set()

    return TrainingActor


class RayBackend:
    name = "ray"

    def __init__(self, address: str | None = None):
        _ray()  # a missing Ray is said when the backend is chosen, not when a student presses Train
        self.address = address or ray_address()

    def execute(self, job) -> None:
        ray = connect(self.address)
        settings = {k: v for k, v in job.env.items()
                    if k.startswith(FORWARDED_SETTINGS) and k not in NOT_FORWARDED}
        # Ray places the actor on a node with a free CPU and the memory a training may use.
        actor = _actor_class().options(memory=training_memory_mb() * 2**20).remote(settings)
        try:
            started = actor.start.remote(job.request())
            while not ray.wait([started], timeout=POLL_SECONDS)[0]:  # waiting for room on the cluster
                if job.stop_requested:
                    job.end_early("stopped", "Stopped before the cluster had started it.")
                    return
            ray.get(started)
            seen, asked_to_stop, refused = 0, False, None
            while True:
                if job.stop_requested and not asked_to_stop:
                    actor.stop_training.remote()
                    asked_to_stop = True
                events, ended = ray.get(actor.poll.remote(seen))
                seen += len(events)
                for event in events:
                    refused = deliver(job, event) or refused
                if ended:
                    break
                time.sleep(POLL_SECONDS)
        except ray.exceptions.RayError:
            # The actor's process or its machine died (out of memory, killed, node lost).
            mark_ended(job, "failed", CRASHED)
            return
        finally:
            try:
                ray.kill(actor)
            except Exception:  # noqa: BLE001 - it may be gone already
                pass
        if refused is not None and not job.done:
            raise CnnlabError(refused)
