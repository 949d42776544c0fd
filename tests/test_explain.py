"""The arithmetic of the Learn pages (cnnlab.explain) against Keras and against closed forms."""
from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from cnnlab.explain import (
    HAND_MADE_KERNELS,
    ExplainError,
    activate,
    closed_form_size,
    convolve,
    cross_entropy,
    field_layers,
    one_hot,
    output_size,
    padding_amounts,
    parse_kernel,
    patch_of_cell,
    pool,
    size_formula,
    softmax,
)
from cnnlab.explain.augmentation import augment, shifted
from cnnlab.explain.convolution import format_kernel
from cnnlab.explain.pictures import TEST_PICTURES, as_network_view, for_network, picture_named
from cnnlab.explain.receptive_field import patches_by_layer


def keras_conv(image, kernel, bias, stride, padding, dilation):
    import keras

    layer = keras.layers.Conv2D(kernel.shape[-1], kernel.shape[:2], strides=stride, padding=padding,
                                dilation_rate=dilation)
    layer.build((1, *image.shape))
    layer.set_weights([kernel.astype(np.float32), bias.astype(np.float32)])
    return np.asarray(layer(image[None].astype(np.float32)))[0]


def random_conv_cases(count: int, seed: int):
    """Random pictures (grey and colour), kernels, strides, paddings and dilations. Keras cannot
    combine a stride above 1 with a dilation above 1, so each case has one or the other."""
    rng = np.random.default_rng(seed)
    for case in range(count):
        channels = (1, 3)[case % 2]
        h, w = rng.integers(9, 20, size=2)
        kh, kw = rng.integers(1, 6, size=2) if case % 3 else (rng.integers(1, 6),) * 2
        stride, dilation = (int(rng.integers(1, 4)), 1) if case % 4 < 2 else (1, int(rng.integers(1, 4)))
        padding = ("valid", "same")[(case // 2) % 2]
        if padding == "valid" and (dilation * (kh - 1) + 1 > h or dilation * (kw - 1) + 1 > w):
            dilation = 1
        filters = int(rng.integers(1, 4))
        image = rng.random((h, w, channels))
        kernel = rng.normal(size=(kh, kw, channels, filters))
        bias = rng.normal(size=filters)
        yield image, kernel, bias, stride, padding, dilation


@pytest.mark.parametrize("seed", range(4))
def test_convolve_equals_keras_conv2d(seed):
    for image, kernel, bias, stride, padding, dilation in random_conv_cases(12, seed):
        ours = convolve(image, kernel, stride, padding, dilation, bias=bias)
        theirs = keras_conv(image, kernel, bias, stride, padding, dilation)
        assert ours.output.shape == theirs.shape, (image.shape, kernel.shape, stride, padding, dilation)
        np.testing.assert_allclose(ours.output, theirs, atol=1e-5, rtol=0,
                                   err_msg=f"{image.shape} {kernel.shape} s{stride} {padding} d{dilation}")


def naive_convolution(image, kernel, stride, padding, dilation):
    """The textbook double loop, padding by the same rules, for stride and dilation together."""
    (h, w, _), (kh, kw) = image.shape, kernel.shape[:2]
    (top, bottom), (left, right) = padding_amounts(h, kh, stride, padding, dilation), \
        padding_amounts(w, kw, stride, padding, dilation)
    big = np.pad(image, ((top, bottom), (left, right), (0, 0)))
    rows, cols = output_size(h, kh, stride, padding, dilation), output_size(w, kw, stride, padding, dilation)
    out = np.zeros((rows, cols))
    for r in range(rows):
        for q in range(cols):
            for i in range(kh):
                for j in range(kw):
                    out[r, q] += (big[r * stride + i * dilation, q * stride + j * dilation] * kernel[i, j]).sum()
    return out


def test_convolve_with_stride_and_dilation_together_and_each_position_explained():
    rng = np.random.default_rng(7)
    for padding in ("valid", "same"):
        image, kernel = rng.random((13, 11, 3)), rng.normal(size=(3, 3, 3))
        result = convolve(image, kernel, stride=2, padding=padding, dilation=2, bias=0.5)
        np.testing.assert_allclose(result.map(), naive_convolution(image, kernel, 2, padding, 2) + 0.5, atol=1e-12)
        for index in range(result.positions):
            row, col = result.position(index)
            assert result.window(row, col).shape == (3, 3, 3)
            np.testing.assert_allclose(result.products(row, col), result.window(row, col) * kernel)
            assert result.total(row, col) == pytest.approx(result.map()[row, col])
    # The window holds the pixels under the taps, zeros in the padding.
    result = convolve(np.arange(25.0).reshape(5, 5), np.ones((3, 3)), padding="same")
    assert result.pad == ((1, 1), (1, 1))
    np.testing.assert_array_equal(result.window(0, 0)[..., 0], [[0, 0, 0], [0, 0, 1], [0, 5, 6]])
    rows, cols = result.taps(0, 0)
    assert list(rows) == [-1, 0, 1] and list(cols) == [-1, 0, 1]


def test_output_size_padding_and_the_formula():
    assert output_size(28, 3) == 26 and output_size(28, 3, padding="same") == 28
    assert output_size(28, 3, stride=2, dilation=2) == 12 and output_size(4, 3, dilation=2) == 0
    assert padding_amounts(28, 3, 2, "same") == (0, 1)  # TensorFlow puts the odd zero after
    assert padding_amounts(28, 5, 1, "same") == (2, 2)
    text = size_formula(28, 3, 1, "valid", 1)
    assert text.startswith("out = floor((N + 2P − D(K−1) − 1) / S) + 1 = "
                           "floor((28 + 0 − 1·(3−1) − 1) / 1) + 1 = 26")
    assert "2P = 1 zeros, 0 before and 1 after" in size_formula(28, 3, 2, "same", 1)
    rng = np.random.default_rng(3)  # the formula with Keras's padding gives Keras's size
    for _ in range(300):
        n, k, s, d = (int(v) for v in (rng.integers(1, 40), rng.integers(1, 8), rng.integers(1, 5), rng.integers(1, 4)))
        for padding in ("valid", "same"):
            total = sum(padding_amounts(n, k, s, padding, d))
            expected = output_size(n, k, s, padding, d)
            if expected:
                assert math.floor((n + total - d * (k - 1) - 1) / s) + 1 == expected


def test_convolve_refuses_impossible_settings_with_a_clear_message():
    with pytest.raises(ExplainError, match="spans 5x5 pixels, more than the 4x4 picture"):
        convolve(np.zeros((4, 4)), np.ones((3, 3)), dilation=2)
    with pytest.raises(ExplainError, match="3 channels"):
        convolve(np.zeros((8, 8, 3)), np.ones((3, 3)))
    with pytest.raises(ExplainError, match="stride"):
        convolve(np.zeros((8, 8)), np.ones((3, 3)), stride=0)
    with pytest.raises(ExplainError, match="padding"):
        convolve(np.zeros((8, 8)), np.ones((3, 3)), padding="full")
    with pytest.raises(ExplainError, match="no cell"):
        convolve(np.zeros((8, 8)), np.ones((3, 3))).window(6, 0)


def test_hand_made_kernels_do_what_they_say():
    square = as_network_view(picture_named("a square"))[..., 0]
    identity = convolve(square, HAND_MADE_KERNELS["identity"].array, padding="same").map()
    np.testing.assert_allclose(identity, square)
    sobel_x = convolve(square, HAND_MADE_KERNELS["Sobel x"].array, padding="same").map()
    assert sobel_x[14, 7] > 0 > sobel_x[14, 20] and sobel_x[3, 14] == 0  # left edge up, right edge down
    blur = convolve(square, HAND_MADE_KERNELS["blur"].array, padding="same").map()
    assert blur.sum() == pytest.approx(square.sum()) and 0 < blur[8, 8] < 1
    assert convolve(square, HAND_MADE_KERNELS["outline"].array, padding="same").map()[14, 14] == 0


def test_typed_kernels_are_parsed_or_refused_with_the_reason():
    np.testing.assert_array_equal(parse_kernel("0 -1 0\n-1 5 -1\n0,-1,0"), HAND_MADE_KERNELS["sharpen"].array)
    np.testing.assert_allclose(parse_kernel("1/9 1/9 1/9; 1/9 1/9 1/9; 1/9 1/9 1/9"), np.full((3, 3), 1 / 9))
    assert parse_kernel("1 2 / 3 4").shape == (2, 2)
    for kernel in HAND_MADE_KERNELS.values():  # what the page pre-fills reads back the same
        np.testing.assert_allclose(parse_kernel(format_kernel(kernel.array)), kernel.array)
    for text, reason in (("", "type the kernel"), ("1 2\n3", "row 2 has 1 number"), ("1 a\n2 3", "'a' is not a number"),
                         ("1 2 3\n4 5 6", "there are 2 rows"), ("\n".join(["1 " * 8] * 8), "at most 7x7"),
                         ("1/0 1\n1 1", "not a number"), ("inf 1\n1 1", "not a finite number")):
        with pytest.raises(ExplainError, match=reason):
            parse_kernel(text)


def keras_pool(image, kind, size, stride, padding):
    import keras

    layer = (keras.layers.MaxPooling2D if kind == "max" else keras.layers.AveragePooling2D)(
        pool_size=size, strides=stride, padding=padding)
    return np.asarray(layer(image[None].astype(np.float32)))[0]


def test_pooling_equals_keras_and_shows_its_winner():
    rng = np.random.default_rng(11)
    for case in range(24):
        image = rng.normal(size=(int(rng.integers(6, 15)), int(rng.integers(6, 15)), (1, 3)[case % 2]))
        size, stride = int(rng.integers(2, 4)), int(rng.integers(1, 4))
        kind, padding = ("max", "average")[case % 2], ("valid", "same")[(case // 2) % 2]
        ours = pool(image, size, stride, kind, padding)
        np.testing.assert_allclose(ours.output, keras_pool(image, kind, size, stride, padding), atol=1e-5, rtol=0)
        for index in range(ours.positions):
            row, col = ours.position(index)
            for channel in range(image.shape[2]):
                window = ours.window(row, col, channel)
                expected = window.max() if kind == "max" else window.mean()
                assert ours.map(channel)[row, col] == pytest.approx(expected)
                r, c = ours.winner(row, col, channel)
                assert image[r, c, channel] == window.max()
    with pytest.raises(ExplainError, match="bigger than the 2x2 map"):
        pool(np.zeros((2, 2)), 3)
    assert pool(np.zeros((6, 6)), 2).shape == (3, 3)  # the stride defaults to the window


def test_activations_equal_keras():
    import keras

    x = np.linspace(-6, 6, 97)
    for name in ("relu", "leaky_relu", "tanh", "sigmoid", "linear"):
        theirs = np.asarray(keras.layers.Activation(name)(x.astype(np.float32)))
        np.testing.assert_allclose(activate(x, name), theirs, atol=1e-6, err_msg=name)
    assert activate([-1000.0, 1000.0], "sigmoid").tolist() == [0.0, 1.0]  # no overflow warnings
    with pytest.raises(ExplainError, match="unknown activation"):
        activate([1.0], "swish")


def test_softmax_temperature_one_hot_and_loss():
    logits = np.array([2.0, 1.0, 0.1])
    probs = softmax(logits)
    np.testing.assert_allclose(probs, np.exp(logits) / np.exp(logits).sum())
    assert probs.sum() == pytest.approx(1.0)
    hot, cold = softmax(logits, 5.0), softmax(logits, 0.2)
    assert hot.max() < probs.max() < cold.max() and hot.argmax() == cold.argmax() == 0
    np.testing.assert_allclose(softmax([1000.0, 0.0]), [1.0, 0.0])  # no overflow
    np.testing.assert_array_equal(one_hot(2, 4), [0, 0, 1, 0])
    assert cross_entropy(probs, 0) == pytest.approx(-np.log(probs[0]))
    assert cross_entropy(probs, 2) > cross_entropy(probs, 1) > cross_entropy(probs, 0)
    assert cross_entropy([1.0, 0.0], 1) == pytest.approx(-np.log(1e-7))  # clipped as Keras clips, never infinite
    import keras

    keras_loss = keras.losses.sparse_categorical_crossentropy(np.array([1]), probs[None].astype(np.float32))
    assert cross_entropy(probs, 1) == pytest.approx(float(np.asarray(keras_loss)[0]), rel=1e-5)
    for bad in (lambda: softmax([1.0]), lambda: softmax(logits, 0), lambda: one_hot(3, 3),
                lambda: softmax([1, np.nan])):
        with pytest.raises(ExplainError):
            bad()


# --- The receptive field ----------------------------------------------------------------------

def random_stack(rng) -> list[dict]:
    stack = []
    for _ in range(int(rng.integers(1, 5))):
        if rng.random() < 0.6:
            stack.append({"type": "conv", "filters": 2, "kernel": int(rng.integers(1, 6)),
                          "stride": int(rng.integers(1, 3)),
                          "padding": str(rng.choice(["valid", "same"])), "activation": "relu",
                          "dilation": int(rng.integers(1, 3))})
        else:
            stack.append({"type": str(rng.choice(["maxpool", "avgpool"])), "size": int(rng.integers(2, 4)),
                          "stride": (None if rng.random() < 0.5 else int(rng.integers(1, 3))),
                          "padding": str(rng.choice(["valid", "same"]))})
        if rng.random() < 0.2:
            stack.append({"type": "batchnorm"})
    return stack + [{"type": "flatten"}]


def random_fields(seed: int, count: int, image_shape):
    """`count` random stacks that fit `image_shape`, each with its field_layers (stacks that shrink
    the picture to nothing are skipped)."""
    rng = np.random.default_rng(seed)
    found = 0
    while found < count:
        stack = random_stack(rng)
        try:
            layers = field_layers(stack, image_shape)
        except ExplainError:
            continue
        found += 1
        yield rng, stack, layers


def test_receptive_field_matches_the_closed_form_for_random_stacks():
    for _, stack, layers in random_fields(5, 200, (40, 40, 1)):
        windows = [s for s in stack if s["type"] in ("conv", "maxpool", "avgpool")]
        kernels = [s.get("kernel", s.get("size")) for s in windows]
        strides = [s.get("stride") or s.get("size") for s in windows]
        dilations = [s.get("dilation", 1) for s in windows]
        for depth, layer in enumerate(layers):
            size = closed_form_size(kernels[:depth + 1], strides[:depth + 1], dilations[:depth + 1])
            assert layer.size == size
            rows, cols = layer.output_size
            for row, col in ((0, 0), (rows - 1, cols - 1), (rows // 2, cols // 3)):
                patch = patch_of_cell(layers, depth, row, col, clip=False)
                assert patch.height == patch.width == size, (stack, depth, row, col)
                seen = patch_of_cell(layers, depth, row, col)
                assert seen.top >= patch.top and seen.bottom <= patch.bottom and seen.height <= size


def influence(stack_layers, image_shape, layer, row, col) -> set[tuple[int, int]]:
    """Input pixels whose change changes cell (row, col): computed by brute force with convolve/pool
    on all-positive kernels (average pooling, so no window hides a change)."""
    def forward(x):
        for step in stack_layers[:layer + 1]:
            if step.name.startswith("conv"):
                x = convolve(x, np.ones((step.kernel, step.kernel, 1)), step.stride, step.padding, step.dilation).output
            else:
                x = pool(x, step.kernel, step.stride, "average", step.padding).output
        return x[row, col, 0]

    base = np.ones(image_shape)
    reference = forward(base)
    seen = set()
    for r in range(image_shape[0]):
        for c in range(image_shape[1]):
            probe = base.copy()
            probe[r, c] = 2.0
            if forward(probe) != reference:
                seen.add((r, c))
    return seen


def test_receptive_field_patch_is_exactly_the_pixels_that_matter():
    for rng, stack, layers in random_fields(8, 10, (14, 14, 1)):
        depth = len(layers) - 1
        rows, cols = layers[depth].output_size
        row, col = int(rng.integers(rows)), int(rng.integers(cols))
        whole = patch_of_cell(layers, depth, row, col, clip=False)
        patch = patch_of_cell(layers, depth, row, col)
        box = {(r, c) for r in range(patch.top, patch.bottom + 1) for c in range(patch.left, patch.right + 1)}
        seen = influence(layers, (14, 14, 1), depth, row, col)
        assert seen <= box, stack
        if all(step.dilation == 1 for step in layers):
            assert seen == box, stack
        elif whole == patch:  # a dilated kernel skips pixels inside its patch, but reaches its four sides
            rows_seen, cols_seen = [r for r, _ in seen], [c for _, c in seen]
            assert (min(rows_seen), max(rows_seen), min(cols_seen), max(cols_seen)) == \
                (patch.top, patch.bottom, patch.left, patch.right), stack


def test_receptive_field_of_lenet_and_its_errors():
    from cnnlab.presets import PRESETS

    layers = field_layers(PRESETS["lenet5"].layers, (28, 28, 1))
    assert [(layer.name, layer.size, layer.jump, layer.output_size) for layer in layers] == [
        ("conv1", 5, 1, (28, 28)), ("pool1", 6, 2, (14, 14)), ("conv2", 14, 2, (14, 14)), ("pool2", 16, 4, (7, 7))]
    patches = patches_by_layer(layers, 3, 0, 0, clip=False)
    assert patches[-1] == patch_of_cell(layers, 3, 0, 0, clip=False)
    assert (patches[-1].top, patches[-1].bottom) == (-6, 9)  # 'same' padding: partly outside the picture
    assert [(p.top, p.bottom) for p in patches_by_layer(layers, 3, 0, 0)] == [(0, 1), (0, 3), (0, 7), (0, 9)]
    with pytest.raises(ExplainError, match="no cell"):
        patch_of_cell(layers, 0, 28, 0)
    with pytest.raises(ExplainError, match="layer 1"):
        field_layers([{"type": "conv", "filters": 1, "kernel": 9, "activation": "relu"}], (5, 5, 1))


# --- Augmentation and pictures --------------------------------------------------------------

def test_shift_equals_keras_random_translation():
    import keras

    rng = np.random.default_rng(2)
    images = rng.integers(0, 256, size=(1, 12, 10, 3)).astype(np.float32)
    layer = keras.layers.RandomTranslation(0.3, 0.3, fill_mode="constant")
    for dx, dy in ((2.0, -1.0), (-1.5, 2.25), (0.4, 0.0)):
        translations = np.array([[dx, dy]], np.float32)
        theirs = np.asarray(layer.transform_images(images, {"translations": translations, "input_shape": images.shape}))
        np.testing.assert_allclose(shifted(images[0], dx, dy), theirs[0], atol=1e-3)


def test_augment_is_reproducible_and_stays_within_its_settings():
    images = np.stack([picture_named("a square")] * 6)
    first, changes = augment(images, 0.1, True, seed=3)
    again, same = augment(images, 0.1, True, seed=3)
    np.testing.assert_array_equal(first, again)
    assert changes == same and first.dtype == np.uint8 and first.shape == images.shape
    assert all(abs(c.dx) <= 2.8 and abs(c.dy) <= 2.8 for c in changes)
    other, _ = augment(images, 0.1, True, seed=4)
    assert not np.array_equal(first, other)  # a new epoch, new shifts
    plain, none = augment(images, 0.0, False, seed=3)
    np.testing.assert_array_equal(plain, images)
    assert all(c.describe() == "not moved" for c in none)
    assert "mirrored" in augment(images, 0.0, True, seed=1)[1][0].describe() or \
        any(c.flipped for c in augment(images, 0.0, True, seed=1)[1])
    with pytest.raises(ExplainError, match="below 0.5"):
        augment(images, 0.6, False, seed=1)


def test_test_pictures_and_conversion_to_a_network_input():
    for name in TEST_PICTURES:
        picture = picture_named(name)
        assert picture.dtype == np.uint8 and picture.shape in ((28, 28, 1), (32, 32, 3)) and picture.max() > 0, name
    view = as_network_view(picture_named("a square"))
    assert view.max() == 1.0 and view.shape == (28, 28, 1)
    converted, note = for_network(picture_named("colour blocks"), (28, 28, 1))
    assert converted.shape == (28, 28, 1) and "32x32x3 to 28x28x1" in note
    same, none = for_network(picture_named("a ring"), (28, 28, 1))
    assert none is None and same.shape == (28, 28, 1)


def test_the_explain_package_does_not_import_tensorflow():
    code = ("import sys, cnnlab.explain, cnnlab.explain.network, cnnlab.explain.pictures, "
            "cnnlab.explain.augmentation; sys.exit('tensorflow' in sys.modules or 'keras' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
