"""The Model page: presets, the layer editor, the live shape check and its clear errors."""
from __future__ import annotations

import uuid
from pathlib import Path

from streamlit.testing.v1 import AppTest

from cnnlab.architectures import PRESETS, check_stack
from cnnlab.charts.network import format_shape, parameter_bars, shape_flow
from cnnlab.ui.state import choices_for as lab_choices

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "model.py")


def open_page(lab: str | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["lab_id"] = lab or uuid.uuid4().hex[:12]
    at.run()
    assert not at.exception, at.exception
    return at


def summary(at: AppTest):
    """The shape table (the page's first dataframe) as a pandas DataFrame."""
    return at.dataframe[0].value


def texts(elements) -> str:
    return " ".join(e.value for e in elements)


def layer_widget(at: AppTest, position: int, setting: str):
    """The editor's widget for one setting of the layer at `position` (0-based)."""
    suffix = f"_{position}_{setting}"
    return next(w for w in [*at.number_input, *at.selectbox] if w.key and w.key.startswith("layer_")
                and w.key.endswith(suffix))


def test_default_is_lenet5_on_the_mnist_sample_with_107786_parameters():
    at = open_page()
    assert at.selectbox(key="preset_choice").value == "lenet5"
    assert "Total parameters: 107,786" in texts(at.markdown)
    table = summary(at)
    assert list(table["output shape"][:4]) == ["28 x 28 x 1", "28 x 28 x 6", "14 x 14 x 6", "14 x 14 x 16"]
    assert table["parameters"].iloc[-1] == "107,786" and table["what it is"].iloc[-1] == "Total parameters"
    assert table["parameters"].iloc[6] == "94,200"  # the first dense layer holds most of them
    assert at.success and not at.error
    assert "o = floor((N - K + 2P) / S) + 1 = floor((28 - 5 + 2*2) / 1) + 1 = 28" in at.code[0].value
    assert len(at.get("plotly_chart")) == 2


def test_choosing_a_preset_sets_the_architecture_and_keeps_the_dataset():
    lab = uuid.uuid4().hex[:12]
    lab_choices(lab).dataset = "fashion-sample"
    at = open_page(lab)
    at.selectbox(key="preset_choice").set_value("tf-tutorial").run()
    assert not at.exception
    assert lab_choices(lab).architecture == "tf-tutorial" and lab_choices(lab).dataset == "fashion-sample"
    assert "Total parameters: 93,322" in texts(at.markdown)  # TF's CIFAR network on 28x28x1 pictures
    assert "about 70% test accuracy on CIFAR-10" in texts(at.markdown)


def test_edit_this_stack_then_change_a_setting_and_find_it_after_a_reload():
    lab = uuid.uuid4().hex[:12]
    at = open_page(lab)
    at.button(key="edit_preset").click().run()
    assert not at.exception
    chosen = lab_choices(lab)
    assert at.selectbox(key="preset_choice").value == "custom" and chosen.architecture == "custom"
    assert chosen.custom_layers == PRESETS["lenet5"].layers and chosen.custom_layers is not PRESETS["lenet5"].layers

    layer_widget(at, 0, "filters").set_value(8).run()
    assert not at.exception
    assert chosen.custom_layers[0]["filters"] == 8 and PRESETS["lenet5"].layers[0]["filters"] == 6
    assert summary(at)["output shape"][1] == "28 x 28 x 8" and summary(at)["parameters"][1] == "208"

    again = open_page(lab)  # a reload: a new session on the same lab
    assert again.selectbox(key="preset_choice").value == "custom"
    assert layer_widget(again, 0, "filters").value == 8
    assert texts(again.markdown).count("Total parameters:") == 1
    assert summary(again)["parameters"][1] == "208"


def test_move_and_remove_layers():
    lab = uuid.uuid4().hex[:12]
    chosen = lab_choices(lab)
    chosen.architecture = "custom"
    chosen.custom_layers = [{"type": "flatten"}, {"type": "dense", "units": 12, "activation": "relu"},
                            {"type": "dropout", "rate": 0.5}]
    at = open_page(lab)
    at.button(key="layer_0_2_up").click().run()  # dropout above dense
    assert [layer["type"] for layer in chosen.custom_layers] == ["flatten", "dropout", "dense"]
    version = chosen.extra["layer_editor_version"]
    assert layer_widget(at, 2, "units").value == 12  # the widgets follow their layer
    at.button(key=f"layer_{version}_1_remove").click().run()
    assert not at.exception
    assert [layer["type"] for layer in chosen.custom_layers] == ["flatten", "dense"]
    assert f"Total parameters: {784 * 12 + 12 + 13 * 10:,}" in texts(at.markdown)


def test_too_many_pooling_layers_show_the_error_at_the_layer_and_above_the_table():
    lab = uuid.uuid4().hex[:12]
    at = open_page(lab)
    at.selectbox(key="preset_choice").set_value("mnist-basic").run()
    at.button(key="edit_preset").click().run()
    at.selectbox(key="add_layer_type").set_value("maxpool").run()
    at.selectbox(key="add_layer_position").set_value(2).run()
    for _ in range(4):  # 26 -> 13 -> 6 -> 3 -> 1, then the preset's own pooling layer has nothing left
        at.button(key="add_layer").click().run()
        assert not at.exception
    assert [layer["type"] for layer in lab_choices(lab).custom_layers][:6] == ["conv", *["maxpool"] * 5]
    reason = "layer 6, MaxPool 2x2: its input is 1x1, nothing left to pool"
    errors = [e.value for e in at.error]
    assert len(errors) == 2 and all(reason in e for e in errors)  # beside the layer, and above the table
    assert "cannot be trained" in errors[1]
    table = summary(at)
    assert table["#"].iloc[-2] == "6" and table["output shape"].iloc[-2] == "✖ impossible"  # rows stop there
    assert not at.success


def test_a_dataset_that_cannot_be_read_falls_back_with_a_warning(tmp_path):
    lab = uuid.uuid4().hex[:12]
    lab_choices(lab).dataset = f"folder:{tmp_path / 'gone'}"
    at = open_page(lab)
    assert "does not exist" in at.warning[0].value
    assert "Total parameters: 107,786" in texts(at.markdown)


def test_shape_flow_chart_has_one_bar_per_layer_and_marks_the_impossible_one():
    check = check_stack(PRESETS["lenet5"].layers, (28, 28, 1), 10)
    fig = shape_flow(check.rows)
    sides, depths = fig.data
    assert list(sides.y[:5]) == [28, 28, 14, 14, 7] and sides.y[5] is None  # flatten has no width
    assert list(depths.y) == [1, 6, 6, 16, 16, 784, 120, 84, 10]
    assert list(parameter_bars(check.rows).data[0].y) == [156, 0, 2416, 0, 0, 94200, 10164, 850]
    assert format_shape((14, 14, 6)) == "14 x 14 x 6"

    broken = check_stack([{"type": "maxpool"}] * 6, (28, 28, 1), 10)  # 14, 7, 3, 1, then nothing to pool
    fig = shape_flow(broken.rows)
    assert fig.layout.annotations[-1].text == "✖ impossible" and fig.layout.annotations[-1].x == "5 pool5"



def test_add_a_layer_puts_it_where_that_kind_of_layer_fits():
    """A new convolution goes with the other picture layers, before Flatten, so it works at once;
    a dense layer goes after the dense layers, just before the output."""
    lab = uuid.uuid4().hex[:12]
    at = open_page(lab)
    at.button(key="edit_preset").click().run()  # LeNet-5: conv, pool, conv, pool, flatten, dense, dense
    assert at.selectbox(key="add_layer_position").value == "fits"
    at.selectbox(key="add_layer_type").set_value("conv").run()
    assert "before layer 5" in at.selectbox(key="add_layer_position").format_func("fits")
    at.button(key="add_layer").click().run()
    types = [layer["type"] for layer in lab_choices(lab).custom_layers]
    assert types == ["conv", "avgpool", "conv", "avgpool", "conv", "flatten", "dense", "dense"]
    assert at.success and not at.error  # the network can be trained at once
    at.selectbox(key="add_layer_type").set_value("dense").run()
    at.button(key="add_layer").click().run()
    assert [layer["type"] for layer in lab_choices(lab).custom_layers][-2:] == ["dense", "dense"]
    assert len(lab_choices(lab).custom_layers) == 9 and at.success and not at.error
