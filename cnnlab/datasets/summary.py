"""What a learner is shown about a loaded dataset: how balanced its classes are, and fair samples of it."""
from __future__ import annotations

import numpy as np

from cnnlab.datasets.registry import Dataset

BALANCED = 0.7  # classes count as balanced when the smallest has at least 70% of the biggest's pictures


def class_balance(dataset: Dataset) -> tuple[int, int]:
    """The number of training pictures of the smallest and of the biggest class."""
    counts = np.bincount(dataset.y_train, minlength=dataset.num_classes)
    return int(counts.min()), int(counts.max())


def is_balanced(fewest: int, most: int) -> bool:
    """Whether accuracy is a fair score: no class much bigger than another."""
    return bool(most) and fewest >= BALANCED * most


def sample_indices(labels: np.ndarray, classes: list[int], count: int, seed: int) -> np.ndarray:
    """Up to `count` random indices (sorted) of the pictures whose label is in `classes` (all if empty)."""
    pool = np.flatnonzero(np.isin(labels, classes)) if classes else np.arange(len(labels))
    if not len(pool):
        return pool
    return np.sort(np.random.default_rng(seed).choice(pool, size=min(count, len(pool)), replace=False))


def pixel_sample(dataset: Dataset, count: int) -> np.ndarray:
    """Up to `count` training pictures picked at random, always the same ones (for the brightness histogram)."""
    return dataset.x_train[sample_indices(dataset.y_train, [], count, 0)]
