"""One look for every chart: readable when projected in a classroom, compact on a laptop.

Charts are built as plain dicts and turned into figures by `figure`, without Plotly's
validation: building them through Plotly's objects (`add_trace`, `update_layout`...) took most of
the web server's time with a class of 30 (the training chart: ~35 ms that way, ~2 ms this way).
The tests validate every chart once (tests/test_charts_valid.py)."""
from __future__ import annotations

import copy
import functools
from typing import Sequence

import plotly.graph_objects as go

# Colours used for the same meaning everywhere: training vs validation vs test.
TRAINING = "#1f77b4"
VALIDATION = "#ff7f0e"
TEST = "#2ca02c"
MISTAKE = "#d62728"


def look(title: str | None = None, height: int = 340, x_title: str | None = None,
         y_title: str | None = None, **layout) -> dict:
    """The layout every chart shares, as a dict; `layout` adds to it (axes, bar mode...) and wins."""
    base = dict(height=height, margin=dict(l=10, r=10, t=50 if title else 20, b=10), font=dict(size=14),
                legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1))
    if title:
        base["title"] = dict(text=title)
    for axis, text in (("xaxis", x_title), ("yaxis", y_title)):
        if text is not None:
            base[axis] = dict(title=dict(text=text))
    for key, value in layout.items():
        if value == []:
            continue  # no shapes or notes: left out, as Plotly itself would
        base[key] = {**base[key], **value} if isinstance(base.get(key), dict) and isinstance(value, dict) else value
    return base


def figure(data: Sequence[dict], layout: dict) -> go.Figure:
    """A figure from plain dicts (traces with their "type", and a layout), not validated: see above."""
    return go.Figure(dict(data=list(data), layout=layout), _validate=False)


@functools.lru_cache(maxsize=8)
def _grid(rows: int, cols: int, titles: tuple[str, ...], spacing: tuple) -> dict:
    from plotly.subplots import make_subplots

    layout = make_subplots(rows=rows, cols=cols, subplot_titles=titles, **dict(spacing)).layout.to_plotly_json()
    layout.pop("template", None)
    return layout


def grid(rows: int, cols: int, titles: Sequence[str], **spacing) -> dict:
    """The axes and titles of a grid of charts (Plotly's make_subplots), as a layout dict of one's own:
    made once, as it costs ~10 ms. Chart (r, c) draws on axes "x{n}"/"y{n}", n = (r - 1) * cols + c
    ("x"/"y" for the first)."""
    return copy.deepcopy(_grid(rows, cols, tuple(titles), tuple(sorted(spacing.items()))))


def axes(row: int, col: int, cols: int) -> dict:
    """The axes a trace in chart (row, col) of a `grid` draws on."""
    n = (row - 1) * cols + col
    return dict(xaxis=f"x{n if n > 1 else ''}", yaxis=f"y{n if n > 1 else ''}")


def vline(x: float, line: dict, **more) -> dict:
    """A vertical line at x across the whole height of the chart (a shape)."""
    return dict(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="y domain", line=line, **more)


def vline_label(x: float, text: str, xanchor: str, yanchor: str, **more) -> dict:
    """A label at the top of a vertical line at x: xanchor "left" puts it right of the line, "right"
    left of it; yanchor "bottom" above the chart, "top" inside it."""
    return dict(text=text, x=x, xref="x", y=1, yref="y domain", xanchor=xanchor, yanchor=yanchor, showarrow=False,
                **more)


# Colour scales safe for colour-blind viewers. Signed values (weights, sums before an activation):
# blue for negative, white for zero (always the middle, see `zmid`), orange for positive; light
# enough at both ends for black numbers written in the cells.
DIVERGING = [[0.0, "#2f6fae"], [0.25, "#92c0df"], [0.5, "#f7f7f7"], [0.75, "#fbb869"], [1.0, "#d95f0e"]]
SEQUENTIAL = "Cividis"  # values that are never negative (after ReLU, pooled maps, probabilities)
PICTURE = [[0.0, "#000000"], [1.0, "#ffffff"]]  # a grey picture as it is: 0 black, 1 white
# Outlines on top of any of the scales above: the window, the chosen cell, the receptive field.
HIGHLIGHT = "#D81B60"
SECOND_HIGHLIGHT = "#FFC107"
