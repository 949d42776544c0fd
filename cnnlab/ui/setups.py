"""Set-ups: what a lesson step or a teacher's link puts in place, and the controls it hides or locks.

A set-up (cnnlab.lessons.Setup) chooses the pictures, the network and the training settings of
this lab, exactly as if the student had picked them on the Data, Model and Train pages, and names
the controls that the lab then does not show (hidden) or shows without letting them change
(locked). Both are kept in the lab's choices, so they survive reloads and page switches.
"""
from __future__ import annotations

import copy

import streamlit as st

from cnnlab.lessons import Setup
from cnnlab.ui.state import choices

# Widgets that keep their own value once drawn: forgetting it makes them start again from the choices.
_PICKER_WIDGETS = ("dataset_choice", "preset_choice")


def apply_setup(setup: Setup) -> None:
    """Put `setup` in place for this lab. Fields it leaves empty keep the student's own choice."""
    from cnnlab.ui.layer_editor import stack_changed
    from cnnlab.ui.training import default_settings, widget_keys

    chosen = choices()
    network_changed = False
    if setup.dataset:
        chosen.dataset = setup.dataset
    if setup.architecture:
        network_changed = setup.architecture != chosen.architecture or setup.layers is not None
        chosen.architecture = setup.architecture
        if setup.layers is not None:
            chosen.custom_layers = copy.deepcopy(setup.layers)
            stack_changed()
    if network_changed or not chosen.train_settings or chosen.train_settings_for != chosen.architecture:
        chosen.train_settings_for = chosen.architecture
        chosen.train_settings = default_settings(chosen.architecture, chosen.dataset)
    chosen.train_settings = {**chosen.train_settings, **setup.settings}
    chosen.controls = {"hide": list(setup.hide), "lock": list(setup.lock)}
    for key in (*_PICKER_WIDGETS, *widget_keys()):
        st.session_state.pop(key, None)


def clear_controls() -> None:
    """Show every control again (leaving a lesson, or a link's set-up)."""
    choices().controls = {"hide": [], "lock": []}


def hidden(control: str) -> bool:
    return control in choices().controls.get("hide", ())


def locked(control: str) -> bool:
    return control in choices().controls.get("lock", ())


def restricted_controls() -> tuple[list[str], list[str]]:
    controls = choices().controls
    return list(controls.get("hide", [])), list(controls.get("lock", []))


def picker(control: str, label: str, options: list, key: str, format_func, on_change):
    """The Data and Model pages' main choice: a selectbox, locked if the lesson or link locks it, or,
    if it hides it, just the choice as text."""
    if hidden(control):
        value = st.session_state[key]
        st.markdown(f"**{label}:** {format_func(value)} (chosen for this exercise)")
        return value
    return st.selectbox(label, options, key=key, format_func=format_func, on_change=on_change,
                        disabled=locked(control))
