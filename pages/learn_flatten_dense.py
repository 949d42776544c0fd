"""Learn: flatten and dense. The last feature maps unrolled into one coloured strip, where each of
its numbers comes from, and how one dense unit weighs the strip (its weights as maps)."""
import numpy as np
import pandas as pd
import streamlit as st

from cnnlab.charts.learn import Box, Panel, panels_figure, strip_figure
from cnnlab.explain import HAND_MADE_KERNELS, ExplainError, activate, convolve, pool
from cnnlab.explain.pictures import as_network_view
from cnnlab.images import to_uint8
from cnnlab.ui import learn
from cnnlab.ui.widgets import image_grid, show_error

CHART = {"config": {"displayModeBar": False}, "width": "stretch"}
HAND_MADE_MAPS = ("Sobel x", "Sobel y", "outline")  # without a trained network: three hand-made feature maps
MAX_MAPS_SHOWN = 16

learn.explorer_header("Flatten and dense", "flatten_dense")
run = learn.trained_run()
picture_col, source_col = st.columns([1, 1], gap="medium")
with picture_col:
    picture = learn.pick_picture()
with source_col:
    use_network = learn.use_network_toggle("learn_dense_network", run)
if use_network:
    picture = learn.network_picture(picture, run)
with picture_col:
    learn.show_picture(picture)

reading = None
try:
    if use_network:
        reading = learn.network_computes(run, "dense_reading", picture.pixels)
        maps, vector, how = reading.maps, reading.vector, reading.how
        origin = "the trained network's last feature maps"
    else:  # three hand-made kernels, ReLU and 2x2 max pooling: a tiny first layer, made by hand
        view = as_network_view(picture.pixels).mean(axis=2)
        kernels = np.stack([HAND_MADE_KERNELS[name].array for name in HAND_MADE_MAPS], axis=-1)[:, :, None, :]
        maps = pool(activate(convolve(view, kernels, padding="same").output, "relu"), 2).output
        vector, how = maps.ravel(), "flatten"
        origin = f"hand-made feature maps ({', '.join(HAND_MADE_MAPS)}, then ReLU and 2x2 max pooling)"
except ExplainError as error:
    show_error(error)
    st.stop()

h, w, c = maps.shape
with source_col:
    st.markdown(f"**{h} x {w} x {c}** → {'Flatten' if how == 'flatten' else 'Global average pooling'} → "
                f"**{vector.size:,} numbers**" + (f" = {h} x {w} x {c}" if how == "flatten" else ", one per map"))
shown_maps = min(c, MAX_MAPS_SHOWN)
st.markdown(f"**The feature maps** ({origin}):")
image_grid([to_uint8(maps[..., i]) for i in range(shown_maps)], [f"map {i + 1}" for i in range(shown_maps)],
           columns=8, min_side=72)
st.caption("Bright = a large value, black = 0 (each map on its own scale)."
           + (f" The first {MAX_MAPS_SHOWN} of {c} maps." if c > MAX_MAPS_SHOWN else ""))

st.subheader("Unrolled into one strip")
if how == "flatten":
    spots = np.indices((h, w, c)).reshape(3, -1).T  # Keras's order: row by row, the channels of each pixel together
    hover = [f"number {i}: map {k + 1}, row {r}, column {q}<br>value %s" % f"{vector[i]:.3f}"
             for i, (r, q, k) in enumerate(spots)]
else:
    spots = None
    hover = [f"number {i}: the average of map {i + 1}<br>value {v:.3f}" for i, v in enumerate(vector)]
index = st.slider(f"Position in the strip (0 to {vector.size - 1})", 0, vector.size - 1, 0, key="learn_dense_index",
                  persist_state="session",
                  help="Arrow keys move one number at a time.")
st.plotly_chart(strip_figure(vector, hover, index), key="learn_dense_strip", **CHART)
if spots is not None:
    r, q, k = spots[index]
    text_col, map_col = st.columns([3, 2], vertical_alignment="center")
    text_col.markdown(f"Number **{index}** of the strip is **{vector[index]:.3f}**: map **{k + 1}**, row **{r}**, "
                      f"column **{q}**. Numbers {index - index % c} to {index - index % c + c - 1} are the {c} maps at "
                      "that same pixel; the next pixel of the row comes after them.")
    map_col.plotly_chart(panels_figure([Panel(maps[..., k], f"map {k + 1}", "sequential", boxes=[Box(r, r, q, q)])],
                                       height=240), key="learn_dense_source", **CHART)
    map_col.caption(f"Map {k + 1}, with the cell that number {index} of the strip comes from outlined.")
else:
    k = index
    st.markdown(f"Number **{index}** of the strip is **{vector[index]:.3f}**: the average of map **{index + 1}**.")
st.caption("The strip: every number the maps hold, in the order the next layer reads them; the outlined one is the "
           "number chosen with the slider. Hover over it to see where each number comes from.")
learn.table_expander("the strip", {"": pd.DataFrame({"value": vector.round(4)}).rename_axis("position")})

st.subheader("How one dense unit weighs the strip")
if reading is None:
    st.info("A dense layer's weights are learned: train a network (the **Train** page) and switch on **Use the "
            "trained network** above to see how one of its units weighs this strip.", icon=":material/info:")
    learn.more_about("flatten_dense", "More about flatten and dense layers")
    st.stop()
units = reading.weights.shape[1]
unit = int(st.number_input(f"Unit of {reading.dense_name} (1 to {units})", 1, units, key="learn_dense_unit",
                           persist_state="session")) - 1
total = reading.unit_sum(unit)
st.markdown(f"Unit {unit + 1} of **{reading.dense_name}** multiplies each of the {vector.size:,} numbers by a weight "
            f"of "
            f"its own and adds them up: sum **{total - reading.bias[unit]:.3f}** + bias {reading.bias[unit]:.3f} = "
            f"**{total:.3f}**, then {reading.activation}: **{activate(total, reading.activation):.3f}**."
            if reading.activation in ("relu", "leaky_relu", "tanh", "sigmoid", "linear") else
            f"Unit {unit + 1} of **{reading.dense_name}**: weighted sum plus bias = **{total:.3f}**.")
weights = reading.weight_maps(unit)
if how == "flatten":
    k = int(st.selectbox("Map", range(c), index=int(k), key="learn_dense_map", persist_state="session",
                         format_func=lambda i: f"map {i + 1}"))
    contributions = (weights * maps).sum(axis=(0, 1))
    box = [Box(r, r, q, q)] if spots is not None and spots[index][2] == k else []
    st.plotly_chart(panels_figure([Panel(maps[..., k], f"map {k + 1}", "sequential", boxes=box),
                                   Panel(weights[..., k], f"weights of unit {unit + 1} for map {k + 1}", "signed"),
                                   Panel(weights[..., k] * maps[..., k], "weight × value", "signed", colorbar=True)],
                                  height=300), key="learn_dense_weights", **CHART)
    st.caption("Left: one feature map. Middle: the unit's weights for it, laid out like the map (orange pushes the "
               "sum up where the map is bright, blue pulls it down). Right: their products, whose total over all "
               f"maps (plus the bias) is the unit's sum. This map adds {contributions[k]:.3f} to it.")
    learn.table_expander(f"map {k + 1}, its weights and their products", {
        "map": learn.grid_table(maps[..., k]), "weights": learn.grid_table(weights[..., k]),
        "weight × value": learn.grid_table(weights[..., k] * maps[..., k])})
else:
    contributions = weights * vector
    st.caption("With global average pooling each map gives one number, so the unit has one weight per map.")
order = np.argsort(-np.abs(contributions))[:8]
learn.table_expander("what each map adds to the unit's sum (largest first)", {"": pd.DataFrame(
    {"map": [f"map {i + 1}" for i in order], "adds": contributions[order].round(4)})})
learn.more_about("flatten_dense", "More about flatten and dense layers")
