"""Looking inside a trained CNN: what its filters learned, what each layer sees, where it goes wrong.

- `first_conv_kernels`: the weights of the first convolution layer, one small picture per filter.
- `feature_maps`: the output of every convolution and pooling layer for one image.
- `predict_all`: class probabilities for a whole test set, in batches; the confusion matrix,
  per-class accuracy and the galleries of mistakes are all computed from that one array.
- `saliency` and `grad_cam`: which pixels (or regions) the score of one class depends on most.

Models are the ones `cnnlab.network.build_model` makes: uint8 pixels in, a Rescaling layer
first, the student's layers (conv1, pool1, ...), and a Dense softmax layer named "output".
TensorFlow is imported inside the functions, so importing this module is instant.
"""
from __future__ import annotations

import threading
import weakref
from typing import Callable

import numpy as np

from cnnlab.settings import CnnlabError

PREDICTION_BATCH_SIZE = 512  # no gradients while predicting, so big batches are cheap


class InspectionError(CnnlabError):
    """Something a network cannot show, e.g. kernels of a network without convolution layers."""


# Helper models built from a trained model (e.g. one that outputs every feature map), made once
# per model: building one costs far more than running it. Keyed weakly, so they go with the model.
_helpers: "weakref.WeakKeyDictionary[object, dict[str, object]]" = weakref.WeakKeyDictionary()
_helpers_lock = threading.Lock()


def _helper(model, name: str, build: Callable[[], object]):
    with _helpers_lock:
        per_model = _helpers.setdefault(model, {})
        if name not in per_model:
            per_model[name] = build()
        return per_model[name]


def _layers_of(model, *kinds: str) -> list:
    import keras

    classes = tuple(getattr(keras.layers, kind) for kind in kinds)
    return [layer for layer in model.layers if isinstance(layer, classes)]


def _as_batch(image: np.ndarray, model) -> np.ndarray:
    """One image (H, W, C) of pixels 0..255 as a float batch of one, checked against the model."""
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[..., None]
    expected = tuple(model.inputs[0].shape[1:])
    if image.shape != expected:
        raise InspectionError(f"This network takes images of {'x'.join(map(str, expected))} pixels, but the "
                              f"image is {'x'.join(map(str, image.shape))}; prepare it for this network first.")
    return image[None].astype(np.float32)


# --- What the filters learned --------------------------------------------------------------------

def first_conv_kernels(model) -> np.ndarray:
    """The first convolution layer's kernels as an array (filters, height, width, input channels).

    Keras stores them as (height, width, channels, filters); one kernel per filter reads better."""
    convs = _layers_of(model, "Conv2D")
    if not convs:
        raise InspectionError("This network has no convolution layer, so it has no kernels to show: "
                              "add a Conv layer on the Model page and train again.")
    kernel = np.asarray(convs[0].get_weights()[0])
    return np.transpose(kernel, (3, 0, 1, 2))


def kernel_pictures(kernels: np.ndarray) -> list[np.ndarray]:
    """Each kernel as a uint8 picture: colour when it reads 3 channels (its R, G, B weights as a
    colour image), grey otherwise (averaged over channels). Each is stretched on its own, so the
    pattern shows: black = its most negative weight, white = its most positive."""
    from cnnlab.images import to_uint8

    kernels = np.asarray(kernels)
    if kernels.ndim != 4:
        raise InspectionError(f"kernels must be an array (filters, height, width, channels), got {kernels.shape}")
    return [to_uint8(k if k.shape[-1] == 3 else k.mean(axis=-1)) for k in kernels]


# --- What each layer sees ------------------------------------------------------------------------

def _feature_map_model(model):
    def build():
        import keras

        layers = _layers_of(model, "Conv2D", "MaxPooling2D", "AveragePooling2D")
        if not layers:
            return [], None
        return [layer.name for layer in layers], keras.Model(model.inputs[0], [layer.output for layer in layers])

    return _helper(model, "feature_maps", build)


def feature_maps(model, image: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """The output of every convolution and pooling layer for one image, in network order:
    (layer name, array of height x width x channels). Empty for a network without such layers."""
    names, probe = _feature_map_model(model)
    if probe is None:
        return []
    outputs = probe(_as_batch(image, model), training=False)
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    return [(name, np.asarray(output)[0]) for name, output in zip(names, outputs)]


# --- The whole test set --------------------------------------------------------------------------

def predict_all(model, x: np.ndarray, batch_size: int = PREDICTION_BATCH_SIZE,
                progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Class probabilities (N, classes) for all images x (N, H, W, C), a batch at a time.

    `predict_on_batch` runs the model as one compiled TensorFlow graph: on 10,000 CIFAR-10 images
    it took 2-5 s here where calling the model directly (op by op) took 8-10 s. Batches keep
    memory small (a float copy of all CIFAR-10 test images would be 120 MB) and allow progress."""
    x = np.asarray(x)
    if x.ndim != 4 or not len(x):
        raise InspectionError(f"expected a non-empty batch of images (N, H, W, C), got shape {x.shape}")
    chunks = []
    for start in range(0, len(x), batch_size):
        batch = x[start:start + batch_size].astype(np.float32)
        chunks.append(np.asarray(model.predict_on_batch(batch), dtype=np.float32))
        if progress:
            progress(min(start + batch_size, len(x)), len(x))
    return np.concatenate(chunks)


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts (num_classes, num_classes): row = true class, column = predicted class."""
    y_true, y_pred = np.asarray(y_true, np.int64).ravel(), np.asarray(y_pred, np.int64).ravel()
    if y_true.shape != y_pred.shape:
        raise InspectionError(f"{len(y_true)} true labels but {len(y_pred)} predictions")
    for labels in (y_true, y_pred):
        if labels.size and not 0 <= labels.min() <= labels.max() < num_classes:
            raise InspectionError(f"labels must be class numbers from 0 to {num_classes - 1}")
    counts = np.bincount(y_true * num_classes + y_pred, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes)


def per_class_accuracy(matrix: np.ndarray) -> np.ndarray:
    """Share of each true class predicted correctly (the diagonal over the row); NaN for a class
    with no test images."""
    matrix = np.asarray(matrix)
    totals = matrix.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(matrix) / np.maximum(totals, 1), np.nan)


def overall_accuracy(matrix: np.ndarray) -> float:
    """Share of all images on the diagonal of a confusion matrix (0 for an empty one)."""
    matrix = np.asarray(matrix)
    return float(np.trace(matrix) / max(1, matrix.sum()))


def most_common_mistake(matrix: np.ndarray) -> tuple[int, int]:
    """(true class, predicted class) of the biggest cell off the diagonal: the most instructive mistake."""
    matrix = np.asarray(matrix)
    off_diagonal = matrix - np.diag(np.diag(matrix))
    true_class, predicted = np.unravel_index(int(np.argmax(off_diagonal)), matrix.shape)
    return int(true_class), int(predicted)


def confident_mistakes(y_true: np.ndarray, probs: np.ndarray, k: int) -> np.ndarray:
    """Indices of the (at most k) wrongly classified images the model was surest of, surest first."""
    probs = np.asarray(probs)
    predicted = probs.argmax(axis=1)
    wrong = np.flatnonzero(predicted != np.asarray(y_true))
    confidence = probs[wrong, predicted[wrong]]
    return wrong[np.argsort(-confidence, kind="stable")][:k]


def cell_examples(y_true: np.ndarray, y_pred: np.ndarray, true_class: int, predicted_class: int,
                  probs: np.ndarray | None = None) -> np.ndarray:
    """Indices of the images of `true_class` predicted as `predicted_class` (one cell of the
    confusion matrix); the surest predictions first when `probs` is given, else in test-set order."""
    found = np.flatnonzero((np.asarray(y_true) == true_class) & (np.asarray(y_pred) == predicted_class))
    if probs is not None and len(found):
        found = found[np.argsort(-np.asarray(probs)[found, predicted_class], kind="stable")]
    return found


# --- Why this class? -----------------------------------------------------------------------------

def _score_model(model):
    """A model giving (last conv layer's output or None, the output layer's input), so a class
    score can be computed before softmax. Gradients of softmax probabilities vanish once the model
    is sure, so explanations use the raw score (the 'logit'), as the saliency and Grad-CAM papers do."""
    def build():
        import keras

        convs = _layers_of(model, "Conv2D")
        output = model.get_layer("output") if "output" in [layer.name for layer in model.layers] else None
        is_dense = output is not None and isinstance(output, keras.layers.Dense)
        last = [model.outputs[0]] if not is_dense else [output.input]
        outputs = ([convs[-1].output] if convs else []) + last
        return keras.Model(model.inputs[0], outputs), (output if is_dense else None), bool(convs)

    return _helper(model, "scores", build)


def _class_score(model, outputs, class_index: int):
    import tensorflow as tf

    _, output_layer, _ = _score_model(model)
    features = outputs[-1]
    if output_layer is None:  # not a cnnlab model: fall back to the log-probability
        return tf.math.log(features[0, class_index] + 1e-12)
    logits = tf.matmul(features, output_layer.kernel) + output_layer.bias
    return logits[0, class_index]


def _check_class(model, class_index: int) -> int:
    num_classes = int(model.outputs[0].shape[-1])
    if not 0 <= int(class_index) < num_classes:
        raise InspectionError(f"class {class_index} does not exist: this network has {num_classes} classes")
    return int(class_index)


def _normalised(heat: np.ndarray) -> np.ndarray:
    heat = np.nan_to_num(np.asarray(heat, np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    top = float(heat.max()) if heat.size else 0.0
    return heat / top if top > 0 else np.zeros_like(heat)


def saliency(model, image: np.ndarray, class_index: int) -> np.ndarray:
    """How much the class score changes when each pixel changes a little: the gradient of the
    score with respect to the input, absolute value, largest over colour channels.
    Returns (H, W) scaled to 0..1 (1 = the most important pixel)."""
    import tensorflow as tf

    class_index = _check_class(model, class_index)
    scorer = _score_model(model)[0]
    x = tf.convert_to_tensor(_as_batch(image, model))
    with tf.GradientTape() as tape:
        tape.watch(x)
        outputs = scorer(x, training=False)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        score = _class_score(model, outputs, class_index)
    gradient = np.asarray(tape.gradient(score, x))[0]
    return _normalised(np.abs(gradient).max(axis=-1))


def grad_cam(model, image: np.ndarray, class_index: int) -> np.ndarray:
    """Grad-CAM (Selvaraju et al., 2017): the last convolution layer's feature maps, each weighted
    by how much the class score grows with it on average, summed, negatives dropped, and
    stretched back to the image's size. Returns (H, W) scaled to 0..1 (all zeros when nothing in
    the image speaks for the class)."""
    import tensorflow as tf

    class_index = _check_class(model, class_index)
    scorer, _, has_conv = _score_model(model)
    if not has_conv:
        raise InspectionError("Grad-CAM looks at the last convolution layer, and this network has none; "
                              "use the saliency map instead.")
    x = _as_batch(image, model)
    with tf.GradientTape() as tape:
        conv_output, *rest = scorer(x, training=False)
        tape.watch(conv_output)
        score = _class_score(model, [conv_output, *rest], class_index)
    gradient = tape.gradient(score, conv_output)[0]
    weights = tf.reduce_mean(gradient, axis=(0, 1))
    cam = tf.nn.relu(tf.reduce_sum(conv_output[0] * weights, axis=-1))
    cam = tf.image.resize(cam[..., None], x.shape[1:3], method="bilinear")[..., 0]
    return _normalised(np.asarray(cam))
