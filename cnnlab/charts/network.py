"""Charts about a network: how the picture's shape changes from layer to layer."""
from __future__ import annotations

from typing import Sequence

import plotly.graph_objects as go

from cnnlab.charts.style import MISTAKE, axes, figure, grid, look

# One colour per kind of layer, so the same kind looks the same in every network.
KIND_COLOURS = {"input": "#7f7f7f", "conv": "#1f77b4", "pool": "#ff7f0e", "bn": "#9467bd",
                "dropout": "#bcbd22", "flatten": "#8c564b", "gap": "#8c564b", "dense": "#2ca02c",
                "output": "#17becf"}


def _kind(row_name: str) -> str:
    """"conv2" -> "conv", "output" -> "output" (check_stack names layers by kind plus a number)."""
    return row_name.rstrip("0123456789") or row_name


def format_shape(shape: Sequence[int]) -> str:
    """(14, 14, 6) -> "14 x 14 x 6"; (120,) -> "120"."""
    return " x ".join(f"{n:,}" for n in shape)


def shape_flow(rows: Sequence) -> go.Figure:
    """Two rows of bars, one bar per layer (check_stack's rows: index, name, output_shape, error).

    Top: the width and height of each layer's output picture (flat layers have none).
    Bottom: how many channels (feature maps) it has, or how many numbers a flat layer holds,
    on a log scale so 6 channels and 3,136 numbers both show. A layer with an error gets a red mark.
    """
    layout = grid(2, 1, ("Width x height of the output picture", "Channels (feature maps), or numbers in a flat layer"),
                  shared_xaxes=True, vertical_spacing=0.12)
    labels, sides, side_text, depths, depth_text, colours, problems = [], [], [], [], [], [], []
    for row in rows:
        label = f"{row.index} {row.name}" if row.index else row.name
        labels.append(label)
        shape = tuple(row.output_shape)
        colours.append(MISTAKE if row.error else KIND_COLOURS.get(_kind(row.name), "#7f7f7f"))
        if row.error or not shape:
            sides.append(None), side_text.append(""), depths.append(None), depth_text.append("")
            problems.append(label)
        elif len(shape) == 3:
            sides.append(shape[0]), side_text.append(f"{shape[0]}x{shape[1]}")
            depths.append(shape[2]), depth_text.append(f"{shape[2]:,} ch")
        else:
            sides.append(None), side_text.append("")
            depths.append(shape[0]), depth_text.append(f"{shape[0]:,}")
    bars = dict(type="bar", x=labels, textposition="outside", marker=dict(color=colours),
                hovertemplate="%{x}: %{text}<extra></extra>", cliponaxis=False)
    data = [dict(bars, y=sides, text=side_text, **axes(1, 1, 1)),
            dict(bars, y=depths, text=depth_text, **axes(2, 1, 1))]
    known = [s for s in sides if s]
    layout["yaxis"].update(range=[0, (max(known) if known else 1) * 1.25], title=dict(text="pixels"))
    layout["yaxis2"].update(type="log", dtick=1, title=dict(text="count"))  # ticks 1, 10, 100...
    for axis in ("xaxis", "xaxis2"):
        layout[axis].update(type="category", tickangle=-30)
    layout["annotations"] += [dict(x=label, y=0.5, xref="x", yref="y domain", text="✖ impossible", showarrow=False,
                                   font=dict(color=MISTAKE, size=14)) for label in problems]
    return figure(data, look(None, 460, showlegend=False, **layout))


def parameter_bars(rows: Sequence) -> go.Figure:
    """One bar per layer: how many parameters (learned numbers) it has. Layers without any show 0."""
    shown = [row for row in rows if row.index and not row.error]
    data = [dict(
        type="bar", x=[f"{row.index} {row.name}" for row in shown], y=[row.params for row in shown],
        text=[f"{row.params:,}" for row in shown], textposition="outside", cliponaxis=False,
        marker=dict(color=[KIND_COLOURS.get(_kind(row.name), "#7f7f7f") for row in shown]),
        hovertemplate="%{x}: %{y:,} parameters<extra></extra>")]
    top = max((row.params for row in shown), default=0)
    return figure(data, look("Parameters per layer", 360, y_title="parameters",
                             yaxis=dict(range=[0, max(1, top) * 1.2]), xaxis=dict(type="category", tickangle=-30)))
