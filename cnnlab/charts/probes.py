"""The invariance sweep: how sure the network is of each class as a picture is turned, moved or
resized step by step."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from cnnlab.charts.style import figure, look, vline, vline_label

# Okabe-Ito: told apart by people with any common colour-vision deficiency.
CLASS_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
OTHER_CLASSES = "#c7c7c7"
SHOWN_CLASSES = 4  # the classes that ever come near the top get a colour; the rest stay grey


def classes_worth_showing(probs: np.ndarray, first: int, k: int = SHOWN_CLASSES) -> list[int]:
    """`first` (the class of the unchanged picture), then the classes that reach the highest
    probability anywhere in the sweep, up to k in all."""
    peaks = np.asarray(probs).max(axis=0)
    others = [int(i) for i in np.argsort(-peaks, kind="stable") if int(i) != first and peaks[i] >= 0.05]
    return [first, *others[:k - 1]]


def sweep_chart(values: Sequence[float], probs: np.ndarray, classes: Sequence[str], first: int,
                x_title: str, recognised: tuple[float, float] | None = None, current: float | None = None,
                threshold: float = 0.5) -> go.Figure:
    """One line per class: its probability (y) at each value of the change (x). The band marks the
    values where the unchanged picture's class stays on top; the dotted line the slider's value."""
    values, probs = np.asarray(values, dtype=np.float64), np.asarray(probs, dtype=np.float64)
    shown = classes_worth_showing(probs, first)
    data, shapes, notes = [], [], []
    if recognised is not None:
        shapes.append(dict(type="rect", x0=recognised[0], x1=recognised[1], xref="x", y0=0, y1=1, yref="y domain",
                           fillcolor="#009E73", opacity=0.12, line=dict(width=0), layer="below"))
        notes.append(vline_label(recognised[0], f"still read as {classes[first]}", "left", "top", font=dict(size=12)))
    for i in range(len(classes)):
        if i in shown:
            continue
        data.append(dict(type="scatter", x=values, y=probs[:, i], mode="lines",
                         line=dict(color=OTHER_CLASSES, width=1), name="other classes", legendgroup="other",
                         showlegend=False, hovertemplate=f"{classes[i]}: %{{y:.0%}} at %{{x}}<extra></extra>"))
    for rank, i in enumerate(shown):
        data.append(dict(
            type="scatter", x=values, y=probs[:, i], mode="lines+markers", name=str(classes[i]),
            line=dict(color=CLASS_COLOURS[rank % len(CLASS_COLOURS)], width=3 if i == first else 2,
                      dash="solid" if rank == 0 else ("dash", "dot", "dashdot")[(rank - 1) % 3]),
            marker=dict(size=5), hovertemplate=f"{classes[i]}: %{{y:.0%}} at %{{x}}<extra></extra>"))
    shapes.append(dict(type="line", x0=0, x1=1, xref="x domain", y0=threshold, y1=threshold, yref="y",
                       line=dict(dash="dot", color="#555555"), layer="below"))
    if current is not None:
        shapes.append(vline(current, dict(dash="dot", color="#333333")))
    return figure(data, look(None, 340, x_title=x_title, y_title="probability", shapes=shapes, annotations=notes,
                             yaxis=dict(range=[0, 1.05], tickformat=".0%", fixedrange=True),
                             xaxis=dict(fixedrange=True)))
