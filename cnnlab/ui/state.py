"""What a student has chosen (dataset, architecture, run), shared by every page.

Streamlit forgets `st.session_state` when the browser tab is reloaded, but a class must not
lose a training or its choices to an accidental F5. So each lab session gets an id kept in the
page address (`?lab=...`, which survives reloads), and the choices live in a process-wide
store under that id, written to disk (cnnlab.labs) so that a server restart loses nothing.
Widget values can stay in `st.session_state`.

The address alone is not a key to a lab: each browser remembers in a cookie which labs it
owns. Anyone else opening the address (a link the teacher projected, a student's link shared
with a neighbour) gets a fresh lab of their own, set up like the one shared (dataset, network,
layer stack, training settings) but without its runs, trainings or drawings.
"""
from __future__ import annotations

import copy
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import streamlit as st

from cnnlab.datasets import DEFAULT_DATASET, FOLDER_PREFIX
from cnnlab.labs import is_lab_id, lab_saved, load_lab, new_lab_id, save_lab
from cnnlab.presets import PRESETS

LAB_COOKIE = "cnnlab_labs"  # the labs this browser owns, newest first, separated by dots
MAX_LABS_IN_COOKIE = 20
COOKIE_DAYS = 365
log = logging.getLogger(__name__)


@dataclass
class LabChoices:
    dataset: str = DEFAULT_DATASET
    architecture: str = "lenet5"  # a preset id, or "custom"
    custom_layers: list[dict] | None = None  # the edited stack when architecture == "custom"
    run_id: str | None = None  # the current model: used by Inspect and Classify
    # For image-folder datasets: size and channels images are converted to.
    image_size: int = 32
    channels: int | None = None
    # The last image drawn or uploaded on Classify, prepared for the model (uint8 H x W x C):
    # Inspect can show its feature maps.
    last_input: np.ndarray | None = None
    # What the pages keep across reloads:
    folder_path: str | None = None  # Data: the folder typed in, even before it could be read
    folder_shapes: dict[str, list] = field(default_factory=dict)  # Data -> Model: folder -> [image shape, classes]
    layer_editor_version: int = 0  # Model: raised when layers move, so their widgets start afresh
    train_settings: dict[str, Any] = field(default_factory=dict)  # Train: TrainConfig fields the student set
    train_settings_for: str | None = None  # ... for this network (each preset has its own defaults)
    adopted_job: str | None = None  # Train: the last job whose run became the current model
    compare_runs: list[str] | None = None  # Runs: the runs picked for comparison
    drawing: dict[str, Any] | None = None  # Classify: the canvas's strokes ("json") and picture ("image")
    lessons: dict[str, Any] = field(default_factory=dict)  # Lessons: the open step, checks passed, answers
    lesson_drawings: list[dict] = field(default_factory=list)  # Classify -> Lessons: what the network read
    controls: dict[str, list[str]] = field(default_factory=lambda: {"hide": [], "lock": []})  # set by a lesson/link
    projector: bool = False  # big type and a plain page, for projecting to a class
    last_seen: float = field(default_factory=time.time)  # in memory: dropped after IDLE_LIMIT_S without a visit

    @property
    def is_folder(self) -> bool:
        return self.dataset.startswith(FOLDER_PREFIX)

    def folder_options(self) -> dict[str, int | None]:
        """image_size and channels as dataset_info and TrainConfig take them (only folders have them)."""
        return dict(image_size=self.image_size, channels=self.channels) if self.is_folder else \
            dict(image_size=None, channels=None)

    def network(self) -> tuple[list[dict] | None, str]:
        """The chosen network's layers (None for a name that is no preset) and what to call it."""
        if self.architecture == "custom":
            return self.custom_layers or [], "your own network (custom stack)"
        if self.architecture in PRESETS:
            return PRESETS[self.architecture].layers, PRESETS[self.architecture].title
        return None, self.architecture


# Kept on disk, and restored when a lab is first seen, with the kinds of value each may hold.
# (The drawing and the last picture, held as arrays, stay in memory.)
_NONE = type(None)
SAVED_FIELDS = {"dataset": (str,), "architecture": (str,), "custom_layers": (list, _NONE), "run_id": (str, _NONE),
                "image_size": (int,), "channels": (int, _NONE), "folder_path": (str, _NONE), "folder_shapes": (dict,),
                "layer_editor_version": (int,), "train_settings": (dict,), "train_settings_for": (str, _NONE),
                "adopted_job": (str, _NONE), "compare_runs": (list, _NONE), "lessons": (dict,),
                "lesson_drawings": (list,), "controls": (dict,), "projector": (bool,)}
# A lab opened from someone else's link starts with a copy of these: the set-up, not the work.
SETUP_FIELDS = ("dataset", "architecture", "custom_layers", "image_size", "channels", "train_settings",
                "train_settings_for", "folder_path", "folder_shapes")
IDLE_LIMIT_S = 24 * 3600  # a lab unvisited for a day leaves memory (its choices stay on disk), so the store stays small


def saved_form(chosen: LabChoices) -> dict:
    """The lab's choices as plain JSON values (drawings and pictures, held as arrays, are left out)."""
    values = {name: getattr(chosen, name) for name in SAVED_FIELDS}
    as_json = json.dumps(values, allow_nan=True, default=lambda v: v.tolist() if hasattr(v, "tolist") else str(v))
    return json.loads(as_json)


def from_saved_form(data: dict) -> LabChoices:
    """LabChoices from `saved_form`'s output; a value of the wrong kind keeps its default."""
    chosen = LabChoices()
    for name, kinds in SAVED_FIELDS.items():
        value = data.get(name, getattr(chosen, name))
        if isinstance(value, kinds) and (bool in kinds or not isinstance(value, bool)):
            setattr(chosen, name, value)
    if chosen.custom_layers is not None and not all(isinstance(layer, dict) for layer in chosen.custom_layers):
        chosen.custom_layers = None
    return chosen


def setup_copy(chosen: LabChoices) -> LabChoices:
    """A new lab's choices, set up like `chosen`: same data, network and settings, no runs or drawings."""
    return LabChoices(**{name: copy.deepcopy(getattr(chosen, name)) for name in SETUP_FIELDS})


@st.cache_resource
def _lab_store() -> tuple[dict[str, LabChoices], threading.Lock, dict[str, str]]:
    """Every lab's choices, a lock, and the text last saved of each lab (so unchanged labs are not rewritten)."""
    return {}, threading.Lock(), {}


def choices_for(lab: str) -> LabChoices:
    """The choices of the lab session `lab`: from memory, else as saved on disk (after a server
    restart, or a day without a visit), else defaults."""
    store, lock, saved = _lab_store()
    now = time.time()
    with lock:
        _forget_idle(store, saved, now)
        if lab not in store:
            data = load_lab(lab)
            store[lab] = from_saved_form(data) if data is not None else LabChoices()
            if data is not None:
                saved[lab] = json.dumps(saved_form(store[lab]), sort_keys=True)
        store[lab].last_seen = now
        return store[lab]


def _forget_idle(store: dict[str, LabChoices], saved: dict[str, str], now: float) -> None:
    """Drop from memory the labs nobody has opened for IDLE_LIMIT_S, saving any change first."""
    for lab in [lab for lab, chosen in store.items() if now - chosen.last_seen > IDLE_LIMIT_S]:
        if _save_if_changed(lab, store[lab], saved):
            del store[lab]
            saved.pop(lab, None)


def _save_if_changed(lab: str, chosen: LabChoices, saved: dict[str, str]) -> bool:
    """Write the lab's choices to disk unless unchanged since last written; False if that failed."""
    data = saved_form(chosen)
    text = json.dumps(data, sort_keys=True)
    if saved.get(lab) == text:
        return True
    try:
        if save_lab(lab, data) is None:
            return False  # a name that cannot be a file name (test labs): it stays in memory
    except OSError as error:
        log.warning("Could not save the choices of lab %s: %s", lab, error)
        return False
    saved[lab] = text
    return True


def remember_choices(lab: str | None = None) -> None:
    """Write the lab's choices to disk if they changed since last written. app.py calls it after
    every run of a page, whatever the page changed; a folder that cannot be written only costs
    the choices at the next restart (logged), never the page."""
    lab = lab or st.session_state.get("lab_id")
    store, lock, saved = _lab_store()
    with lock:
        chosen = store.get(lab) if lab else None
        if chosen is not None:
            _save_if_changed(lab, chosen, saved)


def _lab_known(lab: str) -> bool:
    store, lock, _ = _lab_store()
    with lock:
        if lab in store:
            return True
    return lab_saved(lab)


def browser_labs() -> list[str]:
    """The labs this browser owns, from its cookie as it was when the page was opened."""
    raw = st.context.cookies.get(LAB_COOKIE) or ""
    return [lab for lab in raw.split(".") if is_lab_id(lab)]


def _open_lab(asked: str) -> str:
    """The lab this browser session works in, given the one its address asks for."""
    if is_lab_id(asked) and asked in browser_labs():
        return asked  # the owner, back after a reload or from a bookmark
    lab = new_lab_id()
    if is_lab_id(asked) and _lab_known(asked):
        # Someone else's lab: theirs stays theirs; this browser gets its own, set up the same way.
        copied = setup_copy(choices_for(asked))
        store, lock, _ = _lab_store()
        with lock:
            store[lab] = copied
        st.session_state["lab_copied_from_link"] = True
    return lab


def lab_id() -> str:
    """This browser session's lab id, kept in the address so that a reload finds it again."""
    if "lab_id" not in st.session_state:
        st.session_state.lab_id = _open_lab(st.query_params.get("lab", ""))
    if st.query_params.get("lab") != st.session_state.lab_id:
        st.query_params["lab"] = st.session_state.lab_id
    return st.session_state.lab_id


def remember_lab_in_browser() -> None:
    """Add this lab to the browser's cookie of owned labs (unless it is there already).

    Cookies can only be set by the browser: a tiny script does it. It merges with the cookie as
    it is at that moment, so two tabs opening labs at once both keep theirs."""
    lab = lab_id()
    if lab in browser_labs() or not is_lab_id(lab):
        return
    script = (
        "<script>(() => {"
        f"const name = '{LAB_COOKIE}', lab = '{lab}';"
        "const found = document.cookie.split('; ').find(c => c.startsWith(name + '='));"
        "const old = found ? found.slice(name.length + 1).split('.') : [];"
        "const labs = [lab, ...old.filter(x => /^[0-9a-f]{24}$/.test(x) && x !== lab)]"
        f".slice(0, {MAX_LABS_IN_COOKIE});"
        f"document.cookie = name + '=' + labs.join('.') + '; path=/; max-age={COOKIE_DAYS * 86400}; SameSite=Lax';"
        "})();</script>"
    )
    st.html(script, unsafe_allow_javascript=True)


def choices() -> LabChoices:
    """The choices of this browser session's lab."""
    return choices_for(lab_id())


def widget_default(key: str, value) -> None:
    """Give a widget its first value from the lab's saved choices (they survive reloads; widget
    values don't). Only the first time: afterwards the widget keeps what the user set."""
    if key not in st.session_state:
        st.session_state[key] = value
