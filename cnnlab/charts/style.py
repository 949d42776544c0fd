"""One look for every chart: readable when projected in a classroom, compact on a laptop."""
from __future__ import annotations

import plotly.graph_objects as go

# Colours used for the same meaning everywhere: training vs validation vs test.
TRAINING = "#1f77b4"
VALIDATION = "#ff7f0e"
TEST = "#2ca02c"
MISTAKE = "#d62728"


def styled(fig: go.Figure, title: str | None = None, height: int = 340,
           x_title: str | None = None, y_title: str | None = None) -> go.Figure:
    fig.update_layout(
        title=dict(text=title) if title else None,
        height=height,
        margin=dict(l=10, r=10, t=50 if title else 20, b=10),
        font=dict(size=14),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1),
    )
    if x_title is not None:
        fig.update_xaxes(title_text=x_title)
    if y_title is not None:
        fig.update_yaxes(title_text=y_title)
    return fig

# Colour scales safe for colour-blind viewers. Signed values (weights, sums before an activation):
# blue for negative, white for zero (always the middle, see `zmid`), orange for positive; light
# enough at both ends for black numbers written in the cells.
DIVERGING = [[0.0, "#2f6fae"], [0.25, "#92c0df"], [0.5, "#f7f7f7"], [0.75, "#fbb869"], [1.0, "#d95f0e"]]
SEQUENTIAL = "Cividis"  # values that are never negative (after ReLU, pooled maps, probabilities)
PICTURE = [[0.0, "#000000"], [1.0, "#ffffff"]]  # a grey picture as it is: 0 black, 1 white
# Outlines on top of any of the scales above: the window, the chosen cell, the receptive field.
HIGHLIGHT = "#D81B60"
SECOND_HIGHLIGHT = "#FFC107"
