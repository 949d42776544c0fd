"""Pictures of what a trained network does: the confusion matrix, accuracy per class, the top
predictions for one image, and heat maps laid over an image (saliency, Grad-CAM)."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import make_colorscale, sequential

from cnnlab.charts.cells import cell_markers
from cnnlab.charts.style import MISTAKE, TEST, figure, look, vline

# Dark (unimportant) to bright yellow (important), readable on black digits and on photos alike.
HEAT_COLOURS = ("#000004", "#1b0c41", "#4a0c6b", "#781c6d", "#a52c60", "#cf4446", "#ed6925", "#fb9b06",
                "#f7d13d", "#fcffa4")  # Plotly's "Inferno"
# ColorBrewer's blues, spelt out: the browser's own "Blues" is another scale.
BLUES = make_colorscale(sequential.Blues)
MAX_CELL_TEXT_CLASSES = 15  # beyond this, numbers in every cell are too small to read


def _row_shares(matrix: np.ndarray) -> np.ndarray:
    totals = matrix.sum(axis=1, keepdims=True)
    return np.divide(matrix, totals, out=np.zeros(matrix.shape, float), where=totals > 0)


def confusion_heatmap(matrix: np.ndarray, classes: Sequence[str], accuracy: np.ndarray | None = None,
                      chosen: tuple[int, int] | None = None,
                      title: str | None = "Confusion matrix (test set)") -> go.Figure:
    """Rows = true class, columns = predicted class; each cell shows how many test images.

    The colour is the share of the row (of that true class), so a class with few test images
    still shows its mistakes. Every cell is clickable (`cnnlab.charts.cells`); its customdata is
    [true class index, predicted class index, count]. `chosen` (true, predicted) gets an outline."""
    matrix = np.asarray(matrix)
    n = len(classes)
    labels = [str(c) for c in classes]
    shares = _row_shares(matrix)
    row_totals = matrix.sum(axis=1)
    heatmap = dict(
        type="heatmap", z=shares, x=labels, y=labels, zmin=0, zmax=1, colorscale=BLUES, text=matrix,
        textfont=dict(size=13), hoverinfo="skip",
        colorbar=dict(title=dict(text="share of<br>true class", font=dict(size=12)), tickformat=".0%", thickness=12))
    if n <= MAX_CELL_TEXT_CLASSES:
        heatmap["texttemplate"] = "%{text}"
    true_idx, pred_idx = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    true_idx, pred_idx = true_idx.ravel(), pred_idx.ravel()
    hover = [f"true: {labels[t]}<br>predicted: {labels[p]}<br>{matrix[t, p]:,} image(s), "
             f"{shares[t, p]:.1%} of the {row_totals[t]:,} test images of class {labels[t]}<br>click to see them"
             for t, p in zip(true_idx, pred_idx)]
    cells = cell_markers([labels[p] for p in pred_idx], [labels[t] for t in true_idx],
                         np.stack([true_idx, pred_idx, matrix[true_idx, pred_idx]], axis=1).tolist(), hover,
                         size=max(8, min(36, 400 // max(n, 1))))
    # Fixed ranges: the markers would otherwise pad the axes and leave gaps around the cells.
    upright = n * max((len(label) for label in labels), default=1) <= 40  # else the names overlap
    xaxis = dict(type="category", range=[-0.5, n - 0.5], tickangle=0 if upright else -45, showgrid=False)
    yaxis = dict(type="category", range=[n - 0.5, -0.5], showgrid=False)
    if accuracy is not None:  # row labels carry each class's accuracy
        yaxis.update(tickmode="array", tickvals=labels,
                     ticktext=[f"{label} ({acc:.0%})" if np.isfinite(acc) else f"{label} (no images)"
                               for label, acc in zip(labels, accuracy)])
    shapes = []
    if chosen is not None:
        t, p = chosen
        shapes.append(dict(type="rect", x0=p - 0.5, x1=p + 0.5, y0=t - 0.5, y1=t + 0.5,
                           line=dict(color=MISTAKE if t != p else TEST, width=3)))
    return figure([heatmap, cells], look(title, max(360, min(760, 90 + 38 * n)), x_title="predicted class",
                                         y_title="true class", xaxis=xaxis, yaxis=yaxis, shapes=shapes,
                                         hoverdistance=100, clickmode="event+select"))


def per_class_accuracy_bars(accuracy: np.ndarray, classes: Sequence[str],
                            overall: float | None = None) -> go.Figure:
    """Accuracy of each true class as bars; the weakest class in the mistake colour."""
    accuracy = np.asarray(accuracy, float)
    labels = [str(c) for c in classes]
    finite = np.where(np.isfinite(accuracy), accuracy, np.inf)
    weakest = int(np.argmin(finite)) if np.isfinite(finite).any() else -1
    colours = [MISTAKE if i == weakest else TEST for i in range(len(labels))]
    data = [dict(type="bar", x=np.nan_to_num(accuracy) * 100, y=labels, orientation="h", marker=dict(color=colours),
                 text=[f"{a:.0%}" if np.isfinite(a) else "no images" for a in accuracy], textposition="auto",
                 hovertemplate="%{y}: %{x:.1f}% right<extra></extra>")]
    title = "Right answers per true class"
    shapes = []
    if overall is not None:
        shapes.append(vline(overall * 100, dict(dash="dash", color="#555")))
        title += f"<br><sup>dashed line: all classes together, {overall:.1%}</sup>"
    return figure(data, look(title, max(360, min(760, 90 + 38 * len(labels))),
                             x_title="test images of the class classified correctly", shapes=shapes,
                             yaxis=dict(type="category", autorange="reversed"),
                             xaxis=dict(range=[0, 100], ticksuffix="%")))


def top_predictions_bars(top: Sequence[tuple[str, float]]) -> go.Figure:
    """The network's best guesses for one image (class, probability), surest on top."""
    names = [str(name) for name, _ in top]
    probs = [float(p) * 100 for _, p in top]
    data = [dict(type="bar", x=probs, y=names, orientation="h", marker=dict(color=[TEST] + ["#9ab"] * (len(top) - 1)),
                 text=[f"{p:.1f}%" for p in probs], textposition="auto",
                 hovertemplate="%{y}: %{x:.1f}%<extra></extra>")]
    return figure(data, look(None, 60 + 36 * len(top), x_title="probability (softmax)",
                             yaxis=dict(type="category", autorange="reversed"),
                             xaxis=dict(range=[0, 100], ticksuffix="%")))


def heat_colours(heat: np.ndarray) -> np.ndarray:
    """A (H, W) heat map of values 0..1 as an RGB uint8 picture (dark = 0, bright yellow = 1)."""
    heat = np.clip(np.nan_to_num(np.asarray(heat, float)), 0, 1)
    anchors = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in HEAT_COLOURS], float)
    positions = np.linspace(0, 1, len(anchors))
    rgb = np.stack([np.interp(heat, positions, anchors[:, channel]) for channel in range(3)], axis=-1)
    return np.round(rgb).astype(np.uint8)


def heat_overlay(image: np.ndarray, heat: np.ndarray, strength: float = 0.75) -> np.ndarray:
    """The heat map laid over the image (RGB uint8): where heat is 0 the image shows as it is
    (dimmed a little), where it is high the heat colour covers it."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    base = np.repeat(image[:, :, None], 3, axis=2) if image.ndim == 2 else image[:, :, :3]
    heat = np.clip(np.nan_to_num(np.asarray(heat, float)), 0, 1)
    if heat.shape != base.shape[:2]:
        raise ValueError(f"the heat map is {heat.shape} but the image is {base.shape[:2]}")
    weight = strength * heat[:, :, None]
    blended = (1 - weight) * base.astype(float) * 0.8 + weight * heat_colours(heat)
    return np.round(np.clip(blended, 0, 255)).astype(np.uint8)
