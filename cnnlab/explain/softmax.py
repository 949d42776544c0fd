"""From raw scores to probabilities to a loss: softmax (with a temperature), one-hot labels, and
the cross-entropy loss a network is trained to make small."""
from __future__ import annotations

import numpy as np

from cnnlab.explain.windows import ExplainError

PROBABILITY_FLOOR = 1e-7  # Keras clips probabilities to [1e-7, 1 - 1e-7] before the log: a loss is never infinite


def _scores(logits) -> np.ndarray:
    scores = np.asarray(logits, dtype=np.float64).ravel()
    if scores.size < 2:
        raise ExplainError("softmax needs at least two scores, one per class")
    if not np.isfinite(scores).all():
        raise ExplainError("the scores must be finite numbers")
    return scores


def softmax(logits, temperature: float = 1.0) -> np.ndarray:
    """exp(z_i / T) / sum_j exp(z_j / T): probabilities that add up to 1. T above 1 flattens them
    (less sure), below 1 sharpens them; T = 1 is what the network uses."""
    if not (isinstance(temperature, (int, float)) and np.isfinite(temperature) and temperature > 0):
        raise ExplainError(f"the temperature must be a positive number, got {temperature!r}")
    scaled = _scores(logits) / temperature
    e = np.exp(scaled - scaled.max())  # subtracting the largest score changes nothing but avoids overflow
    return e / e.sum()


def one_hot(label: int, num_classes: int) -> np.ndarray:
    """A vector of num_classes zeros with a 1 at `label`: the "right answer" the loss compares with."""
    if not (isinstance(label, (int, np.integer)) and 0 <= label < num_classes):
        raise ExplainError(f"the label must be a class number from 0 to {num_classes - 1}, got {label!r}")
    vector = np.zeros(num_classes)
    vector[label] = 1.0
    return vector


def cross_entropy(probabilities, label: int) -> float:
    """-sum_i y_i log p_i with y the one-hot label: -log of the probability given to the true class
    (0 when it gets all of it; large when it gets almost none). Clipped as Keras clips."""
    probs = np.asarray(probabilities, dtype=np.float64).ravel()
    target = one_hot(label, probs.size)
    return float(-(target * np.log(np.clip(probs, PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR))).sum())
