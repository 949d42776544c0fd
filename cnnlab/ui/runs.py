"""Pieces for showing runs side by side, shared by the Runs page and the class board."""
from __future__ import annotations

import streamlit as st

from cnnlab.architectures import describe_layer
from cnnlab.curves import settings_that_differ

SETTING_NAMES = {
    "dataset": "pictures", "architecture": "network", "layers": "layers", "optimizer": "optimizer",
    "learning_rate": "learning rate", "lr_schedule": "learning-rate schedule", "batch_size": "batch size",
    "epochs": "epochs planned", "validation_split": "validation split", "seed": "seed",
    "augment_shift": "random shifts", "augment_flip": "flips", "image_size": "image size", "channels": "channels",
}


def setting_text(name: str, value) -> str:
    """A setting's value as a student reads it."""
    if name == "layers":
        return "the preset's own" if value is None else " > ".join(describe_layer(layer) for layer in value)
    if name in ("validation_split", "augment_shift"):
        return f"{value:.0%}"
    if name == "augment_flip":
        return "yes" if value else "no"
    return "auto" if value is None else str(value)


def what_differs(runs: list) -> None:
    """A table of only the settings that differ between `runs`, then what came out."""
    differ = settings_that_differ([run.config for run in runs])
    if differ:
        st.markdown("**What was different**")
        st.dataframe(
            [{"run": run.title, **{SETTING_NAMES.get(k, k): setting_text(k, run.config.get(k)) for k in differ},
              "test accuracy": run.test_accuracy} for run in runs],
            hide_index=True, width="stretch",
            column_config={"test accuracy": st.column_config.NumberColumn(format="percent")},
        )
        st.caption("Only the settings that differ between these runs, then what came out. When only "
                   "one setting differs, the difference in the curves is its effect (plus a little "
                   "chance).")
    else:
        st.caption("These runs used exactly the same settings, seed included: the same settings and "
                   "seed give the same first epoch, so any difference is chance in later epochs.")
