"""Learn: activation. ReLU, leaky ReLU, tanh and sigmoid as curves and applied to a real feature
map (the negative sums shown, then zeroed); for a trained network, its share of dead ReLU units."""
import numpy as np
import pandas as pd
import streamlit as st

from cnnlab.architectures import ACTIVATIONS
from cnnlab.charts.learn import Panel, activation_curves, dead_unit_bars, panels_figure
from cnnlab.explain import ExplainError, activate, convolve
from cnnlab.explain.activation import curve
from cnnlab.explain.pictures import as_network_view
from cnnlab.ui import learn
from cnnlab.ui.widgets import show_error

CHART = {"config": {"displayModeBar": False}, "width": "stretch"}
SHOWN = ("relu", "leaky_relu", "tanh", "sigmoid")
LABELS = {name: ACTIVATIONS[name][0] for name in SHOWN}

learn.explorer_header("Activation", "activation")
run = learn.trained_run()

curve_col, controls_col = st.columns([3, 2], gap="medium")
with controls_col:
    chosen = st.radio("Activation function", SHOWN, format_func=LABELS.__getitem__, horizontal=True,
                      key="learn_act_function", persist_state="session")
    st.markdown(f"**{LABELS[chosen]}** {ACTIVATIONS[chosen][1]}.")
with curve_col:
    st.plotly_chart(activation_curves({name: curve(name) for name in SHOWN}, chosen, LABELS, height=300),
                    key="learn_act_curves", **CHART)
    st.caption(f"Each function turns a unit's weighted sum (across) into its output (up); {LABELS[chosen]} is the "
               "thick line, the others are dotted.")
learn.table_expander("the four functions", {"": pd.DataFrame(
    {"input": np.linspace(-4, 4, 9), **{LABELS[n]: activate(np.linspace(-4, 4, 9), n).round(4) for n in SHOWN}})})

st.subheader("On a real feature map")
picture_col, source_col = st.columns([1, 1], gap="medium")
with picture_col:
    picture = learn.pick_picture()
with source_col:
    use_network = learn.use_network_toggle("learn_act_network", run)
    layers = learn.learned_convolutions(run) if use_network else []
    if layers:
        layer = st.selectbox("Layer", layers, key="learn_act_layer", persist_state="session",
                             format_func=lambda l: f"{l.name}: {l.description}")
        number = st.number_input(f"Filter (1 to {layer.filters})", 1, layer.filters, key="learn_act_filter",
                                 persist_state="session")
        picture = learn.network_picture(picture, run)
    else:
        kernel = learn.pick_kernel("learn_act", picture.pixels.shape[2], run=None)
with picture_col:
    learn.show_picture(picture)
try:
    if layers:
        conv = learn.network_computes(run, "pre_activation", picture.pixels, layer.name)
        before = conv.map(min(int(number), layer.filters) - 1)
        what = (f"{layer.name}, filter {int(number)}: its sums (plus bias), before the network's own "
                f"{ACTIVATIONS.get(layer.activation, (layer.activation,))[0]}")
    elif kernel is not None:
        before = convolve(as_network_view(picture.pixels), kernel.weights, padding="same").map()
        what = f"the picture convolved with {kernel.name}"
    else:
        st.stop()
except ExplainError as error:
    show_error(error)
    st.stop()

after = activate(before, chosen)
reach = float(max(np.abs(before).max(), np.abs(after).max())) or 1.0
st.plotly_chart(panels_figure([Panel(before, "before: the weighted sums", "signed", zrange=(-reach, reach)),
                               Panel(after, f"after {LABELS[chosen]}", "signed", zrange=(-reach, reach),
                                     colorbar=True)], height=360), key="learn_act_maps", **CHART)
negative = int((before < 0).sum())
effect = {"relu": "ReLU turned every one of them into 0", "leaky_relu": "leaky ReLU kept a fifth of each",
          "tanh": "tanh kept their sign but squashed every value into -1..1",
          "sigmoid": "sigmoid turned them into values between 0 and 0.5 (and the positive ones into 0.5..1)"}[chosen]
st.caption(f"Left: {what}; blue cells are negative, orange positive, white zero. Right: the same map after "
           f"{LABELS[chosen]}, on the same colour scale.")
st.markdown(f"**{negative:,} of the {before.size:,} cells ({negative / before.size:.0%}) are negative**; {effect}. "
            f"Values before: {before.min():.3f} to {before.max():.3f}; after: {after.min():.3f} to {after.max():.3f}.")
learn.table_expander("the map before and after the activation",
                     {"before": learn.grid_table(before), f"after {LABELS[chosen]}": learn.grid_table(after)})

if use_network:
    st.subheader("Dead ReLU units of the trained network")
    dead = learn.dead_units_of(run)
    if dead is not None and not dead:
        st.caption("This network has no ReLU layers, so none of its units can die.")
    elif dead:
        counts = [f"{d.dead} of {d.units}" for d in dead]
        st.plotly_chart(dead_unit_bars([d.name for d in dead], [d.share for d in dead], counts),
                        key="learn_act_dead", **CHART)
        st.caption("For each ReLU layer, the share of its units (filters, or dense units) that output 0 for every one "
                   "of 500 test pictures: their sums are always negative, so they never pass anything on and no "
                   "longer learn. A few are normal; many would waste the network.")
        learn.table_expander("dead units per layer", {"": pd.DataFrame(
            {"layer": [d.name for d in dead], "units": [d.units for d in dead], "dead": [d.dead for d in dead],
             "share": [f"{d.share:.1%}" for d in dead]})})
learn.more_about("activation", "More about activation functions")
