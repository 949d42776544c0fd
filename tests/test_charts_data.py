"""cnnlab.charts.data: each figure holds the numbers it claims to show."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from cnnlab.charts import data as charts
from cnnlab.charts.style import TEST, TRAINING


def test_class_distribution_counts_training_and_test_pictures_per_class():
    dataset = SimpleNamespace(classes=("cat", "dog", "frog"), y_train=np.array([0, 0, 0, 1, 2, 2]),
                              y_test=np.array([1, 1, 2]))
    fig = charts.class_distribution(dataset)
    train, test = fig.data
    assert (train.type, test.type) == ("bar", "bar") and fig.layout.barmode == "group"
    assert list(train.x) == ["cat", "dog", "frog"] and list(train.y) == [3, 1, 2]
    assert list(test.y) == [0, 2, 1]  # a class missing from the test set still gets its bar
    assert train.name == "training (6)" and test.name == "test (3)"
    assert (train.marker.color, test.marker.color) == (TRAINING, TEST)
    assert fig.layout.xaxis.type == "category"  # digits "0".."9" are names, not numbers


def test_pixel_histogram_of_grey_pictures_is_one_bar_series_in_percent():
    images = np.zeros((2, 4, 4, 1), np.uint8)
    images[0, 0, :4] = 255  # 4 of the 32 pixels are white, the rest black
    fig = charts.pixel_histogram(images, bin_width=8)
    (bars,) = fig.data
    assert bars.type == "bar" and len(bars.y) == 32
    assert np.isclose(sum(bars.y), 100)
    assert np.isclose(bars.y[0], 87.5) and np.isclose(bars.y[-1], 12.5)
    assert list(bars.customdata[:2]) == ["0-7", "8-15"]


def test_pixel_histogram_of_colour_pictures_has_one_line_per_channel():
    images = np.zeros((1, 2, 2, 3), np.uint8)
    images[..., 0] = 255  # pure red
    fig = charts.pixel_histogram(images)
    assert [trace.name for trace in fig.data] == ["red", "green", "blue"]
    red, green, _ = fig.data
    assert red.type == "scatter" and np.isclose(red.y[-1], 100) and np.isclose(green.y[0], 100)


def test_pixel_heatmap_shows_the_pixel_values_with_numbers_when_readable():
    image = np.arange(28 * 28, dtype=np.int64).reshape(28, 28, 1) % 256
    fig = charts.pixel_heatmap(image.astype(np.uint8))
    (heatmap,) = fig.data
    assert np.array_equal(np.array(heatmap.z), image[..., 0])
    # 28x28: numbers written in the cells, as one picture laid over the grid (see numbers_layer).
    (layer,) = fig.layout.images
    assert (layer.xref, layer.yref, layer.x, layer.y, layer.sizex, layer.sizey) == ("x", "y", -0.5, -0.5, 28, 28)
    written = _written_cells(layer.source, 28)
    assert written.shape == (28, 28, 2) and written.all(axis=2).sum() == 0  # never both inks in one cell
    values = image[..., 0]
    assert np.array_equal(written[..., 0], values > 127) and np.array_equal(written[..., 1], values <= 127)
    assert (heatmap.zmin, heatmap.zmax) == (0, 255)
    assert fig.layout.yaxis.autorange == "reversed"  # row 0 at the top, as in the picture
    # Square cells: width and height are sized from the grid.
    cell = charts.heatmap_cell_size(28)
    assert fig.layout.height - 70 == 28 * cell and fig.layout.width - 150 == 28 * cell


def test_pixel_heatmap_picks_a_channel_and_leaves_out_unreadable_numbers():
    image = np.zeros((64, 64, 3), np.uint8)
    image[..., 1] = 7
    fig = charts.pixel_heatmap(image, channel=1)
    (heatmap,) = fig.data
    assert np.all(np.array(heatmap.z) == 7)
    assert not fig.layout.images  # 64x64 cells are too small for three digits
    assert heatmap.colorscale[-1][1] == charts.CHANNEL_COLOURS["green"]
    (layer,) = charts.pixel_heatmap(image, channel=1, show_numbers=True).layout.images
    assert _written_cells(layer.source, 64)[..., 1].all()  # 7 in every cell, in light ink on the dark green


def _written_cells(source: str, cells: int) -> np.ndarray:
    """From a numbers layer's picture: per cell, whether it holds dark ink and whether light ink."""
    import base64
    import io

    from PIL import Image

    picture = np.asarray(Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1]))).convert("LA"))
    side = picture.shape[0] // cells
    assert picture.shape == (cells * side, cells * side, 2)
    cell = picture.reshape(cells, side, cells, side, 2).transpose(0, 2, 1, 3, 4)
    ink = cell[..., 1] > 128
    dark = (ink & (cell[..., 0] < 64)).any(axis=(2, 3))
    light = (ink & (cell[..., 0] > 192)).any(axis=(2, 3))
    return np.stack([dark, light], axis=-1)


def test_one_hot_label_is_one_at_the_class_and_zero_elsewhere():
    assert list(charts.one_hot_vector(2, 4)) == [0, 0, 1, 0]
    fig = charts.one_hot(1, ["cat", "dog", "frog"])
    (bars,) = fig.data
    assert list(bars.x) == ["cat", "dog", "frog"] and list(bars.y) == [0, 1, 0]
    assert list(bars.text) == ["0", "1", "0"]
    assert "dog" in fig.layout.title.text


def test_channel_names():
    assert charts.channel_names(1) == ("grey",)
    assert charts.channel_names(3) == ("red", "green", "blue")
