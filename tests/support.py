"""What many tests share: tiny networks, opening a page as a lab, reading a page's text, and
starting a training from the Train page. Fixtures live in conftest.py; plain helpers live here."""
from __future__ import annotations

import time
import uuid
from pathlib import Path

APP = str(Path(__file__).resolve().parents[1] / "app.py")

# Small enough to train in a second or two, real enough to learn.
TINY = [{"type": "conv", "filters": 4, "kernel": 3, "stride": 2, "padding": "same", "activation": "relu"},
        {"type": "flatten"}]

# A small CNN with two convolution and two pooling layers, so feature maps have something to show:
# pages that need a trained model (Inspect, Classify) share one run of it.
TINY_CNN = [{"type": "conv", "filters": 4, "kernel": 3, "padding": "same", "activation": "relu"},
            {"type": "maxpool", "size": 2},
            {"type": "conv", "filters": 20, "kernel": 3, "padding": "same", "activation": "relu"},
            {"type": "maxpool", "size": 2},
            {"type": "flatten"}]

PAGE_TEXT = ("markdown", "caption", "info", "warning", "error", "success")


def tiny_config(**changes):
    """TINY on the bundled MNIST sample, one epoch of batches of 128."""
    from cnnlab.config import TrainConfig

    return TrainConfig(dataset="mnist-sample", architecture="custom", layers=TINY, batch_size=128,
                       epochs=1, validation_split=0.1).replace(**changes)


def new_lab(**choices) -> str:
    """A fresh lab id, its choices set."""
    from cnnlab.ui.state import choices_for

    lab = uuid.uuid4().hex[:12]
    for name, value in choices.items():
        setattr(choices_for(lab), name, value)
    return lab


def open_app_page(page: str, lab: str, **choices):
    """Open app.py as the browser session of lab `lab` (its choices set first) and go to `page`."""
    from streamlit.testing.v1 import AppTest

    from cnnlab.ui.state import choices_for

    chosen = choices_for(lab)
    for name, value in choices.items():
        setattr(chosen, name, value)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lab_id"] = lab
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def page_text(at, *kinds: str) -> str:
    """The text of the page's elements of these kinds (default: every kind that shows words), one per line."""
    return "\n".join(str(element.value) for kind in kinds or PAGE_TEXT for element in at.get(kind))


def sidebar_text(at) -> str:
    return "\n".join(m.value for m in at.sidebar.markdown)


def start_training(lab: str, epochs: int | None = None, batch_size: int | None = None,
                   learning_rate: float | None = None):
    """Open the Train page as `lab`, set what is given, press Train: (the page, the lab's job)."""
    from cnnlab.backends import job_registry

    at = open_app_page("pages/train.py", lab)
    if learning_rate is not None:
        at.number_input(key="learning_rate_input").set_value(learning_rate)
    if epochs is not None:
        at.number_input(key="epochs_input").set_value(epochs)
    if batch_size is not None:
        at.selectbox(key="batch_size_input").set_value(batch_size)
    at.button(key="train_button").click().run()
    assert not at.exception, at.exception
    return at, job_registry().latest(lab)


def wait_for(condition, timeout: float = 60.0) -> bool:
    """Poll `condition` until it is true (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def validated(fig):
    """Charts are built without Plotly's validation, for speed (cnnlab/charts/style.py): validate
    one here (Plotly raises on any unknown property or bad value)."""
    import plotly.graph_objects as go

    return go.Figure(fig.to_dict())
