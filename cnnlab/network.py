"""A layer stack as a network: its shapes checked in pure Python, and the Keras model built from it.

- `check_stack` walks the list in pure Python (no TensorFlow): every layer's output shape and
  parameter count, like ``model.summary()``, or a sentence naming the first impossible layer.
- `build_model` turns the same list into a Keras model for any dataset: Input, Rescaling(1/255),
  the student's layers, then Dense(num_classes, softmax) named "output".
Both name the layers alike (conv1, pool1, ...), which is how the Inspect page finds feature maps.

Keras is imported only inside `build_model`, so importing this module is fast.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from cnnlab.fields import shown
from cnnlab.layers import ArchitectureError, describe_layer, layer_type_of, pool_stride, validate_layer
from cnnlab.settings import CnnlabError, max_parameters

# Readable layer names, numbered per kind ("conv1", "pool2"): the Inspect page finds feature maps by them.
_NAME_PREFIX = {"conv": "conv", "maxpool": "pool", "avgpool": "pool", "batchnorm": "bn",
                "dropout": "dropout", "flatten": "flatten", "gap": "gap", "dense": "dense"}



def _describe_shape(shape: tuple[int, ...]) -> str:
    if len(shape) == 3:
        return "x".join(map(str, shape)) + " image"
    return f"flat vector of {shape[0]:,} numbers"


# --------------------------------------------------------------------------------------------
# The shape check: pure Python, mirrors what Keras computes.

@dataclass
class LayerRow:
    """One line of the summary. index: 0 = input, 1..n = the student's layers, n+1 = output."""

    index: int
    name: str
    description: str
    output_shape: tuple[int, ...]  # without the batch axis; () on the row that has the error
    params: int  # all weights incl. BatchNorm's non-trainable moving averages, like Keras's "Total params"
    error: str | None = None


@dataclass
class ShapeCheck:
    rows: list[LayerRow]
    total_params: int  # = model.count_params() = "Total params" in model.summary()
    error: ArchitectureError | None = None
    non_trainable_params: int = 0  # BatchNorm's moving mean and variance (2 per channel)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def trainable_params(self) -> int:
        return self.total_params - self.non_trainable_params


class _Problem(Exception):
    """A layer that does not fit its input; check_stack adds "layer N, <label>: " in front."""


def _spatial_size(n: int, kernel: int, stride: int, padding: str) -> int:
    # Keras: 'valid' keeps only full windows; 'same' pads so that every stride step yields an output.
    return math.ceil(n / stride) if padding == "same" else (n - kernel) // stride + 1


def _need_image(shape: tuple[int, ...], fix: str) -> tuple[int, int, int]:
    if len(shape) != 3:
        raise _Problem(f"needs an image, got a {_describe_shape(shape)} — {fix}")
    return shape  # type: ignore[return-value]


def _windowed(spec: dict, shape: tuple, kernel: int, stride: int, what: str) -> tuple[int, int]:
    h, w, _ = _need_image(shape, "put it before Flatten / Global average pooling")
    if spec["padding"] == "valid" and (h < kernel or w < kernel):
        if what == "pool" and h * w == 1:
            raise _Problem(f"its input is {h}x{w}, nothing left to pool")
        noun = "kernel" if what == "conv" else "pooling window"
        fix = "smaller kernel" if what == "conv" else "smaller window"
        raise _Problem(f"its input is {h}x{w}, smaller than the {kernel}x{kernel} {noun} — "
                       f"use 'same' padding or a {fix}")
    return (_spatial_size(h, kernel, stride, spec["padding"]), _spatial_size(w, kernel, stride, spec["padding"]))


# Each rule: (spec, input shape) -> (output shape, params, non-trainable params).
def _conv(spec, shape):
    h, w = _windowed(spec, shape, spec["kernel"], spec["stride"], "conv")
    weights = spec["kernel"] ** 2 * shape[2] * spec["filters"] + spec["filters"]  # one bias per filter
    return (h, w, spec["filters"]), weights, 0


def _pool(spec, shape):
    return (*_windowed(spec, shape, spec["size"], pool_stride(spec), "pool"), shape[2]), 0, 0


def _batchnorm(spec, shape):
    channels = shape[-1]  # gamma and beta are learned; moving mean and variance are not
    return shape, 4 * channels, 2 * channels


def _flatten(spec, shape):
    if len(shape) == 1:
        raise _Problem(f"its input is already a flat vector of {shape[0]:,} numbers — remove this Flatten")
    return (math.prod(shape),), 0, 0


def _gap(spec, shape):
    return (_need_image(shape, "put it before Flatten")[2],), 0, 0


def _dense(spec, shape):
    if len(shape) != 1:
        raise _Problem(f"its input is still a {_describe_shape(shape)} — add a Flatten or "
                       "Global average pooling layer before it")
    return (spec["units"],), (shape[0] + 1) * spec["units"], 0


_SHAPE_RULES: dict[str, Callable] = {
    "conv": _conv, "maxpool": _pool, "avgpool": _pool, "batchnorm": _batchnorm,
    "dropout": lambda spec, shape: (shape, 0, 0), "flatten": _flatten, "gap": _gap, "dense": _dense,
}


MAX_IMAGE_SIDE = 4096  # pixels: far beyond any picture cnnlab trains on
MAX_CHANNELS = 4
MAX_CLASSES = 1_000_000


def _check_dataset_shape(input_shape: Any, num_classes: Any) -> tuple[int, int, int]:
    def whole(n: Any, top: int) -> bool:
        return isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= top

    ok = (isinstance(input_shape, (tuple, list)) and len(input_shape) == 3
          and whole(input_shape[0], MAX_IMAGE_SIDE) and whole(input_shape[1], MAX_IMAGE_SIDE)
          and whole(input_shape[2], MAX_CHANNELS))
    if not ok:
        raise ArchitectureError(f"the input shape must be (height, width, channels), sides from 1 to "
                                f"{MAX_IMAGE_SIDE:,} and 1 to {MAX_CHANNELS} channels, got {shown(input_shape)}")
    if not whole(num_classes, MAX_CLASSES) or num_classes < 2:
        raise ArchitectureError(f"a classifier needs from 2 to {MAX_CLASSES:,} classes, got {shown(num_classes)}")
    return tuple(input_shape)  # type: ignore[return-value]


def check_stack(layers: Any, input_shape: Any, num_classes: Any) -> ShapeCheck:
    """Each layer's output shape and parameter count, or the first impossible layer. Never raises.

    `layers` is the student's stack without the output layer; the rows include the input (index 0)
    and the Dense(num_classes, softmax) output layer that `build_model` adds. On an error the rows
    stop at the offending layer, whose row carries the reason.
    """
    rows: list[LayerRow] = []
    total = non_trainable = 0
    try:
        shape = _check_dataset_shape(input_shape, num_classes)
        if not isinstance(layers, (list, tuple)):
            raise ArchitectureError(f"the layers must be a list of layer dicts, got {type(layers).__name__}")
    except ArchitectureError as error:
        return ShapeCheck(rows, 0, error)
    h, w, c = shape
    rows.append(LayerRow(0, "input", f"Input {h}x{w}x{c}, pixels rescaled to 0..1", shape, 0))

    counts: dict[str, int] = {}
    for index, raw in enumerate(layers, start=1):
        prefix = _NAME_PREFIX.get(layer_type_of(raw), "layer")
        counts[prefix] = counts.get(prefix, 0) + 1
        name = f"{prefix}{counts[prefix]}"
        try:
            spec = validate_layer(raw)
            shape, params, frozen = _SHAPE_RULES[spec["type"]](spec, shape)
        except (ArchitectureError, _Problem) as problem:
            # validate_layer's messages already start with the layer's label; _Problem's do not.
            label = describe_layer(raw, "label")
            reason = str(problem) if isinstance(problem, ArchitectureError) else f"{label}: {problem}"
            error = ArchitectureError(f"layer {index}, {reason}", layer=index)
            rows.append(LayerRow(index, name, label, (), 0, str(error)))
            return ShapeCheck(rows, total, error, non_trainable)
        rows.append(LayerRow(index, name, describe_layer(spec), shape, params))
        total += params
        non_trainable += frozen

    output_index = len(layers) + 1
    if len(shape) != 1:
        error = ArchitectureError(f"the stack ends with a {_describe_shape(shape)}: add Flatten "
                                  "(or Global average pooling) before the output")
        rows.append(LayerRow(output_index, "output", f"Dense {num_classes}, softmax", (), 0, str(error)))
        return ShapeCheck(rows, total, error, non_trainable)
    params = (shape[0] + 1) * num_classes
    rows.append(LayerRow(output_index, "output", f"Dense {num_classes}, softmax", (num_classes,), params))
    total += params

    try:
        limit = max_parameters()
    except CnnlabError as error:  # a malformed CNNLAB_MAX_PARAMS must not make the check raise
        return ShapeCheck(rows, total, ArchitectureError(str(error)), non_trainable)
    if total > limit:
        biggest = max(rows, key=lambda row: row.params)
        where = "the output layer" if biggest.index == output_index else f"layer {biggest.index}, {biggest.description}"
        error = ArchitectureError(
            f"this model has {total:,} parameters, more than this machine's limit of {limit:,} "
            f"(CNNLAB_MAX_PARAMS): the biggest is {where} with {biggest.params:,} — use fewer filters "
            "or units there, or shrink the image with pooling / stride before Flatten")
        return ShapeCheck(rows, total, error, non_trainable)
    return ShapeCheck(rows, total, None, non_trainable)


def multiply_adds(layers: Any, input_shape: Any, num_classes: Any) -> int:
    """Multiplications (each followed by an addition) the network does to classify one image: a
    convolution does kernel x kernel x input channels of them for every cell of every output map, a
    dense layer one per weight; pooling, batch normalization and activations are cheap beside them.
    Training costs about three times this per image (the forward pass, then two backward ones).
    0 for an impossible stack."""
    check = check_stack(layers, input_shape, num_classes)
    if not check.ok:
        return 0
    total = 0
    specs = [None, *(validate_layer(spec) for spec in layers), None]  # aligned with the rows
    for before, row, spec in zip(check.rows, check.rows[1:], specs[1:]):
        if spec is not None and spec["type"] == "conv":
            total += math.prod(row.output_shape) * spec["kernel"] ** 2 * before.output_shape[2]
        elif spec is None or spec["type"] == "dense":  # the output layer is dense too
            total += before.output_shape[0] * row.output_shape[0]
    return total


def output_size_formula(spec: dict, input_size: int) -> str:
    """The textbook size formula with the numbers filled in, for a Conv or pooling layer.

    Returns "" for layers without one. For 'valid' the formula is exact. For 'same', P = (K-1)//2
    is what a student would guess; Keras actually pads just enough that o = ceil(N / S), which for
    even kernels or strides > 1 can differ from the guess, and then the text says so.
    """
    spec = validate_layer(spec)
    if spec["type"] == "conv":
        k, s = spec["kernel"], spec["stride"]
    elif spec["type"] in ("maxpool", "avgpool"):
        k, s = spec["size"], pool_stride(spec)
    else:
        return ""
    n = input_size
    p = (k - 1) // 2 if spec["padding"] == "same" else 0
    guess = (n - k + 2 * p) // s + 1
    text = f"o = floor((N - K + 2P) / S) + 1 = floor(({n} - {k} + 2*{p}) / {s}) + 1 = {guess}"
    if spec["padding"] == "valid":
        return text + (" — impossible, the input is smaller than the window" if guess < 1 else "")
    exact = math.ceil(n / s)
    if guess == exact:
        return text + f" ('same' padding: P = {p} zeros on each side)"
    return (text + f" with P = {p}, but 'same' padding pads {max((exact - 1) * s + k - n, 0)} in total, "
            f"unevenly, so Keras gets o = ceil(N / S) = ceil({n} / {s}) = {exact}")


# --------------------------------------------------------------------------------------------
# Keras: the only part that needs TensorFlow, imported lazily.

def _keras_layer(spec: dict, name: str):
    from keras import layers

    t = spec["type"]
    if t == "conv":
        return layers.Conv2D(spec["filters"], spec["kernel"], strides=spec["stride"], padding=spec["padding"],
                             activation=spec["activation"], name=name)
    if t in ("maxpool", "avgpool"):
        # Keras 3.15's AveragePooling2D has no default pool_size, so always pass it.
        pool = layers.MaxPooling2D if t == "maxpool" else layers.AveragePooling2D
        return pool(pool_size=spec["size"], strides=pool_stride(spec), padding=spec["padding"], name=name)
    if t == "dense":
        return layers.Dense(spec["units"], activation=spec["activation"], name=name)
    if t == "dropout":
        return layers.Dropout(spec["rate"], name=name)
    if t == "batchnorm":
        # Keras's default momentum 0.99 needs ~500 steps before the averages used at test time
        # settle; a short run on a small dataset then scores near chance on the test set while
        # training looks fine. 0.9 settles in ~50 steps and costs nothing on long runs.
        return layers.BatchNormalization(momentum=0.9, name=name)
    return {"flatten": layers.Flatten, "gap": layers.GlobalAveragePooling2D}[t](name=name)


def build_model(layers: list[dict], input_shape: tuple[int, int, int], num_classes: int, name: str | None = None):
    """The Keras model for `layers` on images of `input_shape` with `num_classes` classes.

    Input (uint8 pixels) -> Rescaling(1/255) -> the student's layers -> Dense(num_classes, softmax)
    named "output". Raises ArchitectureError (check_stack's message) for an impossible stack.
    """
    check = check_stack(layers, input_shape, num_classes)
    if check.error is not None:
        raise check.error
    import keras

    inputs = keras.Input(shape=tuple(input_shape), name="input")
    # Images stay uint8 in memory (4x smaller than float32); the model scales them itself,
    # so a saved model.keras accepts raw pixels everywhere (training, Inspect, drawing).
    x = keras.layers.Rescaling(1.0 / 255, name="rescale")(inputs)
    for row, spec in zip(check.rows[1:], layers):
        x = _keras_layer(validate_layer(spec), row.name)(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs, name=name or "cnn")


def layer_descriptions(layers: Any, input_shape: Any, num_classes: Any) -> dict[str, str]:
    """Layer name (conv1, pool1, ...) -> its description ("Conv 6@5x5, same, ReLU"), as check_stack names
    them (and build_model, so they match the trained model's layers); empty for an impossible stack."""
    check = check_stack(layers, input_shape, num_classes)
    return {row.name: row.description for row in check.rows} if check.ok else {}


WINDOWED = ("conv", "maxpool", "avgpool")  # the layers with a kernel/window, stride and padding


def formula_layers(layers: list, check: ShapeCheck) -> list[tuple[LayerRow, tuple[int, int, int]]]:
    """The layers the output-size formula applies to (convolution and pooling layers with valid
    settings whose input is a picture), each with the shape of its input."""
    found = []
    for row in check.rows:
        if not 1 <= row.index <= len(layers):
            continue
        try:
            spec = validate_layer(layers[row.index - 1])  # a layer with bad settings has no formula to show
        except ArchitectureError:
            continue
        before = next((r for r in check.rows if r.index == row.index - 1), None)
        if spec["type"] in WINDOWED and before is not None and len(before.output_shape) == 3:
            found.append((row, before.output_shape))
    return found
