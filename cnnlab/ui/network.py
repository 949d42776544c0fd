"""The Model page's pieces: choosing a preset or your own stack, the summary table (like Keras's
model.summary()), and the output-size formula filled in for one layer. The layer editor itself is
cnnlab.ui.layer_editor."""
from __future__ import annotations

import copy

import pandas as pd
import streamlit as st

from cnnlab.charts.network import format_shape
from cnnlab.datasets import DEFAULT_DATASET, FOLDER_PREFIX, dataset_info
from cnnlab.layers import describe_layer
from cnnlab.network import ShapeCheck, formula_layers, output_size_formula
from cnnlab.presets import PRESETS
from cnnlab.settings import CnnlabError
from cnnlab.ui.layer_editor import stack_changed
from cnnlab.ui.setups import hidden, locked
from cnnlab.ui.state import choices

CUSTOM = "custom"
FALLBACK_PRESET = "lenet5"


def network_label(option: str) -> str:
    return "Your own stack (custom)" if option == CUSTOM else f"{PRESETS[option].title} ({option})"


def preset_changed() -> None:
    chosen, new = choices(), st.session_state.preset_choice
    if new == CUSTOM and chosen.custom_layers is None:
        # A first custom stack starts as a copy of the network that was on screen.
        chosen.custom_layers = copy.deepcopy(PRESETS.get(chosen.architecture, PRESETS[FALLBACK_PRESET]).layers)
        stack_changed()
    chosen.architecture = new


def edit_preset(preset_id: str) -> None:
    chosen = choices()
    chosen.custom_layers = copy.deepcopy(PRESETS[preset_id].layers)  # presets are shared: edit a copy
    chosen.architecture = CUSTOM
    st.session_state.preset_choice = CUSTOM
    stack_changed()


def dataset_shape(name: str) -> tuple[tuple[int, int, int], int, str]:
    """(image shape, number of classes, how to say which dataset) for the shape check."""
    chosen = choices()
    try:
        if name.startswith(FOLDER_PREFIX):
            info = dataset_info(name, image_size=chosen.image_size, channels=chosen.channels)
        else:
            info = dataset_info(name)
        return info.image_shape, info.num_classes, info.title
    except CnnlabError as error:
        saved = chosen.folder_shapes.get(name)  # what the Data page loaded
        if saved:
            return tuple(saved[0]), int(saved[1]), name
        info = dataset_info(DEFAULT_DATASET)
        st.warning(f"{error} The check below uses {info.title} instead.", icon=":material/warning:")
        return info.image_shape, info.num_classes, info.title


def show_preset(preset_id: str) -> None:
    preset = PRESETS[preset_id]
    about, settings = st.columns([3, 2])
    about.markdown(preset.description)
    with settings:
        st.markdown(
            f"**Made for:** {preset.dataset}  \n"
            f"**Training:** {preset.optimizer} optimizer, learning rate {preset.learning_rate:g}, batches of "
            f"{preset.batch_size}, {preset.epochs} epoch{'s' if preset.epochs != 1 else ''}, "
            f"{preset.validation_split:.0%} of the training pictures kept for validation  \n"
            f"**Published result:** {preset.published or 'none published'}")
        st.caption("The training settings its tutorial used; the Train page starts from them.")
        if not (hidden("architecture") or locked("architecture")):
            st.button("Edit this stack", key="edit_preset", icon=":material/edit:", on_click=edit_preset,
                      args=(preset_id,), help="Copy these layers into your own stack and change them "
                      "(replaces your previous custom stack, if any).")


def _plain_description(spec, row) -> str:
    """A row of the summary in a learner's words: "Convolution: 6 filters of 5x5, 'same' padding, ReLU"."""
    if row.name == "input":
        h, w, c = row.output_shape
        return f"Input: the picture, {h}x{w} pixels x {c} channel{'s' if c != 1 else ''}, rescaled to 0..1"
    if row.name == "output":
        return "Output: dense, one unit per class, softmax"
    return describe_layer(spec, "plain")


def summary_table(check: ShapeCheck, layers: list) -> None:
    """Like Keras's model.summary(): every layer, its output shape and parameters, the total."""
    records = []
    for row in check.rows:
        spec = layers[row.index - 1] if 1 <= row.index <= len(layers) else None
        records.append({
            "#": "" if row.index == 0 else str(row.index),
            "layer": row.name,
            "what it is": _plain_description(spec, row),
            "output shape": "✖ impossible" if row.error else format_shape(row.output_shape),
            "parameters": "" if row.error else f"{row.params:,}",
        })
    records.append({"#": "", "layer": "", "what it is": "Total parameters", "output shape": "",
                     "parameters": f"{check.total_params:,}"})
    table = pd.DataFrame(records)

    def highlight(line: pd.Series) -> list[str]:
        if line["output shape"].startswith("✖"):
            return ["background-color: #fde0e0; color: #8b0000"] * len(line)
        if line["what it is"] == "Total parameters":
            return ["font-weight: bold"] * len(line)
        return [""] * len(line)

    st.dataframe(table.style.apply(highlight, axis=1), hide_index=True, width="stretch",
                 height=min(38 + 35 * len(table), 640))
    trainable = (f" ({check.trainable_params:,} trainable, {check.non_trainable_params:,} fixed batch-norm "
                 "averages)" if check.non_trainable_params else "")
    so_far = " (up to the impossible layer)" if check.error is not None else ""
    st.markdown(f"**Total parameters: {check.total_params:,}**{so_far}{trainable}")


def formula(layers: list, check: ShapeCheck) -> None:
    """The output-size formula, filled in for one convolution or pooling layer."""
    candidates = formula_layers(layers, check)
    st.markdown("**How big is the output? The size formula**")
    if not candidates:
        st.caption("The stack has no convolution or pooling layer whose input is a picture.")
        return
    labels = {row.index: f"layer {row.index}: {_plain_description(layers[row.index - 1], row)}"
              for row, _ in candidates}
    picked = st.selectbox("Layer", list(labels), format_func=labels.get, key="formula_layer")
    row, input_shape = next((c for c in candidates if c[0].index == picked), candidates[0])
    st.latex(r"o = \left\lfloor \frac{N - K + 2P}{S} \right\rfloor + 1")
    st.code(output_size_formula(layers[row.index - 1], input_shape[0]), language=None, wrap_lines=True)
    st.caption(f"N = {input_shape[0]}: the input's width (and height) in pixels. K: the kernel (or pooling "
               "window) size. P: how many zeros of padding are added on each side ('valid' = none). S: the "
               "stride, how many pixels the window moves each step. Every step of the window gives one "
               "output pixel, so o counts the steps that fit.")
