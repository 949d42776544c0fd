"""The loss curve of a run with the moment of one time-lapse snapshot marked on it."""
from __future__ import annotations

from typing import Sequence

import plotly.graph_objects as go

from cnnlab.charts.style import TRAINING, VALIDATION, styled


def loss_with_marker(history: Sequence[dict], epoch: float, label: str, last_epoch: float) -> go.Figure:
    """Training and validation loss per epoch; a vertical line where the snapshot shown was taken."""
    fig = go.Figure()
    epochs = [float(h.get("epoch", i + 1)) for i, h in enumerate(history)]
    for key, name, colour, dash in (("loss", "training", TRAINING, "dash"), ("val_loss", "validation", VALIDATION,
                                                                             "solid")):
        values = [h.get(key) for h in history]
        if any(v is not None for v in values):
            fig.add_trace(go.Scatter(x=epochs, y=values, mode="lines+markers", name=name,
                                     line=dict(color=colour, dash=dash, width=2),
                                     hovertemplate=f"{name} loss %{{y:.3f}} after epoch %{{x}}<extra></extra>"))
    fig.add_vline(x=epoch, line_color="#333333", line_width=2, annotation_text=label,
                  annotation_position="top right" if epoch < last_epoch * 0.7 else "top left")
    fig.update_xaxes(range=[-0.05 * max(last_epoch, 1), max(last_epoch, 1) * 1.05], title_text="epoch",
                     fixedrange=True)
    fig.update_yaxes(rangemode="tozero", fixedrange=True)
    return styled(fig, None, height=320, y_title="loss (lower is better)")
