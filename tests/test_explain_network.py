"""cnnlab.explain.network on a small trained network: its numbers are the network's own."""
from __future__ import annotations

import numpy as np
import pytest
from support import TINY_CNN as TINY_STACK

from cnnlab import inspection, runs
from cnnlab.datasets import load_dataset
from cnnlab.explain import ExplainError, activate, softmax
from cnnlab.explain.network import conv_weights, dead_units, dense_reading, learned_layers, logits, pre_activation


@pytest.fixture
def model_and_picture(trained_run):
    return runs.load_model(trained_run.run_id), load_dataset("mnist-sample").x_test[3]


def test_learned_layers_are_read_from_the_specs_without_tensorflow():
    layers = learned_layers(TINY_STACK, (28, 28, 1), 10)
    assert [(layer.name, layer.filters, layer.kernel, layer.channels, layer.activation) for layer in layers] == [
        ("conv1", 4, 3, 1, "relu"), ("conv2", 20, 3, 4, "relu")]
    assert learned_layers([{"type": "conv", "filters": 2, "kernel": 40, "activation": "relu"}], (28, 28, 1), 10) == []


def test_pre_activation_after_relu_is_the_networks_feature_map(model_and_picture):
    model, picture = model_and_picture
    maps = dict(inspection.feature_maps(model, picture))
    for name in ("conv1", "conv2"):
        conv = pre_activation(model, picture, name)
        np.testing.assert_allclose(activate(conv.output, "relu"), maps[name], atol=1e-4)
    kernel, bias = conv_weights(model, "conv1")
    assert kernel.shape == (3, 3, 1, 4) and bias.shape == (4,)
    # conv1 reads the picture scaled to 0..1: the Learn pages' convolution gives the same sums.
    conv1 = pre_activation(model, picture, "conv1")
    np.testing.assert_allclose(conv1.image, picture / 255.0, atol=1e-6)
    with pytest.raises(ExplainError, match="not a convolution layer"):
        pre_activation(model, picture, "pool1")


def test_logits_and_the_dense_reading_are_the_networks(model_and_picture):
    model, picture = model_and_picture
    scores = logits(model, picture)
    probabilities = np.asarray(model(picture[None].astype(np.float32), training=False))[0]
    np.testing.assert_allclose(softmax(scores), probabilities, atol=1e-5)
    reading = dense_reading(model, picture)
    assert reading.how == "flatten" and reading.dense_name == "output" and reading.maps.shape == (7, 7, 20)
    np.testing.assert_allclose(reading.vector, reading.maps.ravel(), atol=1e-6)  # Keras's flatten order
    assert reading.weight_maps(3).shape == (7, 7, 20)
    np.testing.assert_allclose([reading.unit_sum(u) for u in range(10)], scores, atol=1e-4)


def test_dead_units_count_units_that_never_fire(model_and_picture):
    model, _ = model_and_picture
    pictures = load_dataset("mnist-sample").x_test[:200]
    found = dead_units(model, pictures)
    assert [(d.name, d.units) for d in found] == [("conv1", 4), ("conv2", 20)]
    for d, layer in zip(found, ("conv1", "conv2")):
        maps = np.stack([dict(inspection.feature_maps(model, p))[layer] for p in pictures[:200]])
        assert d.dead == int((maps.max(axis=(0, 1, 2)) <= 0).sum())
        assert 0 <= d.share <= 1
