"""The `ray` backend end to end, on a private Ray cluster started on this machine.

Ray is an optional extra (requirements-ray.txt). CI installs it (requirements-dev.txt pulls it in),
so there a missing Ray fails these tests; on a developer's machine without it they are skipped."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import tiny_config, wait_for

from cnnlab import runs
from cnnlab.backends import JobRegistry
from cnnlab.cli import main

if importlib.util.find_spec("ray") is None:
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail("Ray is not installed, but CI must test the ray backend: requirements-dev.txt pulls in "
                    "requirements-ray.txt", pytrace=False)
    pytest.skip("Ray is not installed (`.venv/bin/pip install -r requirements-ray.txt`): the ray backend "
                "is not tested here", allow_module_level=True)


@pytest.fixture(scope="module")
def local_ray():
    from cnnlab.backends.ray_backend import connect

    ray = connect("local")
    yield
    ray.shutdown()


def test_a_training_runs_on_ray_end_to_end_and_is_saved(local_ray):
    from cnnlab.backends.ray_backend import RayBackend

    registry = JobRegistry(RayBackend("local"), max_parallel=1)
    job = registry.submit("lab-a", tiny_config(epochs=2))
    assert wait_for(lambda: job.done, timeout=300), job.view()
    view = job.view()
    assert view.status == "finished", view.message
    assert [h["epoch"] for h in view.history] == [1, 2] and view.test_accuracy > 0.3
    assert view.batch is not None and view.train_images == 7200  # events came back from the cluster
    saved = runs.load_run(job.run_id)
    assert saved.status == "finished" and saved.has_model and saved.epochs_done == 2


def test_the_command_line_trains_on_ray(local_ray, capsys, monkeypatch):
    monkeypatch.setenv("CNNLAB_RAY_ADDRESS", "local")
    code = main(["train", "--dataset", "mnist-sample", "--arch", "mnist-basic", "--epochs", "1",
                 "--batch-size", "256", "--backend", "ray", "--json"])
    out = capsys.readouterr().out
    assert code == 0, out
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[0]["epoch"] == 1 and lines[-1]["status"] == "finished"
    assert runs.load_run(lines[-1]["run_id"]).status == "finished"


def test_a_private_cluster_outlives_the_thread_that_started_it():
    # On a class server the first training's thread starts the cluster; it must survive that
    # thread (it did not: the cluster died with the first training). In a process of its own, as
    # a dead cluster ends its driver's process.
    script = (
        "import threading, time\n"
        "from cnnlab.backends.ray_backend import connect\n"
        "starter = threading.Thread(target=connect, args=('local',))\n"
        "starter.start(); starter.join(); time.sleep(3)\n"
        "import ray\n"
        "print('answer', ray.get(ray.remote(lambda: 41 + 1).remote(), timeout=90))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                            cwd=Path(__file__).resolve().parents[1])
    assert "answer 42" in result.stdout, result.stderr[-3000:]
