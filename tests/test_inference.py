"""cnnlab.inference: the "Not sure" rule, the top classes, and fast probabilities for one or many images."""
from __future__ import annotations

import numpy as np
import pytest
from support import TINY

from cnnlab import runs
from cnnlab.inference import DEFAULT_THRESHOLD, Classifier, Verdict, verdict
from cnnlab.network import build_model

DIGITS = [str(d) for d in range(10)]
def probs(**shares) -> np.ndarray:
    """Ten probabilities: the named digits get their share, the rest is spread evenly."""
    p = np.zeros(10)
    for name, share in shares.items():
        p[int(name[1:])] = share
    rest = [i for i in range(10) if p[i] == 0]
    p[rest] = (1 - p.sum()) / len(rest)
    return p


# --- verdict ---------------------------------------------------------------------------------------

def test_an_empty_picture_is_never_named_even_when_the_network_is_sure():
    v = verdict(probs(d1=0.99), DIGITS, 0.6, is_empty=True)
    assert v == Verdict(None, 0.0, "the canvas is empty — draw a digit") and not v.sure
    v = verdict(probs(d1=0.99), DIGITS, 0.6, True, empty_reason="the picture looks empty")
    assert v.reason == "the picture looks empty"


def test_below_the_threshold_it_is_not_sure_and_names_the_two_candidates():
    v = verdict(probs(d7=0.41, d1=0.35), DIGITS, 0.6, False)
    assert v.label is None and not v.sure
    assert v.best == "7" and v.confidence == pytest.approx(0.41)
    assert v.reason == "the best guess, 7, has only 41% — the network is unsure between 7 and 1 (35%)"


def test_the_reason_names_a_runner_up_only_when_it_is_a_real_alternative():
    assert verdict(probs(d2=0.92, d5=0.02), DIGITS, 0.95).reason == \
        "the best guess, 2, has only 92% — less than the 95% needed to be sure"
    assert verdict(probs(d6=0.3, d0=0.1), DIGITS, 0.6).reason == \
        "the best guess, 6, has only 30% — the rest is spread over the other classes"


def test_at_or_above_the_threshold_it_names_the_class():
    v = verdict(probs(d3=0.93), DIGITS, DEFAULT_THRESHOLD, False)
    assert v.sure and v.label == v.best == "3" and v.confidence == pytest.approx(0.93)
    assert "93%" in v.reason and "60%" in v.reason
    assert verdict(probs(d3=0.6), DIGITS, 0.6).label == "3"  # exactly the threshold counts as sure
    assert verdict(probs(d3=0.6), DIGITS, 0.61).label is None
    assert verdict(probs(d3=0.2), DIGITS, 0.0).label == "3"  # threshold 0: always a name
    assert verdict(probs(d3=0.999), DIGITS, 1.0).label is None


def test_a_percentage_just_under_the_threshold_does_not_round_up_to_it():
    v = verdict(probs(d5=0.596), DIGITS, 0.6)
    assert v.label is None and "59.6%" in v.reason and "60%" not in v.reason.split("—")[0]


def test_class_names_other_than_digits_and_ties():
    classes = ["T-shirt/top", "Trouser", "Pullover"]
    v = verdict([0.2, 0.5, 0.3], classes, 0.6)
    assert v.best == "Trouser" and "Trouser and Pullover" in v.reason
    tie = verdict([0.5, 0.5, 0.0], classes, 0.5)
    assert tie.label == "T-shirt/top"  # a tie goes to the first class, every time


def test_a_diverged_network_is_not_sure():
    v = verdict(np.full(10, np.nan), DIGITS, 0.6)
    assert v.label is None and "diverged" in v.reason and "learning rate" in v.reason


@pytest.mark.parametrize("bad", [dict(threshold=1.5), dict(threshold=-0.1), dict(classes=DIGITS[:9])])
def test_bad_arguments_are_programming_errors(bad):
    args = dict(probabilities=probs(d1=0.9), classes=DIGITS, threshold=0.6) | bad
    with pytest.raises(ValueError):
        verdict(**args)


# --- Classifier ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def classifier() -> Classifier:
    model = build_model(TINY, (28, 28, 1), 10)
    return Classifier(model, DIGITS, (28, 28, 1))


def test_probabilities_for_one_image_and_for_a_batch(classifier):
    rng = np.random.default_rng(0)
    batch = rng.integers(0, 256, size=(5, 28, 28, 1), dtype=np.uint8)
    one = classifier.probabilities(batch[0])
    many = classifier.probabilities(batch)
    assert one.shape == (10,) and many.shape == (5, 10)
    assert np.allclose(many.sum(axis=1), 1, atol=1e-5) and (many >= 0).all()
    assert np.allclose(one, many[0], atol=1e-6)
    # The compiled fast path computes exactly what the model itself computes.
    direct = np.asarray(classifier.model(batch.astype(np.float32), training=False))
    assert np.allclose(many, direct, atol=1e-6)
    assert classifier.probabilities(batch[:2]).shape == (2, 10)  # another batch size: no retracing needed


def test_probabilities_refuse_a_picture_of_the_wrong_shape(classifier):
    for shape in [(28, 28), (32, 32, 3), (2, 28, 28, 3)]:
        with pytest.raises(ValueError, match="28, 28, 1"):
            classifier.probabilities(np.zeros(shape, np.uint8))


def test_top_k(classifier):
    p = probs(d4=0.5, d9=0.3, d7=0.1)
    assert [c for c, _ in classifier.top_k(p, 3)] == ["4", "9", "7"]
    assert classifier.top_k(p, 1) == [("4", pytest.approx(0.5))]
    assert len(classifier.top_k(p, 20)) == 10
    assert classifier.top_k(p, 0) == []


def test_from_run_knows_the_classes_shape_and_dataset(classifier):
    run = runs.Run("test-run", {"dataset": "fashion-sample", "architecture": "custom"},
                   classes=["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"], image_shape=[28, 28, 1])
    run.save()
    run.save_model(classifier.model)
    loaded = Classifier.from_run("test-run")
    assert loaded.classes == run.classes and loaded.image_shape == (28, 28, 1)
    assert loaded.run_id == "test-run" and loaded.dataset == "fashion-sample"
    x = np.full((28, 28, 1), 200, np.uint8)
    assert np.allclose(loaded.probabilities(x), classifier.probabilities(x), atol=1e-6)
