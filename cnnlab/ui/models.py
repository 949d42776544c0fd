"""The current trained model, loaded once per run and shared by Inspect and Classify."""
from __future__ import annotations

import streamlit as st

from cnnlab.inference import Classifier
from cnnlab.runs import load_run
from cnnlab.settings import CnnlabError
from cnnlab.ui.state import choices


@st.cache_resource(max_entries=4, show_spinner="Loading the trained model...")
def classifier_for(run_id: str, saved_at: float) -> Classifier:
    """Cached by run and by the model file's time, so a run that trains on is reloaded."""
    return Classifier.from_run(run_id)


def current_classifier() -> Classifier | None:
    """The model of the run chosen on Runs/Train, or None (with a message shown) if there is none."""
    run_id = choices().run_id
    if not run_id:
        st.info("There is no trained model yet. Train one on the **Train** page, or pick a saved "
                "run on the **Runs** page.", icon=":material/info:")
        st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
        return None
    try:
        run = load_run(run_id)
        if not run.has_model:
            raise CnnlabError(f"Run {run_id} has no saved model yet (it has not finished an epoch).")
        return classifier_for(run_id, run.model_path.stat().st_mtime)
    except CnnlabError as e:
        st.warning(f"{e} Pick another run on the **Runs** page.", icon=":material/warning:")
        return None
