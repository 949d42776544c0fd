"""Teacher links: a set-up written into an address and read back exactly; broken links named; QR codes;
and in the app, a link opening a fresh lab with the set-up and its hidden controls."""
from __future__ import annotations

import io
from urllib.parse import parse_qsl, urlsplit

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest
from support import APP

from cnnlab.lessons import Setup, get_lesson
from cnnlab.sharing import (
    LinkError,
    decode_layers,
    encode_layers,
    link,
    link_params,
    only_this_computer,
    qr_png,
    read_link,
)

STACK = [{"type": "conv", "filters": 8, "kernel": 3, "stride": 1, "padding": "same", "activation": "relu"},
         {"type": "maxpool", "size": 2, "stride": None, "padding": "valid"}, {"type": "flatten"},
         {"type": "dropout", "rate": 0.5}, {"type": "dense", "units": 64, "activation": "relu"}]


def params_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def test_a_custom_set_up_survives_the_trip_through_an_address():
    setup = Setup(dataset="fashion-sample", architecture="custom", layers=STACK,
                  settings={"epochs": 4, "learning_rate": 0.003, "augment_flip": False, "optimizer": "sgd"},
                  hide=("optimizer", "seed"), lock=("validation_split",))
    url = link("http://10.0.0.5:8501/", "train", link_params(setup, projector=True))
    assert url.startswith("http://10.0.0.5:8501/train?")
    params = params_of(url)
    assert params["optimizer_hide"] == "1" and params["validation_split_lock"] == "1"
    shared = read_link(params)
    assert shared.setup == setup and shared.projector is True and shared.lesson is None


def test_a_preset_link_is_short_and_readable():
    params = link_params(Setup(dataset="mnist-sample", architecture="lenet5", settings={"epochs": 3}))
    assert params == {"dataset": "mnist-sample", "arch": "lenet5", "epochs": "3"}
    assert link("http://h:1", "home", {}) == "http://h:1/"


def test_the_compact_stack_is_compact_and_checked():
    assert encode_layers(STACK) == "conv-8-3-1-same-relu~maxpool-2-n-valid~flatten~dropout-0.5~dense-64-relu"
    assert decode_layers(encode_layers(STACK)) == STACK
    assert link("http://h", "model", {"layers": encode_layers(STACK)}).endswith(encode_layers(STACK))  # not escaped
    with pytest.raises(LinkError, match="damaged"):
        decode_layers(encode_layers(STACK)[:-10] + "~dens")
    with pytest.raises(LinkError, match="not a number"):
        decode_layers("conv-8-three-1-same-relu")
    with pytest.raises(LinkError, match="too long"):
        decode_layers("flatten~" * 500)
    with pytest.raises(LinkError, match="filters must be between 1 and"):
        read_link({"arch": "custom", "layers": "conv-0-3-1-same-relu"})


def test_a_lesson_link_opens_that_step():
    shared = read_link(link_params(lesson="overfitting", step=1))
    assert (shared.lesson, shared.step) == ("overfitting", 1)
    assert shared.setup == get_lesson("overfitting").step(1).setup and shared.projector is None


@pytest.mark.parametrize("params, message", [
    ({"arch": "resnet9000"}, "unknown architecture"),
    ({"dataset": "folder:/home/teacher/pics"}, "unknown dataset"),
    ({"arch": "custom"}, "no layers"),
    ({"epochs": "many"}, "epochs='many' is not a number"),
    ({"lesson": "nope"}, "does not exist here"),
    ({"lesson": "first-cnn", "step": "9"}, "does not exist here"),
])
def test_broken_links_name_what_is_wrong(params, message):
    with pytest.raises(LinkError, match=message):
        read_link(params)


def test_the_qr_code_is_a_png_that_grows_with_the_link():
    short = Image.open(io.BytesIO(qr_png("http://h/")))
    long = Image.open(io.BytesIO(qr_png("http://10.0.0.5:8501/train?" + "x=1&" * 60)))
    assert short.format == "PNG" and short.size[0] == short.size[1]
    assert long.size[0] > short.size[0]
    pixels = set(short.convert("L").getdata())
    assert pixels == {0, 255}


@pytest.mark.parametrize("url, local", [
    ("http://localhost:8501/train", True), ("http://127.0.0.1:8501/", True), ("http://127.1.2.3/", True),
    ("http://[::1]:8501/", True), ("http://0.0.0.0:8501/", True), ("http://lab.localhost/", True),
    ("http://192.168.1.20:8501/train", False), ("http://10.0.0.5:8501/", False),
    ("https://cnnlab.school.org/", False), ("http://[fe80::1]:8501/", False),
])
def test_a_link_to_localhost_is_known_to_work_only_on_this_computer(url, local):
    assert only_this_computer(url) is local


# --- In the app ---------------------------------------------------------------------------------------

def open_link(page: str, params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    for name, value in params.items():
        at.query_params[name] = value
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_opening_a_link_gives_a_fresh_lab_with_the_set_up_and_hidden_controls_hidden():
    from cnnlab.ui.state import choices_for

    params = link_params(Setup(dataset="fashion-sample", architecture="mnist-basic",
                               settings={"epochs": 2, "learning_rate": 0.01}, hide=("optimizer", "seed"),
                               lock=("epochs",)))
    at = open_link("pages/train.py", params)
    lab = at.session_state["lab_id"]
    chosen = choices_for(lab)
    assert (chosen.dataset, chosen.architecture) == ("fashion-sample", "mnist-basic")
    keys = {w.key for w in at.selectbox} | {w.key for w in at.number_input}
    assert "optimizer_input" not in keys and "seed_input" not in keys
    assert at.number_input(key="epochs_input").value == 2 and at.number_input(key="epochs_input").disabled
    assert at.number_input(key="learning_rate_input").value == pytest.approx(0.01)
    assert "opened with your teacher's set-up" in " ".join(s.value for s in at.success)
    # The set-up is taken out of the address once applied: a reload keeps the student's own changes.
    assert set(at.query_params) == {"lab"}


def test_a_broken_link_says_so_and_the_lab_opens_normally():
    at = open_link("pages/train.py", {"arch": "resnet9000"})
    assert "unknown architecture" in " ".join(w.value for w in at.warning)
    assert at.button(key="train_button")


def test_projector_mode_from_a_link_and_the_way_out():
    at = open_link("pages/home.py", {"projector": "1"})
    assert at.button(key="leave_projector")
    at.button(key="leave_projector").click().run()
    assert not [b for b in at.button if b.key == "leave_projector"]


def test_the_share_panel_warns_that_a_localhost_link_reaches_no_student():
    at = open_link("pages/train.py", {})  # AppTest's address is localhost, as on a teacher's own laptop
    at.session_state["share_popover"] = True  # the popover opened: its panel is built only then
    at.run()
    link_shown = [c.value for c in at.code if "/train" in c.value]
    assert link_shown and only_this_computer(link_shown[0])
    assert "only works on this computer" in " ".join(w.value for w in at.warning)


def test_hidden_pickers_on_data_and_model_pages_show_the_choice_as_text():
    params = link_params(Setup(dataset="fashion-sample", architecture="custom", layers=STACK,
                               hide=("dataset", "architecture", "layers")))
    model = open_link("pages/model.py", params)
    assert not [w for w in model.selectbox if w.key == "preset_choice"]
    shown = " ".join(m.value for m in model.markdown) + " ".join(c.value for c in model.caption)
    assert "Your own stack (custom) (chosen for this exercise)" in shown and "layers are fixed" in shown
    assert not [w for w in model.selectbox if w.key == "add_layer_type"] and not [b for b in model.button if (b.key or "").startswith("layer_")]  # noqa: E501
    data = open_link("pages/data.py", params)
    assert not [w for w in data.selectbox if w.key == "dataset_choice"]
    assert "(chosen for this exercise)" in " ".join(m.value for m in data.markdown)
