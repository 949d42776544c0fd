"""Learn: convolution. A kernel slides over the student's picture, one position at a time: the
window, the products, their sum and the output cell it fills; stride, padding and dilation change
the animation and the output size."""
import numpy as np
import streamlit as st

from cnnlab.charts.learn import Box, Panel, kernel_panels, panels_figure
from cnnlab.explain import ExplainError, activate, convolve
from cnnlab.explain.pictures import as_network_view
from cnnlab.layers import ACTIVATIONS
from cnnlab.ui import learn
from cnnlab.ui.widgets import show_error

CHANNELS = ("red", "green", "blue")
CHART = {"config": {"displayModeBar": False}, "width": "stretch"}

run, picture, (picture_col, kernel_col, settings_col) = learn.explorer("Convolution", "convolution", [5, 4, 4])
with kernel_col:
    kernel = learn.pick_kernel("learn_conv", picture.pixels.shape[2], run)
with settings_col:
    stride = st.slider("Stride", 1, 4, 1, key="learn_conv_stride", persist_state="session",
                       help="Pixels the kernel moves between positions.")
    padding = st.radio("Padding", ["valid", "same"], horizontal=True, key="learn_conv_padding", persist_state="session",
                       help="valid: only positions where the kernel fits inside the picture; same: zeros around the "
                            "picture so that, with stride 1, the output keeps its size.")
    dilation = st.slider("Dilation", 1, 3, 1, key="learn_conv_dilation", persist_state="session",
                         help="Gaps between the kernel's weights: 2 spreads a 3x3 kernel over 5x5 pixels.")
if kernel is None:
    st.stop()
if kernel.learned:  # the network's kernel reads the network's input: convert the picture if needed
    picture = learn.network_picture(picture, run)
with picture_col:
    learn.show_picture(picture)
view = as_network_view(picture.pixels)
try:
    conv = convolve(view, kernel.weights, stride, padding, dilation, bias=kernel.bias)
except ExplainError as error:
    show_error(error)
    st.stop()

channels = view.shape[2]
names = CHANNELS if channels == 3 else ("",)
with kernel_col:
    st.plotly_chart(panels_figure([Panel(kernel.weights[..., c], name, "signed", numbers=".2f", hover="weight")
                                   for c, name in enumerate(names)], height=150 if channels == 3 else 190),
                    key="learn_conv_kernel_chart", **CHART)
    st.caption(f"The kernel, **{kernel.name}**: {kernel.description}"
               + (" One grid of weights per colour channel: one filter spans all three." if channels == 3 else "")
               + " Orange weights are positive, blue negative.")
with settings_col:
    rows, cols = conv.shape
    st.markdown(f"**Output: {rows} x {cols}** from a {view.shape[0]} x {view.shape[1]} picture")
    for formula in conv.formulas():
        st.code(formula, language=None, wrap_lines=True)

kh, kw = conv.kernel.shape[:2]
(pad_top, pad_bottom), (pad_left, pad_right) = conv.pad
padded = np.pad(view, ((pad_top, pad_bottom), (pad_left, pad_right), (0, 0)))
filled_only = st.toggle("Fill the output map as the kernel moves", value=True, key="learn_conv_fill",
                        persist_state="session",
                        help="Off: show the whole output map at once.")
output_map = conv.map()
reach = float(np.abs(output_map).max()) or 1.0  # one colour scale however much of the map is filled
if kernel.learned and kernel.learned_from.activation != "linear":
    activated = activate(output_map, kernel.learned_from.activation)
    activation_name = ACTIVATIONS.get(kernel.learned_from.activation, (kernel.learned_from.activation,))[0]
else:
    activated = None


def draw(position: int) -> None:
    row, col = conv.position(position)
    tap_rows, tap_cols = conv.taps(row, col)
    window_box = Box(tap_rows[0], tap_rows[-1], tap_cols[0], tap_cols[-1])
    marks = [(r, c) for r in tap_rows for c in tap_cols] if dilation > 1 else []
    shown = output_map.copy()
    if filled_only:
        shown.flat[position + 1:] = np.nan
    pictures = [Panel(padded[..., c], f"picture{f' ({name})' if name else ''}"
                      + (" with its padding" if pad_top + pad_bottom + pad_left + pad_right else ""),
                      name or "picture", row0=-pad_top, col0=-pad_left, boxes=[window_box], marks=marks, hover="pixel")
                for c, name in enumerate(names)]
    output_panel = Panel(shown, "output map (click a cell)", "signed", zrange=(-reach, reach),
                         boxes=[Box(row, row, col, col)], clickable=True, colorbar=True, hover="sum")
    st.plotly_chart(panels_figure([*pictures, output_panel], height=360 if channels == 1 else 300),
                    key="learn_conv_maps", on_select="rerun", selection_mode="points", **CHART)
    st.caption("Left: the picture (0 = black, 1 = white"
               + ("; the grey border is the zero padding" if pad_top + pad_bottom + pad_left + pad_right else "")
               + f") with the kernel's window outlined{' and its dilated taps dotted' if marks else ''}. Right: the "
               "output map, orange where the sum is positive, blue where negative"
               + (", grey where the kernel has not been yet" if filled_only else "")
               + "; the outlined cell is the one this position fills.")
    total = conv.total(row, col)
    for c, name in enumerate(names):
        window, products = conv.window(row, col)[..., c], conv.products(row, col)[..., c]
        st.plotly_chart(panels_figure(kernel_panels(window, conv.kernel[..., c, 0], products, name), height=190),
                        key=f"learn_conv_products_{c}", **CHART)
    count = kh * kw * channels
    line = (f"**Position {position + 1} of {conv.positions}** (output row {row}, column {col}): the sum of the "
            f"{count} products{' over the three channels' if channels == 3 else ''} is "
            f"**{total - conv.bias[0]:.3f}**")
    if kernel.bias:
        line += f", plus the bias {conv.bias[0]:.3f} = **{total:.3f}**"
    line += f" → output cell (row {row}, column {col})."
    if activated is not None:
        line += (f" The network then applies {activation_name}: **{activated[row, col]:.3f}**, "
                 "the value in its own feature map.")
    st.markdown(line)
    st.caption("Each product is a pixel of the window times the weight on top of it; blue products pull the sum "
               "down, orange ones push it up.")
    if learn.is_playing("learn_conv_position"):
        return  # the table of one position is for reading, when paused
    learn.table_expander("the window, the kernel and the products at this position", {
        f"{what} ({name})" if name else what: learn.grid_table(values[..., c], rows=tap_rows, cols=tap_cols)
        for c, name in enumerate(names)
        for what, values in (("window", conv.window(row, col)), ("products", conv.products(row, col)))})


# It starts in the middle of the picture, where there is something to see; Play goes on from there.
learn.scrubber("learn_conv_position", conv.positions, draw, click_chart="learn_conv_maps", columns=cols,
               start=(rows // 2) * cols + cols // 2 + 1)
learn.table_expander("the whole output map", {"sums (before any activation)": learn.grid_table(output_map)}
                     | ({f"after {activation_name}": learn.grid_table(activated)}
                        if activated is not None else {}))
learn.more_about("convolution", "More about convolution, stride, padding and dilation")
