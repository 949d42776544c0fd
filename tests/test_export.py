"""Export (issue 12, part 4): the zip's files, and a train.py that rebuilds the run without cnnlab.

The exported script is run for real, in a separate Python that cannot import cnnlab, and the
network it saves is compared with the run's layer by layer."""
from __future__ import annotations

import ast
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cnnlab import export, runs
from cnnlab.cli import main
from cnnlab.config import TrainConfig
from cnnlab.training import train


def run_script(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """python train.py ARGS in `folder`, where cnnlab is not importable (it is not installed)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    done = subprocess.run([sys.executable, "train.py", *args], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def layer_table(model) -> list[tuple]:
    """What decides a network: each layer's kind, name, settings, output shape and parameter count."""
    rows = []
    for layer in model.layers:
        config = {k: v for k, v in layer.get_config().items() if k not in ("dtype", "trainable")}
        rows.append((type(layer).__name__, layer.name, json.dumps(config, sort_keys=True, default=str),
                     tuple(layer.output.shape), layer.count_params()))
    return rows


def test_the_exported_script_rebuilds_the_same_network_without_cnnlab(trained_run, tmp_path):
    import keras

    folder = tmp_path / "export"
    written = export.export_to_folder(trained_run.run_id, folder)
    assert {p.name for p in written} >= {"model.keras", "train.py", "train.ipynb", "run.json", "README.md"}
    source = (folder / "train.py").read_text()
    imported = {alias.name.split(".")[0] for node in ast.walk(ast.parse(source))
                if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in getattr(node, "names", [])}
    imported |= {node.module.split(".")[0] for node in ast.walk(ast.parse(source))
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert "cnnlab" not in imported and {"keras", "numpy", "tensorflow"} <= imported

    # A tiny dataset: 300 training and 100 test pictures from the bundled sample.
    with np.load(folder / "data" / "mnist-sample.npz") as sample:
        np.savez(tmp_path / "tiny.npz", x_train=sample["x_train"][:300], y_train=sample["y_train"][:300],
                 x_test=sample["x_test"][:100], y_test=sample["y_test"][:100])
    done = run_script(folder, "--data", str(tmp_path / "tiny.npz"), "--epochs", "1", "--out", "again.keras")
    assert "test accuracy" in done.stdout

    again = keras.models.load_model(folder / "again.keras", compile=False)
    original = runs.load_model(trained_run.run_id)
    assert again.count_params() == original.count_params() == trained_run.parameters
    assert layer_table(again) == layer_table(original)
    # The exported model.keras is the run's network itself.
    shipped = keras.models.load_model(folder / "model.keras", compile=False)
    for a, b in zip(shipped.get_weights(), original.get_weights()):
        np.testing.assert_array_equal(a, b)


def _digit_folder(tmp_path) -> Path:
    """400 sample digits as PNG files, one subfolder per class."""
    with np.load(Path(__file__).resolve().parents[1] / "cnnlab" / "data" / "mnist-sample.npz") as sample:
        x, y = sample["x_train"][:400], sample["y_train"][:400]
    pictures = tmp_path / "digits"
    for i, (image, label) in enumerate(zip(x, y)):
        (pictures / f"d{label}").mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(pictures / f"d{label}" / f"{i:04d}.png")
    return pictures


SMALL_STACK = [{"type": "conv", "filters": 8, "kernel": 3, "padding": "same", "activation": "relu"},
               {"type": "maxpool", "size": 2}, {"type": "batchnorm"}, {"type": "flatten"},
               {"type": "dropout", "rate": 0.2}, {"type": "dense", "units": 16, "activation": "relu"}]


def _test_result(stdout: str) -> tuple[float, float]:
    line = next(line for line in stdout.splitlines() if line.startswith("test accuracy"))
    return float(line.split()[2].rstrip(",")), float(line.split()[5])


def test_schedule_optimizer_seed_and_folder_data_reproduce_the_run_exactly(tmp_path):
    # A picture folder, trained by cnnlab with SGD + momentum on a cosine schedule with dropout and
    # batch normalization: the exported script, on the same folder, reaches the very same test result.
    config = TrainConfig(dataset=f"folder:{_digit_folder(tmp_path)}", architecture="custom", image_size=20,
                         channels=1, layers=SMALL_STACK, optimizer="sgd-momentum", learning_rate=0.05,
                         lr_schedule="cosine", batch_size=32, epochs=2, validation_split=0.2, seed=7)
    run = train(config)
    assert run.status == "finished", run.message
    folder = tmp_path / "export"
    export.export_to_folder(run.run_id, folder)
    source = (folder / "train.py").read_text()
    assert "CosineDecay" in source and "momentum=0.9" in source and "SEED = 7" in source
    accuracy, loss = _test_result(run_script(folder, "--out", "again.keras").stdout)
    assert accuracy == pytest.approx(run.test_accuracy, abs=1e-4)
    assert loss == pytest.approx(run.test_loss, rel=1e-4)


def test_augmentation_is_exported_with_the_run_settings(tmp_path):
    # Random shifts and flips run in parallel in the input pipeline, so two trainings (cnnlab's or the
    # script's) differ a little; the script must still apply the same augmentation and train.
    config = TrainConfig(dataset=f"folder:{_digit_folder(tmp_path)}", architecture="custom", image_size=20,
                         channels=1, layers=SMALL_STACK, batch_size=64, epochs=1, augment_shift=0.1,
                         augment_flip=True)
    run = train(config)
    assert run.status == "finished", run.message
    folder = tmp_path / "export"
    export.export_to_folder(run.run_id, folder)
    source = (folder / "train.py").read_text()
    assert "AUGMENT_SHIFT = 0.1" in source and "AUGMENT_FLIP = True" in source
    assert "RandomTranslation(AUGMENT_SHIFT, AUGMENT_SHIFT" in source and 'RandomFlip("horizontal"' in source
    accuracy, _ = _test_result(run_script(folder, "--out", "again.keras").stdout)
    assert 0.0 <= accuracy <= 1.0


def test_the_zip_holds_every_file_and_the_notebook_is_the_script(trained_run):
    data = export.export_zip(trained_run.run_id)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        prefix = export.zip_folder(trained_run.run_id) + "/"
        assert {prefix + n for n in ("model.keras", "train.py", "train.ipynb", "run.json", "README.md",
                                     "data/mnist-sample.npz")} == names
        record = json.loads(archive.read(prefix + "run.json"))
        notebook = json.loads(archive.read(prefix + "train.ipynb"))
        script = archive.read(prefix + "train.py").decode()
    assert record["run_id"] == trained_run.run_id and record["history"] == trained_run.history
    assert record["config"]["layers"] == trained_run.config["layers"] and "owner_host" not in record
    assert notebook["nbformat"] == 4
    code_cells = ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]
    for code in code_cells:
        compile(code, "cell", "exec")
    assert not any("argparse.ArgumentParser" in code for code in code_cells)  # settings are edited in place
    assert all(code in script for code in code_cells)


def test_export_refuses_what_it_cannot_do_with_one_line(trained_run, tmp_path, capsys):
    code = main(["export", "--run", trained_run.run_id, "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 0 and "train.py" in out
    # Again into the same folder: nothing is overwritten.
    before = (tmp_path / "out" / "train.py").stat().st_mtime_ns
    code = main(["export", "--run", trained_run.run_id, "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 2 and "already holds" in err and err.count("\n") == 1
    assert (tmp_path / "out" / "train.py").stat().st_mtime_ns == before
    code = main(["export", "--run", "no-such-run", "--out", str(tmp_path / "other")])
    out, err = capsys.readouterr()
    assert code == 2 and "cnnlab runs" in err and not (tmp_path / "other").exists()
