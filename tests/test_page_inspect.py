"""The Inspect page: without a model, with a small trained one, and when its dataset is missing."""
from __future__ import annotations

import json
import shutil

import numpy as np
from streamlit.testing.v1 import AppTest
from support import open_app_page, page_text

from cnnlab import inspection, runs
from cnnlab.datasets import load_dataset


def open_inspect(lab: str, **choices) -> AppTest:
    return open_app_page("pages/inspect.py", lab, **choices)


def captions(at: AppTest) -> list[str]:
    return [caption for image in at.get("image") for caption in image.captions]


def test_without_a_trained_model_it_says_to_train_first():
    at = open_inspect("inspectnorun")
    assert "no trained model yet" in at.info[0].value.lower()
    assert "Train" in at.info[0].value
    assert not at.tabs and not at.get("image")


def test_kernels_feature_maps_and_confusion_matrix_of_a_trained_run(trained_run):
    at = open_inspect("inspectrun", run_id=trained_run.run_id)
    assert [tab.label for tab in at.tabs] == ["Kernels", "Feature maps", "Why this class?", "Move it",
                                             "Excites a filter", "Watch it learn", "Confusion matrix",
                                             "Most confident mistakes", "Class handwriting"]
    shown = captions(at)
    assert [c for c in shown if c.startswith("filter ")] == [f"filter {i}" for i in range(1, 5)]
    text = page_text(at)
    for layer in ("**conv1**: Conv 4@3x3, same, ReLU → output 28x28x4", "**pool1**: MaxPool 2x2 → output 14x14x4",
                  "**conv2**: Conv 20@3x3, same, ReLU → output 14x14x20", "**pool2**: MaxPool 2x2 → output 7x7x20"):
        assert layer in text
    # conv2's 20 channels are paged 16 at a time: 4 + 4 + 16 + 16 maps on the first pages.
    assert sum(c.startswith("channel ") for c in shown) == 40
    assert f"test image #1, true class: {load_dataset('mnist-sample').y_test[0]}" in shown
    assert any(m.value.startswith("**Prediction: ") for m in at.markdown)
    # top-3 bars, the probe's bars and sweep, the time-lapse's loss curve, confusion matrix, accuracy per class
    assert len(at.get("plotly_chart")) == 6

    # The page's counts are the model's: compute the confusion matrix here too.
    test_set = load_dataset("mnist-sample")
    probs = inspection.predict_all(runs.load_model(trained_run.run_id), test_set.x_test)
    matrix = inspection.confusion_matrix(test_set.y_test, probs.argmax(1), 10)
    assert f"**{np.trace(matrix) / matrix.sum():.1%}** of the 2,000 test images" in text

    # Choosing a cell with the two selectors shows its images: pick the most common confusion.
    off_diagonal = matrix - np.diag(np.diag(matrix))
    true_class, predicted = np.unravel_index(np.argmax(off_diagonal), matrix.shape)
    at.selectbox(key=f"inspect_cell_true_{trained_run.run_id}").set_value(int(true_class))
    at.selectbox(key=f"inspect_cell_predicted_{trained_run.run_id}").set_value(int(predicted)).run()
    assert not at.exception, at.exception
    count = int(matrix[true_class, predicted])
    assert f"**Test images of class {true_class} predicted as {predicted}** ({count:,}" in page_text(at)
    cell_captions = [c for c in captions(at) if c.startswith("#") and f"predicted {predicted} " in c]
    assert len([c for c in cell_captions if f"true {true_class}," in c]) >= min(count, 24)

    # A diagonal cell: the images recognised correctly.
    at.selectbox(key=f"inspect_cell_predicted_{trained_run.run_id}").set_value(int(true_class)).run()
    assert f"**Test images of class {true_class} recognised correctly** ({int(matrix[true_class, true_class]):,}" \
        in page_text(at)

    # The explanation works with both methods, also for a class other than the predicted one.
    assert any(c.startswith("Saliency map for ") for c in captions(at))
    explained = next(s for s in at.selectbox if s.label == "Explain the score of class")
    other = (explained.value + 1) % 10
    explained.set_value(other)
    at.radio(key="inspect_why_method").set_value("Grad-CAM").run()
    assert not at.exception, at.exception
    assert f"Grad-CAM for {other}" in captions(at)


def test_a_new_drawing_from_classify_is_shown_first(trained_run):
    drawn = np.zeros((28, 28, 1), np.uint8)
    drawn[5:23, 8:11] = drawn[5:8, 8:20] = 255  # a rough "7"-like stroke
    at = open_inspect("inspectdrawing", run_id=trained_run.run_id, last_input=drawn)
    assert at.radio(key="inspect_source").value == "your last drawing or upload"
    assert "your last drawing or upload" in captions(at)
    at.radio(key="inspect_source").set_value("a test image").run()  # the student may switch back
    assert not at.exception and at.radio(key="inspect_source").value == "a test image"
    assert any(c.startswith("test image #1, true class") for c in captions(at))


def test_a_run_whose_dataset_is_missing_still_shows_kernels_and_the_drawing(trained_run, tmp_path, monkeypatch):
    """A run trained on full MNIST, opened where MNIST is not downloaded (the tests are offline)."""
    moved = tmp_path / "runs"
    copy = moved / (trained_run.run_id + "-full")
    shutil.copytree(trained_run.path, copy)
    saved = json.loads((copy / runs.RUN_FILE).read_text())
    saved["run_id"], saved["config"]["dataset"] = copy.name, "mnist"
    (copy / runs.RUN_FILE).write_text(json.dumps(saved))
    monkeypatch.setenv("CNNLAB_RUNS_DIR", str(moved))
    drawn = np.zeros((28, 28, 1), np.uint8)
    drawn[6:22, 12:16] = 255  # a "1"
    at = open_inspect("inspectmissing", run_id=copy.name, last_input=drawn)
    assert "which is not on this computer right now" in at.warning[0].value
    shown = captions(at)
    assert "filter 1" in shown and "your last drawing or upload" in shown
    assert "**conv1**" in page_text(at)
    assert "needs the test images" in page_text(at)
