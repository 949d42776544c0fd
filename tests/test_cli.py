"""`python -m cnnlab`: JSON output a script can read, one clear line for every mistake."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from cnnlab.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_datasets_json_lists_every_dataset_and_the_samples_are_available(capsys):
    code, out, _ = run_cli(capsys, "datasets", "--json")
    assert code == 0
    entries = {e["name"]: e for e in json.loads(out)}
    assert set(entries) == {"mnist", "fashion-mnist", "cifar10", "mnist-sample", "fashion-sample"}
    for e in entries.values():
        assert set(e) >= {"name", "available", "source", "train_size", "test_size", "image_shape", "classes"}
    assert entries["mnist-sample"]["available"] and entries["fashion-sample"]["available"]
    assert not entries["cifar10"]["available"]  # empty data folder, no network


def test_summary_prints_the_shape_table(capsys):
    code, out, _ = run_cli(capsys, "summary", "--arch", "lenet5", "--dataset", "mnist-sample")
    assert code == 0
    assert "107,786" in out


def test_no_command_lists_the_commands(capsys):
    code, out, err = run_cli(capsys)
    assert code == 2 and not out
    assert all(command in err for command in ("datasets", "train", "predict", "export", "lessons"))


def test_user_mistakes_are_one_line_on_stderr_and_exit_2(capsys):
    code, out, err = run_cli(capsys, "summary", "--arch", "no-such-net")
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1
    assert "lenet5" in err  # says what to choose instead
    code, _, err = run_cli(capsys, "predict", "--run", "missing-run", "x.png")
    assert code == 2 and "cnnlab runs" in err


def test_train_json_then_runs_and_predict(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "train", "--dataset", "mnist-sample", "--arch", "mnist-basic",
                           "--epochs", "1", "--batch-size", "128", "--json")
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[0]["epoch"] == 1 and "val_accuracy" in lines[0]
    result = lines[-1]
    assert {"run_id", "test_accuracy", "test_loss", "seconds"} <= set(result)
    assert result["test_accuracy"] >= 0.85

    code, out, _ = run_cli(capsys, "runs", "--json")
    assert [r["run_id"] for r in json.loads(out)] == [result["run_id"]]

    # A white "1" on black, and a file that is not an image.
    canvas = np.zeros((280, 280), np.uint8)
    canvas[40:240, 130:150] = 255
    one = tmp_path / "one.png"
    Image.fromarray(canvas).save(one)
    code, out, _ = run_cli(capsys, "predict", "--run", result["run_id"], str(one), "--json")
    assert code == 0
    top3 = json.loads(out)[0]["top3"]
    assert len(top3) == 3 and top3[0]["class"] == "1"
    bad = tmp_path / "notes.png"
    bad.write_text("not a picture")
    code, _, err = run_cli(capsys, "predict", "--run", result["run_id"], str(bad))
    assert code == 2 and "image" in err and "Traceback" not in err


def test_the_module_runs_as_a_program_without_a_traceback(tmp_path):
    env = {**os.environ, "CNNLAB_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "cnnlab", "train", "--dataset", "cifar10", "--arch", "lenet5"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "cifar10" in done.stderr and str(tmp_path) in done.stderr
