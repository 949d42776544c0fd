"""Classifying single images with a trained network, fast enough to follow a moving pen.

`model.predict` sets up a whole input pipeline for every call (~85 ms for one image on a laptop
CPU); calling the model directly costs several ms, and a compiled TensorFlow function about one.
The Classify page calls this after every stroke, so the difference is what makes it feel instant.

`verdict` decides whether the network's answer is worth stating: an empty canvas or a best
guess with too little probability gives "Not sure" and says why, because a confident wrong
answer teaches a student more nonsense than an honest "I don't know".
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

import numpy as np

from cnnlab.runs import load_model, load_run
from cnnlab.settings import CnnlabError

DEFAULT_THRESHOLD = 0.6  # below this share of the probability, the page says "Not sure"
EMPTY_REASON = "the canvas is empty — draw a digit"
EMPTY_PICTURE_REASON = "the picture looks empty: nothing stands out from its background"  # uploads, files
RIVAL = 0.15  # a second class with this much probability is a real alternative worth naming


@dataclass
class Classifier:
    """A trained network with what it needs to be used: its classes and its input shape."""

    model: object  # keras.Model
    classes: list[str]
    image_shape: tuple[int, int, int]
    run_id: str = ""
    dataset: str = ""  # what it was trained on: decides how pictures are prepared (see preprocess)
    _forward: object = field(default=None, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    @classmethod
    def from_run(cls, run_id: str) -> "Classifier":
        run = load_run(run_id)
        model = load_model(run_id)
        # run.json and model.keras are separate files: a run.json edited or swapped by hand would
        # send pictures of the wrong shape to the model (a Keras traceback) or name the wrong classes.
        takes, gives = tuple(model.input_shape[1:]), model.output_shape[-1]
        if takes != tuple(run.image_shape) or gives != len(run.classes):
            raise CnnlabError(f"Run {run_id} does not match its model: run.json says pictures of "
                              f"{'x'.join(map(str, run.image_shape)) or 'no shape'} and {len(run.classes)} classes, "
                              f"but model.keras takes {'x'.join(map(str, takes))} and gives {gives}. Its files were "
                              "changed or mixed up: delete the run and train again.")
        return cls(model, list(run.classes), tuple(run.image_shape), run_id, str(run.config.get("dataset", "")))

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """Class probabilities for one image (H,W,C) -> (classes,) or a batch (N,H,W,C) -> (N, classes).

        Pixels are uint8 0-255 as in the datasets (the model rescales them itself).
        """
        images = np.asarray(images)
        if images.ndim not in (3, 4) or tuple(images.shape[-3:]) != tuple(self.image_shape):
            raise ValueError(f"expected an image of shape {tuple(self.image_shape)} or a batch of them, "
                             f"got {images.shape}")
        batch = images[None] if images.ndim == 3 else images
        out = self._compiled()(np.ascontiguousarray(batch, dtype=np.float32))
        probs = np.asarray(out, dtype=np.float64)
        return probs[0] if images.ndim == 3 else probs

    def _compiled(self):
        """The model's forward pass as a TensorFlow graph, traced once for any batch size.

        A direct `model(x)` call runs the layers one by one in Python each time (~5-10 ms for a
        small CNN here); the traced graph skips that (~1 ms). Built on first use, under a lock,
        because several browser sessions share one cached Classifier.
        """
        if self._forward is None:
            with self._lock:
                if self._forward is None:
                    import tensorflow as tf

                    model = self.model
                    signature = [tf.TensorSpec((None, *self.image_shape), tf.float32)]
                    self._forward = tf.function(lambda x: model(x, training=False), input_signature=signature)
        return self._forward

    def top_k(self, probabilities: np.ndarray, k: int = 3) -> list[tuple[str, float]]:
        """The k likeliest classes with their probabilities, likeliest first."""
        order = np.argsort(-np.asarray(probabilities, dtype=np.float64), kind="stable")[:max(k, 0)]
        return [(self.classes[i], float(probabilities[i])) for i in order]


@dataclass(frozen=True)
class Verdict:
    """What to tell the student: `label` (None means "Not sure"), the best guess's probability
    (`confidence`), the best guess itself (`best`, also when unsure) and why, in plain words."""

    label: str | None
    confidence: float
    reason: str
    best: str | None = None
    empty: bool = field(default=False, compare=False)  # nothing to classify: the picture is blank

    @property
    def sure(self) -> bool:
        return self.label is not None

    @property
    def answer(self) -> str:
        """The verdict in one word or name, for the command line and JSON: the class when sure,
        "blank" for an empty picture, else "not sure"."""
        return self.label if self.label is not None else "blank" if self.empty else "not sure"


def verdict(probabilities, classes, threshold: float = DEFAULT_THRESHOLD, is_empty: bool = False, *,
            empty_reason: str = EMPTY_REASON) -> Verdict:
    """Name the likeliest class only when it is worth naming.

    "Not sure" when the picture is empty (`empty_reason` says what to do), when the network's
    output is not a number (a diverged model) or when the best class has less than `threshold`
    of the probability; the reason then names the runner-up when it is a real alternative.
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be between 0 and 1, not {threshold}")
    probs = np.asarray(probabilities, dtype=np.float64).ravel()
    if len(probs) != len(classes) or len(probs) == 0:
        raise ValueError(f"{len(probs)} probabilities for {len(classes)} classes")
    if is_empty:
        return Verdict(None, 0.0, empty_reason, empty=True)
    if not np.isfinite(probs).all():
        return Verdict(None, 0.0, "the network's output is not a number: it probably diverged while training; "
                                  "train it again with a lower learning rate")
    order = np.argsort(-probs, kind="stable")
    best, confidence = str(classes[order[0]]), float(probs[order[0]])
    shown = _percent(confidence, threshold)
    if confidence < threshold:
        second = float(probs[order[1]]) if len(order) > 1 else 0.0
        if second >= RIVAL:
            doubt = f"the network is unsure between {best} and {classes[order[1]]} ({_percent(second)})"
        elif confidence < 0.5:
            doubt = "the rest is spread over the other classes"
        else:
            doubt = f"less than the {_percent(threshold)} needed to be sure"
        return Verdict(None, confidence, f"the best guess, {best}, has only {shown} — {doubt}", best)
    return Verdict(best, confidence, f"{best} has {shown} of the probability, at least the "
                                     f"{_percent(threshold)} needed to be sure", best)


def _percent(p: float, threshold: float | None = None) -> str:
    """"41%"; with one decimal where rounding would blur which side of the threshold p is on."""
    text = f"{p:.0%}"
    if threshold is not None and (p < threshold) != (round(p * 100) < round(threshold * 100)):
        text = f"{math.floor(p * 1000) / 10:.1f}%" if p < threshold else f"{p:.1%}"
    return text
