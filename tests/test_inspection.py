"""Looking inside a network: kernels, feature maps, test-set counts, explanations and their pictures.

Untrained networks from build_model are enough: shapes, counting and gradients do not depend on
what the weights learned, and building one takes a fraction of a second.
"""
from __future__ import annotations

import numpy as np
import pytest

from cnnlab import inspection
from cnnlab.charts import inspection as charts
from cnnlab.inspection import InspectionError
from cnnlab.network import build_model, check_stack

STACK = [{"type": "conv", "filters": 4, "kernel": 3, "padding": "same", "activation": "relu"},
         {"type": "maxpool", "size": 2},
         {"type": "conv", "filters": 6, "kernel": 3, "padding": "valid", "activation": "relu"},
         {"type": "avgpool", "size": 2},
         {"type": "flatten"},
         {"type": "dense", "units": 8, "activation": "relu"}]


@pytest.fixture(scope="module", params=[(28, 28, 1), (16, 16, 3)], ids=["gray", "rgb"])
def model_and_images(request):
    import keras

    keras.utils.set_random_seed(1)
    shape = request.param
    model = build_model(STACK, shape, 5)
    images = np.random.default_rng(0).integers(0, 256, (20, *shape), dtype=np.uint8)
    return model, images


def test_kernels_are_one_small_picture_per_filter(model_and_images):
    model, images = model_and_images
    channels = images.shape[-1]
    kernels = inspection.first_conv_kernels(model)
    assert kernels.shape == (4, 3, 3, channels)
    # The same numbers Keras holds, only with the filter axis first.
    assert np.array_equal(kernels[2], model.get_layer("conv1").get_weights()[0][:, :, :, 2])
    pictures = inspection.kernel_pictures(kernels)
    assert len(pictures) == 4
    assert all(p.dtype == np.uint8 and p.shape == ((3, 3, 3) if channels == 3 else (3, 3)) for p in pictures)
    assert all(p.min() == 0 and p.max() == 255 for p in pictures)  # each stretched on its own


def test_feature_maps_of_every_conv_and_pooling_layer_match_the_shape_check(model_and_images):
    model, images = model_and_images
    maps = inspection.feature_maps(model, images[0])
    expected = {row.name: row.output_shape for row in check_stack(STACK, images.shape[1:], 5).rows}
    assert [name for name, _ in maps] == ["conv1", "pool1", "conv2", "pool2"]
    for name, fmap in maps:
        assert fmap.shape == expected[name], name
        assert np.isfinite(fmap).all()
    # The first map is the convolution of the rescaled image: ReLU output is never negative.
    assert maps[0][1].min() >= 0
    # A second image reuses the same helper model and gives different maps.
    other = inspection.feature_maps(model, images[1])
    assert not np.allclose(other[0][1], maps[0][1])


def test_an_image_of_the_wrong_size_gets_a_clear_error(model_and_images):
    model, images = model_and_images
    wrong = np.zeros((10, 10, images.shape[-1]), np.uint8)
    with pytest.raises(InspectionError, match="10x10"):
        inspection.feature_maps(model, wrong)


def test_predict_all_in_batches_equals_one_call(model_and_images):
    model, images = model_and_images
    progress = []
    probs = inspection.predict_all(model, images, batch_size=7, progress=lambda done, total: progress.append(done))
    direct = np.asarray(model(images.astype(np.float32), training=False))
    assert probs.shape == (20, 5)
    np.testing.assert_allclose(probs, direct, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-5)
    assert progress == [7, 14, 20]


@pytest.mark.parametrize("explain", [inspection.saliency, inspection.grad_cam], ids=["saliency", "grad_cam"])
def test_explanations_are_one_finite_value_per_pixel(model_and_images, explain):
    model, images = model_and_images
    heat = explain(model, images[3], 2)
    assert heat.shape == images.shape[1:3]
    assert np.isfinite(heat).all() and heat.min() >= 0 and heat.max() <= 1
    if explain is inspection.saliency:
        assert heat.max() == pytest.approx(1.0)  # scaled so the most important pixel is 1
        assert not np.allclose(heat, explain(model, images[3], 4))  # another class, another map
    with pytest.raises(InspectionError, match="5 classes"):
        explain(model, images[3], 5)


def test_saliency_is_the_gradient_of_the_score_before_softmax():
    """A network whose class-0 score is a known weighted sum of the pixels: the saliency map must
    be those weights' absolute values (largest over channels), scaled to a maximum of 1."""
    model = build_model([{"type": "flatten"}], (2, 2, 2), 2)
    weights = np.array([[1.0, -4.0], [0.5, 2.0], [-3.0, 0.0], [0.0, 0.0], [2.0, 1.0], [0.0, -1.0],
                        [0.25, 0.0], [-0.5, 3.0]], np.float32)
    model.get_layer("output").set_weights([weights, np.zeros(2, np.float32)])
    image = np.full((2, 2, 2), 100, np.uint8)
    heat = inspection.saliency(model, image, 0)
    expected = np.abs(weights[:, 0]).reshape(2, 2, 2).max(axis=-1)  # pixels (row, column) x channels
    np.testing.assert_allclose(heat, expected / expected.max(), rtol=1e-5)


def test_networks_without_convolutions_say_so():
    model = build_model([{"type": "flatten"}, {"type": "dense", "units": 4, "activation": "relu"}], (8, 8, 1), 3)
    with pytest.raises(InspectionError, match="no convolution layer"):
        inspection.first_conv_kernels(model)
    with pytest.raises(InspectionError, match="saliency"):
        inspection.grad_cam(model, np.zeros((8, 8, 1), np.uint8), 0)
    assert inspection.feature_maps(model, np.zeros((8, 8, 1), np.uint8)) == []
    assert inspection.saliency(model, np.full((8, 8, 1), 50, np.uint8), 1).shape == (8, 8)


# --- Counting on the test set ---------------------------------------------------------------------

Y_TRUE = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2])
Y_PRED = np.array([0, 1, 0, 1, 1, 2, 0, 0, 2])


def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    matrix = inspection.confusion_matrix(Y_TRUE, Y_PRED, 4)
    expected = np.array([[2, 1, 0, 0],
                         [0, 2, 0, 0],
                         [2, 0, 2, 0],
                         [0, 0, 0, 0]])
    assert np.array_equal(matrix, expected)
    assert matrix.sum() == len(Y_TRUE)
    accuracy = inspection.per_class_accuracy(matrix)
    np.testing.assert_allclose(accuracy[:3], [2 / 3, 1.0, 0.5])
    assert np.isnan(accuracy[3])  # no test images of class 3: unknown, not 0%
    with pytest.raises(InspectionError, match="0 to 3"):
        inspection.confusion_matrix([0, 4], [0, 1], 4)


def test_confident_mistakes_are_only_wrong_ones_surest_first():
    probs = np.array([[0.9, 0.1, 0.0],   # right
                      [0.2, 0.7, 0.1],   # wrong (true 0), 0.7
                      [0.05, 0.0, 0.95],  # wrong (true 1), 0.95
                      [0.4, 0.6, 0.0],   # right
                      [0.1, 0.5, 0.4],   # wrong (true 2), 0.5
                      [0.0, 0.01, 0.99]])  # right
    y_true = np.array([0, 0, 1, 1, 2, 2])
    assert inspection.confident_mistakes(y_true, probs, 10).tolist() == [2, 1, 4]
    assert inspection.confident_mistakes(y_true, probs, 2).tolist() == [2, 1]
    assert inspection.confident_mistakes(y_true[[0, 3, 5]], probs[[0, 3, 5]], 5).tolist() == []


def test_cell_examples_are_the_images_of_one_cell():
    assert inspection.cell_examples(Y_TRUE, Y_PRED, 2, 0).tolist() == [6, 7]
    assert inspection.cell_examples(Y_TRUE, Y_PRED, 1, 2).tolist() == []
    probs = np.eye(3)[Y_PRED] * 0.5 + 0.1
    probs[7, 0] = 0.9  # image 7 is the surer of the two
    assert inspection.cell_examples(Y_TRUE, Y_PRED, 2, 0, probs).tolist() == [7, 6]


# --- Pictures -------------------------------------------------------------------------------------

def test_confusion_heatmap_reports_cells_for_clicks():
    matrix = inspection.confusion_matrix(Y_TRUE, Y_PRED, 3)
    fig = charts.confusion_heatmap(matrix, ["cat", "dog", "fox"], inspection.per_class_accuracy(matrix), chosen=(2, 0))
    heatmap, cells = fig.data
    assert np.array_equal(np.asarray(heatmap.text), matrix)
    # Every cell has a clickable marker carrying [true, predicted, count] as plain numbers.
    assert len(cells.customdata) == 9
    assert [list(c) for c in cells.customdata if c[2] > 0] == [[0, 0, 2], [0, 1, 1], [1, 1, 2], [2, 0, 2], [2, 2, 2]]
    assert list(fig.layout.yaxis.ticktext) == ["cat (67%)", "dog (100%)", "fox (50%)"]
    outline = fig.layout.shapes[0]
    assert (outline.x0, outline.x1, outline.y0, outline.y1) == (-0.5, 0.5, 1.5, 2.5)
    bars = charts.per_class_accuracy_bars(inspection.per_class_accuracy(matrix), ["cat", "dog", "fox"], 6 / 9)
    assert list(bars.data[0].text) == ["67%", "100%", "50%"]


def test_heat_overlay_colours_the_important_pixels():
    image = np.full((4, 4, 1), 200, np.uint8)
    heat = np.zeros((4, 4))
    heat[1, 2] = 1.0
    overlay = charts.heat_overlay(image, heat)
    assert overlay.shape == (4, 4, 3) and overlay.dtype == np.uint8
    assert tuple(overlay[0, 0]) == (160, 160, 160)  # untouched pixels are only dimmed
    assert tuple(overlay[1, 2]) != (160, 160, 160)
    np.testing.assert_array_equal(charts.heat_colours(np.array([[1.0]]))[0, 0], [0xfc, 0xff, 0xa4])
    with pytest.raises(ValueError, match="heat map"):
        charts.heat_overlay(image, np.zeros((3, 3)))
