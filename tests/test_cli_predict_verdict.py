"""`python -m cnnlab predict` gives the Classify page's verdict: "blank" for an empty picture,
"not sure" for a weak guess, the class only when the network is sure enough (issue 12, part 7)."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from cnnlab.cli import main
from cnnlab.imagefiles import read_image
from cnnlab.inference import EMPTY_PICTURE_REASON, Classifier, verdict
from cnnlab.preprocess import prepare, style_for_dataset


def _save(tmp_path, name, pixels) -> str:
    path = tmp_path / name
    Image.fromarray(np.asarray(pixels, np.uint8)).save(path)
    return str(path)


@pytest.fixture
def pictures(tmp_path):
    rng = np.random.default_rng(0)
    one = np.zeros((280, 280), np.uint8)
    one[40:240, 130:150] = 255
    return {
        "black": _save(tmp_path, "black.png", np.zeros((280, 280))),
        "white": _save(tmp_path, "white.png", np.full((200, 300), 255)),
        "noise": _save(tmp_path, "noise.png", rng.integers(0, 256, (280, 280))),
        "one": _save(tmp_path, "one.png", one),
    }


def _predict(capsys, *argv):
    code = main(["predict", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_an_all_black_or_all_white_picture_is_blank_not_a_class(trained_run, pictures, capsys):
    code, out, _ = _predict(capsys, "--run", trained_run.run_id, pictures["black"], pictures["white"], "--json")
    assert code == 0
    for result in json.loads(out):
        assert result["verdict"] == "blank" and result["sure"] is False
        assert result["reason"] == EMPTY_PICTURE_REASON
        assert len(result["top3"]) == 3  # the network's guesses are still there for whoever wants them
    code, out, _ = _predict(capsys, "--run", trained_run.run_id, pictures["black"])
    assert code == 0 and out.strip() == f"{pictures['black']}: blank — {EMPTY_PICTURE_REASON}"


@pytest.mark.parametrize("threshold", [0.3, 0.6, 0.95])
def test_every_verdict_is_the_one_the_classify_page_gives(trained_run, pictures, capsys, threshold):
    files = list(pictures.values())
    code, out, _ = _predict(capsys, "--run", trained_run.run_id, *files, "--threshold", str(threshold), "--json")
    assert code == 0
    classifier = Classifier.from_run(trained_run.run_id)
    for path, result in zip(files, json.loads(out)):
        prepared = prepare(read_image(path), classifier.image_shape, style=style_for_dataset(classifier.dataset))
        expected = verdict(classifier.probabilities(prepared.model_input), classifier.classes, threshold,
                           prepared.is_empty, empty_reason=EMPTY_PICTURE_REASON)
        assert result["verdict"] == expected.answer and result["reason"] == expected.reason
        assert result["sure"] == expected.sure
        if expected.sure:
            assert result["verdict"] == result["top3"][0]["class"]
        elif not expected.empty:
            assert result["verdict"] == "not sure"


def test_a_threshold_of_one_makes_a_digit_not_sure_and_a_bad_threshold_is_refused(trained_run, pictures, capsys):
    code, out, _ = _predict(capsys, "--run", trained_run.run_id, pictures["one"], "--threshold", "1", "--json")
    assert code == 0
    assert json.loads(out)[0]["verdict"] == "not sure"
    code, out, err = _predict(capsys, "--run", trained_run.run_id, pictures["one"], "--threshold", "60")
    assert code == 2 and out == "" and "--threshold" in err and err.count("\n") == 1
