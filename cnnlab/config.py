"""TrainConfig: everything that decides how a network is trained, checked before training starts."""
from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from typing import Any

from cnnlab.fields import shown, wrong_fields
from cnnlab.settings import CnnlabError

DEFAULT_SEED = 42
MAX_EPOCHS = 1000
MAX_BATCH_SIZE = 65_536
OPTIMIZERS = ("adam", "sgd", "sgd-momentum", "rmsprop", "adamw")
MAX_LEARNING_RATE = 10.0  # far above any useful value (the Train page's field stops there too)
LR_SCHEDULES = ("constant", "cosine")


@dataclass(frozen=True)
class Setting:
    """One field of TrainConfig as the app shows it: one table drives the Train page's widgets
    and the Runs page's comparisons, as LAYER_TYPES drives the layer editor."""

    name: str  # the TrainConfig field
    label: str  # in a sentence or a table: "learning rate"
    title: str = ""  # above its widget on the Train page; "" when the Train page has no widget for it
    key: str = ""  # that widget's key (a stable hook for the browser tests)
    help: str = ""  # one plain sentence under the widget
    percent: bool = False  # a fraction shown to students as a whole percentage
    choices: tuple[tuple[str, str], ...] = ()  # (value, how it is called) for settings picked from a list

    def choice_label(self, value: Any) -> str:
        return dict(self.choices).get(value, str(value))

    def to_widget(self, value: Any) -> Any:
        return int(round(value * 100)) if self.percent else value

    def from_widget(self, value: Any) -> Any:
        return value / 100 if self.percent else value


SETTINGS: dict[str, Setting] = {setting.name: setting for setting in (
    Setting("dataset", "pictures"),
    Setting("architecture", "network"),
    Setting("layers", "layers"),
    Setting("optimizer", "optimizer", "Optimizer", "optimizer_input",
            "The rule that turns each batch's errors into small changes of the weights.",
            choices=(("adam", "Adam"), ("sgd", "SGD (plain gradient descent)"), ("sgd-momentum", "SGD with momentum"),
                     ("rmsprop", "RMSprop"), ("adamw", "AdamW (Adam with weight decay)"))),
    Setting("learning_rate", "learning rate", "Learning rate", "learning_rate_input",
            "How big a step the weights take after each batch: too small learns slowly, too big jumps around "
            "or blows up."),
    Setting("lr_schedule", "learning-rate schedule", "Learning-rate schedule", "lr_schedule_input",
            "Keep the step size, or start small, grow to the learning rate, then shrink it to zero by the end, "
            "so the weights settle into a good spot.",
            choices=(("constant", "Constant"), ("cosine", "Warm up, then glide down"))),
    Setting("batch_size", "batch size", "Batch size", "batch_size_input",
            "How many pictures the network looks at before it adjusts its weights once."),
    Setting("epochs", "epochs planned", "Epochs", "epochs_input", "One epoch = one pass over every training picture."),
    Setting("validation_split", "validation split", "Validation split (%)", "validation_split_input",
            "Share of the training pictures kept aside to check the network on pictures it does not train on.",
            percent=True),
    Setting("seed", "seed", "Seed", "seed_input",
            "Fixes the random start: the same seed and settings give the same first epoch."),
    Setting("augment_shift", "random shifts", "Random shifts (% of the size)", "augment_shift_input",
            "Augmentation: each epoch shows slightly moved (or mirrored) copies of the pictures, so the network "
            "learns the shape, not its exact position.", percent=True),
    Setting("augment_flip", "flips", "Left-right flips (photos only)", "augment_flip_input",
            "A flipped 2 or 7 is not a 2 or 7 any more, so flips are only offered for photos."),
    Setting("image_size", "image size"),
    Setting("channels", "channels"),
)}
TRAIN_PAGE_SETTINGS = tuple(name for name, setting in SETTINGS.items() if setting.key)


def setting_label(name: str) -> str:
    """What a student calls the TrainConfig field `name`: "learning rate"."""
    return SETTINGS[name].label if name in SETTINGS else name


def setting_text(name: str, value: Any) -> str:
    """A setting's value as a student reads it: "10%", "yes", "Conv 6@5x5, same, ReLU > MaxPool 2x2"."""
    setting = SETTINGS.get(name)
    if name == "layers":
        from cnnlab.layers import describe_layer

        return "the preset's own" if value is None else " > ".join(describe_layer(layer) for layer in value)
    if setting is not None and setting.percent:
        return f"{value:.0%}"
    if name == "augment_flip":
        return "yes" if value else "no"
    return "auto" if value is None else str(value)


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

    @classmethod
    def for_network(cls, architecture: str, dataset: str, layers: list[dict] | None = None,
                    **overrides) -> "TrainConfig":
        """A preset's tutorial settings, or TrainConfig's defaults for your own stack ("custom",
        with its `layers`), with any of them overridden."""
        if architecture != "custom":
            return cls.from_preset(architecture, dataset, **overrides)
        return cls(dataset=dataset, architecture="custom", layers=[dict(layer) for layer in layers or []],
                   **overrides)

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
        """Reject settings that cannot work, with a message saying which and why: first the kind of
        every value (a setting typed as text, a number too big for a float...), then each range.
        Nothing is saved or loaded before this passes."""
        wrong = wrong_fields(self.to_json(), TrainConfig)
        if wrong:
            raise CnnlabError("Cannot train: " + "; ".join(wrong) + ".")
        problems = []
        if not (1 <= self.epochs <= MAX_EPOCHS):
            problems.append(f"epochs must be from 1 to {MAX_EPOCHS:,}, got {shown(self.epochs)}")
        if not (1 <= self.batch_size <= MAX_BATCH_SIZE):
            problems.append(f"batch size must be from 1 to {MAX_BATCH_SIZE:,}, got {shown(self.batch_size)}")
        if not (0 < self.learning_rate <= MAX_LEARNING_RATE):  # also false for NaN; safe for any int
            problems.append(f"learning rate must be above 0 and at most {MAX_LEARNING_RATE:g} (typically 0.001 for "
                            f"Adam, 0.01 to 0.1 for SGD), got {shown(self.learning_rate)}")
        if self.optimizer not in OPTIMIZERS:
            problems.append(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {shown(self.optimizer)}")
        if not (0 <= self.seed < 2**32):
            problems.append(f"seed must be a whole number from 0 to {2**32 - 1:,}, got {shown(self.seed)}")
        if not (0 <= self.validation_split < 1):
            problems.append("validation split must be at least 0 and below 1 (e.g. 0.1 for 10%)")
        if not (0 <= self.augment_shift < 0.5):
            problems.append("shift augmentation must be between 0 and 0.5 of the image size")
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
