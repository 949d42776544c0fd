"""Training charts: loss and accuracy per epoch, for one run as it trains and for runs compared.

Pure functions from a run's history (one dict per finished epoch, as `cnnlab.training` records
it) to Plotly figures. Training is always drawn in TRAINING's colour and validation in
VALIDATION's, the same as on every other page; when runs are compared, each run gets a colour
of its own and the line style tells training (dashed) from validation (solid).
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import plotly.graph_objects as go

from cnnlab.charts.style import MISTAKE, TEST, TRAINING, VALIDATION, axes, figure, grid, look

METRICS = {"accuracy": "Accuracy (higher is better)", "loss": "Loss (lower is better)"}
CURVES = {"validation": "val_", "training": ""}  # which set -> prefix of its key in the history
# One colour per compared run (at most four), none of them the training/validation colours.
RUN_COLOURS = ("#7b3294", "#008837", "#d6604d", "#2166ac")
FIRST_POINT_NOTE = "The first point appears when epoch 1 ends."


def _value(epoch: dict, key: str) -> float | None:
    value = epoch.get(key)
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def _series(history: Sequence[dict], key: str) -> tuple[list[int], list[float | None]] | None:
    """Epoch numbers and values of one curve; None if the history has no such curve at all
    (e.g. validation when the run kept no validation set)."""
    values = [_value(h, key) for h in history]
    if not any(v is not None for v in values):
        return None
    return [int(h.get("epoch", i + 1)) for i, h in enumerate(history)], values


def _epoch_axis(last_epoch: int, start: float = 0.5) -> dict:
    # Whole epochs only, at round numbers (5, 10, 15...) when there are many; the axis already
    # spans every planned epoch, so a live curve grows into it.
    step = next((s for s in (1, 2, 5, 10, 20, 50) if last_epoch <= 10 * s), 100)
    return dict(title=dict(text="epoch"), range=[start, max(last_epoch, 1) + 0.5], tick0=0 if step > 1 else 1,
                dtick=step)


def batch_position(point: dict) -> float:
    """Where a batch sits on the epoch axis: batch 30 of 60 in epoch 2 is at 1.5, and the last
    batch of epoch 2 at 2.0, where the point of epoch 2 is drawn."""
    return int(point["epoch"]) - 1 + int(point["batch"]) / max(int(point["batches"]), 1)


def _batch_traces(batches: Sequence[dict], blew_up: bool, guess_loss: float | None) -> tuple[list, list]:
    """The epoch in progress (or the one cut short), batch by batch: a thin line after the epoch points.
    Returns traces and annotations.

    For a run that blew up, the last batch it reached is marked: its loss may be enormous, or no
    number at all (infinity, NaN), so the marker sits at the last loss that was still a number;
    a dashed line shows the loss of guessing at random, where every network starts, for scale."""
    xs = [batch_position(b) for b in batches]
    traces, notes = [], []
    for col, metric in ((1, "loss"), (2, "accuracy")):
        ys = [_value(b, metric) for b in batches]
        traces.append(dict(
            type="scatter", x=xs, y=ys, name="training, batch by batch", legendgroup="batches", showlegend=col == 1,
            mode="lines+markers", line=dict(color=TRAINING, width=1.5), marker=dict(size=4), opacity=0.55,
            hovertemplate=f"training {metric} so far this epoch, epoch %{{x:.2f}}: "
                          f"%{{y:{'.1%' if metric == 'accuracy' else '.4g'}}}<extra></extra>", **axes(1, col, 2)))
    if not blew_up:
        return traces, notes
    if guess_loss is not None and math.isfinite(guess_loss):
        traces.append(dict(
            type="scatter", x=[0, max(xs + [1])], y=[guess_loss] * 2, name=f"guessing at random ({guess_loss:.2f})",
            legendgroup="guess", mode="lines", line=dict(color="#777777", width=1.5, dash="dash"),
            hovertemplate=f"guessing at random: {guess_loss:.2f}<extra></extra>", **axes(1, 1, 2)))
    finite = [(x, y) for x, y in zip(xs, (_value(b, "loss") for b in batches)) if y is not None]
    if finite:
        x, y = finite[-1]
        last = batches[-1].get("loss")
        said = f"{last:.3g}" if isinstance(last, (int, float)) and math.isfinite(last) else "not a number"
        traces.append(dict(
            type="scatter", x=[x], y=[y], name="blew up here", legendgroup="blew-up", mode="markers",
            marker=dict(symbol="x", size=14, color=MISTAKE, line=dict(width=2)),
            hovertemplate=f"the loss blew up here: {said}<extra></extra>", **axes(1, 1, 2)))
        notes.append(dict(x=x, y=math.log10(y) if y > 0 else y, xref="x", yref="y", text=f"blew up: loss {said}",
                          showarrow=True, arrowhead=2, ax=40, ay=30, xanchor="left",
                          font=dict(color=MISTAKE, size=13)))
    return traces, notes


def training_curves(history: Sequence[dict], epochs: int | None = None,
                    test_loss: float | None = None, test_accuracy: float | None = None,
                    height: int = 360, batches: Sequence[dict] = (), blew_up: bool = False,
                    guess_loss: float | None = None) -> go.Figure:
    """Loss (left) and accuracy (right) per epoch, training and validation.

    `epochs`: how many epochs are planned; the x axis spans them all, so a live chart grows
    from left to right. `batches`: the batch reports of the epoch in progress (or of the one a
    stopped or diverged run did not finish), drawn as a thin line from the last epoch point on,
    so the chart moves from the first batch; `blew_up` marks where the loss exploded (and draws
    `guess_loss`, the loss of guessing at random, for scale, on a log axis). With neither
    epochs nor batches yet, the axes are drawn with a note saying when the first point appears.
    Test results, when given, are drawn as dotted lines.
    """
    batches = [b for b in batches or () if isinstance(b, dict) and {"epoch", "batch", "batches"} <= b.keys()]
    layout = grid(1, 2, (METRICS["loss"], METRICS["accuracy"]), horizontal_spacing=0.1)
    data: list[dict] = []
    last_epoch = max([epochs or 0] + [int(h.get("epoch", i + 1)) for i, h in enumerate(history)])
    for col, metric in ((1, "loss"), (2, "accuracy")):
        for curve in ("training", "validation"):
            series = _series(history, CURVES[curve] + metric)
            if series is None:
                continue
            colour = TRAINING if curve == "training" else VALIDATION
            data.append(dict(
                type="scatter", x=series[0], y=series[1], name=curve, legendgroup=curve, showlegend=col == 1,
                mode="lines+markers", line=dict(color=colour, width=3), marker=dict(size=8),
                hovertemplate=f"{curve} {metric}, epoch %{{x}}: %{{y:{'.1%' if metric == 'accuracy' else '.4f'}}}"
                              "<extra></extra>", **axes(1, col, 2)))
        test_value = test_loss if metric == "loss" else test_accuracy
        if history and test_value is not None and math.isfinite(test_value):
            data.append(dict(
                type="scatter", x=[0.5, last_epoch + 0.5], y=[test_value] * 2, name="test (after training)",
                legendgroup="test", showlegend=col == 1, mode="lines", line=dict(color=TEST, width=2, dash="dot"),
                hovertemplate=f"test {metric}: %{{y:{'.1%' if metric == 'accuracy' else '.4f'}}}<extra></extra>",
                **axes(1, col, 2)))
    if batches:
        last_epoch = max(last_epoch, max(int(b["epoch"]) for b in batches))
        traces, notes = _batch_traces(batches, blew_up, guess_loss)
        data += traces
        layout["annotations"] += notes
        if blew_up:  # from about 2 to billions: only a log scale shows both
            layout["yaxis"].update(type="log", title=dict(text="log scale"))
    for x in ("xaxis", "xaxis2"):
        layout[x].update(_epoch_axis(last_epoch, start=0 if batches else 0.5))
    layout["yaxis2"]["tickformat"] = ".0%"
    if not history and not batches:
        # Empty axes would look broken: give them a sensible range and say what is coming. Plotly
        # draws a subplot's axes only when it holds a trace, so each gets an empty one.
        for col in (1, 2):
            data.append(dict(type="scatter", x=[], y=[], showlegend=False, hoverinfo="skip", **axes(1, col, 2)))
        layout["yaxis"]["range"] = [0, 2.5]
        layout["yaxis2"]["range"] = [0, 1]
        for n in ("", "2"):
            layout["annotations"].append(dict(text=FIRST_POINT_NOTE, xref=f"x{n} domain", yref=f"y{n} domain",
                                              x=0.5, y=0.5, showarrow=False, font=dict(size=15, color="#666")))
    return figure(data, look(None, height, **layout, margin=dict(l=10, r=10, t=40, b=10),
                             legend=dict(orientation="h", yanchor="top", y=-0.2, xanchor="center", x=0.5)))


def compare_runs(runs: Sequence[Any], metric: str = "accuracy",
                 curves: Sequence[str] = ("validation", "training"), height: int = 460) -> go.Figure:
    """The chosen curves of several runs overlaid: one colour per run, validation solid and
    training dashed. `runs` are `cnnlab.runs.Run`s (anything with `.title` and `.history`)."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
    unknown = [c for c in curves if c not in CURVES]
    if unknown:
        raise ValueError(f"curves must be among {', '.join(CURVES)}, got {unknown}")
    data: list[dict] = []
    last_epoch = 1
    for run, colour in zip(runs, RUN_COLOURS):
        for curve in curves:
            series = _series(run.history, CURVES[curve] + metric)
            if series is None:
                continue
            last_epoch = max(last_epoch, max(series[0]))
            data.append(dict(
                type="scatter", x=series[0], y=series[1], name=curve, legendgroup=run.title,
                legendgrouptitle=dict(text=run.title), mode="lines+markers",
                line=dict(color=colour, width=3, dash="solid" if curve == "validation" else "dash"),
                marker=dict(size=7, symbol="circle" if curve == "validation" else "circle-open"),
                hovertemplate=f"{run.title}<br>{curve} {metric}, epoch %{{x}}: "
                              f"%{{y:{'.1%' if metric == 'accuracy' else '.4f'}}}<extra></extra>"))
    yaxis = dict(tickformat=".0%") if metric == "accuracy" else {}
    layout = dict(xaxis=_epoch_axis(last_epoch), yaxis=yaxis)
    if not data:
        layout["annotations"] = [dict(text="Pick runs that finished at least one epoch to see their curves.",
                                      xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
                                      font=dict(size=15, color="#666"))]
        yaxis["range"] = [0, 1] if metric == "accuracy" else [0, 2.5]
    # Run titles are long: list them below the chart, one group per run.
    return figure(data, look(METRICS[metric], height, y_title=metric, **layout,
                             legend=dict(orientation="h", yanchor="top", y=-0.18, xanchor="left", x=0,
                                         groupclick="toggleitem")))
