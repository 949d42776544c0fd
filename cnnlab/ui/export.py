"""The "take it home" download: a run's model, a plain-Keras train.py, its notebook and run.json,
in one zip (cnnlab.export builds it). Used by Runs and Inspect."""
from __future__ import annotations

import functools

import streamlit as st

from cnnlab.export import export_zip, zip_folder
from cnnlab.runs import ACTIVE_STATUSES, Run


def export_button(run: Run, key: str) -> None:
    """A download button for the run's zip, built only when clicked (a model is megabytes)."""
    ready = run.has_model and run.status not in ACTIVE_STATUSES
    st.download_button(
        "Download (model, train.py, notebook)" if not run.imported else "Download the model",
        data=functools.partial(export_zip, run.run_id), file_name=f"{zip_folder(run.run_id)}.zip",
        mime="application/zip", key=key, icon=":material/download:", on_click="ignore", disabled=not ready,
        help=("A zip with the trained network (model.keras), train.py: a plain Keras script without cnnlab "
              "that builds and trains the same network with the same settings and seed, the same as a "
              "Jupyter notebook, and the run's settings and curves (run.json)." if not run.imported else
              "A zip with the imported network (model.keras) and what cnnlab knows about it (run.json)."
              if ready else "Available once the run has ended with a trained network."))
