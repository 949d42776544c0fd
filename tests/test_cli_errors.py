"""The command line under hostile input: one bad image among good ones, a run whose files do not
match, errors raised after TensorFlow has started. Each error is exactly one line on stderr (no
TensorFlow log lines, no progress line glued to it), and good results are never suppressed."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import fixtures_data as fx
import numpy as np
from PIL import Image

from cnnlab.cli import main

ROOT = Path(__file__).resolve().parents[1]


def a_one(path: Path) -> Path:
    canvas = np.zeros((280, 280), np.uint8)
    canvas[40:240, 130:150] = 255
    Image.fromarray(canvas).save(path)
    return path


def cli(*argv: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m cnnlab ...` as a user runs it: TF_CPP_MIN_LOG_LEVEL not set (the tests' own
    setting is removed), so whatever TensorFlow would print is seen."""
    clean = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run([sys.executable, "-m", "cnnlab", *argv], cwd=ROOT, env={**clean, **(env or {})},
                          capture_output=True, text=True, timeout=300)


def test_one_bad_file_does_not_hide_the_others_results(trained_run, tmp_path, capsys):
    one = a_one(tmp_path / "one.png")
    bad = tmp_path / "notes.png"
    bad.write_text("not a picture")
    code = main(["predict", "--run", trained_run.run_id, str(one), str(bad), str(one)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out.count("one.png: 1 ") == 2  # both good files answered
    assert err.count("\n") == 1 and err.startswith("error: 'notes.png' is not an image")
    code = main(["predict", "--run", trained_run.run_id, str(one), str(bad), "--json"])
    out, _ = capsys.readouterr()
    results = json.loads(out)
    assert code == 2 and results[0]["top3"][0]["class"] == "1" and "not an image" in results[1]["error"]


def test_errors_after_tensorflow_started_are_one_line_without_tensorflow_logs(trained_run, tmp_path):
    bad = tmp_path / "notes.png"
    bad.write_text("not a picture")
    done = cli("predict", "--run", trained_run.run_id, str(bad))  # TensorFlow loads the model first
    assert done.returncode == 2 and done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr

    mixed_up = trained_run.path.parent / f"{trained_run.run_id}-mixed"
    shutil.copytree(trained_run.path, mixed_up)
    data = json.loads((mixed_up / "run.json").read_text())
    (mixed_up / "run.json").write_text(json.dumps({**data, "image_shape": [32, 32, 3], "classes": ["a", "b"]}))
    try:
        done = cli("predict", "--run", mixed_up.name, str(a_one(tmp_path / "one.png")))
    finally:
        shutil.rmtree(mixed_up)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("error: ") and "does not match its model" in done.stderr


def test_an_error_after_reading_a_folder_is_not_glued_to_a_progress_line(tmp_path):
    root = tmp_path / "pets"
    for name in ("cat", "dog"):
        (root / name).mkdir(parents=True)
        for i in range(3):
            (root / name / f"{i}.png").write_bytes(b"not a picture")
    done = cli("train", "--dataset", f"folder:{root}", "--arch", "lenet5", "--epochs", "1")
    assert done.returncode == 2
    assert done.stderr.startswith("error: None of the 6 files") and done.stderr.count("\n") == 1, done.stderr
    fx.write_picture_folder(tmp_path / "ok", {"cat": 3, "dog": 3})
    done = cli("train", "--dataset", f"folder:{tmp_path / 'ok'}", "--arch", "lenet5", "--epochs", "1",
               "--optimizer", "sgd", "--lr", "0")
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "at most 10" in done.stderr, done.stderr


def test_native_log_lines_below_the_level_are_dropped_and_the_rest_kept(capfd, monkeypatch):
    from cnnlab.cli import ABSL_PREAMBLE, native_log_filtered
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    with native_log_filtered():  # written to file descriptor 2 as C++ does, not through sys.stderr
        os.write(2, (f"{ABSL_PREAMBLE}\n"
                     "I0000 00:00:1796386767.679043   11433 port.cc:153] oneDNN custom operations are on.\n"
                     "W0000 00:00:1796386767.679043   11433 cpu_feature_guard.cc:210] could be faster\n"
                     "E0000 00:00:1796386767.679043   11433 loader.cc:12] a real problem\n"
                     "something else\n").encode())
    err = capfd.readouterr().err
    assert err == ("E0000 00:00:1796386767.679043   11433 loader.cc:12] a real problem\n"
                   "something else\n")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")  # a user who asked for everything gets everything
    with native_log_filtered():
        os.write(2, f"{ABSL_PREAMBLE}\nI0000 00:00:1.5   1 port.cc:153] notice\n".encode())
    assert capfd.readouterr().err.count("\n") == 2
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "quiet")  # not a number: no traceback, nothing hidden
    with native_log_filtered():
        os.write(2, b"I0000 00:00:1.5   1 port.cc:153] notice\n")
    assert capfd.readouterr().err.count("\n") == 1
