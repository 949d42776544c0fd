"""TrainConfig: everything that decides how a network is trained, checked before training starts."""
from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from cnnlab.settings import CnnlabError

DEFAULT_SEED = 42
OPTIMIZERS = ("adam", "sgd", "sgd-momentum", "rmsprop", "adamw")
LR_SCHEDULES = ("constant", "cosine")


@dataclass
class TrainConfig:
    """Everything that decides how a network is trained; saved with every run."""

    dataset: str = "mnist-sample"
    architecture: str = "lenet5"  # a preset id, or "custom" with `layers` given
    layers: list[dict] | None = None  # None: the preset's own layer stack
    optimizer: str = "adam"
    learning_rate: float = 0.001
    batch_size: int = 32
    epochs: int = 5
    validation_split: float = 0.1
    seed: int = DEFAULT_SEED
    # Augmentation: random shifts up to this fraction of the width/height, and left-right flips
    # (flips suit photos such as CIFAR-10; they turn a 2 into something that is not a 2).
    augment_shift: float = 0.0
    augment_flip: bool = False
    # How the learning rate changes while training: "constant", or "cosine": it climbs to
    # `learning_rate` over the first few batches, then glides down to zero by the last one
    # (big steps learn fast early on; small steps at the end settle into a good minimum).
    lr_schedule: str = "constant"
    # Only for image-folder datasets: the size and channel count images are converted to.
    image_size: int | None = None
    channels: int | None = None

    @classmethod
    def from_preset(cls, preset_id: str, dataset: str | None = None, **overrides) -> "TrainConfig":
        """The preset's own tutorial settings, with any of them overridden."""
        from cnnlab.presets import PRESETS

        if preset_id not in PRESETS:
            raise CnnlabError(f"Unknown architecture {preset_id!r}; choose one of: {', '.join(PRESETS)}.")
        preset = PRESETS[preset_id]
        dataset = dataset or "mnist-sample"
        config = cls(
            dataset=dataset,
            architecture=preset_id,
            optimizer=preset.optimizer,
            learning_rate=preset.learning_rate,
            batch_size=preset.batch_size,
            epochs=preset.epochs_by_dataset.get(dataset, preset.epochs),
            validation_split=preset.validation_split,
            lr_schedule=preset.lr_schedule,
            augment_shift=preset.augment_shift,
            augment_flip=preset.augment_flip and _is_colour(dataset),
        )
        return config.replace(**{k: v for k, v in overrides.items() if v is not None})

    def replace(self, **changes) -> "TrainConfig":
        return dataclasses.replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "TrainConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def layer_stack(self) -> list[dict]:
        from cnnlab.presets import PRESETS

        if self.layers is not None:
            return self.layers
        if self.architecture not in PRESETS:
            raise CnnlabError(f"Unknown architecture {self.architecture!r} and no layers given; "
                              f"choose one of: {', '.join(PRESETS)}.")
        return copy.deepcopy(PRESETS[self.architecture].layers)  # callers may edit their copy

    def check(self) -> None:
        """Reject settings that cannot work, with a message saying which and why."""
        problems = []
        if not (self.epochs >= 1):
            problems.append("epochs must be at least 1")
        if not (self.batch_size >= 1):
            problems.append("batch size must be at least 1")
        if not (self.learning_rate > 0 and math.isfinite(self.learning_rate)):
            problems.append("learning rate must be a positive number")
        if not (0 <= self.validation_split < 1):
            problems.append("validation split must be at least 0 and below 1 (e.g. 0.1 for 10%)")
        if not (0 <= self.augment_shift < 0.5):
            problems.append("shift augmentation must be between 0 and 0.5 of the image size")
        if self.optimizer not in OPTIMIZERS:
            problems.append(f"optimizer must be one of {', '.join(OPTIMIZERS)}")
        if self.lr_schedule not in LR_SCHEDULES:
            problems.append(f"learning-rate schedule must be one of {', '.join(LR_SCHEDULES)}")
        if problems:
            raise CnnlabError("Cannot train: " + "; ".join(problems) + ".")


def _is_colour(dataset: str) -> bool:
    """Whether a named dataset holds colour photos (flips suit them); True for image folders,
    whose colours are only known once read, and for unknown names, which train() refuses anyway."""
    from cnnlab.datasets import dataset_info

    try:
        return dataset.startswith("folder:") or dataset_info(dataset).image_shape[2] == 3
    except CnnlabError:
        return True
