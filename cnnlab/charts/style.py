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
