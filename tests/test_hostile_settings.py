"""Hostile settings: impossible numbers in a layer stack or in the training settings are refused
before anything is saved, with a message naming the setting and its real limits; a learning rate
so high that training collapses to guessing is caught and explained, and slow training is not."""
from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from cnnlab import runs
from cnnlab.cli import main
from cnnlab.config import TrainConfig
from cnnlab.layers import LAYER_TYPES, default_layer, describe_layer
from cnnlab.network import check_stack
from cnnlab.settings import CnnlabError
from cnnlab.training import Chance, collapse_reason, train

ROOT = Path(__file__).resolve().parents[1]
HOSTILE_NUMBERS = [10**400, -10**5000, float("inf"), float("nan"), -1, 0, 1e308, 2**63, "12", True, None, [1],
                   {"a": 1}, 3.5, complex(1, 2), [10**5000], "x" * 10_000]


@pytest.mark.parametrize("layer_type", list(LAYER_TYPES))
def test_check_stack_never_raises_on_any_value_of_any_setting(layer_type):
    for param in LAYER_TYPES[layer_type].params:
        for value in HOSTILE_NUMBERS:
            spec = dict(default_layer(layer_type), **{param.key: value})
            stack = [{"type": "flatten"}, spec] if layer_type == "dense" else [spec, {"type": "flatten"}]
            check = check_stack(stack, (28, 28, 1), 10)
            describe_layer(spec)
            if check.error is not None:
                assert len(str(check.error)) < 300 and param.label.lower() in str(check.error), str(check.error)
            for row in check.rows:
                assert isinstance(row.description, str)
    for shape, classes in [((28, 28, 10**400), 10), ((28, 28, 1), 10**5000), ((28, 28), 10), (None, None)]:
        assert check_stack([], shape, classes).error is not None


def test_a_dense_layer_with_10_to_the_400_units_is_refused_before_training():
    layers = [{"type": "flatten"}, {"type": "dense", "units": 10**400, "activation": "relu"}]
    with pytest.raises(CnnlabError, match="units must be between 1 and 8192, got a number with about 401 digits"):
        train(TrainConfig(architecture="custom", layers=layers, epochs=1))
    assert runs.list_runs() == []


@pytest.mark.parametrize("setting, value, words", [
    ("learning_rate", 1e3, "learning rate must be above 0 and at most 10"),
    ("learning_rate", 10**400, "at most 10"),
    ("learning_rate", float("nan"), "learning rate"),
    ("learning_rate", "0.1", "learning_rate should be a number, not '0.1'"),
    ("optimizer", "nesterov", "optimizer must be one of adam, sgd"),
    ("epochs", 10**9, "epochs must be from 1 to 1,000"),
    ("epochs", 2.5, "epochs should be a whole number"),
    ("batch_size", 0, "batch size must be from 1"),
    ("seed", 10**400, "seed must be a whole number from 0"),
    ("validation_split", float("inf"), "validation split"),
    ("augment_flip", "yes", "augment_flip should be true or false"),
    ("layers", "conv", "layers should be a list"),
    ("image_size", 10**400, "Image size"),
])
def test_each_refused_setting_names_its_real_limit_and_saves_nothing(setting, value, words):
    config = TrainConfig(dataset="mnist-sample" if setting != "image_size" else "folder:/nonexistent",
                         epochs=1, **{setting: value}) if setting != "epochs" else TrainConfig(epochs=value)
    with pytest.raises(CnnlabError, match=words.replace("(", r"\(").replace(")", r"\)")):
        train(config)
    assert runs.list_runs() == [] and not any(runs.runs_dir().iterdir())


def test_the_cli_refuses_a_learning_rate_of_1000_in_one_line_and_saves_nothing(capsys):
    code = main(["train", "--arch", "lenet5", "--optimizer", "sgd", "--lr", "1000"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "at most 10" in err and "positive number" not in err
    assert main(["train", "--arch", "lenet5", "--optimizer", "nope"]) == 2
    assert "optimizer must be one of" in capsys.readouterr().err
    assert runs.list_runs() == []


# --- Collapse to chance ---------------------------------------------------------------------------

def test_sgd_with_learning_rate_10_is_caught_as_collapsed():
    run = train(TrainConfig.from_preset("lenet5", "mnist-sample", optimizer="sgd", learning_rate=10, epochs=3))
    assert run.status == "diverged", (run.status, run.history)
    assert "collapsed" in run.message and "learning rate 10 is too high for sgd" in run.message
    assert "0.01 to 0.1" in run.message  # what to change to
    assert run.epochs_done >= 1  # the epochs it did are kept, and shown


def test_the_cli_exits_2_on_a_collapsed_training():
    done = subprocess.run([sys.executable, "-m", "cnnlab", "train", "--dataset", "mnist-sample", "--arch",
                           "mnist-basic", "--optimizer", "sgd-momentum", "--lr", "10", "--epochs", "3"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    assert "learning rate" in done.stderr


def test_slow_but_healthy_training_is_not_called_collapsed():
    run = train(TrainConfig.from_preset("lenet5", "mnist-sample", optimizer="sgd", learning_rate=1e-5, epochs=2))
    assert run.status == "finished", run.message
    assert run.history[-1]["accuracy"] < 0.2  # it really is still near chance: slow, not broken


def epoch(n, loss, accuracy, val_accuracy=None):
    return {"epoch": n, "loss": loss, "accuracy": accuracy, "val_loss": loss, "val_accuracy": val_accuracy}


def test_collapse_reason_on_histories():
    chance = Chance(0.1, math.log(10))
    slow = [epoch(1, 2.31, 0.11, 0.10), epoch(2, 2.30, 0.12, 0.12)]
    assert collapse_reason(slow, chance, highest_loss=2.35, steps=500) is None
    overshot = [epoch(1, 2.46, 0.10, 0.10)]
    assert "overshot to 3.4" in collapse_reason(overshot, chance, highest_loss=3.4, steps=500)
    assert collapse_reason(overshot, chance, highest_loss=3.4, steps=10) is None  # too early to tell
    fell_back = [epoch(1, 0.4, 0.88, 0.90), epoch(2, 2.30, 0.10, 0.10)]
    assert "fell back" in collapse_reason(fell_back, chance, highest_loss=2.4, steps=500)
    learning = [epoch(1, 2.4, 0.3, 0.35)]
    assert collapse_reason(learning, chance, highest_loss=5.0, steps=500) is None
    balanced = Chance.of([0, 1, 2, 3] * 5, 4)
    assert balanced.accuracy == 0.25 and abs(balanced.loss - math.log(4)) < 1e-9
    assert Chance.of([0, 0, 0, 1], 2).accuracy == 0.75  # always answering the commonest class
