"""Which number format networks train in: float32, or bfloat16 where the CPU multiplies it in hardware."""
from __future__ import annotations

import functools
import os

from cnnlab.settings import CnnlabError


@functools.lru_cache(maxsize=1)
def cpu_info() -> dict[str, str]:
    """The first value of each field of /proc/cpuinfo ("model name", "flags", "cpu MHz"), read once; {}
    elsewhere. Shared by the precision choice here and the benchmarks (bench/common.py)."""
    fields: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    return fields


def _cpu_has_bfloat16_units() -> bool:
    """Whether the CPU multiplies bfloat16 in hardware: Intel AMX's matrix units (Sapphire Rapids and
    later), or AVX512-BF16's dot-product instructions (AMD Zen 4 and later, Intel Cooper Lake)."""
    flags = cpu_info().get("flags", "").split()
    return "amx_bf16" in flags or "avx512_bf16" in flags


def training_precision() -> str:
    """The Keras precision policy networks train with: "mixed_bfloat16" or "float32".

    bfloat16 keeps float32's range with fewer digits; Keras keeps the weights in float32 and
    computes in bfloat16. On a CPU with AMX units that makes training 1.1-1.8x faster per CPU
    second, with AVX512-BF16 1.15-1.35x, more for wider convolutions, with the same accuracy within
    run-to-run noise (measured: bench/RESULTS.md 3 and 12f); anywhere else bfloat16 would be
    emulated and slower, so "auto", the default, uses it only there (and never with a GPU, which
    cnnlab leaves as Keras sets it up). The saved model is always float32.
    CNNLAB_PRECISION=float32 or mixed_bfloat16 forces one.

    The twin that trains in bfloat16 gets its number format layer by layer (`with_precision`),
    never through Keras's global policy, and each of the app's trainings runs in a process of its
    own; twenty bfloat16 trainings four at a time in one process pass (tests/test_training.py).
    """
    choice = os.environ.get("CNNLAB_PRECISION", "auto").strip().lower() or "auto"
    if choice in ("float32", "mixed_bfloat16"):
        return choice
    if choice != "auto":
        raise CnnlabError(f"CNNLAB_PRECISION={choice!r} is not a precision cnnlab knows; "
                          "unset it or give auto, float32 or mixed_bfloat16.")
    if not _cpu_has_bfloat16_units():
        return "float32"
    import tensorflow as tf

    return "float32" if tf.config.list_physical_devices("GPU") else "mixed_bfloat16"


def with_precision(model, precision: str):
    """`model` itself for float32; else a twin with the same layers and starting weights that
    computes in `precision`. The output layer stays float32 so probabilities add up exactly."""
    if precision == "float32":
        return model
    import keras

    def clone(layer):
        config = layer.get_config()
        if layer.name != "output":
            config["dtype"] = precision
        return layer.__class__.from_config(config)

    twin = keras.models.clone_model(model, clone_function=clone)
    twin.set_weights(model.get_weights())
    return twin
