"""CNN architectures as plain data, a shape check that explains mistakes, and one model builder.

A network is a list of layer specs, each a small dict such as
``{"type": "conv", "filters": 6, "kernel": 5, "padding": "same", "activation": "relu"}``.
Data (not code) so a student can edit it in the UI, save it with a run and share it as JSON.

- `check_stack` walks the list in pure Python (no TensorFlow): every layer's output shape and
  parameter count, like ``model.summary()``, or a sentence naming the first impossible layer.
- `build_model` turns the same list into a Keras model for any dataset: Input, Rescaling(1/255),
  the student's layers, then Dense(num_classes, softmax) named "output".
- `PRESETS` holds classic tutorial networks with their training defaults and published results.

Keras is imported only inside `build_model` and `make_optimizer`, so importing this module is fast.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

from cnnlab.fields import shown
from cnnlab.settings import CnnlabError, max_parameters


class ArchitectureError(CnnlabError):
    """An impossible layer stack; the message names the layer (1-based) and the reason."""

    def __init__(self, message: str, layer: int | None = None):
        super().__init__(message)
        self.layer = layer


# --------------------------------------------------------------------------------------------
# What each layer type takes: one table drives validation, defaults and the UI's layer editor.

@dataclass(frozen=True)
class Param:
    """One setting of a layer type, with the values it may take (inclusive range or choices)."""

    key: str
    label: str
    kind: str  # "int", "float" or "choice"
    help: str
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()
    optional: bool = False  # None allowed (pooling stride: None means "same as the window")
    default: Any = None  # used when a spec leaves the key out (as Keras does: stride 1, 'valid')


@dataclass(frozen=True)
class LayerType:
    label: str
    explanation: str  # one plain-language sentence for the student
    default: dict[str, Any]  # a complete spec for a newly added layer (what default_layer returns)
    params: tuple[Param, ...] = ()
    required: tuple[str, ...] = ()  # keys a spec must give; the others fall back to Param.default


ACTIVATIONS: dict[str, tuple[str, str]] = {
    "relu": ("ReLU", "keeps positive values and turns negative ones into 0; the usual choice"),
    "leaky_relu": ("Leaky ReLU", "like ReLU but lets a small fraction (0.2) of negative values through"),
    "tanh": ("tanh", "squashes values into -1..1; common in older networks such as the original LeNet"),
    "sigmoid": ("sigmoid", "squashes values into 0..1; learns slowly in deep stacks"),
    "linear": ("linear", "passes the weighted sum through unchanged (no activation)"),
}

PADDINGS = ("valid", "same")

_ACTIVATION = Param("activation", "Activation", "choice", "what each unit does to its weighted sum",
                    choices=tuple(ACTIVATIONS))
_PADDING = Param("padding", "Padding", "choice",
                 "'valid' uses only real pixels (output shrinks); 'same' pads the border with zeros "
                 "so that, with stride 1, the output keeps the input's width and height",
                 choices=PADDINGS, default="valid")


def _pool_params(what: str) -> tuple[Param, ...]:
    return (
        Param("size", "Window", "int", f"width and height of the window that is {what}",
              minimum=1, maximum=8, step=1, default=2),
        Param("stride", "Stride", "int", "how far the window moves each step; empty = the window size "
              "(windows side by side, no overlap)", minimum=1, maximum=8, step=1, optional=True),
        _PADDING,
    )


LAYER_TYPES: dict[str, LayerType] = {
    "conv": LayerType(
        "Convolution",
        "Slides small learned filters over the image; each filter makes one feature map that "
        "lights up wherever its pattern (an edge, a curve, a texture) appears.",
        {"type": "conv", "filters": 32, "kernel": 3, "stride": 1, "padding": "same", "activation": "relu"},
        (
            Param("filters", "Filters", "int", "how many different patterns the layer learns to detect "
                  "(= number of feature maps it outputs)", minimum=1, maximum=1024, step=1),
            Param("kernel", "Kernel size", "int", "width and height of each filter in pixels",
                  minimum=1, maximum=32, step=1),
            Param("stride", "Stride", "int", "how many pixels the filter moves each step; 2 halves the size",
                  minimum=1, maximum=8, step=1, default=1),
            _PADDING,
            _ACTIVATION,
        ),
        required=("filters", "kernel", "activation"),
    ),
    "maxpool": LayerType(
        "Max pooling",
        "Keeps the strongest response in each 2x2 window, halving width and height, so later "
        "layers see a wider area and small shifts of the object matter less.",
        {"type": "maxpool", "size": 2, "stride": None, "padding": "valid"},
        _pool_params("summarised by its largest value"),
    ),
    "avgpool": LayerType(
        "Average pooling",
        "Replaces each 2x2 window by its average, halving width and height: a smoother summary "
        "than max pooling, used by the original LeNet.",
        {"type": "avgpool", "size": 2, "stride": None, "padding": "valid"},
        _pool_params("summarised by its average"),
    ),
    "batchnorm": LayerType(
        "Batch normalization",
        "Rescales each channel to a steady mean and spread while training, which lets the network "
        "learn faster and tolerate higher learning rates.",
        {"type": "batchnorm"},
    ),
    "dropout": LayerType(
        "Dropout",
        "Switches off a random fraction of its inputs at every training step so the network cannot "
        "rely on any single feature; it does nothing when the model is used for prediction.",
        {"type": "dropout", "rate": 0.25},
        (Param("rate", "Rate", "float", "fraction of inputs switched off at each training step",
               minimum=0.0, maximum=0.95, step=0.05),),
        required=("rate",),
    ),
    "flatten": LayerType(
        "Flatten",
        "Unrolls the stack of feature maps (height x width x channels) into one long list of numbers "
        "so that dense layers can read it.",
        {"type": "flatten"},
    ),
    "gap": LayerType(
        "Global average pooling",
        "Averages each feature map into a single number, turning an HxWxC image into C numbers "
        "with no parameters: a light alternative to Flatten.",
        {"type": "gap"},
    ),
    "dense": LayerType(
        "Dense",
        "Connects every input number to every unit; each unit computes a weighted sum of all its "
        "inputs plus a bias, then applies its activation.",
        {"type": "dense", "units": 128, "activation": "relu"},
        (
            Param("units", "Units", "int", "how many neurons the layer has (= numbers it outputs)",
                  minimum=1, maximum=8192, step=1),
            _ACTIVATION,
        ),
        required=("units", "activation"),
    ),
}

# Readable layer names, numbered per kind ("conv1", "pool2"): the Inspect page finds feature maps by them.
_NAME_PREFIX = {"conv": "conv", "maxpool": "pool", "avgpool": "pool", "batchnorm": "bn",
                "dropout": "dropout", "flatten": "flatten", "gap": "gap", "dense": "dense"}


def _type_of(spec: Any) -> str | None:
    """The spec's layer type if it is a known one (safe on any input: check_stack never raises)."""
    layer_type = spec.get("type") if isinstance(spec, dict) else None
    return layer_type if isinstance(layer_type, str) and layer_type in LAYER_TYPES else None


def default_layer(layer_type: str) -> dict[str, Any]:
    """A fresh, complete spec of `layer_type` with sensible defaults (for 'add layer' buttons)."""
    if layer_type not in LAYER_TYPES:
        raise ArchitectureError(f"unknown layer type {shown(layer_type)}; choose one of {', '.join(LAYER_TYPES)}")
    return dict(LAYER_TYPES[layer_type].default)


# Layers that work on pictures (height x width x channels) and must come before the layer that turns
# the pictures into one list of numbers; dense layers (and their dropout) come after it.
PICTURE_LAYERS = ("conv", "maxpool", "avgpool", "batchnorm")
_UNROLLING = ("flatten", "gap")


def where_to_insert(layers: list, layer_type: str) -> int:
    """The position where a new layer of `layer_type` fits in `layers` (an index for list.insert).

    Convolution, pooling and batch normalization go after the last layer that still works on
    pictures, before Flatten (or global average pooling); Flatten goes before the first dense
    layer; dense and dropout layers go at the end, just before the output layer. A stack without
    Flatten takes every kind at the end."""
    types = [_type_of(spec) for spec in layers]
    if layer_type in PICTURE_LAYERS:
        unroll = next((i for i, t in enumerate(types) if t in _UNROLLING), None)
        if unroll is not None:
            return unroll
    elif layer_type in _UNROLLING:
        dense = next((i for i, t in enumerate(types) if t == "dense"), None)
        if dense is not None:
            return dense
    return len(layers)


def _check_value(label: str, param: Param, value: Any) -> Any:
    """The value, normalised (3.0 -> 3), or ArchitectureError saying what is allowed."""
    if value is None and param.optional:
        return None
    name = param.label.lower()
    if param.kind == "choice":
        if value not in param.choices:
            raise ArchitectureError(f"{label}: {name} {shown(value)} is not one of {', '.join(param.choices)}")
        return value
    # Type first, then range. bool is an int subclass; inf/nan cannot be compared or rounded; an
    # int of any size is compared exactly (math.isfinite would fail on one too big for a float).
    is_number = (isinstance(value, int) and not isinstance(value, bool)) or \
        (isinstance(value, float) and math.isfinite(value))
    if param.kind == "int":
        if not is_number or value != int(value):
            raise ArchitectureError(f"{label}: {name} must be a whole number, got {shown(value)}")
        value = int(value)
    elif not is_number:
        raise ArchitectureError(f"{label}: {name} must be a number, got {shown(value)}")
    if not param.minimum <= value <= param.maximum:
        lo, hi = (int(param.minimum), int(param.maximum)) if param.kind == "int" else (param.minimum, param.maximum)
        raise ArchitectureError(f"{label}: {name} must be between {lo} and {hi}, got {shown(value)}")
    return value


def validate_layer(spec: Any) -> dict[str, Any]:
    """Check one spec's parameters; return a complete copy (defaults filled in) or raise ArchitectureError.

    Only the layer's own settings are checked here; whether it fits its input is `check_stack`'s job.
    """
    if not isinstance(spec, dict):
        raise ArchitectureError(f"expected a layer (a dict with a 'type'), got {shown(spec)}")
    layer_type = _type_of(spec)
    if layer_type is None:
        raise ArchitectureError(f"unknown layer type {shown(spec.get('type'))}; choose one of {', '.join(LAYER_TYPES)}")
    kind = LAYER_TYPES[layer_type]
    missing = [key for key in kind.required if key not in spec]
    if missing:
        raise ArchitectureError(f"{kind.label}: missing {', '.join(missing)} "
                                f"(a {kind.label} layer needs {', '.join(kind.required)})")
    # Unknown keys are usually typos ("kernal"); silently ignoring them would build the wrong model.
    unknown = sorted(key if isinstance(key, str) and len(key) <= 40 else shown(key)
                     for key in set(spec) - {"type"} - {p.key for p in kind.params})
    if unknown:
        allowed = ", ".join(p.key for p in kind.params) or "no settings"
        raise ArchitectureError(f"{kind.label}: unknown setting {', '.join(unknown)} (it takes {allowed})")
    complete = {"type": layer_type}
    for param in kind.params:
        complete[param.key] = _check_value(kind.label, param, spec.get(param.key, param.default))
    return complete


# --------------------------------------------------------------------------------------------
# Readable descriptions

def _pool_stride(spec: dict) -> int:
    return spec.get("stride") or spec.get("size", 2)


def describe_layer(spec: dict) -> str:
    """One line a student can read: "Conv 6@5x5, same, ReLU", "MaxPool 2x2", "Dense 120, ReLU"."""
    try:
        spec = validate_layer(spec)
    except ArchitectureError:
        return _short_label(spec)
    t = spec["type"]
    act = ACTIVATIONS[spec.get("activation", "linear")][0]
    if t == "conv":
        stride = f", stride {spec['stride']}" if spec["stride"] != 1 else ""
        return f"Conv {spec['filters']}@{spec['kernel']}x{spec['kernel']}{stride}, {spec['padding']}, {act}"
    if t in ("maxpool", "avgpool"):
        text = _short_label(spec)
        return text + (", same" if spec["padding"] == "same" else "")
    if t == "dense":
        return f"Dense {spec['units']}, {act}"
    return _short_label(spec)


def _short_label(spec: Any) -> str:
    """Compact name used in error messages: "Conv 16@5x5 (valid)", "MaxPool 2x2", "Dense 120".

    The spec may be anything (this names the layer whose values are wrong): a value too odd to
    show in a label is shown as "?"; the error message itself says what is wrong with it."""
    t = _type_of(spec)
    if t is None:
        return "layer"

    def v(key: str, default: Any = None) -> str:
        value = spec[key] if default is None else spec.get(key, default)  # no value: the plain label below
        text = shown(value) if isinstance(value, (int, float, str)) else "?"
        return text.strip("'") if len(text) <= 12 else "?"

    try:
        return _label_of(t, spec, v)
    except KeyError:
        return {"batchnorm": "BatchNorm", "gap": "Global average pooling"}.get(t, LAYER_TYPES[t].label)


def _label_of(t: str, spec: dict, v: Callable[..., str]) -> str:
    if t == "conv":
        stride = f", stride {v('stride', 1)}" if spec.get("stride", 1) != 1 else ""
        return f"Conv {v('filters')}@{v('kernel')}x{v('kernel')}{stride} ({v('padding', 'valid')})"
    if t in ("maxpool", "avgpool"):
        size = spec.get("size", 2)
        stride = f", stride {v('stride')}" if spec.get("stride") not in (None, size) else ""
        return f"{'MaxPool' if t == 'maxpool' else 'AvgPool'} {v('size', 2)}x{v('size', 2)}{stride}"
    if t == "dropout":
        return f"Dropout {v('rate')}"
    if t == "dense":
        return f"Dense {v('units')}"
    raise KeyError(t)


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
    return (*_windowed(spec, shape, spec["size"], _pool_stride(spec), "pool"), shape[2]), 0, 0


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
        prefix = _NAME_PREFIX.get(_type_of(raw), "layer")
        counts[prefix] = counts.get(prefix, 0) + 1
        name = f"{prefix}{counts[prefix]}"
        try:
            spec = validate_layer(raw)
            shape, params, frozen = _SHAPE_RULES[spec["type"]](spec, shape)
        except (ArchitectureError, _Problem) as problem:
            # validate_layer's messages already start with the layer's label; _Problem's do not.
            reason = str(problem) if isinstance(problem, ArchitectureError) else f"{_short_label(raw)}: {problem}"
            error = ArchitectureError(f"layer {index}, {reason}", layer=index)
            rows.append(LayerRow(index, name, _short_label(raw), (), 0, str(error)))
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
        k, s = spec["size"], _pool_stride(spec)
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
        return pool(pool_size=spec["size"], strides=_pool_stride(spec), padding=spec["padding"], name=name)
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


OPTIMIZERS = ("adam", "sgd", "sgd-momentum", "rmsprop", "adamw")
MAX_LEARNING_RATE = 10.0  # far above any useful value (the Train page's field stops there too)


def make_optimizer(name: str, learning_rate):
    """The Keras optimizer for one of OPTIMIZERS. `learning_rate` may be a number or a Keras schedule.

    "sgd" is plain gradient descent (what the fashion-bn tutorial uses); "sgd-momentum" adds
    momentum 0.9, which usually trains much faster at the same learning rate.
    """
    if name not in OPTIMIZERS:
        raise CnnlabError(f"unknown optimizer {shown(name)}; choose one of {', '.join(OPTIMIZERS)}")
    if isinstance(learning_rate, (int, float)) and not (0 < learning_rate <= MAX_LEARNING_RATE):
        raise CnnlabError(f"the learning rate must be above 0 and at most {MAX_LEARNING_RATE:g}, "
                          f"got {shown(learning_rate)}")
    from keras import optimizers

    if name == "sgd-momentum":
        return optimizers.SGD(learning_rate=learning_rate, momentum=0.9)
    return {"adam": optimizers.Adam, "sgd": optimizers.SGD, "rmsprop": optimizers.RMSprop,
            "adamw": optimizers.AdamW}[name](learning_rate=learning_rate)


# --------------------------------------------------------------------------------------------
# Presets: the tutorials' networks, with their training defaults.

@dataclass
class Preset:
    id: str
    title: str
    description: str
    layers: list[dict]  # shared by every caller: copy (copy.deepcopy) before editing
    optimizer: str
    learning_rate: float
    batch_size: int
    epochs: int
    validation_split: float = 0.1
    dataset: str = "mnist"  # the dataset its tutorial trains on
    published: str | None = None  # the tutorial's reported result, to compare against
    # Training settings beyond the tutorials' (the modern presets use them; see TrainConfig).
    lr_schedule: str = "constant"
    augment_shift: float = 0.0
    augment_flip: bool = False
    epochs_by_dataset: dict[str, int] = field(default_factory=dict)  # where `epochs` is not right


def _conv_spec(filters, kernel, padding="valid", activation="relu", stride=1):
    return {"type": "conv", "filters": filters, "kernel": kernel, "stride": stride, "padding": padding,
            "activation": activation}


def _dense_spec(units, activation="relu"):
    return {"type": "dense", "units": units, "activation": activation}


_MAXPOOL = {"type": "maxpool", "size": 2, "stride": None, "padding": "valid"}
_AVGPOOL = {"type": "avgpool", "size": 2, "stride": None, "padding": "valid"}
_FLATTEN = {"type": "flatten"}
_BN = {"type": "batchnorm"}
_GAP = {"type": "gap"}


def _dropout(rate):
    return {"type": "dropout", "rate": rate}


_PRESET_LIST = [
    Preset(
        "lenet5", "LeNet-5",
        "LeNet-5 is the network Yann LeCun and colleagues built in 1998 to read handwritten digits on "
        "bank cheques, one of the first CNNs put to real use. Two convolution layers (6, then 16 filters "
        "of 5x5), each followed by average pooling, turn the 28x28 image into 16 feature maps of 7x7; "
        "three dense layers (120, 84, 10) then decide the class. This version follows a modern tutorial "
        "(ReLU instead of tanh, 'same' padding, Adam). Notice where the 107,786 parameters are: 94,200 "
        "in the first dense layer and only 2,572 in both convolutions, because a filter reuses the same "
        "few weights at every position of the image.",
        [_conv_spec(6, 5, "same"), _AVGPOOL, _conv_spec(16, 5, "same"), _AVGPOOL, _FLATTEN,
         _dense_spec(120), _dense_spec(84)],
        "adam", 0.001, 32, 30, dataset="fashion-mnist",
        published="90.67% test accuracy on Fashion-MNIST",
    ),
    Preset(
        "mnist-basic", "Basic MNIST CNN",
        "The smallest useful CNN, from a popular beginner tutorial: one convolution layer of 28 filters "
        "of 3x3, one max-pooling layer, then a dense layer of 128 units with a little dropout. Notice "
        "how far a single convolution layer gets on handwritten digits (about 98.7% of test digits "
        "right), and that almost all of its 600,000 parameters sit in the dense layer that reads the "
        "13x13x28 flattened feature maps.",
        [_conv_spec(28, 3), _MAXPOOL, _FLATTEN, _dense_spec(128), _dropout(0.2)],
        "adam", 0.001, 32, 10, dataset="mnist",
        published="98.73% test accuracy on MNIST",
    ),
    Preset(
        "cifar-basic", "Basic CIFAR-10 CNN",
        "The classic first CNN for CIFAR-10's small colour photos (planes, cars, birds, cats...): two "
        "blocks of convolution and max pooling (32, then 64 filters of 3x3) and a dense layer of 128 with "
        "dropout. Photos are much harder than digits: expect well under 75%. Notice the gap that opens "
        "between training and validation accuracy after a few epochs: without data augmentation a "
        "network this size starts memorising its training images (overfitting).",
        [_conv_spec(32, 3), _MAXPOOL, _conv_spec(64, 3), _MAXPOOL, _FLATTEN, _dense_spec(128), _dropout(0.2)],
        "adam", 0.001, 64, 10, validation_split=0.2, dataset="cifar10",
    ),
    Preset(
        "tf-tutorial", "TensorFlow tutorial CNN",
        "The CNN from TensorFlow's official 'Convolutional Neural Network' tutorial: three convolution "
        "layers (32, 64, 64 filters of 3x3) with max pooling between them, then a dense layer of 64: "
        "122,570 parameters. Notice the pattern nearly every CNN follows: width and height shrink "
        "(32, 30, 15, 13, 6, 4) while the number of channels grows (3, 32, 64), trading where a feature "
        "is for what it is.",
        [_conv_spec(32, 3), _MAXPOOL, _conv_spec(64, 3), _MAXPOOL, _conv_spec(64, 3), _FLATTEN, _dense_spec(64)],
        "adam", 0.001, 32, 10, dataset="cifar10",
        published="about 70% test accuracy on CIFAR-10",
    ),
    Preset(
        "fashion-bn", "Fashion-MNIST with batch normalization",
        "A Fashion-MNIST network that normalises each block's input with batch normalization and uses "
        "generous dropout (0.25 after each of its two convolution blocks, 0.5 before the output). It is "
        "trained with plain SGD, large batches of 256 and only 5 epochs. Notice how batch normalization "
        "lets simple SGD make progress in few epochs, and how the heavy dropout keeps training and "
        "validation accuracy close together.",
        [_BN, _conv_spec(32, 3, "same"), _MAXPOOL, _dropout(0.25), _BN, _conv_spec(32, 3, "same"), _MAXPOOL,
         _dropout(0.25), _FLATTEN, _dense_spec(128), _dropout(0.5)],
        "sgd", 0.01, 256, 5, validation_split=0.2, dataset="fashion-mnist",
    ),
    # Modern presets: built for accuracy per second on a 2-core laptop CPU, not copied from a tutorial.
    # Batch normalization sits after pooling (4x fewer values to normalise than after the conv),
    # which on a CPU is most of the cost of a layer this small.
    Preset(
        "fast-cnn", "Fast modern CNN",
        "A small network in today's style, tuned to learn quickly on a laptop: three blocks of "
        "3x3 convolution ('same' padding), max pooling and batch normalization, with 16, 32 and 64 "
        "filters, then a dense layer of 128 with dropout. Batch normalization keeps each layer's "
        "inputs on a steady scale, so Adam can start with a learning rate three times the usual 0.001; "
        "a cosine schedule then lowers it smoothly to zero by the last batch, so the last steps are "
        "small ones that settle the weights. It reaches 99% on MNIST in two or three epochs, and 91% on "
        "Fashion-MNIST in about four of its eight epochs there. Notice how few parameters it needs "
        "(under 100,000, fewer than LeNet-5) because each pooling step shrinks the image before the "
        "dense layer.",
        [_conv_spec(16, 3, "same"), _MAXPOOL, _BN, _conv_spec(32, 3, "same"), _MAXPOOL, _BN,
         _conv_spec(64, 3, "same"), _MAXPOOL, _BN, _FLATTEN, _dropout(0.2), _dense_spec(128), _dropout(0.3)],
        "adam", 0.003, 128, 3, dataset="mnist", lr_schedule="cosine",
        # Clothes are harder than digits: a longer schedule (measured: bench/RESULTS.md).
        epochs_by_dataset={"fashion-mnist": 8, "fashion-sample": 8, "cifar10": 15},
    ),
    Preset(
        "fast-cnn-wide", "Fast modern CNN, wider (for photos)",
        "The fast modern CNN with twice as many filters in every block (32, 64, 128), the usual "
        "VGG-style widths, for colour photos such as CIFAR-10 where more patterns are worth learning. "
        "Each block is convolution, max pooling and batch normalization; a dense layer of 128 with "
        "dropout decides the class. Every epoch it sees each photo shifted by up to 10% and, half the "
        "time, mirrored: this data augmentation keeps it from memorising the 50,000 training photos, "
        "and the learning rate glides down on a cosine curve over its 15 epochs. Notice that doubling "
        "the filters roughly quadruples the work per image, so each epoch takes about twice as long "
        "as the narrow version.",
        [_conv_spec(32, 3, "same"), _MAXPOOL, _BN, _conv_spec(64, 3, "same"), _MAXPOOL, _BN,
         _conv_spec(128, 3, "same"), _MAXPOOL, _BN, _FLATTEN, _dropout(0.3), _dense_spec(128), _dropout(0.3)],
        "adam", 0.003, 128, 15, dataset="cifar10", lr_schedule="cosine", augment_shift=0.1, augment_flip=True,
        epochs_by_dataset={"mnist": 3, "mnist-sample": 3, "fashion-mnist": 8, "fashion-sample": 8},
    ),
]

PRESETS: dict[str, Preset] = {preset.id: preset for preset in _PRESET_LIST}
