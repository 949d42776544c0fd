"""One training in a process of its own: `python -m cnnlab.backends.worker`.

The `local` backend starts one of these per training (a fresh interpreter, never a fork of the
web server), so TensorFlow is imported only here, its memory goes back to the system when the
training ends, and a crash ends only this training.

Talking to it, one JSON object per line:
  stdin   first {"config": {...}, "run_id": "...", "resume": false, "lab": "..."}, then "stop" to stop
  stdout  the training's events (cnnlab.training), plus {"type": "download", ...} while data
          downloads and {"type": "refused", "message": ...} when the settings cannot work
When stdin closes, the program that started the worker has gone: the worker exits at once, and
its run, left as "running" by a process that no longer exists, reads as interrupted.
"""
from __future__ import annotations

import json
import os
import sys
import threading
import time
from typing import Callable

# Hundreds of batches an epoch: a page polls once a second, so a few updates a second are plenty.
BATCH_EVENT_INTERVAL = 0.2


def run_training(request: dict, send: Callable[[dict], None], should_stop: Callable[[], bool]) -> None:
    """Train what `request` asks for, sending every event (a few batch events a second) to `send`.
    Used by this worker process and by the Ray backend's actors alike."""
    from cnnlab.config import TrainConfig
    from cnnlab.runs import Run, load_run
    from cnnlab.settings import CnnlabError
    from cnnlab.training import train

    last_batch = 0.0

    def on_event(event: dict) -> None:
        nonlocal last_batch
        if event["type"] == "batch":
            now = time.monotonic()
            if now - last_batch < BATCH_EVENT_INTERVAL and event["batch"] < event["batches"]:
                return
            last_batch = now
        send(event)

    def progress(done: int, total: int, what: str) -> None:
        send({"type": "download", "done": done, "total": total, "what": what})

    try:
        config = TrainConfig.from_json(request["config"])
        if request.get("resume"):
            run = load_run(request["run_id"])
            run.claim()  # its old owner is gone; from now on this process's death means "interrupted"
        else:
            run = Run(run_id=request["run_id"], config=config.to_json(), lab=request.get("lab"))
        train(config, on_event=on_event, should_stop=should_stop, run=run, progress=progress,
              resume=bool(request.get("resume")))
    except CnnlabError as e:
        send({"type": "refused", "message": str(e)})
    except Exception as e:  # noqa: BLE001 - said to the app, which shows it
        send({"type": "refused", "message": f"Training failed: {type(e).__name__}: {e}"})


def main() -> None:
    # Events get the real stdout; anything else that prints (TensorFlow, Keras) goes to stderr.
    events = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    request = json.loads(sys.stdin.readline())
    from cnnlab.settings import CnnlabError, training_niceness

    try:  # the pages first: see training_niceness (a malformed setting must not cost the training)
        os.nice(training_niceness())
    except (CnnlabError, OSError):
        pass
    stop = threading.Event()
    write_lock = threading.Lock()

    def send(event: dict) -> None:
        with write_lock:
            events.write(json.dumps(event) + "\n")

    def listen() -> None:
        for line in sys.stdin:
            if line.strip() == "stop":
                stop.set()
        os._exit(3)  # stdin closed: nobody is listening any more

    threading.Thread(target=listen, daemon=True, name="cnnlab-worker-stdin").start()
    run_training(request, send, stop.is_set)
    events.flush()
    # Skip the interpreter's slow teardown of TensorFlow's threads: everything is saved.
    os._exit(0)


if __name__ == "__main__":
    main()
