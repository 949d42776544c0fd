"""What a student has chosen (dataset, architecture, run), shared by every page.

Streamlit forgets `st.session_state` when the browser tab is reloaded, but a class must not
lose a training or its choices to an accidental F5. So each lab session gets an id kept in the
page address (`?lab=...`, which survives reloads), and the choices live in a process-wide
store under that id. Widget values can stay in `st.session_state`.
"""
from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import streamlit as st

from cnnlab.datasets import DEFAULT_DATASET, FOLDER_PREFIX
from cnnlab.presets import PRESETS


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
    folder_shapes: dict[str, tuple] = field(default_factory=dict)  # Data -> Model: folder -> (image shape, classes)
    layer_editor_version: int = 0  # Model: raised when layers move, so their widgets start afresh
    train_settings: dict[str, Any] = field(default_factory=dict)  # Train: TrainConfig fields the student set
    train_settings_for: str | None = None  # ... for this network (each preset has its own defaults)
    adopted_job: str | None = None  # Train: the last job whose run became the current model
    compare_runs: list[str] | None = None  # Runs: the runs picked for comparison
    drawing: dict[str, Any] | None = None  # Classify: the canvas's strokes ("json") and picture ("image")
    last_seen: float = field(default_factory=time.time)  # evicted after IDLE_LIMIT_S without a visit

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


IDLE_LIMIT_S = 24 * 3600  # a lab nobody has opened for a day is forgotten, so the store does not grow forever


@st.cache_resource
def _lab_store() -> tuple[dict[str, LabChoices], threading.Lock]:
    return {}, threading.Lock()


def _evict_idle(store: dict[str, LabChoices], now: float) -> None:
    for lab in [lab for lab, chosen in store.items() if now - chosen.last_seen > IDLE_LIMIT_S]:
        del store[lab]


def lab_id() -> str:
    """This browser session's id, kept in the address so that a reload finds it again."""
    if "lab_id" not in st.session_state:
        from_address = st.query_params.get("lab", "")
        st.session_state.lab_id = from_address if from_address.isalnum() and len(from_address) <= 32 \
            else uuid.uuid4().hex[:12]
    if st.query_params.get("lab") != st.session_state.lab_id:
        st.query_params["lab"] = st.session_state.lab_id
    return st.session_state.lab_id


def choices_for(lab: str) -> LabChoices:
    """The choices of the lab session `lab` (created with defaults the first time)."""
    store, lock = _lab_store()
    now = time.time()
    with lock:
        _evict_idle(store, now)
        chosen = store.setdefault(lab, LabChoices())
        chosen.last_seen = now
        return chosen


def choices() -> LabChoices:
    """The choices of this browser session's lab."""
    return choices_for(lab_id())


def widget_default(key: str, value) -> None:
    """Give a widget its first value from the lab's saved choices (they survive reloads; widget
    values don't). Only the first time: afterwards the widget keeps what the user set."""
    if key not in st.session_state:
        st.session_state[key] = value
