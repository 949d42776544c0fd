"""Clickable cells on a Plotly heatmap.

Plotly cannot report a click on a heatmap cell to Streamlit, but it can on markers: an invisible
square marker sits on every cell, carrying the cell's coordinates as its customdata. A page draws
the chart with `on_select="rerun"` and reads the clicked cell back with `clicked_customdata`.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np


def cell_markers(xs: Sequence, ys: Sequence, customdata, hovertext: Sequence[str] | None, size: int,
                 xaxis: str = "x", yaxis: str = "y", hovertemplate: str | None = None) -> dict:
    """A scatter trace (as a dict) of invisible squares, one per cell at (xs[i], ys[i]), each
    carrying customdata[i]. NumPy arrays are kept as they are (sent compactly, and cheap to copy:
    a big map redraws while a slider moves); the page reads them back either way."""
    trace = dict(
        type="scatter", x=xs, y=ys, mode="markers", xaxis=xaxis, yaxis=yaxis,
        marker=dict(symbol="square", size=size, color="rgba(0,0,0,0)"),
        customdata=customdata if isinstance(customdata, np.ndarray) else [list(data) for data in customdata],
        showlegend=False, name="cells",
    )
    if hovertemplate is not None:
        trace["hovertemplate"] = hovertemplate
    elif hovertext is not None:
        trace["hovertext"], trace["hoverinfo"] = list(hovertext), "text"
    else:
        trace["hoverinfo"] = "none"
    return trace


def clicked_customdata(event) -> list | None:
    """The customdata of the last point clicked in a chart's selection event (what
    `st.session_state[chart_key]` holds), or None when nothing is selected."""
    points = ((event or {}).get("selection") or {}).get("points") or []
    clicked = None
    for point in points:
        data = point.get("customdata")
        if data is not None:
            clicked = list(data.values()) if isinstance(data, dict) else list(data)
    return clicked
