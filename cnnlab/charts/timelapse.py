"""The loss curve of a run with the moment of one time-lapse snapshot marked on it."""
from __future__ import annotations

from typing import Sequence

import plotly.graph_objects as go

from cnnlab.charts.style import TRAINING, VALIDATION, figure, look, vline, vline_label


def loss_with_marker(history: Sequence[dict], epoch: float, label: str, last_epoch: float) -> go.Figure:
    """Training and validation loss per epoch; a vertical line where the snapshot shown was taken."""
    data = []
    epochs = [float(h.get("epoch", i + 1)) for i, h in enumerate(history)]
    for key, name, colour, dash in (("loss", "training", TRAINING, "dash"), ("val_loss", "validation", VALIDATION,
                                                                             "solid")):
        values = [h.get(key) for h in history]
        if any(v is not None for v in values):
            data.append(dict(type="scatter", x=epochs, y=values, mode="lines+markers", name=name,
                             line=dict(color=colour, dash=dash, width=2),
                             hovertemplate=f"{name} loss %{{y:.3f}} after epoch %{{x}}<extra></extra>"))
    # The label goes on the side of the line with more room.
    note = vline_label(epoch, label, "left" if epoch < last_epoch * 0.7 else "right", "top")
    line = vline(epoch, dict(color="#333333", width=2))
    return figure(data, look(None, 320, y_title="loss (lower is better)", shapes=[line], annotations=[note],
                             yaxis=dict(rangemode="tozero", fixedrange=True),
                             xaxis=dict(range=[-0.05 * max(last_epoch, 1), max(last_epoch, 1) * 1.05],
                                        title=dict(text="epoch"), fixedrange=True)))
