"""How much memory a training will need, estimated before it starts, so a class server can refuse
one that would not fit instead of letting it take the machine down half-way."""
from __future__ import annotations

import math

from cnnlab.settings import CnnlabError, training_memory_mb

# Measured here (GUIDE): importing TensorFlow and training LeNet-5 on float32 MNIST peaks at
# 1.29 GB, of which the data is 0.18 GB. What is left is the runtime itself.
RUNTIME_MB = 900
BYTES_PER_PARAMETER = 4 * 4  # the weights, their gradients and Adam's two moments, float32 each
# Each layer's outputs are kept for the backward pass, with their gradients and Keras's working
# copies: about three float32 copies per batch.
ACTIVATION_COPIES = 3


def estimate_memory_mb(config) -> int | None:
    """About how many MB training `config` (a TrainConfig) will use at its peak, or None when its
    dataset or network cannot be looked at without loading it (train() then says what is wrong)."""
    from cnnlab.datasets import dataset_info
    from cnnlab.network import check_stack

    try:
        info = dataset_info(config.dataset, image_size=config.image_size, channels=config.channels)
        check = check_stack(config.layer_stack(), info.image_shape, len(info.classes))
    except CnnlabError:
        return None
    if not check.ok:
        return None
    pixels = math.prod(info.image_shape)
    images = (info.train_size or 0) + (info.test_size or 0)
    data = images * pixels * 2  # uint8 in NumPy, and the one copy TensorFlow keeps
    activations = sum(math.prod(row.output_shape) for row in check.rows if row.output_shape)
    batch = config.batch_size * activations * 4 * ACTIVATION_COPIES
    return round(RUNTIME_MB + (data + check.total_params * BYTES_PER_PARAMETER + batch) / 2**20)


def check_memory(config) -> None:
    """Refuse a training whose estimate is above the per-training memory cap, saying what to change."""
    cap = training_memory_mb()
    needed = estimate_memory_mb(config)
    if needed is not None and needed > cap:
        raise CnnlabError(
            f"This training would need about {needed:,} MB of memory, but each training on this server may "
            f"use at most {cap:,} MB: pick a smaller batch size, a smaller network or a smaller dataset "
            "(the teacher can raise the limit with CNNLAB_TRAINING_MEMORY_MB).")
