"""Activation functions as Keras computes them, named as in `cnnlab.architectures.ACTIVATIONS`."""
from __future__ import annotations

from typing import Callable

import numpy as np

from cnnlab.explain.windows import ExplainError

LEAKY_SLOPE = 0.2  # Keras's default negative_slope for "leaky_relu", the one cnnlab's layers use


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # Written so that neither branch overflows for large |x|.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


ACTIVATION_FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": lambda x: np.maximum(x, 0.0),
    "leaky_relu": lambda x: np.where(x >= 0, x, LEAKY_SLOPE * x),
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "linear": lambda x: x,
}


def activate(values, name: str) -> np.ndarray:
    """The activation `name` ("relu", "leaky_relu", "tanh", "sigmoid", "linear") of every value."""
    if name not in ACTIVATION_FUNCTIONS:
        raise ExplainError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATION_FUNCTIONS)}")
    return ACTIVATION_FUNCTIONS[name](np.asarray(values, dtype=np.float64))


def curve(name: str, low: float = -5.0, high: float = 5.0, points: int = 201) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, outputs) to draw the activation as a curve."""
    x = np.linspace(low, high, points)
    return x, activate(x, name)
