"""The Learn pages' ideas on a trained network: its real kernels, the sums its units compute
before their activation, its dead ReLU units, how its dense layer reads the flattened maps, and
its raw scores (logits) before softmax.

Models are the ones `cnnlab.architectures.build_model` makes (uint8 pixels in, Rescaling(1/255),
conv1, pool1, ..., a Dense softmax layer named "output"). TensorFlow is imported only inside the
functions that run a model; `learned_layers` reads the saved layer specs and needs none.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnlab.architectures import check_stack, validate_layer
from cnnlab.explain.convolution import Convolution, convolve
from cnnlab.explain.windows import ExplainError
from cnnlab.inspection import _as_batch, _helper, _layers_of


@dataclass(frozen=True)
class LearnedLayer:
    """A convolution layer of a network as its specs describe it (no TensorFlow needed)."""

    name: str  # conv1, conv2...
    description: str
    filters: int
    kernel: int
    channels: int  # channels of the map it reads
    activation: str


def learned_layers(layers, input_shape, num_classes: int) -> list[LearnedLayer]:
    """The convolution layers of a saved layer stack, in order (empty if the stack is not valid)."""
    check = check_stack(layers, tuple(input_shape), num_classes)
    found, channels = [], int(input_shape[2])
    for row, spec in zip(check.rows[1:], layers):
        if row.error:
            break
        spec = validate_layer(spec)
        if spec["type"] == "conv":
            found.append(LearnedLayer(row.name, row.description, spec["filters"], spec["kernel"], channels,
                                      spec["activation"]))
        if len(row.output_shape) == 3:
            channels = row.output_shape[2]
    return found


def _conv_layer(model, name: str):
    try:
        layer = model.get_layer(name)
    except ValueError:
        raise ExplainError(f"this network has no layer called {name!r}") from None
    if layer not in _layers_of(model, "Conv2D"):
        raise ExplainError(f"{name} is not a convolution layer")
    return layer


def conv_weights(model, name: str = "conv1") -> tuple[np.ndarray, np.ndarray]:
    """A convolution layer's kernels (K, K, channels, filters) and biases (filters,)."""
    kernel, bias = _conv_layer(model, name).get_weights()[:2]
    return np.asarray(kernel, np.float64), np.asarray(bias, np.float64)


def layer_inputs(model, image: np.ndarray, names: tuple[str, ...]) -> list[np.ndarray]:
    """What each named layer receives for one uint8 picture, as arrays without the batch axis."""
    def build():
        import keras

        return keras.Model(model.inputs[0], [model.get_layer(name).input for name in names])

    probe = _helper(model, "inputs:" + ",".join(names), build)
    outputs = probe(_as_batch(image, model), training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return [np.asarray(output, np.float64)[0] for output in outputs]


def pre_activation(model, image: np.ndarray, name: str = "conv1") -> Convolution:
    """The convolution a layer computes for one picture, before its activation: the layer's own
    input, kernels, biases, stride and padding, through `convolve`."""
    layer = _conv_layer(model, name)
    (received,) = layer_inputs(model, image, (name,))
    kernel, bias = conv_weights(model, name)
    config = layer.get_config()
    return convolve(received, kernel, stride=int(config["strides"][0]), padding=config["padding"],
                    dilation=int(config["dilation_rate"][0]), bias=bias)


@dataclass(frozen=True)
class DeadUnits:
    name: str  # conv1, dense1...
    units: int  # filters of a convolution layer, units of a dense one
    dead: int  # of them, how many output 0 for every picture (and every position)

    @property
    def share(self) -> float:
        return self.dead / self.units if self.units else 0.0


def _relu_layers(model) -> list:
    return [layer for layer in _layers_of(model, "Conv2D", "Dense")
            if layer.name != "output" and layer.get_config().get("activation") == "relu"]


def dead_units(model, images: np.ndarray) -> list[DeadUnits]:
    """For each ReLU layer, how many of its units never let anything through on these pictures
    ("dead": their sum is negative every time, so ReLU makes it 0 and they stop learning)."""
    layers = _relu_layers(model)
    if not layers:
        return []

    def build():
        import keras

        return keras.Model(model.inputs[0], [layer.output for layer in layers])

    probe = _helper(model, "relu_outputs", build)
    images = np.asarray(images)
    outputs = probe(images.astype(np.float32), training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    found = []
    for layer, output in zip(layers, outputs):
        output = np.asarray(output)
        alive = output.reshape(len(images), -1, output.shape[-1]).max(axis=(0, 1)) > 0
        found.append(DeadUnits(layer.name, int(alive.size), int((~alive).sum())))
    return found


@dataclass(frozen=True)
class DenseReading:
    """How the first dense layer reads the last feature maps for one picture.

    maps (H, W, C): the last feature maps; vector (N,): what the dense layer receives (the maps
    unrolled row by row, channel fastest, by Flatten; or each map's average, by global average
    pooling); weights (N, units) and bias (units,) of that dense layer."""

    maps: np.ndarray
    vector: np.ndarray
    how: str  # "flatten" or "gap"
    dense_name: str
    weights: np.ndarray
    bias: np.ndarray
    activation: str

    def unit_sum(self, unit: int) -> float:
        """The unit's weighted sum plus bias, before its activation."""
        return float(self.vector @ self.weights[:, unit] + self.bias[unit])

    def weight_maps(self, unit: int) -> np.ndarray:
        """The unit's weights laid out like the maps (H, W, C) (Flatten), or one per map (C,) (GAP)."""
        column = self.weights[:, unit]
        return column.reshape(self.maps.shape) if self.how == "flatten" else column


def dense_reading(model, image: np.ndarray) -> DenseReading:
    """The last feature maps, the vector made of them, and the first dense layer reading it."""
    import keras

    unrollers = _layers_of(model, "Flatten", "GlobalAveragePooling2D")
    if not unrollers:
        raise ExplainError("this network has no Flatten or Global average pooling layer")
    unroller = unrollers[0]
    later = model.layers[model.layers.index(unroller) + 1:]
    dense = next((layer for layer in later if isinstance(layer, keras.layers.Dense)), None)
    if dense is None:
        raise ExplainError("this network has no dense layer after its Flatten layer")
    maps, vector = layer_inputs(model, image, (unroller.name, dense.name))
    weights, bias = dense.get_weights()[:2]
    how = "flatten" if isinstance(unroller, keras.layers.Flatten) else "gap"
    return DenseReading(maps, vector, how, dense.name, np.asarray(weights, np.float64), np.asarray(bias, np.float64),
                        str(dense.get_config().get("activation")))


def logits(model, image: np.ndarray) -> np.ndarray:
    """The output layer's raw scores for one picture, before softmax (one per class)."""
    try:
        output = model.get_layer("output")
    except ValueError:
        raise ExplainError("this network has no output layer called 'output'") from None
    (received,) = layer_inputs(model, image, ("output",))
    kernel, bias = output.get_weights()[:2]
    return received @ np.asarray(kernel, np.float64) + np.asarray(bias, np.float64)
