"""The Learn pages, opened as a student would: the numbers they show are cnnlab.explain's, on the
student's picture and (with a trained run) the network's own; without a trained network none of
them imports TensorFlow."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from support import open_app_page, page_text

from cnnlab import inspection, runs
from cnnlab.datasets import load_dataset
from cnnlab.explain import HAND_MADE_KERNELS, convolve, cross_entropy, pool, softmax
from cnnlab.explain.network import logits
from cnnlab.explain.pictures import as_network_view

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("convolution", "pooling", "activation", "flatten_dense", "softmax", "receptive_field", "augmentation")


def open_learn(page: str, lab: str, **choices) -> AppTest:
    return open_app_page(f"pages/learn_{page}.py", lab, **choices)


def first_picture() -> np.ndarray:
    return load_dataset("mnist-sample").x_test[0]


def line(at: AppTest, start: str) -> str:
    return next(m.value for m in at.markdown if m.value.startswith(start))


def ran(widget) -> AppTest:
    """Rerun the page after a widget changed; it must not raise."""
    at = widget.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("page", PAGES)
def test_every_learn_page_opens_with_its_prompt_and_tables(page):
    at = open_learn(page, f"learnopen{page.replace('_', '')}")
    assert [i.value for i in at.info if i.icon == ":material/lightbulb:"], "no 'try this' prompt"
    assert any(e.label.startswith("Table: ") for e in at.expander), "no table version of the charts"
    assert any(e.label.startswith("More about") for e in at.expander)


def test_the_learn_pages_do_not_import_tensorflow_without_a_trained_network(tmp_path):
    code = f"""
import sys
sys.path.insert(0, {str(ROOT / 'tests')!r})
from support import open_app_page
for page in {PAGES!r}:
    open_app_page(f"pages/learn_{{page}}.py", "notf" + page.replace("_", ""))
    assert "tensorflow" not in sys.modules and "keras" not in sys.modules, page
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]


def test_convolution_shows_each_positions_sum_the_output_size_and_a_typed_kernel():
    at = open_learn("convolution", "learnconv")
    view = as_network_view(first_picture())
    sobel = convolve(view, HAND_MADE_KERNELS["Sobel x"].array)
    assert "**Output: 26 x 26**" in page_text(at)
    assert at.slider(key="learn_conv_position").value == 13 * 26 + 13 + 1  # it starts in the middle
    for position in (1, 200, 400):
        ran(at.slider(key="learn_conv_position").set_value(position))
        row, col = sobel.position(position - 1)
        assert line(at, "**Position").startswith(
            f"**Position {position} of 676** (output row {row}, column {col}): the sum of the 9 products is "
            f"**{sobel.total(row, col):.3f}**")
    # Stride, padding and dilation change the size and the formula.
    at.slider(key="learn_conv_stride").set_value(2)
    at.radio(key="learn_conv_padding").set_value("same")
    ran(at.slider(key="learn_conv_dilation").set_value(2))
    assert "**Output: 14 x 14**" in page_text(at)
    assert [c.value for c in at.code][0].startswith(
        "out = floor((N + 2P − D(K−1) − 1) / S) + 1 = floor((28 + 3 − 2·(3−1) − 1) / 2) + 1 = 14")
    # A kernel the student types: a mistake is named, a good one is used.
    ran(at.selectbox(key="learn_conv_kernel").set_value("your own kernel"))
    ran(at.text_area(key="learn_conv_typed").input("1 2\n3"))
    assert "row 2 has 1 number" in at.error[0].value
    ran(at.text_area(key="learn_conv_typed").input("0 0 0\n0 2 0\n0 0 0"))
    doubled = convolve(view, np.array([[0, 0, 0], [0, 2.0, 0], [0, 0, 0]]), 2, "same", 2)
    position = at.slider(key="learn_conv_position").value
    row, col = doubled.position(position - 1)
    assert f"is **{doubled.total(row, col):.3f}**" in line(at, "**Position")


def test_convolution_of_a_colour_picture_spans_the_three_channels():
    at = open_learn("convolution", "learnconvcolour")
    ran(at.radio(key="learn_picture_source").set_value("test"))
    ran(at.selectbox(key="learn_test_picture").set_value("colour blocks"))
    ran(at.radio(key="learn_conv_mix").set_value("red only"))
    assert "sum of the 27 products over the three channels" in line(at, "**Position")
    assert "one filter spans all three" in page_text(at)


def test_pooling_shows_the_winner_and_the_strided_convolution():
    at = open_learn("pooling", "learnpool")
    view = as_network_view(first_picture())[..., 0]
    assert "28 x 28 → **14 x 14**" in page_text(at)
    pooled = pool(view, 2, 2, "max")
    ran(at.slider(key="learn_pool_position").set_value(100))
    row, col = pooled.position(99)
    expected = f"is **{pooled.map()[row, col]:.3f}**, at row {pooled.winner(row, col)[0]}"
    assert expected in line(at, "**Window 100 of 196**")
    ran(at.radio(key="learn_pool_kind").set_value("average"))
    assert "**They are identical**" in page_text(at)  # average pooling = a stride-2 convolution of equal weights
    ran(at.selectbox(key="learn_pool_conv_kernel").set_value("Sobel x"))
    assert "**They are identical**" not in page_text(at)


def test_activation_counts_the_negative_cells_it_zeroes():
    at = open_learn("activation", "learnact")
    before = convolve(as_network_view(first_picture()), HAND_MADE_KERNELS["Sobel x"].array, padding="same").map()
    negative = int((before < 0).sum())
    text = page_text(at)
    assert f"**{negative:,} of the 784 cells" in text and "ReLU turned every one of them into 0" in text
    ran(at.radio(key="learn_act_function").set_value("tanh"))
    assert f"after: {np.tanh(before).min():.3f} to {np.tanh(before).max():.3f}" in page_text(at)


def test_flatten_says_where_each_number_of_the_strip_comes_from():
    at = open_learn("flatten_dense", "learnflat")
    assert "**14 x 14 x 3** → Flatten → **588 numbers**" in page_text(at)
    ran(at.slider(key="learn_dense_index").set_value(3 * 14 * 3 + 2 * 3 + 1))  # row 3, column 2, map 2
    assert "map **2**, row **3**, column **2**" in line(at, "Number **")
    assert "train a network" in at.info[-1].value


def test_softmax_loss_moves_with_the_true_class_and_the_temperature():
    at = open_learn("softmax", "learnsoftmax")
    scores = np.array([1.0, -2.0, 0.5, 3.0, -1.0, 0.0, -0.5, 2.0, -3.0, 1.5])
    assert at.metric[0].value == f"{cross_entropy(softmax(scores), 3):.3f}"
    at.selectbox(key="learn_softmax_true_None_10").set_value(8)
    ran(at.select_slider(key="learn_softmax_temperature").set_value(2.0))
    assert at.metric[0].value == f"{cross_entropy(softmax(scores, 2.0), 8):.3f}"
    assert "a mistake, and the loss says how bad" in page_text(at)
    ran(at.text_input(key="learn_softmax_scores").input("1, 2"))
    assert "Type 10 numbers" in at.error[0].value


def test_receptive_field_of_a_clicked_cell():
    at = open_learn("receptive_field", "learnrf")  # the chosen preset, LeNet-5, on mnist-sample
    assert "of **pool2** sees rows **6–21** and columns **6–21** of the picture: a **16 x 16** patch" in page_text(at)
    at.number_input(key="learn_rf_pool2_row").set_value(0)
    ran(at.number_input(key="learn_rf_pool2_col").set_value(6))
    assert "sees rows **0–9** and columns **18–27**" in page_text(at)
    assert "its whole receptive field is 16 x 16, but near the border" in page_text(at)
    assert "= 1 + 1·(5−1)·1 + 1·(2−1)·1 + 1·(5−1)·2 + 1·(2−1)·2 = 16" in at.code[0].value
    ran(at.selectbox(key="learn_rf_layer").set_value(0))
    assert "of **conv1** sees rows **12–16** and columns **12–16** of the picture: a **5 x 5** patch" in page_text(at)


def test_augmentation_shows_a_new_epoch_on_demand():
    at = open_learn("augmentation", "learnaug")
    labels = load_dataset("mnist-sample").y_test
    captions = [c for image in at.get("image") for c in image.captions]
    assert captions[:8] == [f"#{i + 1}: {labels[i]}" for i in range(8)]  # the chosen picture and the next ones
    assert sum(c.startswith(("moved", "not moved")) for c in captions) == 24  # three epochs of eight
    assert "10%" in page_text(at)  # LeNet-5 trains without augmentation: the preview starts at the photo presets' shift
    ran(at.button(key="learn_aug_next").click())
    again = [c for image in at.get("image") for c in image.captions]
    assert "**Epoch 4**: what the network sees while training" in page_text(at)
    assert again[8:16] == captions[16:24]  # the same random numbers for the same epoch; new ones for a new epoch
    ran(at.slider(key="learn_aug_shift").set_value(0.0))
    assert all(c == "not moved" for c in [c for image in at.get("image") for c in image.captions][8:])


# --- With a trained network ---------------------------------------------------------------------

def test_convolution_with_a_learned_kernel_gives_the_networks_feature_map(trained_run):
    at = open_learn("convolution", "learnconvrun", run_id=trained_run.run_id)
    ran(at.selectbox(key="learn_conv_kernel").set_value("learned filter 2 of conv1"))
    ran(at.radio(key="learn_conv_padding").set_value("same"))  # as the network's conv1
    row, col = divmod(at.slider(key="learn_conv_position").value - 1, 28)
    maps = dict(inspection.feature_maps(runs.load_model(trained_run.run_id), first_picture()))
    expected = maps["conv1"][row, col, 1]
    found = re.search(r"The network then applies ReLU: \*\*(-?[\d.]+)\*\*", line(at, "**Position"))
    assert found and float(found[1]) == pytest.approx(expected, abs=2e-3)


def test_activation_flatten_softmax_and_receptive_field_use_the_trained_network(trained_run):
    model = runs.load_model(trained_run.run_id)
    picture = first_picture()
    at = open_learn("activation", "learnactrun", run_id=trained_run.run_id)
    assert "conv1, filter 1: its sums" in page_text(at)
    assert any(e.label == "Table: dead units per layer" for e in at.expander)

    at = open_learn("flatten_dense", "learnflatrun", run_id=trained_run.run_id)
    assert "**7 x 7 x 20** → Flatten → **980 numbers**" in page_text(at)
    scores = logits(model, picture)
    assert f"weighted sum plus bias = **{scores[0]:.3f}**" in page_text(at)

    at = open_learn("softmax", "learnsoftmaxrun", run_id=trained_run.run_id)
    label = int(load_dataset("mnist-sample").y_test[0])
    probabilities = np.asarray(model(picture[None].astype(np.float32), training=False))[0]
    assert at.metric[0].value == f"{-np.log(max(probabilities[label], 1e-7)):.3f}"

    at = open_learn("receptive_field", "learnrfrun", run_id=trained_run.run_id)
    assert "Layers of the trained network" in page_text(at)
    maps = dict(inspection.feature_maps(model, picture))
    table = next(e for e in at.expander if e.label.startswith("Table: the map pool2"))
    shown = (table.table or table.dataframe)[0].value  # small grids are HTML tables (screen readers), big ones grids
    np.testing.assert_allclose(shown.to_numpy(dtype=float), maps["pool2"][..., 0].round(3), atol=1e-3)


def test_a_feature_map_with_negative_cells_keeps_them_in_its_colour_range():
    from cnnlab.ui.learn import map_range

    assert map_range(np.array([[0.0, 2.0], [1.0, 0.5]])) == (0.0, 2.0)  # after ReLU: from 0 to the largest
    assert map_range(np.array([[-3.0, 1.0], [0.0, np.nan]])) == (-3.0, 3.0)  # no ReLU: symmetric, nothing clipped
    assert map_range(np.zeros((2, 2))) == (0.0, 1.0) and map_range(np.full((1, 1), np.nan)) == (0.0, 1.0)
