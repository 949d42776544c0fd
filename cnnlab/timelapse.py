"""Watch it learn: small snapshots of a network while it trains, saved with its run.

Before the first batch (random weights), at a few points inside the first epoch (when learning
changes most) and after every epoch, `SnapshotRecorder` keeps:

- the first convolution layer's kernels (what its filters look for),
- that layer's feature maps for a fixed set of probe pictures, one test picture per class (up to
  ten classes), at most MAX_MAPS channels, as bytes on one brightness scale per snapshot,
- the probe pictures' class probabilities.

Each snapshot is one small compressed file, `<run>/timelapse/NNN.npz` (tens of kilobytes), written
while training goes on; the Inspect page's "Watch it learn" tab plays them back beside the loss
curve. The cost is a forward pass over ten pictures per snapshot: measured in
bench/timelapse_overhead.py (bench/RESULTS.md).
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnnlab.files import write_bytes_atomically

FOLDER = "timelapse"
PROBES_FILE = "probes.npz"
MAX_PROBES = 10
MAX_MAPS = 16
# Where inside the first epoch to look, as shares of its batches: learning changes fastest there.
FIRST_EPOCH_POINTS = (0.02, 0.1, 0.3, 0.6)


@dataclass
class Snapshot:
    """What the network was like at `epoch` (a fraction inside the first epoch: 0.1 = a tenth of it)."""

    epoch: float
    probabilities: np.ndarray  # (probes, classes)
    kernels: np.ndarray | None  # (filters, height, width, channels) float, or None without a conv layer
    maps: np.ndarray | None  # (probes, height, width, channels) uint8, one scale for the whole snapshot
    layer: str = ""  # the layer the kernels and maps come from

    @property
    def label(self) -> str:
        return "before training" if self.epoch == 0 else f"epoch {self.epoch:g}"


@dataclass
class Timelapse:
    probes: np.ndarray  # (probes, H, W, C) uint8: the pictures every snapshot looks at
    labels: np.ndarray  # their true classes
    snapshots: list[Snapshot]


def probe_indices(y_test: np.ndarray, num_classes: int, k: int = MAX_PROBES) -> np.ndarray:
    """The first test picture of each class (classes 0..k-1): fixed, so every run of a dataset
    looks at the same pictures."""
    y_test = np.asarray(y_test)
    chosen = [int(np.flatnonzero(y_test == c)[0]) for c in range(min(num_classes, k)) if (y_test == c).any()]
    return np.asarray(chosen, dtype=np.int64)


def _write_npz(path: Path, **arrays) -> None:
    """Compressed, and atomic: a reader never sees half a snapshot."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    write_bytes_atomically(path, buffer.getvalue())


def make_recorder(run_path: Path, x_test: np.ndarray, y_test: np.ndarray, num_classes: int, num_batches: int,
                  initial_epoch: int = 0):
    """A Keras callback that saves snapshots into `run_path/timelapse/` while the model trains.

    `initial_epoch` > 0: a run continued after it stopped; its earlier snapshots are kept and the new
    ones are numbered after them, so the film still starts before training."""
    import keras

    folder = Path(run_path) / FOLDER
    chosen = probe_indices(y_test, num_classes)
    probes = np.ascontiguousarray(np.asarray(x_test)[chosen])
    points = sorted({max(1, round(share * num_batches)) for share in FIRST_EPOCH_POINTS if share * num_batches >= 1})
    points = [p for p in points if p < num_batches]

    class SnapshotRecorder(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.count = 0
            self.epoch = 0
            self.pending = list(points)
            self.probe_model = None
            self.conv_name = ""

        def _build(self):
            convs = [layer for layer in self.model.layers if isinstance(layer, keras.layers.Conv2D)]
            self.conv = convs[0] if convs else None
            outputs = [self.model.outputs[0]] + ([self.conv.output] if self.conv is not None else [])
            self.probe_model = keras.Model(self.model.inputs[0], outputs)
            self.inputs = probes.astype(np.float32)

        def _snapshot(self, epoch: float) -> None:
            if self.probe_model is None:
                self._build()
            out = self.probe_model(self.inputs, training=False)
            out = out if isinstance(out, (list, tuple)) else [out]
            arrays = {"epoch": np.float32(epoch), "probabilities": np.asarray(out[0], np.float16)}
            if self.conv is not None:
                fmap = np.asarray(out[1], np.float32)[..., :MAX_MAPS]
                low, high = float(fmap.min()), float(fmap.max())
                scale = 255.0 / (high - low) if high - low > 1e-12 else 0.0
                arrays["maps"] = np.round((fmap - low) * scale).astype(np.uint8)
                kernel = np.asarray(self.conv.kernel, np.float32)  # (h, w, channels in, filters)
                arrays["kernels"] = np.transpose(kernel, (3, 0, 1, 2)).astype(np.float16)
                arrays["layer"] = np.array(self.conv.name)
            _write_npz(folder / f"{self.count:03d}.npz", **arrays)
            self.count += 1

        def on_train_begin(self, logs=None):
            folder.mkdir(parents=True, exist_ok=True)
            if initial_epoch:
                self.count = 1 + max((int(p.stem) for p in folder.glob("[0-9][0-9][0-9].npz")), default=-1)
                if (folder / PROBES_FILE).exists():
                    return
            _write_npz(folder / PROBES_FILE, pictures=probes, labels=np.asarray(y_test)[chosen])
            if not initial_epoch:
                self._snapshot(0.0)

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if self.epoch == 0 and self.pending and batch + 1 >= self.pending[0]:
                while self.pending and batch + 1 >= self.pending[0]:
                    self.pending.pop(0)
                self._snapshot(round((batch + 1) / num_batches, 2))

        def on_epoch_end(self, epoch, logs=None):
            if not self.model.stop_training:  # a stopped or diverged half epoch is not a point on the curve
                self._snapshot(float(epoch + 1))

    return SnapshotRecorder()


def load_timelapse(run_path: Path) -> Timelapse | None:
    """The run's snapshots in training order, or None if it has none (trained before they existed,
    imported, or stopped before the first one). Unreadable snapshot files are skipped."""
    folder = Path(run_path) / FOLDER
    try:
        with np.load(folder / PROBES_FILE, allow_pickle=False) as f:
            probes, labels = f["pictures"], f["labels"]
    except (OSError, ValueError, KeyError):
        return None
    snapshots = []
    for path in sorted(folder.glob("[0-9][0-9][0-9].npz")):
        try:
            with np.load(path, allow_pickle=False) as f:
                snapshots.append(Snapshot(float(f["epoch"]), f["probabilities"].astype(np.float32),
                                          f["kernels"].astype(np.float32) if "kernels" in f else None,
                                          f["maps"] if "maps" in f else None,
                                          str(f["layer"]) if "layer" in f else ""))
        except (OSError, ValueError, KeyError):
            continue
    if not snapshots:
        return None
    snapshots.sort(key=lambda s: s.epoch)
    return Timelapse(probes, labels, snapshots)


def folder_size(run_path: Path) -> int:
    """Bytes the run's snapshots take on disk."""
    folder = Path(run_path) / FOLDER
    return sum(p.stat().st_size for p in folder.glob("*.npz")) if folder.is_dir() else 0
