"""Learn: pooling. Max and average pooling slide a window over a map and keep one number per
window (the winner outlined), side by side with a convolution of stride 2 that also shrinks it."""
import numpy as np
import streamlit as st

from cnnlab.charts.learn import Box, Panel, panels_figure
from cnnlab.explain import HAND_MADE_KERNELS, ExplainError, activate, convolve, pool
from cnnlab.explain.convolution import average_kernel
from cnnlab.explain.pictures import as_network_view
from cnnlab.ui import learn
from cnnlab.ui.widgets import show_error

CHART = {"config": {"displayModeBar": False}, "width": "stretch"}
PICTURE_ITSELF, FEATURE_MAP = "the picture itself", "a feature map: the picture after a kernel and ReLU"
AVERAGE = "average (all weights equal)"

run, picture, (picture_col, what_col, settings_col) = learn.explorer("Pooling", "pooling", [5, 4, 4])
with what_col:
    what = st.radio("What to pool", [PICTURE_ITSELF, FEATURE_MAP], key="learn_pool_what", persist_state="session",
                    help="In a network, pooling comes after a convolution layer: it shrinks feature maps.")
    kernel = learn.pick_kernel("learn_pool", picture.pixels.shape[2], run) if what == FEATURE_MAP else None
with settings_col:
    kind = st.radio("Pooling", ["max", "average"], horizontal=True, key="learn_pool_kind", persist_state="session")
    size = st.radio("Window", [2, 3], horizontal=True, key="learn_pool_size", persist_state="session",
                    format_func=lambda n: f"{n}x{n}")
    stride = st.slider("Stride", 1, 3, 2, key="learn_pool_stride", persist_state="session",
                       help="2 with a 2x2 window: windows side by side.")
if what == FEATURE_MAP and kernel is None:
    st.stop()
if kernel is not None and kernel.learned:
    picture = learn.network_picture(picture, run)
with picture_col:
    learn.show_picture(picture)
view = as_network_view(picture.pixels)
if kernel is None:
    channel = 0
    if view.shape[2] == 3:
        colours = ["red", "green", "blue"]
        channel = colours.index(st.radio("Channel (each is pooled on its own)", colours, horizontal=True,
                                         key="learn_pool_channel", persist_state="session"))
    source, source_name, scale = view[..., channel], "the picture", "picture"
else:
    activation = kernel.learned_from.activation if kernel.learned else "relu"
    source = activate(convolve(view, kernel.weights, padding="same", bias=kernel.bias).map(), activation)
    source_name, scale = f"the feature map of {kernel.name} after {activation}", "sequential"
try:
    pooled = pool(source, size, stride, kind)
except ExplainError as error:
    show_error(error)
    st.stop()
rows, cols = pooled.shape
st.markdown(f"**{kind.capitalize()} pooling {size}x{size}, stride {stride}**: {source.shape[0]} x {source.shape[1]} "
            f"→ **{rows} x {cols}** ({source.size:,} numbers become {rows * cols:,}).")
zrange = learn.map_range(source) if scale == "sequential" else (0.0, 1.0)
if zrange[0] < 0:  # a learned layer without ReLU leaves negative cells: show them, not clip them to the lowest colour
    scale = "signed"


def draw(position: int) -> None:
    row, col = pooled.position(position)
    r0, r1, c0, c1 = pooled.bounds(row, col)
    winner = pooled.winner(row, col)
    shown = pooled.map().copy()
    shown.flat[position + 1:] = np.nan
    panels = [Panel(source, source_name.split(" after")[0].replace("the ", ""), scale, zrange=zrange,
                    boxes=[Box(r0, r1, c0, c1)], marks=[winner] if kind == "max" else [], hover="value"),
              Panel(shown, "pooled map (click a cell)", scale, zrange=zrange, boxes=[Box(row, row, col, col)],
                    clickable=True, colorbar=True, hover=f"{kind}")]
    st.plotly_chart(panels_figure(panels, height=360), key="learn_pool_maps", on_select="rerun",
                    selection_mode="points", **CHART)
    st.caption(f"Left: {source_name}, with the window outlined"
               + (" and its winning cell dotted" if kind == "max" else "") + ". Right: the pooled map, filled "
               "window by window; the outlined cell is the one this window fills.")
    window = pooled.window(row, col)
    values = ", ".join(f"{v:.2f}" for v in window.ravel())
    result = pooled.map()[row, col]
    if kind == "max":
        st.markdown(f"**Window {position + 1} of {pooled.positions}** (rows {r0}–{r1}, columns {c0}–{c1}): the "
                    f"largest of {values} is **{result:.3f}**, at row {winner[0]}, column {winner[1]} → pooled cell "
                    f"(row {row}, column {col}).")
    else:
        st.markdown(f"**Window {position + 1} of {pooled.positions}** (rows {r0}–{r1}, columns {c0}–{c1}): the "
                    f"average of {values} is **{result:.3f}** → pooled cell (row {row}, column {col}).")
    if not learn.is_playing("learn_pool_position"):  # the table is for reading, when paused
        learn.table_expander("this window", {"": learn.grid_table(window, r0, c0)})


learn.scrubber("learn_pool_position", pooled.positions, draw, label="Position of the window",
               click_chart="learn_pool_maps", columns=cols, start=(rows // 2) * cols + cols // 2 + 1)

st.subheader(f"Side by side: a convolution with stride {stride}")
choice = st.selectbox("Its kernel", [AVERAGE, *HAND_MADE_KERNELS], key="learn_pool_conv_kernel",
                      persist_state="session",
                      help="A convolution also shrinks a map when its stride is above 1, but it has weights.")
weights = average_kernel(size) if choice == AVERAGE else HAND_MADE_KERNELS[choice].array
try:
    strided = convolve(source, weights, stride=stride)
except ExplainError as error:
    show_error(error)
    st.stop()
both = np.concatenate([pooled.map().ravel(), strided.map().ravel()])
shared = "signed" if both.min() < 0 else scale  # one colour scale, so the two maps can be compared
top_value = float(np.abs(both).max()) or 1.0
span = (-top_value, top_value) if shared == "signed" else (0.0, top_value)
st.plotly_chart(panels_figure([Panel(pooled.map(), f"{kind} pooling: {rows} x {cols}", shared, zrange=span),
                               Panel(strided.map(), f"convolution ({choice}), stride {stride}: "
                                                    f"{strided.shape[0]} x {strided.shape[1]}", shared, zrange=span,
                                     colorbar=True)], height=330), key="learn_pool_compare", **CHART)
same = pooled.shape == strided.shape and np.allclose(pooled.map(), strided.map())
st.caption(f"Left: the pooled map. Right: {source_name} convolved with the {weights.shape[0]}x{weights.shape[1]} "
           f"kernel '{choice}' moving {stride} pixels at a time. "
           + ("**They are identical**: average pooling is a convolution whose weights are all equal." if same else
              "Both shrink the map; the convolution's weights can be learned, pooling has none."))
learn.table_expander("the pooled map and the strided convolution", {
    f"{kind} pooling": learn.grid_table(pooled.map()),
    f"convolution, stride {stride}": learn.grid_table(strided.map())})
learn.more_about("pooling", "More about pooling")
