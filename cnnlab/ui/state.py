"""What a student has chosen (dataset, architecture, run), shared by every page.

Streamlit forgets `st.session_state` when the browser tab is reloaded, but a class must not
lose a training or its choices to an accidental F5. So each lab session gets an id kept in the
page address (`?lab=...`, which survives reloads), and the choices live in a process-wide
store under that id. Widget values can stay in `st.session_state`.
"""
from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field

import numpy as np
import streamlit as st

from cnnlab.datasets import DEFAULT_DATASET


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
    extra: dict = field(default_factory=dict)  # page-specific things worth keeping across reloads


@st.cache_resource
def _lab_store() -> tuple[dict[str, LabChoices], threading.Lock]:
    return {}, threading.Lock()


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
    with lock:
        return store.setdefault(lab, LabChoices())


def choices() -> LabChoices:
    """The choices of this browser session's lab."""
    return choices_for(lab_id())


def widget_default(key: str, value) -> None:
    """Give a widget its first value from the lab's saved choices (they survive reloads; widget
    values don't). Only the first time: afterwards the widget keeps what the user set."""
    if key not in st.session_state:
        st.session_state[key] = value
