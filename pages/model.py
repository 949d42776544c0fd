"""Model: choose a ready-made network or build your own, and watch the picture's shape change
layer by layer. Pure Python (check_stack), no TensorFlow: the page reacts at once to every edit."""
from __future__ import annotations

import copy

import pandas as pd
import streamlit as st

from cnnlab.architectures import (ACTIVATIONS, LAYER_TYPES, PRESETS, ArchitectureError, ShapeCheck,
                                  check_stack, output_size_formula, validate_layer)
from cnnlab.charts.network import format_shape, parameter_bars, shape_flow
from cnnlab.datasets import DEFAULT_DATASET, FOLDER_PREFIX, dataset_info
from cnnlab.settings import CnnlabError
from cnnlab.ui.layer_editor import layer_editor, stack_changed
from cnnlab.ui.layout import page_header, sidebar_status
from cnnlab.ui.setups import hidden, locked, picker
from cnnlab.ui.state import choices, widget_default

CUSTOM = "custom"
FALLBACK_PRESET = "lenet5"
WINDOWED = ("conv", "maxpool", "avgpool")  # the layers with a kernel/window, stride and padding


def _network_label(option: str) -> str:
    return "Your own stack (custom)" if option == CUSTOM else f"{PRESETS[option].title} ({option})"


def _preset_changed() -> None:
    chosen, new = choices(), st.session_state.preset_choice
    if new == CUSTOM and chosen.custom_layers is None:
        # A first custom stack starts as a copy of the network that was on screen.
        chosen.custom_layers = copy.deepcopy(PRESETS.get(chosen.architecture, PRESETS[FALLBACK_PRESET]).layers)
        stack_changed()
    chosen.architecture = new


def _edit_preset(preset_id: str) -> None:
    chosen = choices()
    chosen.custom_layers = copy.deepcopy(PRESETS[preset_id].layers)  # presets are shared: edit a copy
    chosen.architecture = CUSTOM
    st.session_state.preset_choice = CUSTOM
    stack_changed()


def _dataset_shape(name: str) -> tuple[tuple[int, int, int], int, str]:
    """(image shape, number of classes, how to say which dataset) for the shape check."""
    chosen = choices()
    try:
        if name.startswith(FOLDER_PREFIX):
            info = dataset_info(name, image_size=chosen.image_size, channels=chosen.channels)
        else:
            info = dataset_info(name)
        return info.image_shape, info.num_classes, info.title
    except CnnlabError as error:
        saved = chosen.extra.get("folder_shapes", {}).get(name)  # what the Data page loaded
        if saved:
            return tuple(saved[0]), int(saved[1]), name
        info = dataset_info(DEFAULT_DATASET)
        st.warning(f"{error} The check below uses {info.title} instead.", icon=":material/warning:")
        return info.image_shape, info.num_classes, info.title


def _show_preset(preset_id: str) -> None:
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
            st.button("Edit this stack", key="edit_preset", icon=":material/edit:", on_click=_edit_preset,
                      args=(preset_id,), help="Copy these layers into your own stack and change them "
                      "(replaces your previous custom stack, if any).")


def _plain_description(spec, row) -> str:
    """A layer in a learner's words: "Convolution: 6 filters of 5x5, 'same' padding, ReLU"."""
    if row.name == "input":
        h, w, c = row.output_shape
        return f"Input: the picture, {h}x{w} pixels x {c} channel{'s' if c != 1 else ''}, rescaled to 0..1"
    if row.name == "output":
        return "Output: dense, one unit per class, softmax"
    try:
        spec = validate_layer(spec)
    except ArchitectureError:
        return row.description
    t = spec["type"]
    activation = ACTIVATIONS[spec.get("activation", "linear")][0]
    if t == "conv":
        stride = f", stride {spec['stride']}" if spec["stride"] != 1 else ""
        k = spec["kernel"]
        return f"Convolution: {spec['filters']} filters of {k}x{k}{stride}, '{spec['padding']}' padding, {activation}"
    if t in ("maxpool", "avgpool"):
        size, stride = spec["size"], spec["stride"] or spec["size"]
        keeps = "largest" if t == "maxpool" else "average"
        step = f", stride {stride}" if stride != size else ""
        return f"{LAYER_TYPES[t].label}: keeps the {keeps} of each {size}x{size} window{step}"
    if t == "dense":
        return f"Dense: {spec['units']} units, {activation}"
    if t == "dropout":
        return f"Dropout: switches off {spec['rate']:.0%} of its inputs while training"
    if t == "flatten":
        return "Flatten: unrolls the feature maps into one list of numbers"
    if t == "gap":
        return "Global average pooling: one average per feature map"
    return f"{LAYER_TYPES[t].label}: steadies each channel's values"


def _summary_table(check: ShapeCheck, layers: list) -> None:
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


def _formula(layers: list, check: ShapeCheck) -> None:
    """The output-size formula, filled in for one convolution or pooling layer."""
    candidates = []
    for row in check.rows:
        if not 1 <= row.index <= len(layers):
            continue
        try:
            spec = validate_layer(layers[row.index - 1])  # a layer with bad settings has no formula to show
        except ArchitectureError:
            continue
        before = next((r for r in check.rows if r.index == row.index - 1), None)
        if spec["type"] in WINDOWED and before is not None and len(before.output_shape) == 3:
            candidates.append((row, before.output_shape))
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


def _explanations() -> None:
    st.subheader("The ideas, in plain words")
    with st.expander("Convolution, kernel and filter"):
        st.markdown(
            "A **filter** (or **kernel**) is a small grid of numbers, for example 5x5, that the network "
            "learns. The **convolution** slides it over the picture; at each position it multiplies the "
            "pixels under it by its numbers and adds them up. Where the picture matches the filter's "
            "pattern (an edge, a curve, a corner), the sum is large. The results form a **feature map**: "
            "a new picture showing where that pattern is. A layer with 6 filters makes 6 feature maps, "
            "which is why the output shape ends in 6 (its **channels**).")
    with st.expander("Stride and padding"):
        st.markdown(
            "The **stride** is how many pixels the filter moves each step. Stride 1 visits every "
            "position; stride 2 skips every other one and halves the width and height.\n\n"
            "**Padding** is what happens at the border. With *valid* padding the filter only goes where it "
            "fits entirely, so a 5x5 filter on a 28x28 picture gives 24x24. With *same* padding a frame of "
            "zeros is added around the picture so that the output keeps the size of the input (28x28).")
    with st.expander("Pooling"):
        st.markdown(
            "A **pooling** layer shrinks each feature map: it cuts it into small windows (usually 2x2) and "
            "keeps one number per window, the largest (**max pooling**) or the average (**average "
            "pooling**). Width and height halve, the number of channels stays. The network becomes faster, "
            "later layers see a wider area of the picture, and small shifts of the object matter less. "
            "Pooling has nothing to learn: 0 parameters. Too many pooling layers leave nothing to pool: "
            "a 28x28 picture is 1x1 after five of them.")
    with st.expander("Activation: ReLU and softmax"):
        st.markdown(
            "After adding up its inputs, each unit applies an **activation** function. **ReLU** keeps "
            "positive values and turns negative ones into 0; without such a bend, many layers would be no "
            "better than one. The last layer uses **softmax**: it turns the scores of the classes into "
            "probabilities between 0 and 1 that add up to 1, so the network can say \"80% sure it's a 3\".")
    with st.expander("Fully connected (dense) layer and flatten"):
        st.markdown(
            "**Flatten** unrolls the feature maps into one long list of numbers (7x7x16 becomes 784). A "
            "**fully connected** (dense) layer connects every one of those numbers to every one of its "
            "units: each unit has its own weight for each input, plus a bias. Dense layers combine the "
            "features found by the convolutions into a decision about the class. The output layer is a "
            "dense layer with one unit per class.")
    with st.expander("Why the number of parameters matters"):
        st.markdown(
            "The **parameters** are the numbers the network learns during training (filter weights, "
            "dense weights, biases). A convolution reuses its few filter weights at every position of the "
            "picture, so it has few parameters: 6 filters of 5x5 on a grey picture have 6 x (25 + 1) = 156. "
            "A dense layer has one weight per input per unit: 784 inputs to 120 units is 94,200. More "
            "parameters can learn more, but train slower, take more memory, and can **overfit**: memorise "
            "the training pictures instead of learning what makes each class.")


# --- The page --------------------------------------------------------------------------------

sidebar_status()
page_header("Model", "A CNN is a stack of layers. Choose a ready-made network from a tutorial or build your "
            "own, and see how each layer changes the shape of the picture on its way to the answer.")

chosen = choices()
options = [*PRESETS, CUSTOM]
if chosen.architecture not in options:
    chosen.architecture = FALLBACK_PRESET
widget_default("preset_choice", chosen.architecture)
architecture = picker("architecture", "Network", options, "preset_choice", _network_label, _preset_changed)
chosen.architecture = architecture

if architecture == CUSTOM:
    if chosen.custom_layers is None:
        chosen.custom_layers = []
    layers = chosen.custom_layers
else:
    layers = PRESETS[architecture].layers
    _show_preset(architecture)

image_shape, num_classes, dataset_title = _dataset_shape(chosen.dataset)
check = check_stack(layers, image_shape, num_classes)
st.caption(f"Checked for the dataset chosen on the Data page, **{dataset_title}**: pictures of "
           f"{format_shape(image_shape)} and {num_classes} classes.")

if architecture == CUSTOM:
    st.subheader("Your layers")
    st.caption("Change any setting and everything below updates at once. Hover a layer's name for what it "
               "does. Your stack is saved as you go.")
    if hidden("layers") or locked("layers"):
        st.caption(":material/lock: The layers are fixed for this exercise: the table below shows them.")
    else:
        layer_editor(check)

st.subheader("The picture's shape, layer by layer")
if check.error is not None:
    st.error(f"This network cannot be built: {check.error}. Fix that layer; until then it cannot be "
             "trained.", icon=":material/error:")
else:
    st.success(f"Every layer fits: this network can be trained ({check.total_params:,} parameters).",
               icon=":material/check_circle:")
_summary_table(check, layers)
st.plotly_chart(shape_flow(check.rows), width="stretch", key="shape_flow")
st.caption("Each bar is one layer's output. Top: convolutions with 'valid' padding trim the border and pooling "
           "halves the width and height. Bottom: convolutions add channels, one feature map per filter. The "
           "network trades *where* a pattern is for *what* patterns are there, until Flatten turns it all into "
           "one list of numbers for the dense layers.")
params_col, formula_col = st.container(key="wrapwide_parameters").columns(2)
with params_col:
    st.plotly_chart(parameter_bars(check.rows), width="stretch", key="parameter_bars")
    st.caption("Where the parameters (the numbers learned in training) are. Convolutions reuse a few weights "
               "everywhere in the picture; dense layers need one weight for every input, so they hold most.")
with formula_col:
    _formula(layers, check)

_explanations()
