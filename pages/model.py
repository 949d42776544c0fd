"""Model: choose a ready-made network or build your own, and watch the picture's shape change
layer by layer. Pure Python (check_stack), no TensorFlow: the page reacts at once to every edit."""
import streamlit as st

from cnnlab.charts.network import format_shape, parameter_bars, shape_flow
from cnnlab.network import check_stack
from cnnlab.presets import PRESETS
from cnnlab.texts import text
from cnnlab.ui import network as ui
from cnnlab.ui.layer_editor import layer_editor
from cnnlab.ui.layout import page_header, sidebar_status
from cnnlab.ui.setups import hidden, locked, picker
from cnnlab.ui.state import choices, widget_default
from cnnlab.ui.widgets import explainers

sidebar_status()
page_header("Model", text("pages/model", "Intro"))

chosen = choices()
options = [*PRESETS, ui.CUSTOM]
if chosen.architecture not in options:
    chosen.architecture = ui.FALLBACK_PRESET
widget_default("preset_choice", chosen.architecture)
architecture = picker("architecture", "Network", options, "preset_choice", ui.network_label, ui.preset_changed)
chosen.architecture = architecture

if architecture == ui.CUSTOM:
    if chosen.custom_layers is None:
        chosen.custom_layers = []
    layers = chosen.custom_layers
else:
    layers = PRESETS[architecture].layers
    ui.show_preset(architecture)

image_shape, num_classes, dataset_title = ui.dataset_shape(chosen.dataset)
check = check_stack(layers, image_shape, num_classes)
st.caption(f"Checked for the dataset chosen on the Data page, **{dataset_title}**: pictures of "
           f"{format_shape(image_shape)} and {num_classes} classes.")

if architecture == ui.CUSTOM:
    st.subheader("Your layers")
    st.caption(text("pages/model", "Live update"))
    if hidden("layers") or locked("layers"):
        st.caption(text("pages/model", "Layers fixed"))
    else:
        layer_editor(check)

st.subheader("The picture's shape, layer by layer")
if check.error is not None:
    st.error(f"This network cannot be built: {check.error}. Fix that layer; until then it cannot be "
             "trained.", icon=":material/error:")
else:
    st.success(f"Every layer fits: this network can be trained ({check.total_params:,} parameters).",
               icon=":material/check_circle:")
ui.summary_table(check, layers)
st.plotly_chart(shape_flow(check.rows), width="stretch", key="shape_flow")
st.caption(text("pages/model", "Shape chart"))
params_col, formula_col = st.container(key="wrapwide_parameters").columns(2)
with params_col:
    st.plotly_chart(parameter_bars(check.rows), width="stretch", key="parameter_bars")
    st.caption(text("pages/model", "Where the parameters are"))
with formula_col:
    ui.formula(layers, check)

explainers("The ideas, in plain words", "convolution", "stride-and-padding", "pooling", "activation",
           "dense-and-flatten", "parameters")
