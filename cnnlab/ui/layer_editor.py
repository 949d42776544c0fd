"""The layer-stack editor of the Model page: add, remove, move and tune the layers of your own network.

It edits `choices().custom_layers` in place from widget callbacks, so every change is saved before
the page redraws (and survives page switches and reloads). The specs stay plain layer dicts, as
`check_stack` wants them. Widget keys are the layer's position plus a version number that is
raised whenever layers are added, removed or moved: every widget then starts afresh from its
layer's saved values instead of showing the values of the layer that used to sit there.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from cnnlab.charts.network import format_shape
from cnnlab.layers import ACTIVATIONS, LAYER_TYPES, Param, default_layer, where_to_insert
from cnnlab.network import LayerRow, ShapeCheck
from cnnlab.ui.state import choices


def editor_version() -> int:
    return choices().layer_editor_version


def stack_changed() -> None:
    """Call after replacing or reordering choices().custom_layers: widgets restart from the specs."""
    choices().layer_editor_version += 1


def _layers() -> list[dict]:
    chosen = choices()
    if chosen.custom_layers is None:
        chosen.custom_layers = []
    return chosen.custom_layers


# --- Callbacks: they run before the page is drawn, so the shape check already sees the edit. ---

def _set_value(position: int, key: str, widget_key: str) -> None:
    layers = _layers()
    if position < len(layers):
        layers[position][key] = st.session_state[widget_key]


def _move(position: int, step: int) -> None:
    layers = _layers()
    target = position + step
    if 0 <= position < len(layers) and 0 <= target < len(layers):
        layers[position], layers[target] = layers[target], layers[position]
        stack_changed()


def _remove(position: int) -> None:
    layers = _layers()
    if 0 <= position < len(layers):
        del layers[position]
        stack_changed()


FITS = "fits"  # the "Where" menu's first choice: where a layer of that kind can go


def _add() -> None:
    layers = _layers()
    layer_type = st.session_state.add_layer_type
    where = st.session_state.get("add_layer_position", FITS)
    if isinstance(where, int):
        position = min(where - 1, len(layers))
    else:
        position = len(layers) if where == "end" else where_to_insert(layers, layer_type)
    layers.insert(position, default_layer(layer_type))
    stack_changed()


# --- Drawing ------------------------------------------------------------------------------------

def _param_widget(param: Param, value: Any, position: int, widget_key: str) -> None:
    common = dict(key=widget_key, help=param.help, on_change=_set_value, args=(position, param.key, widget_key))
    if param.kind == "choice":
        labels = {key: label for key, (label, _) in ACTIVATIONS.items()} if param.key == "activation" else {}
        st.selectbox(param.label, param.choices, index=param.choices.index(value) if value in param.choices else None,
                     format_func=lambda choice: labels.get(choice, choice), **common)
        return
    is_int = param.kind == "int"
    cast = int if is_int else float
    lo, hi = cast(param.minimum), cast(param.maximum)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = cast(min(max(value, lo), hi))  # a bad saved value shows as its nearest allowed one
    elif not param.optional:
        value = lo
    else:
        value = None
    st.number_input(param.label, min_value=lo, max_value=hi, value=value, step=cast(param.step or 1),
                    format=None if is_int else "%.2f",
                    placeholder="= window" if param.optional else None, **common)


def _row_for(check: ShapeCheck, number: int) -> LayerRow | None:
    """check_stack's row for layer `number` (1-based), or None if the check stopped before it."""
    return next((row for row in check.rows if row.index == number and row.name != "output"), None)


def _layer_card(position: int, spec: Any, count: int, check: ShapeCheck, version: int) -> None:
    number = position + 1
    layer_type = spec.get("type") if isinstance(spec, dict) else None
    kind = LAYER_TYPES.get(layer_type) if isinstance(layer_type, str) else None
    params = kind.params if kind else ()
    row = _row_for(check, number)
    with st.container(border=True):
        columns = st.columns([2.2, *([1.3] * len(params)), *([1.3] * (5 - len(params))), 1.7],
                             vertical_alignment="bottom", gap="xsmall")
        with columns[0]:
            title = kind.label if kind else f"Unknown layer {layer_type!r}"
            st.markdown(f"**{number}. {title}**", help=kind.explanation if kind else None)
            if row is not None and row.error is None:
                st.caption(f"out: {format_shape(row.output_shape)} · {row.params:,} parameters")
            elif row is None:
                st.caption("not checked: a layer above is impossible")
            else:
                st.caption(":red[impossible here, see below]")
        for column, param in zip(columns[1:], params):
            with column:
                value = spec.get(param.key, param.default)
                _param_widget(param, value, position, f"layer_{version}_{position}_{param.key}")
        with columns[-1], st.container(horizontal=True, gap="xsmall"):
            st.button("", icon=":material/arrow_upward:", key=f"layer_{version}_{position}_up", help="Move up",
                      disabled=position == 0, on_click=_move, args=(position, -1))
            st.button("", icon=":material/arrow_downward:", key=f"layer_{version}_{position}_down",
                        help="Move down", disabled=position == count - 1, on_click=_move, args=(position, 1))
            st.button("", icon=":material/delete:", key=f"layer_{version}_{position}_remove",
                          help="Remove this layer", on_click=_remove, args=(position,))
        if row is not None and row.error:
            st.error(row.error, icon=":material/error:")


def layer_editor(check: ShapeCheck) -> None:
    """Draw `choices().custom_layers` as editable cards, each with its output shape (from `check`,
    the shape check of these very layers) or its error, and the controls to add a layer."""
    with st.container(key="layer_editor"):  # its rows wrap on narrow screens (cnnlab/ui/layout.css)
        _layer_editor(check)


def _layer_editor(check: ShapeCheck) -> None:
    layers = _layers()
    version = editor_version()
    if not layers:
        st.info("The stack is empty: add layers below. The output layer (one unit per class, softmax) "
                "is always added at the end for you.", icon=":material/info:")
    for position, spec in enumerate(layers):
        _layer_card(position, spec, len(layers), check, version)
    output = next((row for row in check.rows if row.name == "output"), None)
    if output is not None:
        where = f" → {format_shape(output.output_shape)} probabilities" if output.error is None else ""
        st.caption(f"Then the output layer, added for you: {output.description}{where}.")
        if output.error:
            st.error(output.error, icon=":material/error:")

    with st.container(border=True):
        st.markdown("**Add a layer**")
        # Menus wide enough for their longest choice, side by side when they fit, else one under another.
        row = st.container(horizontal=True, vertical_alignment="bottom")
        layer_type = row.selectbox("Layer type", list(LAYER_TYPES), key="add_layer_type", width=250,
                                   format_func=lambda t: LAYER_TYPES[t].label)
        fits = where_to_insert(layers, layer_type) + 1
        fits_label = f"where it fits ({'at the end' if fits > len(layers) else f'before layer {fits}'})"
        row.selectbox("Where", [FITS, "end", *range(1, len(layers) + 1)], key="add_layer_position", width=290,
                      format_func=lambda p: fits_label if p == FITS else "at the end" if p == "end"
                      else f"before layer {p}")
        row.button("Add layer", key="add_layer", icon=":material/add:", on_click=_add)
        st.caption(LAYER_TYPES[layer_type].explanation)
