"""Take a run home: a zip with the trained model, a plain-Keras script that trains it again, the
run's settings and history, and the same script as a Jupyter notebook.

`train.py` does not import cnnlab: it is what a student would write after the lesson, one file
that tells one story (data, model, training, test) in plain Keras. It rebuilds exactly the run's
layers (same names, same settings), optimizer, learning-rate schedule, augmentation, validation
split and seed, so its first epoch matches the run's. The settings are constants at its top and
each layer is one line of code, so the student can change them and see what happens.

    export_zip(run_id) -> bytes               what the app's download buttons send
    export_to_folder(run_id, folder) -> list  what `python -m cnnlab export` writes

The layer code is generated from the same layer specs `architectures.build_model` reads, and a
test runs the exported script and compares the model it builds with the run's, layer by layer.
"""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from cnnlab.runs import Run, load_run
from cnnlab.settings import CnnlabError

SCRIPT_FILE = "train.py"
NOTEBOOK_FILE = "train.ipynb"
RUN_JSON_FILE = "run.json"
README_FILE = "README.md"
MODEL_FILE = "model.keras"
# Which keras.datasets module holds each full dataset; the bundled samples travel in the zip.
KERAS_DATASETS = {"mnist": "mnist", "fashion-mnist": "fashion_mnist", "cifar10": "cifar10"}
SAMPLES_FOLDER = "data"
# Run fields that describe the machine it ran on, not the lesson: left out of the exported run.json.
_PRIVATE_FIELDS = ("owner_pid", "owner_host", "owner_token")


class ExportError(CnnlabError):
    pass


# --- The script, cell by cell -------------------------------------------------------------------
# Each cell is (title, code). The script joins them with "# %%" markers (VS Code and Jupytext read
# them as cells); the notebook makes each title a markdown heading above its code. The cell
# titled COMMAND_LINE is left out of the notebook: there the settings are changed in place.

COMMAND_LINE = "Command line"


def _layer_code(spec: dict, name: str) -> str:
    """The Keras line that `architectures._keras_layer` builds for this (validated) spec."""
    t = spec["type"]
    if t == "conv":
        return (f'layers.Conv2D({spec["filters"]}, {spec["kernel"]}, strides={spec["stride"]}, '
                f'padding="{spec["padding"]}", activation="{spec["activation"]}", name="{name}")')
    if t in ("maxpool", "avgpool"):
        kind = "MaxPooling2D" if t == "maxpool" else "AveragePooling2D"
        stride = spec["stride"] or spec["size"]  # no stride: windows side by side
        return f'layers.{kind}(pool_size={spec["size"]}, strides={stride}, padding="{spec["padding"]}", name="{name}")'
    if t == "dense":
        return f'layers.Dense({spec["units"]}, activation="{spec["activation"]}", name="{name}")'
    if t == "dropout":
        return f'layers.Dropout({spec["rate"]!r}, name="{name}")'
    if t == "batchnorm":
        return f'layers.BatchNormalization(momentum=0.9, name="{name}")'
    if t == "flatten":
        return f'layers.Flatten(name="{name}")'
    if t == "gap":
        return f'layers.GlobalAveragePooling2D(name="{name}")'
    raise ExportError(f"layer type {t!r} cannot be exported")


def _model_code(layers: list[dict], image_shape, num_classes: int, name: str) -> str:
    from cnnlab.layers import describe_layer, validate_layer
    from cnnlab.network import check_stack

    check = check_stack(layers, tuple(image_shape), num_classes)
    if check.error is not None:
        raise ExportError(f"This run's layers cannot be rebuilt: {check.error}")
    lines = [
        "keras.utils.set_random_seed(SEED)  # same seed: same starting weights, shuffles, dropout and augmentation",
        "",
        'inputs = keras.Input(shape=IMAGE_SHAPE, name="input")',
        "# The pictures stay whole numbers 0-255 in memory (4x smaller than floats); the network scales them.",
        'x = layers.Rescaling(1.0 / 255, name="rescale")(inputs)',
    ]
    for row, spec in zip(check.rows[1:], layers):
        complete = validate_layer(spec)
        lines.append(f"x = {_layer_code(complete, row.name)}(x)  # {describe_layer(complete)}, "
                     f"out: {'x'.join(map(str, row.output_shape))}")
    lines += [
        'outputs = layers.Dense(len(CLASSES), activation="softmax", name="output")(x)  # one probability per class',
        f"model = keras.Model(inputs, outputs, name={name!r})",
        f"model.summary()  # {check.total_params:,} parameters, as in cnnlab",
    ]
    return "\n".join(lines)


_SETUP = '''\
import argparse
import gzip
import math
import os
import pickle
import zlib
from pathlib import Path

import numpy as np
import keras
from keras import layers
import tensorflow as tf

HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()  # a notebook has no __file__'''

_COMMAND_LINE = '''\
parser = argparse.ArgumentParser(description="Train the exported network again, in plain Keras.")
parser.add_argument("--epochs", type=int, default=EPOCHS, help=f"epochs to train (default {EPOCHS})")
parser.add_argument("--data", default=DATA, help="a data folder or a .npz file (default: %(default)s)")
parser.add_argument("--out", default=OUT, help="where to save the trained model (default: %(default)s)")
args = parser.parse_args()
EPOCHS, DATA, OUT = args.epochs, args.data, args.out'''

_DATA = '''\
IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
GREY_MODES = {"1", "L", "LA", "I", "F", "I;16", "I;16L", "I;16B", "I;16N"}


def read_idx(path):
    """An IDX file (the format MNIST and Fashion-MNIST ship in), gzip-compressed or not."""
    data = Path(path).read_bytes()
    if data[:2] == b"\\x1f\\x8b":
        data = gzip.decompress(data)
    ndim = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def files_under(folder):
    found = []
    for parent, subfolders, files in os.walk(folder, followlinks=True):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        found += [os.path.join(parent, f) for f in sorted(files) if not f.startswith(".")]
    return found


def read_image_folder(root, size, channels, classes):
    """One subfolder per class (optionally inside train/ and test/), read as cnnlab reads it:
    20% of each class kept for testing when there is no test/ folder, then shuffled with seed 0."""
    from PIL import Image, ImageOps

    root = Path(root)
    has_split = (root / "train").is_dir()

    def by_class(folder):
        return {c: files_under(folder / c) for c in classes if (folder / c).is_dir()}

    train_files = by_class(root / "train" if has_split else root)
    test_files = by_class(root / "test") if has_split else {}
    split_here = not any(test_files.values())
    train, test = [], []
    for label, name in enumerate(classes):
        files = train_files.get(name, [])
        if split_here:
            n = len(files)
            n_test = min(max(round(n * 0.2), 1), n - 1) if n >= 2 else 0
            order = np.random.default_rng([0, zlib.crc32(name.encode())]).permutation(n)
            kept, held = [files[i] for i in sorted(order[n_test:])], [files[i] for i in sorted(order[:n_test])]
        else:
            kept, held = files, test_files.get(name, [])
        train += [(f, label) for f in kept]
        test += [(f, label) for f in held]
    rng = np.random.default_rng(0)
    train, test = [train[i] for i in rng.permutation(len(train))], [test[i] for i in rng.permutation(len(test))]

    def read(items):
        pictures, labels = [], []
        for path, label in items:
            try:
                with Image.open(path) as image:
                    image.draft(None, (size, size))
                    if "exif" in image.info:
                        image = ImageOps.exif_transpose(image)
                    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                        image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image.convert("RGBA"))
                    image = image.convert("L" if channels == 1 else "RGB")
                    if image.size != (size, size):
                        image = image.resize((size, size), Image.Resampling.BILINEAR)
                    pictures.append(np.asarray(image))
                    labels.append(label)
            except (OSError, ValueError, SyntaxError):
                pass  # an unreadable file is skipped, as cnnlab does
        return np.array(pictures, np.uint8).reshape(-1, size, size, channels), np.array(labels)

    return (*read(train), *read(test))


def load_data(source):
    """Training and test pictures (uint8, N x H x W x C) and their labels (whole numbers)."""
    if source is None and DATASET in KERAS_DATASETS:
        (x_train, y_train), (x_test, y_test) = getattr(keras.datasets, KERAS_DATASETS[DATASET]).load_data()
    else:
        path = Path(source) if source is not None else HERE / SAMPLE_FILE
        if not path.exists():
            raise SystemExit(f"{path} does not exist: give a data folder or a .npz file with --data.")
        if path.is_file():
            with np.load(path, allow_pickle=False) as f:
                x_train, y_train, x_test, y_test = f["x_train"], f["y_train"], f["x_test"], f["y_test"]
        elif all((path / f"{stem}.gz").is_file() or (path / stem).is_file() for stem in IDX_FILES):
            x_train, y_train, x_test, y_test = (
                read_idx(path / f"{stem}.gz" if (path / f"{stem}.gz").is_file() else path / stem) for stem in IDX_FILES)
        elif (path / "cifar-10-batches-py").is_dir() or (path / "data_batch_1").is_file():
            folder = path / "cifar-10-batches-py" if (path / "cifar-10-batches-py").is_dir() else path
            batches = []
            for name in ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"):
                with open(folder / name, "rb") as f:
                    batch = pickle.load(f, encoding="bytes")  # only open files you trust: pickles can run code
                batches.append((np.asarray(batch[b"data"], np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1),
                                np.asarray(batch[b"labels"])))
            x_train, y_train = np.concatenate([b[0] for b in batches[:5]]), np.concatenate([b[1] for b in batches[:5]])
            x_test, y_test = batches[5]
        else:
            x_train, y_train, x_test, y_test = read_image_folder(path, IMAGE_SHAPE[0], IMAGE_SHAPE[2], CLASSES)
    if x_train.ndim == 3:  # grey pictures get their channel axis: 28 x 28 -> 28 x 28 x 1
        x_train, x_test = x_train[..., None], x_test[..., None]
    y_train, y_test = (np.asarray(y).reshape(-1).astype(np.int64) for y in (y_train, y_test))
    if x_train.shape[1:] != IMAGE_SHAPE:
        raise SystemExit(f"these pictures are {x_train.shape[1:]}, the network expects {IMAGE_SHAPE}")
    return x_train, y_train, x_test, y_test


x_train, y_train, x_test, y_test = load_data(DATA)
print(f"{len(x_train):,} training and {len(x_test):,} test pictures of {IMAGE_SHAPE}")'''

_SPLIT = '''\
# Shuffle once with the seed, then keep the first VALIDATION_SPLIT of the pictures for validation
# (never trained on). Shuffling first matters when a dataset is stored class by class.
order = np.random.default_rng(SEED).permutation(len(y_train))
n_val = int(round(len(y_train) * VALIDATION_SPLIT))
if VALIDATION_SPLIT > 0:
    n_val = min(max(n_val, 1), len(y_train) - 1)
train_idx, val_idx = order[n_val:], order[:n_val]
batches_per_epoch = math.ceil(len(train_idx) / BATCH_SIZE)'''

_PIPELINE = '''\
def batches(x, y, indices, batch_size, shuffle, augment=False):
    """Batches of (float pictures 0-255, labels), gathered by index from the uint8 arrays."""
    images, labels = tf.convert_to_tensor(x), tf.convert_to_tensor(y)
    ds = tf.data.Dataset.from_tensor_slices(indices)
    if shuffle:
        ds = ds.shuffle(len(indices), seed=SEED, reshuffle_each_iteration=True)  # a new order every epoch
    ds = ds.batch(batch_size)
    ds = ds.map(lambda i: (tf.cast(tf.gather(images, i), tf.float32), tf.gather(labels, i)),
                num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    if augment and (AUGMENT_SHIFT or AUGMENT_FLIP):
        # Each epoch sees every picture moved a little (and mirrored): new examples for free.
        augmentation = keras.Sequential(
            ([layers.RandomTranslation(AUGMENT_SHIFT, AUGMENT_SHIFT, fill_mode="constant", seed=SEED)]
             if AUGMENT_SHIFT else [])
            + ([layers.RandomFlip("horizontal", seed=SEED)] if AUGMENT_FLIP else []))
        ds = ds.map(lambda xb, yb: (augmentation(xb, training=True), yb), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


x_train_tensor, y_train_tensor = tf.constant(x_train), tf.constant(y_train)
train_data = batches(x_train_tensor, y_train_tensor, train_idx, BATCH_SIZE, shuffle=True, augment=True)
val_data = batches(x_train_tensor, y_train_tensor, val_idx, 512, shuffle=False) if len(val_idx) else None
test_data = batches(x_test, y_test, np.arange(len(y_test)), 512, shuffle=False)'''

_OPTIMIZERS = {
    "adam": "keras.optimizers.Adam(learning_rate=learning_rate)",
    "sgd": "keras.optimizers.SGD(learning_rate=learning_rate)",
    "sgd-momentum": "keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9)",
    "rmsprop": "keras.optimizers.RMSprop(learning_rate=learning_rate)",
    "adamw": "keras.optimizers.AdamW(learning_rate=learning_rate)",
}

_COSINE = '''\
# Cosine schedule: climb from a tenth of LEARNING_RATE to all of it over the first 3% of the
# batches, then glide down on half a cosine wave to zero at the very last batch.
total_steps = max(1, EPOCHS * batches_per_epoch)
warmup_steps = min(total_steps - 1, round(total_steps * 0.03))
if warmup_steps:
    learning_rate = keras.optimizers.schedules.CosineDecay(
        LEARNING_RATE / 10, decay_steps=total_steps - warmup_steps, alpha=0.0,
        warmup_target=LEARNING_RATE, warmup_steps=warmup_steps)
else:  # a single batch: no room to climb
    learning_rate = keras.optimizers.schedules.CosineDecay(LEARNING_RATE, decay_steps=total_steps, alpha=0.0)'''

_TRAIN = '''\
model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"],
              steps_per_execution=STEPS_PER_EXECUTION)  # several batches per call: faster, same result
history = model.fit(train_data, validation_data=val_data, epochs=EPOCHS, verbose=2,
                    shuffle=False)  # batches() shuffles'''

_TEST = '''\
test_loss, test_accuracy = model.evaluate(test_data, verbose=0)
print(f"test accuracy {test_accuracy:.4f}, test loss {test_loss:.4f}")
model.save(OUT)
print(f"saved the trained network to {OUT}")'''


def _settings_code(run: Run, config) -> str:
    dataset = config.dataset
    if dataset in KERAS_DATASETS:
        data_note = f"None: keras.datasets.{KERAS_DATASETS[dataset]} (downloads once)"
    elif dataset.startswith("folder:"):
        data_note = "your picture folder, one subfolder per class"
    else:
        data_note = f"None: the sample in {SAMPLES_FOLDER}/ beside this script"
    data = repr(dataset[len("folder:"):]) if dataset.startswith("folder:") else "None"
    from cnnlab.training import steps_per_execution

    return "\n".join([
        f'DATASET = "{dataset}"',
        f"CLASSES = {json.dumps(list(run.classes))}",
        f"IMAGE_SHAPE = {tuple(run.image_shape)!r}  # height, width, channels",
        f"KERAS_DATASETS = {json.dumps(KERAS_DATASETS)}",
        f'SAMPLE_FILE = "{SAMPLES_FOLDER}/{dataset}.npz"  # the bundled samples travel with the export',
        f"DATA = {data}  # {data_note}; or a data folder, or a .npz file",
        f"EPOCHS = {config.epochs}",
        f"BATCH_SIZE = {config.batch_size}",
        f'OPTIMIZER = "{config.optimizer}"',
        f"LEARNING_RATE = {config.learning_rate!r}",
        f'LR_SCHEDULE = "{config.lr_schedule}"  # "constant" or "cosine"',
        f"VALIDATION_SPLIT = {config.validation_split!r}  # share of the training pictures kept for validation",
        f"AUGMENT_SHIFT = {config.augment_shift!r}  # random shifts, up to this share of the width and height",
        f"AUGMENT_FLIP = {config.augment_flip!r}  # random left-right flips",
        f"SEED = {config.seed}",
        f"STEPS_PER_EXECUTION = {steps_per_execution(config.batch_size)}",
        'OUT = "retrained.keras"',
    ])


def _optimizer_code(config) -> str:
    if config.optimizer not in _OPTIMIZERS:
        raise ExportError(f"optimizer {config.optimizer!r} cannot be exported")
    head = _COSINE if config.lr_schedule == "cosine" else "learning_rate = LEARNING_RATE  # the same all along"
    return f"{head}\noptimizer = {_OPTIMIZERS[config.optimizer]}"


def _trained_config(run: Run):
    from cnnlab.config import TrainConfig

    if run.imported:
        raise ExportError(f"Run {run.run_id} was imported from a .keras file: cnnlab does not know how it was "
                          "trained, so there is no training script to export (its model is still downloadable).")
    return TrainConfig.from_json(run.config)


def script_cells(run: Run) -> list[tuple[str, str]]:
    """The training script of `run` as (title, code) cells."""
    config = _trained_config(run)
    return [
        ("Setup: plain Keras, no cnnlab", _SETUP),
        (f"The run's settings (run {run.run_id})", _settings_code(run, config)),
        (COMMAND_LINE, _COMMAND_LINE),
        ("The pictures", _DATA),
        ("Training and validation pictures", _SPLIT),
        ("The network: the same layers, names and settings as in cnnlab",
         _model_code(config.layer_stack(), run.image_shape, len(run.classes), config.architecture)),
        ("Optimizer and learning rate", _optimizer_code(config)),
        ("Batches (with augmentation for training)", _PIPELINE),
        ("Training", _TRAIN),
        ("Test and save", _TEST),
    ]


def training_script(run: Run) -> str:
    """`train.py`: the cells joined with "# %%" markers, under a docstring saying how to run it."""
    title = run.title
    sample = "" if run.config.get("dataset") in KERAS_DATASETS or str(run.config.get("dataset")).startswith("folder:") \
        else f" (reads {SAMPLES_FOLDER}/{run.config.get('dataset')}.npz beside it)"
    head = (f'"""Train {title} again, in plain Keras (exported by cnnlab from run {run.run_id}).\n\n'
            f"The same layers ({run.parameters:,} parameters), optimizer, learning-rate schedule, augmentation,\n"
            f"validation split and seed as the run, on the same pictures{sample}.\n\n"
            "    python train.py                  # train as the run did\n"
            "    python train.py --epochs 1       # a quick try\n"
            "    python train.py --data FOLDER    # a data folder: IDX files, CIFAR-10 batches, or one folder per class\n"  # noqa: E501
            "    python train.py --data FILE.npz  # arrays x_train, y_train, x_test, y_test\n\n"
            "Needs TensorFlow 2.16 or newer (Keras 3), NumPy, and Pillow for picture folders. Each \"# %%\"\n"
            'line starts a cell (VS Code and Jupyter run them one by one); train.ipynb is the same as a notebook.\n"""')
    body = "\n\n\n".join(f"# %% {title_}\n{code}" for title_, code in script_cells(run))
    return f"{head}\n{body}\n"


def notebook(run: Run) -> dict:
    """The script as a Jupyter notebook (nbformat 4): a markdown title above each code cell."""
    def lines(text: str) -> list[str]:
        parts = text.split("\n")
        return [p + "\n" for p in parts[:-1]] + [parts[-1]]

    cells = [{"cell_type": "markdown", "metadata": {}, "source": lines(
        f"# {run.title}\n\nExported by cnnlab from run `{run.run_id}`: the same network, optimizer, "
        "learning-rate schedule, augmentation and seed, in plain Keras. Run the cells in order; change the "
        "settings in the second cell and run them again.")}]
    for title, code in script_cells(run):
        if title == COMMAND_LINE:
            continue
        cells.append({"cell_type": "markdown", "metadata": {}, "source": lines(f"## {title}")})
        cells.append({"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                      "source": lines(code)})
    return {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                                        "name": "python3"},
                                         "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 4}


def run_record(run: Run) -> dict:
    """The run's settings, history and results, without the details of the machine it ran on."""
    return {k: v for k, v in run.to_json().items() if k not in _PRIVATE_FIELDS}


def _readme(run: Run, files: list[str]) -> str:
    accuracy = f"{run.test_accuracy:.2%}" if run.test_accuracy is not None else "not measured"
    text = {
        MODEL_FILE: "the trained network (Keras 3): `keras.models.load_model(\"model.keras\")`; it takes "
                    "pictures as whole numbers 0-255 and scales them itself",
        SCRIPT_FILE: "trains the same network again in plain Keras, without cnnlab: `python train.py`",
        NOTEBOOK_FILE: "the same script as a Jupyter notebook, one step per cell",
        RUN_JSON_FILE: "the run's settings, its loss and accuracy after every epoch, and its test results",
    }
    listed = "\n".join(f"- `{name}`: {text[name]}" for name in files if name in text)
    samples = [name for name in files if name.startswith(SAMPLES_FOLDER + "/")]
    if samples:
        listed += f"\n- `{samples[0]}`: the bundled sample pictures the run trained on (MNIST / Fashion-MNIST licences apply)"  # noqa: E501
    return (f"# {run.title}\n\nExported from cnnlab run `{run.run_id}`: {run.epochs_done} epoch(s), "
            f"test accuracy {accuracy}.\n\n{listed}\n")


def export_files(run_id: str) -> dict[str, bytes]:
    """Every file of the export, by its name inside the zip."""
    from cnnlab.datasets import SAMPLES_DIR

    run = load_run(run_id)
    if not run.has_model:
        raise ExportError(f"Run {run_id} has no trained network yet (it ended before its first epoch): "
                          "there is nothing to export.")
    files: dict[str, bytes] = {MODEL_FILE: run.model_path.read_bytes()}
    if not run.imported:
        files[SCRIPT_FILE] = training_script(run).encode()
        files[NOTEBOOK_FILE] = (json.dumps(notebook(run), indent=1) + "\n").encode()
        dataset = str(run.config.get("dataset", ""))
        sample = SAMPLES_DIR / f"{dataset}.npz"
        if dataset not in KERAS_DATASETS and not dataset.startswith("folder:") and sample.is_file():
            files[f"{SAMPLES_FOLDER}/{dataset}.npz"] = sample.read_bytes()
    files[RUN_JSON_FILE] = (json.dumps(run_record(run), indent=1) + "\n").encode()
    files[README_FILE] = _readme(run, list(files)).encode()
    return files


def export_zip(run_id: str) -> bytes:
    """The export as a zip file's bytes (everything inside one folder named after the run)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in export_files(run_id).items():
            archive.writestr(f"{zip_folder(run_id)}/{name}", data)
    return buffer.getvalue()


def zip_folder(run_id: str) -> str:
    return f"cnnlab-{run_id}"


def export_to_folder(run_id: str, folder) -> list[Path]:
    """Write the export's files into `folder` (created if needed). Refuses to overwrite any file."""
    folder = Path(folder).expanduser()
    files = export_files(run_id)
    clashes = [name for name in files if (folder / name).exists()]
    if clashes:
        raise ExportError(f"{folder} already holds {', '.join(clashes)}: choose an empty or new folder "
                          "(nothing was written).")
    written = []
    try:
        for name, data in files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            written.append(path)
    except OSError as e:
        raise ExportError(f"Could not write the export to {folder} ({e.strerror or e}).") from None
    return written
