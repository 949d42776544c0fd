"""Learn: receptive field. Click a cell of any layer's feature map (or type its row and column):
the patch of the input picture it can see is outlined, computed from the network's layer stack."""
import numpy as np
import pandas as pd
import streamlit as st

from cnnlab.architectures import PRESETS
from cnnlab.charts.learn import Box, Panel, panels_figure
from cnnlab.charts.style import SECOND_HIGHLIGHT
from cnnlab.datasets import dataset_info
from cnnlab.explain import field_layers
from cnnlab.explain.pictures import as_network_view, for_network
from cnnlab.explain.receptive_field import patch_of_cell, patches_by_layer
from cnnlab.settings import CnnlabError
from cnnlab.ui import learn
from cnnlab.ui.state import choices
from cnnlab.ui.widgets import show_error

CHART = {"config": {"displayModeBar": False}, "width": "stretch"}
MAP_CHART = "learn_rf_map"


def patch_means(view: np.ndarray, stack, depth: int, shape) -> np.ndarray:
    """For each cell of a layer without a trained network: the mean brightness of the patch it sees."""
    grey = view.mean(axis=2)
    total = np.pad(grey.cumsum(0).cumsum(1), ((1, 0), (1, 0)))  # sums of any rectangle in four look-ups
    means = np.zeros(shape)
    for r in range(shape[0]):
        for c in range(shape[1]):
            p = patch_of_cell(stack, depth, r, c)
            area = total[p.bottom + 1, p.right + 1] - total[p.top, p.right + 1] - total[p.bottom + 1, p.left] \
                + total[p.top, p.left]
            means[r, c] = area / (p.height * p.width)
    return means


learn.explorer_header("Receptive field", "receptive_field")
run = learn.trained_run()
picture_col, network_col = st.columns([1, 1], gap="medium")
with picture_col:
    picture = learn.pick_picture()
with network_col:
    use_network = learn.use_network_toggle("learn_rf_network", run)
    try:
        if run is not None:
            layers, shape, whose = learn.run_layers(run), tuple(run.image_shape), f"the trained network ({run.title})"
        else:
            chosen = choices()
            layers = chosen.custom_layers if chosen.architecture == "custom" else PRESETS[chosen.architecture].layers
            shape = dataset_info(chosen.dataset).image_shape
            whose = f"the network chosen on the Model page ({chosen.architecture})"
        stack = field_layers(layers or [], shape)
    except (CnnlabError, KeyError, TypeError) as error:
        show_error(error if isinstance(error, CnnlabError) else CnnlabError(f"the layer stack cannot be read: {error}"))
        st.stop()
    if not stack:
        st.info(f"{whose[0].upper()}{whose[1:]} has no convolution or pooling layer: nothing to click.",
                icon=":material/info:")
        st.stop()
    st.markdown(f"Layers of {whose}:")
    depth = st.selectbox("Layer", range(len(stack)), index=len(stack) - 1, key="learn_rf_layer",
                         persist_state="session",
                         format_func=lambda i: f"{stack[i].name}: {stack[i].description} → "
                                               f"{stack[i].output_size[0]}x{stack[i].output_size[1]}, "
                                               f"receptive field {stack[i].size}x{stack[i].size}")
layer = stack[depth]
pixels, note = for_network(picture.pixels, shape)
with picture_col:
    if note:
        st.caption(note)
view = as_network_view(pixels)
rows, cols = layer.output_size
if use_network:
    maps = dict(learn.network_computes(run, "feature_maps", pixels))
    if layer.name not in maps:
        show_error(CnnlabError(f"the trained network has no layer called {layer.name}"))
        st.stop()
    channels = maps[layer.name].shape[2]
    with network_col:
        channel = int(st.number_input(f"Channel (1 to {channels})", 1, channels, key="learn_rf_channel",
                                      persist_state="session")) - 1
    values, map_name = maps[layer.name][..., min(channel, channels - 1)], f"{layer.name}, channel {channel + 1}"
    map_caption = f"the trained network's feature map {map_name} for this picture"
else:
    values, map_name = patch_means(view, stack, depth, (rows, cols)), f"{layer.name} ({rows}x{cols})"
    map_caption = (f"the {rows}x{cols} cells of {layer.name}, each shaded by the mean brightness of the patch it sees "
                   "(switch on the trained network to see its real feature maps)")

row_key, col_key = learn.chosen_cell(MAP_CHART, f"learn_rf_{layer.name}", rows, cols)
with network_col:
    row, col = learn.cell_inputs(row_key, col_key, rows, cols)
seen = patch_of_cell(stack, depth, row, col)
whole = patch_of_cell(stack, depth, row, col, clip=False)
boxes = [Box(seen.top, seen.bottom, seen.left, seen.right)]
if whole != seen:
    boxes.append(Box(whole.top, whole.bottom, whole.left, whole.right, colour=SECOND_HIGHLIGHT, dash="dash", width=2))
h, w = view.shape[:2]
pad = (max(0, -whole.top), max(0, whole.bottom - h + 1), max(0, -whole.left), max(0, whole.right - w + 1))
shown = np.pad(view, ((pad[0], pad[1]), (pad[2], pad[3]), (0, 0)), constant_values=np.nan)
picture_panels = [Panel(shown[..., c], name, scale, row0=-pad[0], col0=-pad[2], boxes=boxes, hover="pixel")
                  for c, (name, scale) in enumerate([("input picture", "picture")] if view.shape[2] == 1 else
                                                    [("input: red", "red"), ("green", "green"), ("blue", "blue")])]
map_col, picture_chart_col = st.columns(2, gap="medium")
with map_col:
    st.plotly_chart(panels_figure([Panel(values, f"{map_name}: click a cell", "auto", boxes=[Box(row, row, col, col)],
                                         clickable=True)], height=400), key=MAP_CHART, on_select="rerun",
                    selection_mode="points", **CHART)
    st.caption(f"The map: {map_caption}. The outlined cell is the chosen one (click another, or type its row and "
               "column above).")
with picture_chart_col:
    st.plotly_chart(panels_figure(picture_panels, height=400 if view.shape[2] == 1 else 240), key="learn_rf_picture",
                    **CHART)
    st.caption("The picture, with the patch the chosen cell sees outlined"
               + (" (solid) and the rest of its receptive field, on the zero padding outside the picture, dashed."
                  if whole != seen else "."))
st.markdown(f"Cell (row **{row}**, column **{col}**) of **{layer.name}** sees rows **{seen.top}–{seen.bottom}** and "
            f"columns **{seen.left}–{seen.right}** of the picture: a **{seen.height} x {seen.width}** patch"
            + (f" (its whole receptive field is {layer.size} x {layer.size}, but near the border part of it falls on "
               "the padding)." if whole != seen else f", its whole {layer.size} x {layer.size} receptive field."))
terms = [f"{step.dilation}·({step.kernel}−1)·{step.jump // step.stride}" for step in stack[:depth + 1]]
st.code(f"r = 1 + Σ D(K−1)·(product of the strides before) = 1 + {' + '.join(terms)} = {layer.size}", language=None,
        wrap_lines=True)
patches = patches_by_layer(stack, depth, row, col)[::-1]
learn.table_expander("every layer: its receptive field, and what the chosen cell sees in the map it reads", {
    "": pd.DataFrame({"layer": [s.name for s in stack], "what it is": [s.description for s in stack],
                      "kernel / window": [s.kernel for s in stack], "stride": [s.stride for s in stack],
                      "padding": [s.padding for s in stack], "jump (pixels between cells)": [s.jump for s in stack],
                      "receptive field": [f"{s.size}x{s.size}" for s in stack],
                      "output": [f"{s.output_size[0]}x{s.output_size[1]}" for s in stack],
                      "the chosen cell sees, in its input": [f"rows {p.top}–{p.bottom}, columns {p.left}–{p.right}"
                                                              for p in patches] + [""] * (len(stack) - len(patches))})})
learn.table_expander(f"the map {map_name}", {"": learn.grid_table(values)})
learn.more_about("receptive_field", "More about receptive fields")
