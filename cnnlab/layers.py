"""The layers a student can stack, as plain data: what each type takes, checks and readable names.

A layer is a small dict (a "spec") such as
``{"type": "conv", "filters": 6, "kernel": 5, "padding": "same", "activation": "relu"}``;
a network is a list of them. Data (not code) so a student can edit it in the UI, save it with a
run and share it as JSON. `LAYER_TYPES` is the one table that drives validation, defaults and the
UI's layer editor; cnnlab.network turns a list of specs into shapes and a Keras model.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from cnnlab.fields import shown
from cnnlab.settings import CnnlabError


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

def layer_type_of(spec: Any) -> str | None:
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
    types = [layer_type_of(spec) for spec in layers]
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
    layer_type = layer_type_of(spec)
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

def pool_stride(spec: dict) -> int:
    return spec.get("stride") or spec.get("size", 2)


def describe_layer(spec: Any, words: str = "short") -> str:
    """A layer in one line, in the wording the place needs. Never raises.

    "short": summaries and run settings, "Conv 6@5x5, same, ReLU", "MaxPool 2x2", "Dense 120, ReLU";
    "label": names the layer in error messages, "Conv 16@5x5 (valid)", "Dense 120";
    "plain": for learners, "Convolution: 6 filters of 5x5, 'same' padding, ReLU".
    A spec with impossible settings is named by its label, whatever the wording asked for.
    """
    try:
        spec = validate_layer(spec)
    except ArchitectureError:
        return _label(spec)
    if words == "plain":
        return _in_plain_words(spec)
    if words == "label":
        return _label(spec)
    t = spec["type"]
    activation = ACTIVATIONS[spec.get("activation", "linear")][0]
    if t == "conv":
        return f"{_conv_name(spec)}, {spec['padding']}, {activation}"
    if t in ("maxpool", "avgpool"):
        return _pool_name(spec) + (", same" if spec["padding"] == "same" else "")
    if t == "dense":
        return f"Dense {spec['units']}, {activation}"
    return _label(spec)


def _conv_name(spec: dict) -> str:
    stride = spec.get("stride", 1)
    return f"Conv {spec['filters']}@{spec['kernel']}x{spec['kernel']}" + (f", stride {stride}" if stride != 1 else "")


def _pool_name(spec: dict) -> str:
    size, stride = spec.get("size", 2), pool_stride(spec)
    name = "MaxPool" if spec["type"] == "maxpool" else "AvgPool"
    return f"{name} {size}x{size}" + (f", stride {stride}" if stride != size else "")


def _label(spec: Any) -> str:
    """Safe on any input, even an incomplete spec: check_stack's messages name layers with it.

    The spec may be anything (this names the layer whose values are wrong): a value too odd to
    show in a label is shown as "?"; the error message itself says what is wrong with it."""
    t = layer_type_of(spec)
    if t is None:
        return "layer"

    def v(key: str, default: Any = None) -> str:
        value = spec[key] if default is None else spec.get(key, default)  # no value: the plain label below
        text = shown(value) if isinstance(value, (int, float, str)) else "?"
        return text.strip("'") if len(text) <= 12 else "?"

    try:
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
    except KeyError:
        pass
    return {"batchnorm": "BatchNorm", "gap": "Global average pooling"}.get(t, LAYER_TYPES[t].label)


def _in_plain_words(spec: dict) -> str:
    t = spec["type"]
    activation = ACTIVATIONS[spec.get("activation", "linear")][0]
    if t == "conv":
        stride = f", stride {spec['stride']}" if spec["stride"] != 1 else ""
        k = spec["kernel"]
        return f"Convolution: {spec['filters']} filters of {k}x{k}{stride}, '{spec['padding']}' padding, {activation}"
    if t in ("maxpool", "avgpool"):
        size, stride = spec["size"], pool_stride(spec)
        keeps = "largest" if t == "maxpool" else "average"
        step = f", stride {stride}" if stride != size else ""
        return f"{LAYER_TYPES[t].label}: keeps the {keeps} of each {size}x{size} window{step}"
    return {
        "dense": lambda: f"Dense: {spec['units']} units, {activation}",
        "dropout": lambda: f"Dropout: switches off {spec['rate']:.0%} of its inputs while training",
        "flatten": lambda: "Flatten: unrolls the feature maps into one list of numbers",
        "gap": lambda: "Global average pooling: one average per feature map",
        "batchnorm": lambda: f"{LAYER_TYPES[t].label}: steadies each channel's values",
    }[t]()
