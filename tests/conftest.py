"""Every test gets its own empty runs folder and data folder, and no network.

Tests must never depend on what a developer has in ~/.cnnlab or on the internet; the real
datasets in ../shared/datasets are used only by tests that ask for them (and skip without them).
"""
from __future__ import annotations

import ipaddress
import logging
import os
import socket
from pathlib import Path

import pytest
from support import TINY_CNN, tiny_config

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The app trains in bfloat16 by default where the CPU has AMX or AVX512-BF16; the suite's figures (resumed
# runs, exported scripts, scores compared with Keras's own) are float32's on every machine, and
# bfloat16 has tests of its own that ask for it.
os.environ.setdefault("CNNLAB_PRECISION", "float32")

SHARED_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"

# Tests set a lab's choices from outside a running page, which makes Streamlit warn each time.
logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(logging.ERROR)


@pytest.fixture(autouse=True)
def _isolated_folders(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("CNNLAB_RUNS_DIR", str(tmp_path_factory.mktemp("runs")))
    monkeypatch.setenv("CNNLAB_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    monkeypatch.setenv("CNNLAB_LABS_DIR", str(tmp_path_factory.mktemp("labs")))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path_factory.mktemp("keras-home")))
    # The class's board and handwriting set: their own folder, also for tests that share a runs folder.
    monkeypatch.setenv("CNNLAB_CLASS_DIR", str(tmp_path_factory.mktemp("class")))
    # Belt and braces with _no_network below: also child processes (the CLI, the app) never download.
    monkeypatch.setenv("CNNLAB_OFFLINE", "1")


_real_connect = socket.socket.connect


def _loopback_only(self, address):
    host = address[0] if isinstance(address, tuple) else None
    if host is not None:
        try:
            if not ipaddress.ip_address(socket.gethostbyname(host) if host != "localhost" else "127.0.0.1").is_loopback:
                raise OSError(f"tests must not use the network (tried to reach {host})")
        except (ValueError, socket.gaierror):
            raise OSError(f"tests must not use the network (tried to reach {host})") from None
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture(scope="session")
def shared_datasets() -> Path:
    if not (SHARED_DATASETS / "mnist").is_dir():
        pytest.skip(f"the real datasets are not at {SHARED_DATASETS}")
    return SHARED_DATASETS


@pytest.fixture(scope="session")
def trained_runs_folder(tmp_path_factory) -> Path:
    """A runs folder holding one finished run of TINY_CNN (training is the slow part)."""
    from cnnlab.training import train

    folder = tmp_path_factory.mktemp("trained-runs")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CNNLAB_RUNS_DIR", str(folder))
        patch.setenv("CNNLAB_DATA_DIR", str(tmp_path_factory.mktemp("data")))
        run = train(tiny_config(layers=TINY_CNN))
    assert run.status == "finished", run.message
    return folder


@pytest.fixture
def trained_run(trained_runs_folder, monkeypatch):
    """That run, with CNNLAB_RUNS_DIR pointing at its folder."""
    from cnnlab import runs

    monkeypatch.setenv("CNNLAB_RUNS_DIR", str(trained_runs_folder))
    return runs.list_runs()[0]
