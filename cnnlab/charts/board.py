"""The class board's chart: each run's test accuracy against its size, one colour per dataset."""
from __future__ import annotations

from typing import Sequence

import plotly.graph_objects as go

from cnnlab.charts.style import figure, look

# Okabe-Ito colours: told apart by colour-blind viewers too. Marker shapes differ as well.
DATASET_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
SYMBOLS = ("circle", "diamond", "square", "triangle-up", "cross", "x", "star")


def accuracy_vs_parameters(rows: Sequence, chosen: str | None = None) -> go.Figure:
    """One point per run with a test accuracy: parameters (log scale) across, accuracy up;
    hover names the student and the network. `chosen` (a run id) gets a ring."""
    data = []
    measured = [r for r in rows if r.test_accuracy is not None and r.parameters > 0]
    for i, dataset in enumerate(sorted({r.dataset for r in measured})):
        group = [r for r in measured if r.dataset == dataset]
        data.append(dict(
            type="scatter", x=[r.parameters for r in group], y=[r.test_accuracy for r in group], mode="markers",
            name=dataset,
            marker=dict(size=12, color=DATASET_COLOURS[i % len(DATASET_COLOURS)], symbol=SYMBOLS[i % len(SYMBOLS)],
                        line=dict(width=1, color="white")),
            customdata=[r.run_id for r in group],
            hovertext=[f"{r.nickname}: {r.architecture} on {r.dataset}<br>{r.parameters:,} parameters, "
                       f"{r.test_accuracy:.1%} test accuracy, {r.epochs} epoch(s)" for r in group],
            hoverinfo="text"))
    picked = [r for r in measured if r.run_id == chosen]
    if picked:
        data.append(dict(type="scatter", x=[picked[0].parameters], y=[picked[0].test_accuracy], mode="markers",
                         marker=dict(size=22, color="rgba(0,0,0,0)", line=dict(width=3, color="#000000")),
                         hoverinfo="skip", showlegend=False, name="chosen"))
    return figure(data, look("Test accuracy against network size", 380,
                             x_title="parameters (log scale: each step is 10 times more)", y_title="test accuracy",
                             xaxis=dict(type="log"), yaxis=dict(tickformat=".1%")))
