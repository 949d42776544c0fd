"""The tutorials' networks, as layer stacks with their training defaults and published results.

They are data: cnnlab/presets.toml holds each network's layers, its tutorial's settings and the
text the Model page shows about it. This module reads it once and checks every layer.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from cnnlab.layers import validate_layer

PRESETS_FILE = Path(__file__).with_name("presets.toml")


@dataclass
class Preset:
    id: str
    title: str
    description: str
    layers: list[dict]  # shared by every caller: copy (copy.deepcopy) before editing
    optimizer: str
    learning_rate: float
    batch_size: int
    epochs: int
    validation_split: float = 0.1
    dataset: str = "mnist"  # the dataset its tutorial trains on
    published: str | None = None  # the tutorial's reported result, to compare against
    # Training settings beyond the tutorials' (the modern presets use them; see TrainConfig).
    lr_schedule: str = "constant"
    augment_shift: float = 0.0
    augment_flip: bool = False
    epochs_by_dataset: dict[str, int] = field(default_factory=dict)  # where `epochs` is not right


def _read_presets(path: Path) -> dict[str, Preset]:
    with open(path, "rb") as f:
        table = tomllib.load(f)
    presets = {}
    for preset_id, values in table.items():
        # Complete specs (every setting filled in, as the layer editor shows them); a typo fails here, at import.
        layers = [validate_layer(spec) for spec in values.pop("layers")]
        presets[preset_id] = Preset(id=preset_id, layers=layers, **values)
    return presets


PRESETS: dict[str, Preset] = _read_presets(PRESETS_FILE)
