"""Charts about a dataset: how many pictures of each class, how bright the pixels are, and
what one picture and its label look like to the computer (a grid of numbers, a one-hot vector)."""
from __future__ import annotations

import functools
from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from cnnlab.charts.style import TEST, TRAINING, figure, look

# The colour each channel of an RGB picture is drawn in (histograms, heatmaps, channel pickers).
CHANNEL_COLOURS = {"red": "#d62728", "green": "#2ca02c", "blue": "#1f77b4"}
GREY = "#555555"
LABEL_COLOUR = "#ff7f0e"  # the 1 of a one-hot label: stands out from the 0s


def channel_names(channels: int) -> tuple[str, ...]:
    """What each channel of a picture is called: ("grey",) or ("red", "green", "blue")."""
    return ("red", "green", "blue") if channels == 3 else ("grey",) if channels == 1 else \
        tuple(f"channel {i + 1}" for i in range(channels))


def class_distribution(dataset) -> go.Figure:
    """Grouped bars: how many training and how many test pictures each class has.

    `dataset` needs `classes`, `y_train` and `y_test` (a cnnlab Dataset)."""
    classes = list(dataset.classes)
    data = []
    for part, labels, colour in (("training", dataset.y_train, TRAINING), ("test", dataset.y_test, TEST)):
        counts = np.bincount(np.asarray(labels, np.int64), minlength=len(classes))[:len(classes)]
        shares = counts / max(1, counts.sum())
        data.append(dict(type="bar", name=f"{part} ({counts.sum():,})", x=classes, y=counts, marker=dict(color=colour),
                         customdata=shares, hovertemplate="%{x}: %{y:,} pictures (%{customdata:.1%})<extra>" + part
                         + "</extra>"))
    # Digit names "0".."9" are labels, not numbers: a category axis.
    return figure(data, look("Pictures per class", x_title="class", y_title="pictures", barmode="group",
                             xaxis=dict(type="category")))


def pixel_histogram(images: np.ndarray, bin_width: int = 8) -> go.Figure:
    """How often each brightness occurs, in % of all pixels, in bins of `bin_width` values (0-7, 8-15...):
    bars for grey pictures, one line per channel for colour ones. `images`: uint8 (N, H, W, C)."""
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., np.newaxis]
    names = channel_names(images.shape[-1])
    starts = np.arange(0, 256, bin_width)
    ranges = [f"{a}-{min(a + bin_width, 256) - 1}" for a in starts]
    data = []
    for c, name in enumerate(names):
        counts = np.bincount(images[..., c].reshape(-1).astype(np.int64), minlength=256)[:256]
        percent = 100 * np.add.reduceat(counts, starts) / max(1, counts.sum())
        hover = "values %{customdata}: %{y:.1f}% of the pixels<extra>" + name + "</extra>"
        if len(names) == 1:
            data.append(dict(type="bar", name=name, x=starts + bin_width / 2, y=percent, width=bin_width * 0.9,
                             customdata=ranges, marker=dict(color=GREY), hovertemplate=hover))
        else:
            data.append(dict(type="scatter", name=name, x=starts + bin_width / 2, y=percent, customdata=ranges,
                             mode="lines+markers", hovertemplate=hover,
                             line=dict(color=CHANNEL_COLOURS.get(name, GREY), width=2)))
    return figure(data, look("Pixel brightness", x_title="pixel value (0 = black, 255 = brightest)",
                             y_title="% of pixels", showlegend=len(names) > 1,
                             xaxis=dict(range=[0, 256], tickvals=[0, 64, 128, 192, 255])))


def heatmap_cell_size(side: int, space: int = 700) -> int:
    """Pixels per cell so that a side x side grid fills about `space` pixels (between 4 and 25)."""
    return max(4, min(25, space // max(1, side)))


def pixel_heatmap(image: np.ndarray, channel: int = 0, show_numbers: bool | None = None,
                  space: int = 700) -> go.Figure:
    """One picture as the grid of numbers the computer receives, drawn in the picture's own colours.

    `image`: uint8 (H, W) or (H, W, C); `channel` picks which channel of a colour picture to show.
    The figure has a fixed size (square cells filling about `space` pixels) so that the numbers fit;
    show it at its own width. show_numbers: write each value in its cell (default: when cells are
    big enough to read three digits, i.e. up to about 35x35 pixels)."""
    image = np.asarray(image)
    if image.ndim == 3:
        names = channel_names(image.shape[-1])
        name, plane = names[channel], image[..., channel]
    else:
        name, plane = "grey", image
    rows, columns = plane.shape
    cell = heatmap_cell_size(max(rows, columns), space)
    if show_numbers is None:
        show_numbers = cell >= 20
    bright = "#ffffff" if name == "grey" else CHANNEL_COLOURS.get(name, "#ffffff")
    heatmap = dict(
        type="heatmap", z=plane.astype(np.int64), zmin=0, zmax=255, colorscale=[[0, "#000000"], [1, bright]],
        hovertemplate="row %{y}, column %{x}: %{z}<extra></extra>", xgap=1 if cell >= 12 else 0,
        ygap=1 if cell >= 12 else 0,
        colorbar=dict(title=dict(text=name), thickness=12, tickvals=[0, 64, 128, 192, 255]),
    )
    numbers = [numbers_layer(plane, cell, 10 if cell >= 24 else 8)] if show_numbers else []
    margin = dict(l=60, r=10, t=60, b=10)
    # Square cells: the figure is sized from the grid (+ room for the axes and the colour bar);
    # row 0 at the top, as in the picture.
    return figure([heatmap], look(
        None, rows * cell + margin["t"] + margin["b"], width=columns * cell + margin["l"] + margin["r"] + 80,
        margin=margin, plot_bgcolor="#ffffff", images=numbers,
        yaxis=dict(autorange="reversed", showgrid=False, zeroline=False, title=dict(text="row")),
        xaxis=dict(showgrid=False, zeroline=False, side="top", title=dict(text="column"))))


def numbers_layer(plane: np.ndarray, cell: int, font_size: int, scale: int = 2) -> dict:
    """Every value of `plane` written in its cell, as one transparent picture laid over the heatmap.

    Why a picture: the browser draws 784 numbers as 784 separate text elements in 0.3 s (a 28x28
    digit; measured in Chromium on 2 cores), nearly half the Data page's time; one picture costs
    almost nothing to draw, and the heatmap below keeps its hover. Drawn at `scale` times the cell
    size so the digits stay sharp on high-density screens; dark digits on bright cells, light on dark."""
    plane = np.asarray(plane, dtype=np.uint8)
    source = _numbers_picture(plane.tobytes(), plane.shape, cell * scale, font_size * scale)
    # Placed in data coordinates: cell (0, 0) spans -0.5..0.5 on both axes, row 0 at the top.
    return dict(source=source, xref="x", yref="y", x=-0.5, y=-0.5, sizex=plane.shape[1], sizey=plane.shape[0],
                xanchor="left", yanchor="top", sizing="stretch", layer="above")


@functools.lru_cache(maxsize=32)  # a rerun shows the same picture again
def _numbers_picture(values: bytes, shape: tuple[int, int], side: int, font_px: int) -> str:
    import base64
    import io

    from PIL import Image

    plane = np.frombuffer(values, np.uint8).reshape(shape)
    rows, columns = shape
    layer = Image.new("LA", (columns * side, rows * side), (0, 0))
    for (row, column), value in np.ndenumerate(plane):
        layer.paste(_number_glyph(int(value), side, font_px), (column * side, row * side))
    buffer = io.BytesIO()
    layer.save(buffer, format="PNG", compress_level=6)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


@functools.lru_cache(maxsize=1024)
def _number_glyph(value: int, side: int, font_px: int):
    """One cell with `value` written in its middle (256 values: each drawn once per size)."""
    from PIL import Image, ImageDraw, ImageFont

    glyph = Image.new("LA", (side, side), (0, 0))
    ImageDraw.Draw(glyph).text((side / 2, side / 2), str(value), font=ImageFont.load_default(size=font_px),
                                anchor="mm", fill=(0, 255) if value > 127 else (255, 255))
    return glyph


def one_hot_vector(label: int, num_classes: int) -> np.ndarray:
    """The label as the network's target: 1 for the right class, 0 for every other one."""
    vector = np.zeros(num_classes, np.int64)
    vector[label] = 1
    return vector


def one_hot(label: int, classes: Sequence[str]) -> go.Figure:
    """The one-hot label as bars, one per class: height 1 at the picture's class, 0 elsewhere."""
    vector = one_hot_vector(int(label), len(classes))
    data = [dict(type="bar", x=list(classes), y=vector, text=[str(v) for v in vector], textposition="outside",
                 marker=dict(color=[LABEL_COLOUR if v else "#c7c7c7" for v in vector]),
                 hovertemplate="%{x}: %{y}<extra></extra>")]
    return figure(data, look(f"One-hot label: {classes[int(label)]}", 240, y_title="target",
                             xaxis=dict(type="category"), yaxis=dict(range=[0, 1.35], tickvals=[0, 1])))
