"""Charts of the Learn pages: maps of numbers with outlines on them (a kernel's window, a pooling
window, a receptive field), small grids with their numbers written in, activation curves, the
flattened strip, and bars for scores and probabilities.

A map is a `Panel`; `panels_figure` lays several side by side (picture | kernel | products).
Like every chart, they are built from plain dicts (`style.figure` says why; here ~5 ms per map
instead of ~16 ms), which matters most for these: they are redrawn while a slider moves.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from cnnlab.charts.cells import cell_markers
from cnnlab.charts.style import (
    DIVERGING,
    HIGHLIGHT,
    PICTURE,
    SECOND_HIGHLIGHT,
    SEQUENTIAL,
    TEST,
    TRAINING,
    figure,
    look,
)

CHANNEL_SCALES = {"red": "Reds", "green": "Greens", "blue": "Blues"}  # one colour channel of a photo


@dataclass(frozen=True)
class Box:
    """An outline around the cells top..bottom, left..right (inclusive, in the panel's coordinates)."""

    top: float
    bottom: float
    left: float
    right: float
    colour: str = HIGHLIGHT
    dash: str = "solid"
    width: float = 3


@dataclass
class Panel:
    """One map of numbers (H, W), or a colour picture (H, W, 3) of 0..255 when scale="rgb".

    scale: "signed" (blue-white-orange, zero in the middle), "sequential" (cividis), "picture"
    (black 0 to white 1), "red"/"green"/"blue" (one channel of a photo), "rgb", or "auto" (signed
    when a value is negative). row0/col0: the coordinates of the top-left value (negative when the
    map includes padding). NaN cells are left empty."""

    values: np.ndarray
    title: str = ""
    scale: str = "auto"
    zrange: tuple[float, float] | None = None
    row0: int = 0
    col0: int = 0
    boxes: Sequence[Box] = ()
    marks: Sequence[tuple[int, int]] = ()  # cells marked with a dot (e.g. the taps of a dilated kernel)
    numbers: str | None = None  # a format such as ".2f" to write each value in its cell
    clickable: bool = False  # invisible markers on every cell, customdata [row, col]
    colorbar: bool = False
    hover: str = "value"
    hover_text: np.ndarray | None = field(default=None, repr=False)  # (H, W) strings replacing the default hover


def _scale(panel: Panel, values: np.ndarray) -> dict:
    finite = values[np.isfinite(values)] if values.size else values
    scale = panel.scale
    if scale == "auto":
        scale = "signed" if finite.size and finite.min() < 0 else "sequential"
    if scale == "signed":
        top = float(np.abs(finite).max()) if finite.size else 1.0
        low, high = panel.zrange or (-(top or 1.0), top or 1.0)
        return dict(colorscale=DIVERGING, zmin=low, zmax=high, zmid=0)
    if scale == "picture":
        low, high = panel.zrange or (0.0, 1.0)
        return dict(colorscale=PICTURE, zmin=low, zmax=high)
    if scale in CHANNEL_SCALES:
        low, high = panel.zrange or (0.0, 1.0)
        return dict(colorscale=CHANNEL_SCALES[scale], reversescale=False, zmin=low, zmax=high)
    low, high = panel.zrange or ((float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0))
    return dict(colorscale=SEQUENTIAL, zmin=low, zmax=high if high > low else low + 1)


def _number_colour(panel: Panel, values: np.ndarray, scale: dict) -> str:
    """Black or white numbers, whichever reads better on most cells."""
    if panel.scale == "rgb":
        return "black"
    low, high = scale.get("zmin", 0.0), scale.get("zmax", 1.0)
    middle = np.nanmean(np.clip((values - low) / ((high - low) or 1), 0, 1)) if values.size else 0.5
    if scale["colorscale"] is DIVERGING:
        return "black"
    if scale["colorscale"] is PICTURE:
        return "black" if middle > 0.5 else "white"
    return "black" if middle > 0.45 else "white"


def panels_figure(panels: Sequence[Panel], height: int = 320, title: str | None = None,
                  gap: float = 0.06) -> go.Figure:
    """Maps side by side, each with square cells, its title below it, its outlines and marks."""
    return figure(**_panels(panels, height, title, gap))


def _panels(panels: Sequence[Panel], height: int, title: str | None, gap: float) -> dict:
    n = len(panels)
    width = (1 - gap * (n - 1)) / n
    data: list[dict] = []
    layout: dict = dict(height=height, margin=dict(l=10, r=10, t=40 if title else 10, b=10), font=dict(size=13),
                        hovermode="closest", showlegend=False, plot_bgcolor="#e8e8e8",
                        title=dict(text=title) if title else None, shapes=[], clickmode="event+select",
                        # No Plotly template: Streamlit's theme styles the chart anyway, and copying
                        # Plotly's default template made up most of the time to send a small map.
                        dragmode=False, template="none")
    for i, panel in enumerate(panels):
        suffix = "" if i == 0 else str(i + 1)
        x_name, y_name = f"x{suffix}", f"y{suffix}"
        values = np.asarray(panel.values)
        rows, cols = values.shape[:2]
        xs = np.arange(panel.col0, panel.col0 + cols)
        ys = np.arange(panel.row0, panel.row0 + rows)
        hover_off = panel.clickable
        if panel.scale == "rgb":
            data.append(dict(type="image", z=np.asarray(values, np.uint8), x0=panel.col0, y0=panel.row0, dx=1, dy=1,
                             xaxis=x_name, yaxis=y_name, hoverinfo="skip" if hover_off else None,
                             hovertemplate=None if hover_off else "row %{y}, column %{x}: RGB %{z}<extra></extra>"))
        else:
            # NumPy arrays, not lists: Plotly sends them as compact binary, and copying them is cheap.
            values = values.astype(float)
            scale = _scale(panel, values)
            trace = dict(type="heatmap", z=values, x=xs, y=ys, xaxis=x_name, yaxis=y_name, showscale=panel.colorbar,
                         **scale)
            if panel.colorbar:
                trace["colorbar"] = dict(thickness=12, len=0.9, x=(i + 1) * width + i * gap + 0.005)
            if hover_off:
                trace["hoverinfo"] = "skip"
            elif panel.hover_text is not None:
                trace["text"], trace["hoverinfo"] = np.asarray(panel.hover_text).tolist(), "text"
            else:
                trace["hovertemplate"] = f"row %{{y}}, column %{{x}}<br>{panel.hover}: %{{z:.3f}}<extra></extra>"
            if panel.numbers:
                trace["texttemplate"] = f"%{{z:{panel.numbers}}}"
                trace["textfont"] = dict(size=12 if cols <= 5 else 10, color=_number_colour(panel, values, scale))
            data.append(trace)
        domain = [i * (width + gap), i * (width + gap) + width]
        layout[f"xaxis{suffix}"] = dict(domain=domain, range=[panel.col0 - 0.5, panel.col0 + cols - 0.5],
                                        showgrid=False, zeroline=False, constrain="domain", anchor=y_name,
                                        title=dict(text=panel.title, font=dict(size=13)) if panel.title else None,
                                        tickfont=dict(size=10), side="bottom")
        layout[f"yaxis{suffix}"] = dict(range=[panel.row0 + rows - 0.5, panel.row0 - 0.5], scaleanchor=x_name,
                                        showgrid=False, zeroline=False, constrain="domain", anchor=x_name,
                                        tickfont=dict(size=10))
        for box in panel.boxes:
            layout["shapes"].append(dict(type="rect", xref=x_name, yref=y_name, x0=box.left - 0.5, x1=box.right + 0.5,
                                         y0=box.top - 0.5, y1=box.bottom + 0.5,
                                         line=dict(color=box.colour, width=box.width, dash=box.dash)))
        if panel.marks:
            data.append(dict(type="scatter", x=np.array([c for _, c in panel.marks]),
                             y=np.array([r for r, _ in panel.marks]),
                             mode="markers", xaxis=x_name, yaxis=y_name, hoverinfo="skip",
                             marker=dict(symbol="circle", size=7, color=SECOND_HIGHLIGHT,
                                         line=dict(color="black", width=1))))
        if panel.clickable:
            grid_r, grid_c = (g.ravel() for g in np.meshgrid(ys, xs, indexing="ij"))
            plot_px = max(60, height - 60)
            size = int(max(4, min(40, 0.9 * plot_px / max(rows, cols * n))))
            if panel.scale == "rgb":
                custom, value = np.stack([grid_r, grid_c], axis=1), ""
            else:
                custom = np.stack([grid_r, grid_c, values.ravel()], axis=1)
                value = f"<br>{panel.hover}: %{{customdata[2]:.3f}}"
            data.append(cell_markers(grid_c, grid_r, custom, None, size, xaxis=x_name, yaxis=y_name,
                                     hovertemplate="row %{customdata[0]}, column %{customdata[1]}" + value
                                                   + "<br>click to choose this cell<extra></extra>"))
    return dict(data=data, layout=layout)


def kernel_panels(window: np.ndarray, kernel: np.ndarray, products: np.ndarray, channel_name: str = "") -> list[Panel]:
    """window x kernel = products, for one channel: three small grids with their numbers."""
    of = f" ({channel_name})" if channel_name else ""
    return [Panel(window, f"window of the picture{of}", "picture", zrange=(0, max(1.0, float(np.max(window)))),
                  numbers=".2f", hover="pixel"),
            Panel(kernel, f"× kernel weights{of}", "signed", numbers=".2f", hover="weight"),
            Panel(products, f"= products{of}", "signed", numbers=".2f", hover="pixel × weight")]


# --- Activation -----------------------------------------------------------------------------

def activation_curves(curves: dict[str, tuple[np.ndarray, np.ndarray]], chosen: str,
                      labels: dict[str, str] | None = None, height: int = 320) -> go.Figure:
    """Each activation function as a curve; the chosen one thick, the others thin and grey."""
    labels = labels or {}
    data = []
    for name, (x, y) in curves.items():
        strong = name == chosen
        data.append(dict(type="scatter", x=x, y=y, mode="lines", name=labels.get(name, name),
                         line=dict(width=4 if strong else 1.5, color=TRAINING if strong else "#9a9a9a",
                                   dash="solid" if strong else "dot"),
                         hovertemplate=f"{labels.get(name, name)}(%{{x:.2f}}) = %{{y:.3f}}<extra></extra>"))
    layout = dict(xaxis=dict(zeroline=True, zerolinecolor="#444", title=dict(text="input: the weighted sum")),
                  yaxis=dict(zeroline=True, zerolinecolor="#444", title=dict(text="output"), range=[-2, 5]))
    return figure(data, look(None, height, **layout))


# --- Flatten and dense ------------------------------------------------------------------------

def strip_figure(vector: np.ndarray, hover: Sequence[str], chosen: int | None = None, height: int = 170,
                 title: str | None = None, signed: bool | None = None) -> go.Figure:
    """A vector as one long coloured strip (a 1 x N map), the chosen number outlined."""
    vector = np.asarray(vector, float)
    panel = Panel(vector[None, :], "", "signed" if signed or (signed is None and vector.min() < 0) else "sequential",
                  hover_text=np.asarray(hover)[None, :], colorbar=True,
                  boxes=[Box(0, 0, chosen, chosen, width=2)] if chosen is not None else ())
    spec = _panels([panel], height, title, 0.0)
    # A strip is far wider than tall: it fills the width instead of keeping square cells.
    spec["layout"]["yaxis"].update(scaleanchor=None, showticklabels=False)
    spec["layout"]["xaxis"]["title"] = dict(text="position in the strip")
    return figure(**spec)


# --- Scores, probabilities, loss ----------------------------------------------------------------

def score_bars(classes: Sequence[str], logits: np.ndarray, height: int = 300) -> go.Figure:
    """The raw scores (logits), one bar per class; negative ones point left."""
    logits = np.asarray(logits, float)
    data = [dict(type="bar", x=logits.tolist(), y=list(map(str, classes)), orientation="h",
                 marker=dict(color=[TRAINING if v >= 0 else "#6baed6" for v in logits]),
                 text=[f"{v:.2f}" for v in logits], textposition="auto",
                 hovertemplate="%{y}: score %{x:.3f}<extra></extra>")]
    layout = dict(yaxis=dict(type="category", autorange="reversed"), xaxis=dict(zeroline=True, zerolinecolor="#444"))
    return figure(data, look(None, height, x_title="raw score (logit)", **layout))


def probability_bars(classes: Sequence[str], probabilities: np.ndarray, target: np.ndarray,
                     height: int = 300) -> go.Figure:
    """The probabilities as bars beside the one-hot target (outlined bars: 1 for the true class)."""
    probs = np.asarray(probabilities, float)
    names = list(map(str, classes))
    data = [dict(type="bar", x=(probs * 100).tolist(), y=names, orientation="h", name="probability (softmax)",
                 marker=dict(color=TRAINING), text=[f"{p:.1%}" for p in probs], textposition="auto",
                 hovertemplate="%{y}: %{x:.2f}%<extra></extra>"),
            dict(type="bar", x=(np.asarray(target, float) * 100).tolist(), y=names, orientation="h",
                 name="one-hot: the true class", marker=dict(color="rgba(0,0,0,0)", line=dict(color=TEST, width=3)),
                 hovertemplate="%{y}: target %{x:.0f}%<extra></extra>")]
    layout = dict(barmode="overlay", yaxis=dict(type="category", autorange="reversed"),
                  xaxis=dict(range=[0, 100], ticksuffix="%"))
    return figure(data, look(None, height, x_title="probability", **layout))



def dead_unit_bars(names: Sequence[str], shares: Sequence[float], counts: Sequence[str],
                   height: int = 260) -> go.Figure:
    """The share of dead ReLU units of each layer."""
    data = [dict(type="bar", x=[s * 100 for s in shares], y=list(names), orientation="h", text=list(counts),
                 textposition="outside", cliponaxis=False, marker=dict(color=HIGHLIGHT),
                 hovertemplate="%{y}: %{x:.1f}% dead<extra></extra>")]
    layout = dict(yaxis=dict(type="category", autorange="reversed"), xaxis=dict(range=[0, 100], ticksuffix="%"))
    return figure(data, look(None, height, x_title="units that never let anything through", **layout))
