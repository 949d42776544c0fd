"""Architectures: the pure-Python shape check must agree with Keras and explain impossible stacks."""
import copy
import math

import pytest

from cnnlab.config import OPTIMIZERS
from cnnlab.layers import LAYER_TYPES, ArchitectureError, default_layer, describe_layer, validate_layer
from cnnlab.network import build_model, check_stack, multiply_adds, output_size_formula
from cnnlab.presets import PRESETS
from cnnlab.settings import CnnlabError
from cnnlab.training import make_optimizer

MNIST, CIFAR = (28, 28, 1), (32, 32, 3)


def conv(filters, kernel, padding="valid", **extra):
    return {"type": "conv", "filters": filters, "kernel": kernel, "padding": padding, "activation": "relu", **extra}


def dense(units):
    return {"type": "dense", "units": units, "activation": "relu"}


FLAT, POOL = {"type": "flatten"}, {"type": "maxpool"}


def error_of(layers, shape=MNIST):
    check = check_stack(layers, shape, 10)
    assert not check.ok
    return check.error


def test_published_parameter_counts():
    assert check_stack(PRESETS["lenet5"].layers, MNIST, 10).total_params == 107_786
    assert check_stack(PRESETS["tf-tutorial"].layers, CIFAR, 10).total_params == 122_570


def test_lenet5_summary_rows():
    rows = check_stack(PRESETS["lenet5"].layers, MNIST, 10).rows
    assert [r.name for r in rows] == ["input", "conv1", "pool1", "conv2", "pool2", "flatten1", "dense1",
                                      "dense2", "output"]
    assert [r.output_shape for r in rows] == [(28, 28, 1), (28, 28, 6), (14, 14, 6), (14, 14, 16), (7, 7, 16),
                                              (784,), (120,), (84,), (10,)]
    assert [r.params for r in rows] == [0, 156, 0, 2416, 0, 0, 94_200, 10_164, 850]
    assert rows[1].description == "Conv 6@5x5, same, ReLU"


def test_presets_are_complete_and_valid():
    for preset in PRESETS.values():
        assert preset.optimizer in OPTIMIZERS and preset.learning_rate > 0
        assert preset.batch_size >= 1 and preset.epochs >= 1 and 0 < preset.validation_split < 1
        assert len(preset.description) > 200 and preset.dataset in ("mnist", "fashion-mnist", "cifar10")
        for shape in (MNIST, CIFAR):
            assert check_stack(preset.layers, shape, 10).ok, (preset.id, shape)
    assert {"lenet5", "mnist-basic", "cifar-basic", "tf-tutorial", "fashion-bn", "fast-cnn"} <= set(PRESETS)
    assert PRESETS["fashion-bn"].validation_split == 0.2 and PRESETS["lenet5"].validation_split == 0.1


def test_parameter_counts_equal_keras():
    for preset in PRESETS.values():
        for shape in (MNIST, CIFAR):
            check = check_stack(preset.layers, shape, 10)
            model = build_model(preset.layers, shape, 10, name=preset.id)
            assert check.total_params == model.count_params(), (preset.id, shape)
            frozen = sum(math.prod(w.shape) for w in model.non_trainable_weights)
            assert check.non_trainable_params == frozen
            # Same names and shapes as the summary, so the Inspect page can find layers by name.
            for row in check.rows[1:]:
                assert tuple(model.get_layer(row.name).output.shape[1:]) == row.output_shape, (preset.id, row)


def test_every_layer_type_and_option_matches_keras():
    layers = [{"type": "batchnorm"}, conv(8, 3, "same", stride=2), {"type": "avgpool", "size": 3, "stride": 1},
              conv(4, 2, "same", activation="leaky_relu"), {"type": "maxpool", "size": 3, "padding": "same"},
              {"type": "dropout", "rate": 0.1}, {"type": "gap"}, {"type": "batchnorm"},
              {"type": "dense", "units": 7, "activation": "tanh"}]
    layers[3]["activation"] = "leaky_relu"
    check = check_stack(layers, (29, 31, 3), 5)
    assert check.ok, check.error
    model = build_model(layers, (29, 31, 3), 5)
    assert check.total_params == model.count_params()
    assert model.layers[1].name == "rescale" and model.layers[-1].name == "output"
    assert model.get_layer("output").activation.__name__ == "softmax"
    for row in check.rows[1:]:
        assert tuple(model.get_layer(row.name).output.shape[1:]) == row.output_shape, row


@pytest.mark.parametrize("layers, expected", [
    ([conv(8, 3), POOL, POOL, POOL, POOL, POOL], "layer 6, MaxPool 2x2: its input is 1x1, nothing left to pool"),
    ([conv(6, 5), POOL, conv(16, 5), POOL, conv(16, 5)],
     "layer 5, Conv 16@5x5 (valid): its input is 4x4, smaller than the 5x5 kernel — use 'same' padding"),
    ([conv(6, 5, "same"), POOL, conv(16, 5, "same"), POOL, dense(120)],
     "layer 5, Dense 120: its input is still a 7x7x16 image — add a Flatten or Global average pooling layer"),
    ([FLAT, FLAT], "layer 2, Flatten: its input is already a flat vector of 784 numbers"),
    ([FLAT, conv(16, 5)], "layer 2, Conv 16@5x5 (valid): needs an image, got a flat vector of 784 numbers"),
    ([FLAT, POOL], "layer 2, MaxPool 2x2: needs an image"),
    ([FLAT, {"type": "gap"}], "layer 2, Global average pooling: needs an image"),
    ([conv(0, 3)], "layer 1, Convolution: filters must be between 1"),
    ([conv(4, 0)], "layer 1, Convolution: kernel size must be between 1"),
    ([conv(4, 2.5)], "layer 1, Convolution: kernel size must be a whole number"),
    ([conv(4, 3, stride=0)], "layer 1, Convolution: stride must be between 1"),
    ([conv(4, 3, "full")], "layer 1, Convolution: padding 'full' is not one of valid, same"),
    ([{"type": "conv", "filters": 4, "kernel": 3}], "layer 1, Convolution: missing activation"),
    ([conv(4, 3, kernal=3)], "layer 1, Convolution: unknown setting kernal"),
    ([FLAT, {"type": "dropout", "rate": 1.0}], "layer 2, Dropout: rate must be between 0"),
    ([FLAT, {"type": "dropout", "rate": -0.1}], "layer 2, Dropout: rate must be between 0"),
    ([FLAT, {"type": "dropout"}], "layer 2, Dropout: missing rate"),
    ([FLAT, {"type": "dense", "units": 8, "activation": "softplus"}],
     "layer 2, Dense: activation 'softplus' is not one of"),
    ([{"type": "lstm"}], "layer 1, unknown layer type 'lstm'"),
    ([FLAT, "dense"], "layer 2, expected a layer"),
])
def test_impossible_stacks_name_the_layer(layers, expected):
    error = error_of(layers)
    assert str(error).startswith(expected), str(error)
    assert error.layer == int(expected.split(",")[0].split()[1])
    check = check_stack(layers, MNIST, 10)
    assert check.rows[-1].index == error.layer and check.rows[-1].error == str(error)


@pytest.mark.parametrize("junk", [
    {"type": ["conv"]}, {"type": None}, {1: 2, "type": "flatten"}, conv(float("inf"), 3), conv(4, float("nan")),
    conv(True, 3), conv("8", 3), {"type": "maxpool", "size": 2, "stride": [1]}, 42, None,
])
def test_junk_specs_are_reported_not_raised(junk):
    error = error_of([junk])
    assert error.layer == 1 and str(error).startswith("layer 1, ")
    assert isinstance(describe_layer(junk), str)


def test_stack_must_end_flat():
    error = error_of([conv(16, 5, "same"), POOL, POOL])
    assert str(error) == ("the stack ends with a 7x7x16 image: add Flatten (or Global average pooling) "
                          "before the output") and error.layer is None
    assert "28x28x1 image" in str(error_of([]))


def test_bad_dataset_shape_never_raises():
    assert not check_stack([FLAT], (28, 28), 10).ok
    assert not check_stack([FLAT], MNIST, 1).ok
    assert not check_stack(None, MNIST, 10).ok


def test_parameter_limit(monkeypatch):
    monkeypatch.setenv("CNNLAB_MAX_PARAMS", "100000")
    check = check_stack(PRESETS["lenet5"].layers, MNIST, 10)
    message = str(check.error)
    assert "107,786 parameters" in message and "100,000" in message and "CNNLAB_MAX_PARAMS" in message
    assert "layer 6, Dense 120, ReLU with 94,200" in message
    assert check.total_params == 107_786 and len(check.rows) == 9
    with pytest.raises(ArchitectureError):
        build_model(PRESETS["lenet5"].layers, MNIST, 10)
    monkeypatch.setenv("CNNLAB_MAX_PARAMS", "lots")
    assert not check_stack(PRESETS["lenet5"].layers, MNIST, 10).ok  # a bad setting is reported, not raised


def test_build_model_raises_same_message():
    layers = [conv(6, 5), POOL, conv(16, 5), POOL, conv(16, 5)]
    with pytest.raises(ArchitectureError) as caught:
        build_model(layers, MNIST, 10)
    assert str(caught.value) == str(check_stack(layers, MNIST, 10).error) and caught.value.layer == 5
    assert isinstance(caught.value, CnnlabError)


def test_build_model_takes_uint8_pixels_and_leaves_presets_alone():
    import numpy as np

    before = copy.deepcopy(PRESETS["fast-cnn"].layers)
    model = build_model(PRESETS["fast-cnn"].layers, MNIST, 10)
    probabilities = model.predict_on_batch(np.full((2, 28, 28, 1), 255, np.uint8))
    assert probabilities.shape == (2, 10) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)
    assert PRESETS["fast-cnn"].layers == before


def test_descriptions():
    assert describe_layer(conv(6, 5, "same")) == "Conv 6@5x5, same, ReLU"
    assert describe_layer(conv(32, 3, stride=2)) == "Conv 32@3x3, stride 2, valid, ReLU"
    assert describe_layer({"type": "maxpool", "size": 2}) == "MaxPool 2x2"
    assert describe_layer({"type": "avgpool", "size": 3, "stride": 2}) == "AvgPool 3x3, stride 2"
    assert describe_layer({"type": "dropout", "rate": 0.25}) == "Dropout 0.25"
    assert describe_layer(dense(120)) == "Dense 120, ReLU"
    assert describe_layer({"type": "gap"}) == "Global average pooling"
    assert describe_layer({"type": "conv"}) == "Convolution"  # incomplete spec: never raises


def test_layer_types_metadata_and_defaults():
    for layer_type, info in LAYER_TYPES.items():
        spec = default_layer(layer_type)
        assert spec["type"] == layer_type and validate_layer(spec) == spec
        assert info.label and info.explanation.endswith(".")
        for param in info.params:
            assert param.choices or param.minimum is not None
    assert "strongest response in each 2x2 window" in LAYER_TYPES["maxpool"].explanation
    first = default_layer("conv")
    first["filters"] = 1
    assert default_layer("conv")["filters"] == 32  # a fresh copy each time
    with pytest.raises(ArchitectureError):
        default_layer("lstm")
    assert validate_layer({"type": "conv", "filters": 4, "kernel": 3.0, "activation": "tanh"}) == {
        "type": "conv", "filters": 4, "kernel": 3, "stride": 1, "padding": "valid", "activation": "tanh"}


def test_output_size_formula():
    text = output_size_formula(conv(16, 5), 14)
    assert "(14 - 5 + 2*0) / 1" in text and text.endswith("= 10")
    assert output_size_formula(conv(6, 5, "same"), 28).startswith(
        "o = floor((N - K + 2P) / S) + 1 = floor((28 - 5 + 2*2) / 1) + 1 = 28")
    assert "ceil(28 / 1) = 28" in output_size_formula(conv(6, 4, "same"), 28)  # even kernel: uneven padding
    assert output_size_formula({"type": "maxpool"}, 7).endswith("= 3")
    assert output_size_formula(dense(10), 7) == ""


def test_make_optimizer():
    assert type(make_optimizer("adam", 0.001)).__name__ == "Adam"
    assert make_optimizer("sgd", 0.01).momentum == 0
    assert make_optimizer("sgd-momentum", 0.01).momentum == 0.9
    assert {type(make_optimizer(name, 0.01)).__name__ for name in OPTIMIZERS} == {"Adam", "SGD", "RMSprop", "AdamW"}
    for bad in (("nadam", 0.01), ("adam", 0), ("adam", -1)):
        with pytest.raises(CnnlabError):
            make_optimizer(*bad)


def test_where_to_insert_puts_each_kind_where_it_can_go():
    from cnnlab.layers import where_to_insert

    lenet = PRESETS["lenet5"].layers  # conv, pool, conv, pool, flatten, dense, dense
    assert [where_to_insert(lenet, t) for t in ("conv", "maxpool", "avgpool", "batchnorm")] == [4] * 4
    assert where_to_insert(lenet, "flatten") == where_to_insert(lenet, "gap") == 5
    assert where_to_insert(lenet, "dense") == where_to_insert(lenet, "dropout") == len(lenet)
    assert where_to_insert([], "conv") == 0 and where_to_insert([{"type": "conv"}], "dense") == 1
    convs = [{"type": "conv", "filters": 4, "kernel": 3, "activation": "relu"}, {"type": "dense", "units": 8,
                                                                                  "activation": "relu"}]
    assert where_to_insert(convs, "flatten") == 1  # between the picture layers and the dense ones
    for kind in set(LAYER_TYPES) - {"flatten", "gap"}:  # LeNet-5 stays trainable (a second Flatten never is)
        stack = [dict(layer) for layer in lenet]
        stack.insert(where_to_insert(stack, kind), default_layer(kind))
        assert check_stack(stack, (28, 28, 1), 10).ok, kind


def test_multiply_adds_counts_each_convolution_and_dense_weight_use_by_hand():
    # conv1 28x28x6 outputs, 5x5x1 each; conv2 ('same' on 14x14) 14x14x16, 5x5x6 each; then the dense layers
    by_hand = 28 * 28 * 6 * 25 + 14 * 14 * 16 * 25 * 6 + 784 * 120 + 120 * 84 + 84 * 10
    assert multiply_adds(PRESETS["lenet5"].layers, (28, 28, 1), 10) == by_hand == 693_000
    # a colour picture triples the first convolution's work; strides shrink what follows
    colour = [{"type": "conv", "filters": 4, "kernel": 3, "stride": 2, "padding": "valid",
               "activation": "relu"}, {"type": "flatten"}]
    assert multiply_adds(colour, (9, 9, 3), 2) == 4 * 4 * 4 * 9 * 3 + 64 * 2
    assert multiply_adds([{"type": "dense", "units": 5}], (28, 28, 1), 10) == 0  # impossible: no Flatten
