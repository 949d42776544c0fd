"""The receptive field: which patch of the input picture one cell of a layer's output can see.

Computed from the same layer specs the network is built from (`cnnlab.layers`), so it is
the patch of the student's own network. Going back one layer at a time, the cells a..b of a
layer's output see the cells a*S - P .. b*S - P + D(K-1) of its input (S stride, P the zeros
padded before, K kernel or window size, D dilation). Its side, for a cell far from the border,
has the closed form  r = 1 + sum over layers of D_l (K_l - 1) x (product of the strides before l).
Batch normalization and dropout change no pixel's neighbourhood, so they pass it through.
"""
from __future__ import annotations

from dataclasses import dataclass

from cnnlab.explain.windows import ExplainError, output_size, padding_amounts, span
from cnnlab.layers import validate_layer
from cnnlab.network import check_stack

WINDOW_LAYERS = ("conv", "maxpool", "avgpool")  # the layers that have a feature map to click


@dataclass(frozen=True)
class FieldLayer:
    """One convolution or pooling layer, with what its cells see of the input."""

    name: str  # conv1, pool1... (the Keras layer's name)
    description: str  # "Conv 6@5x5, same, ReLU"
    kernel: int
    stride: int
    padding: str
    dilation: int
    input_size: tuple[int, int]  # (height, width) of the map it reads
    output_size: tuple[int, int]
    pad_before: tuple[int, int]  # zeros added at the top and at the left
    jump: int  # input pixels between two neighbouring cells of its output
    size: int  # side of the patch one of its cells sees (closed form; the border may clip it)


@dataclass(frozen=True)
class Patch:
    """Input rows top..bottom and columns left..right (inclusive) one cell sees; parts may lie in
    the padding, outside the picture (negative or past its edge): `clipped` keeps the picture's part."""

    top: int
    bottom: int
    left: int
    right: int

    @property
    def height(self) -> int:
        return self.bottom - self.top + 1

    @property
    def width(self) -> int:
        return self.right - self.left + 1

    def clipped(self, height: int, width: int) -> "Patch":
        return Patch(max(self.top, 0), min(self.bottom, height - 1), max(self.left, 0), min(self.right, width - 1))


def closed_form_size(kernels, strides, dilations=None) -> int:
    """r = 1 + sum_l D_l (K_l - 1) * prod_{i<l} S_i, for a stack of windows (first layer first)."""
    dilations = dilations if dilations is not None else [1] * len(kernels)
    size, jump = 1, 1
    for kernel, stride, dilation in zip(kernels, strides, dilations):
        size += dilation * (kernel - 1) * jump
        jump *= stride
    return size


def field_layers(layers, input_shape) -> list[FieldLayer]:
    """The convolution and pooling layers of a stack (up to its first Flatten / Global average
    pooling / Dense), each with its jump and receptive-field size. A spec may carry a "dilation"
    (default 1). Raises ExplainError naming the first layer that does not fit its input."""
    specs = [dict(spec) for spec in layers]
    dilations = [int(spec.pop("dilation", 1) or 1) if isinstance(spec, dict) else 1 for spec in specs]
    check = check_stack(specs, input_shape, 10)
    rows = check.rows[1:]  # row 0 is the input
    if check.error is not None and any(row.error for row in rows):
        raise ExplainError(str(check.error))
    found: list[FieldLayer] = []
    height, width = input_shape[0], input_shape[1]
    size, jump = 1, 1
    for row, spec, dilation in zip(rows, specs, dilations):
        spec = validate_layer(spec)
        kind = spec["type"]
        if kind in ("flatten", "gap", "dense"):
            break
        if kind not in WINDOW_LAYERS:
            continue
        kernel = spec["kernel"] if kind == "conv" else spec["size"]
        stride = spec["stride"] if kind == "conv" else (spec["stride"] or spec["size"])
        if dilation != 1 and kind != "conv":
            raise ExplainError(f"{row.name}: only convolution layers can be dilated")
        before = (padding_amounts(height, kernel, stride, spec["padding"], dilation)[0],
                  padding_amounts(width, kernel, stride, spec["padding"], dilation)[0])
        size += (span(kernel, dilation) - 1) * jump
        out = (_out(height, kernel, stride, spec["padding"], dilation),
               _out(width, kernel, stride, spec["padding"], dilation))
        found.append(FieldLayer(row.name, row.description, kernel, stride, spec["padding"], dilation,
                                (height, width), out, before, jump * stride, size))
        jump *= stride
        height, width = out
    return found


def _out(n: int, kernel: int, stride: int, padding: str, dilation: int) -> int:
    out = output_size(n, kernel, stride, padding, dilation)
    if out < 1:
        raise ExplainError(f"a {kernel}x{kernel} window does not fit a map {n} pixels wide")
    return out


def patches_by_layer(stack: list[FieldLayer], layer: int, row: int, col: int, clip: bool = True) -> list[Patch]:
    """What cell (row, col) of the output of stack[layer] (0 = the first layer) sees in each
    earlier map, going back: [in the output of stack[layer-1], ..., in the input picture].

    clip=True: only what the cell really sees. Each step keeps the part inside the map it reads,
    because the zeros padded around a map hold nothing of the picture (near the border a cell
    sees less). clip=False: the whole theoretical patch, of the closed form's size."""
    if not 0 <= layer < len(stack):
        raise ExplainError(f"layer {layer} does not exist: the stack has {len(stack)} convolution/pooling layers")
    rows, cols = stack[layer].output_size
    if not (0 <= row < rows and 0 <= col < cols):
        raise ExplainError(f"{stack[layer].name}'s output is {rows}x{cols}: there is no cell (row {row}, column {col})")
    patches = []
    patch = Patch(row, row, col, col)
    for step in reversed(stack[:layer + 1]):
        reach = step.dilation * (step.kernel - 1)
        (pad_top, pad_left), s = step.pad_before, step.stride
        patch = Patch(patch.top * s - pad_top, patch.bottom * s - pad_top + reach,
                      patch.left * s - pad_left, patch.right * s - pad_left + reach)
        if clip:
            patch = patch.clipped(*step.input_size)
        patches.append(patch)
    return patches


def patch_of_cell(stack: list[FieldLayer], layer: int, row: int, col: int, clip: bool = True) -> Patch:
    """The input patch seen by cell (row, col) of the output of stack[layer] (0 = the first layer):
    what it really sees (clip=True), or the whole theoretical patch (clip=False)."""
    return patches_by_layer(stack, layer, row, col, clip)[-1]
