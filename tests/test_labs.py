"""Labs: each lab's choices survive a server restart, and a lab's address is no key to it.

A restart is simulated by emptying the process-wide lab store (what a new server process starts
with); the labs folder (CNNLAB_LABS_DIR, a fresh one per test) stays, as it would on disk. The
browser's cookie of owned labs cannot be set in AppTest, so `browser_labs` is replaced instead.
"""
from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest
from support import APP, TINY, open_app_page

from cnnlab import labs
from cnnlab.settings import labs_dir
from cnnlab.ui import state
from cnnlab.ui.state import choices_for


def restart_server() -> None:
    """Forget every lab held in memory, as a new server process would."""
    state._lab_store.clear()


def open_by_address(address_lab: str | None, cookie_labs: list[str], monkeypatch, page: str = "pages/home.py"):
    """A browser whose cookie lists `cookie_labs` opens the app at ?lab=`address_lab`."""
    monkeypatch.setattr(state, "browser_labs", lambda: list(cookie_labs))
    at = AppTest.from_file(APP, default_timeout=60)
    if address_lab is not None:
        at.query_params["lab"] = address_lab
    at.run()
    if page != "pages/home.py":
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


# --- On disk -----------------------------------------------------------------------------------

def test_lab_ids_are_unguessable_and_only_safe_names_become_files():
    ids = {labs.new_lab_id() for _ in range(100)}
    assert len(ids) == 100 and all(labs.is_lab_id(i) and len(i) == 24 for i in ids)  # 96 random bits each
    assert not labs.is_lab_id("e2e06abc") and not labs.is_lab_id("../../etc/passwd") and not labs.is_lab_id(None)
    assert labs.lab_file("../evil") is None and labs.lab_file("a" * 65) is None
    assert labs.lab_file("abc123").parent == labs_dir()


def set_up_lab(chosen: state.LabChoices) -> state.LabChoices:
    """A lab with its own data, network, model and training settings."""
    chosen.dataset, chosen.architecture, chosen.custom_layers = "fashion-sample", "custom", [dict(x) for x in TINY]
    chosen.run_id = "20261121-101010-custom-fashion-sample-ab12"
    chosen.train_settings, chosen.train_settings_for = {"epochs": 7}, "custom"
    return chosen


def test_choices_round_trip_through_the_labs_folder_and_a_damaged_file_starts_afresh(caplog):
    lab = labs.new_lab_id()
    chosen = set_up_lab(choices_for(lab))
    chosen.drawing = {"image": object()}
    state.remember_choices(lab)
    saved = json.loads(labs.lab_file(lab).read_text())
    assert saved["version"] == 1 and "drawing" not in saved["choices"]  # no pictures on disk

    restart_server()
    again = choices_for(lab)
    assert again is not chosen
    assert (again.dataset, again.architecture, again.custom_layers, again.run_id) == \
        ("fashion-sample", "custom", TINY, chosen.run_id)
    assert (again.train_settings, again.train_settings_for) == ({"epochs": 7}, "custom")

    for damage in ("{not json", json.dumps(["a list"]), json.dumps({"version": 1, "choices": {"dataset": 5,
                                                                                              "custom_layers": [3]}})):
        labs.lab_file(lab).write_text(damage)
        restart_server()
        fresh = choices_for(lab)
        assert fresh.dataset == "mnist-sample" and fresh.custom_layers is None  # defaults, no traceback


def test_a_server_restart_forgets_nothing_a_lab_chose(monkeypatch):
    lab = labs.new_lab_id()
    at = open_app_page("pages/model.py", lab)
    at.button(key="edit_preset").click().run()  # LeNet-5's layers as this lab's own stack
    next(w for w in at.number_input if w.key.endswith("_0_filters")).set_value(9).run()
    at.switch_page("pages/train.py").run()
    at.number_input(key="epochs_input").set_value(4).run()
    assert not at.exception, at.exception

    restart_server()
    at = open_app_page("pages/model.py", lab)  # the student reloads after the restart
    chosen = choices_for(lab)
    assert chosen.architecture == "custom" and chosen.custom_layers[0]["filters"] == 9
    assert at.selectbox(key="preset_choice").value == "custom"
    assert "28 x 28 x 9" in list(at.dataframe[0].value["output shape"])
    at.switch_page("pages/train.py").run()
    assert at.number_input(key="epochs_input").value == 4


def test_a_damaged_lab_file_opens_a_fresh_lab_without_a_traceback():
    lab = labs.new_lab_id()
    labs_dir().mkdir(parents=True, exist_ok=True)
    labs.lab_file(lab).write_bytes(b"\x00\xff garbage")
    at = open_app_page("pages/model.py", lab)
    assert at.selectbox(key="preset_choice").value == "lenet5" and not at.error


# --- The address is no key --------------------------------------------------------------------------

def test_the_owner_reloading_keeps_the_lab(monkeypatch):
    at = open_by_address(None, [], monkeypatch)  # first visit: a new lab
    owner = at.session_state["lab_id"]
    assert labs.is_lab_id(owner) and at.query_params["lab"] == owner
    assert any(owner in h.proto.body and "document.cookie" in h.proto.body for h in at.get("html"))
    choices_for(owner).dataset = "fashion-sample"

    again = open_by_address(owner, [owner], monkeypatch)  # the reload: the cookie says it is theirs
    assert again.session_state["lab_id"] == owner and again.query_params["lab"] == owner
    assert not any("document.cookie" in h.proto.body for h in again.get("html"))  # already remembered
    assert "someone else's lab" not in " ".join(i.value for i in again.info)


def test_opening_someone_elses_address_gives_a_fresh_lab_set_up_like_theirs(monkeypatch):
    owner = labs.new_lab_id()
    theirs = set_up_lab(choices_for(owner))
    theirs.drawing, theirs.compare_runs = {"json": {}}, ["x"]
    state.remember_choices(owner)
    restart_server()  # the owner's lab is only on disk: it is found there too

    at = open_by_address(owner, ["0" * 24], monkeypatch)  # another browser
    mine = at.session_state["lab_id"]
    assert labs.is_lab_id(mine) and mine != owner
    assert at.query_params["lab"] == mine  # the address now names the new lab
    assert "someone else's lab" in " ".join(i.value for i in at.info)
    assert owner not in " ".join(m.value for m in [*at.markdown, *at.info, *at.caption])
    at.switch_page("pages/train.py").run()
    copy = choices_for(mine)
    assert (copy.dataset, copy.architecture, copy.custom_layers) == ("fashion-sample", "custom", TINY)
    # No drawings, no compared runs, no lesson progress of theirs (the sidebar may start an empty one).
    assert copy.drawing is None and copy.compare_runs is None and not any(copy.lessons.values())
    assert copy.train_settings["epochs"] == 7 and copy.train_settings_for == "custom"
    assert copy.run_id is None and at.number_input(key="epochs_input").value == 7
    assert at.button(key="stop_button").disabled  # no training of theirs to stop here

    copy.custom_layers[0]["filters"] = 99  # what the newcomer changes is theirs alone
    copy.dataset = "mnist-sample"
    assert choices_for(owner).custom_layers[0]["filters"] == 4 and choices_for(owner).dataset == "fashion-sample"


@pytest.mark.parametrize("address", ["e2e06abcdef12", "0123456789abcdef01234567", "../../etc"])
def test_an_unknown_or_malformed_address_gets_a_fresh_default_lab(address, monkeypatch):
    at = open_by_address(address, [], monkeypatch)
    mine = at.session_state["lab_id"]
    assert labs.is_lab_id(mine) and mine != address
    assert choices_for(mine).dataset == "mnist-sample" and "someone else's lab" not in " ".join(
        i.value for i in at.info)
