"""Bring in a network trained elsewhere (a `.keras` file) and make it a run, so Classify and
Inspect can use it like one trained here.

A model file is a program as much as data: a Lambda layer or a custom layer class runs Python
code when it is loaded. So the file is read in three careful steps, and refused at the first
one that fails, with a message naming what is wrong:

1. The file itself: a readable zip of Keras's shape (config.json, model.weights.h5), not too big,
   not an older .h5 file, its weights not bigger than the parameter limit allows.
2. Its description (config.json), read as plain JSON: no Lambda layer, no custom object (any
   class that is not Keras's own), anywhere in it.
3. Loading with `keras.models.load_model(..., safe_mode=True)`, which refuses to run code even if
   step 2 missed something. Then the network must take pictures of a dataset's shape, give one
   output per class of it, and stay within the parameter limit (CNNLAB_MAX_PARAMS).

cnnlab's networks take pixels 0-255 and end in a softmax. A network without a Rescaling layer is
taken to expect pixels 0-1 (what Keras tutorials feed) and gets one in front; one that ends in raw
scores (logits) gets a softmax at the end. The run's message says what was added.
"""
from __future__ import annotations

import io
import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Union

from cnnlab.settings import CnnlabError, max_parameters

MAX_FILE_BYTES = 200_000_000  # a 5-million-parameter model with its optimizer state is ~60 MB
KERAS_MEMBERS = ("config.json", "model.weights.h5")
BYTES_PER_WEIGHT = 4  # float32
# A weights file may also hold the optimizer's state (Adam: two more numbers per weight) and
# HDF5's own bookkeeping; anything bigger than this cannot be within the parameter limit.
WEIGHTS_FILE_FACTOR = 3
WEIGHTS_FILE_SLACK = 2_000_000

ModelSource = Union[bytes, bytearray, str, os.PathLike, BinaryIO]


class ImportRefused(CnnlabError):
    """A model file that cnnlab will not load; the message says which rule it breaks."""


@dataclass
class CheckedModel:
    """A model that passed every check, ready to become a run."""

    model: Any  # keras.Model, flat (one layer after another) as Inspect expects
    name: str  # the file's name
    input_shape: tuple[int, int, int]
    num_classes: int
    datasets: list[str]  # the datasets whose pictures and classes it fits, the likeliest first
    parameters: int
    added: list[str] = field(default_factory=list)  # what cnnlab put around it ("a Rescaling layer ...")


# --- Step 1: the file ----------------------------------------------------------------------------

def _read(source: ModelSource) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), "the file"
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        label = f"'{path.name}'"
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise ImportRefused(_too_big(label, path.stat().st_size))
            return path.read_bytes(), label
        except FileNotFoundError:
            raise ImportRefused(f"{label} does not exist: check the file's name and folder.") from None
        except IsADirectoryError:
            raise ImportRefused(f"{label} is a folder, not a .keras file.") from None
        except OSError as e:
            raise ImportRefused(f"{label} could not be read ({e.strerror or e}).") from None
    name = getattr(source, "name", None)
    label = f"'{Path(str(name)).name}'" if name else "the file"
    data = source.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ImportRefused(_too_big(label, len(data)))
    return data, label


def _too_big(label: str, size: int) -> str:
    return (f"{label} is {size / 1e6:,.0f} MB, more than the {MAX_FILE_BYTES / 1e6:,.0f} MB a model cnnlab "
            "can use may take: it is far over the parameter limit.")


def _open_zip(data: bytes, label: str) -> zipfile.ZipFile:
    if not data:
        raise ImportRefused(f"{label} is empty (0 bytes): choose a model saved with model.save('name.keras').")
    if data[:8] == b"\x89HDF\r\n\x1a\n":
        raise ImportRefused(f"{label} is an older HDF5 (.h5) model file: load it in Keras and save it again "
                            "with model.save('name.keras'), then import that.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        bad = archive.testzip()
    except (zipfile.BadZipFile, EOFError, ValueError, OSError, NotImplementedError):
        raise ImportRefused(f"{label} is not a Keras model file (.keras), or it is damaged: save the model again "
                            "with model.save('name.keras').") from None
    if bad is not None or not set(KERAS_MEMBERS) <= names:
        what = f"its part {bad} is damaged" if bad else f"it lacks {', '.join(sorted(set(KERAS_MEMBERS) - names))}"
        raise ImportRefused(f"{label} is not a complete Keras model file ({what}): save the model again with "
                            "model.save('name.keras').")
    return archive


def _check_weights_size(archive: zipfile.ZipFile, label: str, limit: int) -> None:
    size = archive.getinfo("model.weights.h5").file_size
    if size > WEIGHTS_FILE_FACTOR * BYTES_PER_WEIGHT * limit + WEIGHTS_FILE_SLACK:
        raise ImportRefused(f"{label} holds {size / 1e6:,.0f} MB of weights: far more than the limit of "
                            f"{limit:,} parameters (CNNLAB_MAX_PARAMS) allows.")


# --- Step 2: its description, read as plain JSON --------------------------------------------------

def _objects(config: Any):
    """Every serialized object (a dict with a class_name) anywhere in a Keras config."""
    if isinstance(config, dict):
        if "class_name" in config:
            yield config
        for value in config.values():
            yield from _objects(value)
    elif isinstance(config, list):
        for value in config:
            yield from _objects(value)


def _is_keras_own(obj: dict) -> bool:
    module = obj.get("module")
    registered = obj.get("registered_name")
    if module is None:  # very old configs name only the class; Keras itself resolves those
        return registered is None
    return (module == "keras" or str(module).startswith("keras.")) and (registered is None or ">" not in str(registered))  # noqa: E501


def _check_config(archive: zipfile.ZipFile, label: str) -> None:
    try:
        config = json.loads(archive.read("config.json"))
    except (ValueError, UnicodeDecodeError, zipfile.BadZipFile, OSError):
        raise ImportRefused(f"{label} is damaged: its description (config.json) is not readable JSON. "
                            "Save the model again with model.save('name.keras').") from None
    for obj in _objects(config):
        class_name = str(obj.get("class_name"))
        if class_name in ("Lambda", "__lambda__"):
            layer = obj.get("config", {}).get("name") if isinstance(obj.get("config"), dict) else None
            raise ImportRefused(
                f"{label} contains a Lambda layer{f' ({layer})' if layer else ''}: it holds Python code, "
                "which cnnlab never runs from a file. Replace it with built-in Keras layers and save again.")
        if not _is_keras_own(obj):
            name = obj.get("registered_name") or f"{obj.get('module')}.{class_name}"
            raise ImportRefused(
                f"{label} uses a custom object ({name}) that is not part of Keras: its code is not in the "
                "file, and cnnlab only loads Keras's own layers. Rebuild the model with built-in layers.")


# --- Step 3: loading, then what the network takes and gives -------------------------------------

def _load(data: bytes, label: str):
    import keras

    with tempfile.TemporaryDirectory(prefix="cnnlab-import-") as folder:
        path = Path(folder) / "model.keras"  # Keras insists on the suffix
        path.write_bytes(data)
        try:
            return keras.models.load_model(path, compile=False, safe_mode=True)
        except Exception as e:  # noqa: BLE001 - any failure to load is the file's, and is refused
            text = str(e)
            if "Lambda" in text or "safe_mode" in text:
                raise ImportRefused(f"{label} holds Python code (a Lambda layer or function), which cnnlab never "
                                    "runs from a file.") from None
            if "Could not locate" in text or "custom" in text.lower():
                raise ImportRefused(f"{label} uses a custom object that is not part of Keras; cnnlab only "
                                    "loads Keras's own layers.") from None
            raise ImportRefused(f"{label} could not be loaded as a Keras model ({_keras_reason(e)}): it may be "
                                "damaged or made by an incompatible Keras version; save it again with "
                                "model.save('name.keras').") from None


def _keras_reason(error: Exception, limit: int = 150) -> str:
    """Keras's own reason, short: its first line (and, for weights that do not fit the layers, the two
    shapes), so the message says what is wrong rather than only the name of an error type."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    reason = lines[0].rstrip(":")
    reason = reason if len(reason) <= limit else reason[:limit - 3].rstrip() + "..."
    shapes = re.search(r"variable\.shape=(\([\d, ]*\)), Received: value\.shape=(\([\d, ]*\))", str(error))
    if shapes:
        reason += f"; the file's weights have shape {shapes[2]} where its layers expect {shapes[1]}"
    return f"Keras says: {reason}"


def _matching_datasets(shape: tuple, num_classes: int) -> list[str]:
    from cnnlab.datasets import DATASET_NAMES, dataset_info

    return [name for name in DATASET_NAMES
            if tuple(dataset_info(name).image_shape) == shape and len(dataset_info(name).classes) == num_classes]


def _shape_problem(model, label: str) -> tuple[tuple[int, int, int], int]:
    from cnnlab.datasets import DATASET_NAMES, dataset_info

    known = sorted({tuple(dataset_info(n).image_shape) for n in DATASET_NAMES})
    known_text = " or ".join("x".join(map(str, s)) for s in known)
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ImportRefused(f"{label} has {len(model.inputs)} inputs and {len(model.outputs)} outputs; cnnlab "
                            "uses networks with one picture in and one set of class probabilities out.")
    shape = tuple(model.inputs[0].shape[1:])
    out = tuple(model.outputs[0].shape[1:])
    if len(shape) != 3 or tuple(s for s in shape if s) != shape or shape not in known:
        raise ImportRefused(f"{label} takes inputs of shape {_shape_text(shape)}, which fits none of cnnlab's "
                            f"datasets (pictures of {known_text}, height x width x channels).")
    if len(out) != 1 or not out[0]:
        raise ImportRefused(f"{label} gives outputs of shape {_shape_text(out)}; cnnlab needs one number per "
                            "class (e.g. 10).")
    return shape, int(out[0])


def _shape_text(shape) -> str:
    return "x".join("?" if s is None else str(s) for s in shape) or "()"


def _is_linear(model) -> bool:
    """One layer after another, each fed by the one before (what Sequential builds), read from the
    model's own description of its connections."""
    import keras

    if isinstance(model, keras.Sequential):
        return True
    try:
        config = model.get_config()
        layers = config["layers"]
        previous = layers[0]["name"]
        for layer in layers[1:]:
            nodes = layer.get("inbound_nodes") or []
            sources = [obj["config"]["keras_history"][0] for obj in _objects(nodes)
                       if obj.get("class_name") == "__keras_tensor__"]
            if len(nodes) != 1 or sources != [previous]:
                return False
            previous = layer["name"]
        return [out[0] for out in config["output_layers"]] == [previous]
    except (KeyError, IndexError, TypeError):
        return False


def _scales_pixels(model) -> bool:
    import keras

    return any(isinstance(layer, (keras.layers.Rescaling, keras.layers.Normalization)) for layer in model.layers)


def _ends_in_softmax(model) -> bool:
    import keras

    last = model.layers[-1]
    if isinstance(last, keras.layers.Softmax):
        return True
    activation = getattr(last, "activation", None)
    return getattr(activation, "__name__", "") == "softmax"


def _as_cnnlab_model(model, label: str) -> tuple[Any, list[str]]:
    """The model, with a Rescaling layer in front and a softmax at the end where it lacks them."""
    import keras

    rescale, softmax = not _scales_pixels(model), not _ends_in_softmax(model)
    added = []
    if rescale:
        added.append("a Rescaling layer in front (it has none, so it was probably trained on pixels 0-1; "
                     "cnnlab gives pixels 0-255)")
    if softmax:
        added.append("a softmax at the end (its last layer gives scores, not probabilities)")
    if not added:
        return model, added
    if not _is_linear(model):
        raise ImportRefused(f"{label} needs {' and '.join(a.split(' (')[0] for a in added)} to work in cnnlab, "
                            "which can only be added to a network built one layer after another. Add "
                            "it yourself (keras.layers.Rescaling(1/255) / a softmax activation) and save again.")
    inputs = keras.Input(shape=tuple(model.inputs[0].shape[1:]), name="input")
    x = keras.layers.Rescaling(1.0 / 255, name="rescale")(inputs) if rescale else inputs
    for layer in model.layers:
        if not isinstance(layer, keras.layers.InputLayer):
            x = layer(x)
    if softmax:
        x = keras.layers.Softmax(name="probabilities")(x)
    return keras.Model(inputs, x, name=model.name), added


def check_model_file(source: ModelSource, name: str | None = None) -> CheckedModel:
    """Read, check and load a .keras file; raise ImportRefused saying why it cannot be used."""
    data, label = _read(source)
    if name:
        label = f"'{Path(name).name}'"
    limit = max_parameters()
    archive = _open_zip(data, label)
    _check_weights_size(archive, label, limit)
    _check_config(archive, label)
    model = _load(data, label)
    parameters = int(model.count_params())
    if parameters > limit:
        raise ImportRefused(f"{label} has {parameters:,} parameters, more than this machine's limit of {limit:,} "
                            "(CNNLAB_MAX_PARAMS): cnnlab refuses networks that big.")
    shape, num_classes = _shape_problem(model, label)
    datasets = _matching_datasets(shape, num_classes)
    if not datasets:
        raise ImportRefused(f"{label} gives {num_classes} outputs, but cnnlab's datasets of {_shape_text(shape)} "
                            "pictures have 10 classes: it was trained for something else.")
    model, added = _as_cnnlab_model(model, label)
    return CheckedModel(model, Path(name).name if name else label.strip("'"), shape, num_classes, datasets,
                        parameters, added)


def import_model(source: ModelSource, name: str | None = None, dataset: str | None = None):
    """Check the file and save it as a new run (returned): `check_model_file`, then `save_as_run`."""
    return save_as_run(check_model_file(source, name), dataset)


def save_as_run(checked: CheckedModel, dataset: str | None = None, lab: str | None = None):
    """A new run holding a checked model, for `dataset` (default: the first it fits that is on this
    computer). Its test accuracy is measured when the dataset's test pictures are available. `lab`:
    the app lab importing it, which then owns it (may delete it) like a run it trained."""
    from cnnlab.datasets import availability, dataset_info, load_dataset
    from cnnlab.runs import Run, new_run_id

    if dataset is None:
        available = [d for d in checked.datasets if availability(d)[0]]
        dataset = (available or checked.datasets)[0]
    elif dataset not in checked.datasets:
        raise ImportRefused(f"'{checked.name}' takes {_shape_text(checked.input_shape)} pictures with "
                            f"{checked.num_classes} classes, which does not fit {dataset}; it fits "
                            f"{', '.join(checked.datasets)}.")
    info = dataset_info(dataset)
    stem = Path(checked.name).stem or "model"
    run = Run(run_id=new_run_id(f"imported-{stem}", dataset),
              config={"dataset": dataset, "architecture": "imported", "imported": True,
                      "source_file": checked.name, "layers": None})
    run.lab = lab
    run.classes = list(info.classes)
    run.image_shape = list(checked.input_shape)
    run.parameters = int(checked.model.count_params())
    run.status = "finished"
    added = f" cnnlab added {' and '.join(checked.added)}." if checked.added else ""
    run.message = f"Imported from {checked.name}.{added}"
    run.save_model(checked.model)
    if availability(dataset)[0]:
        from cnnlab.training import _test_metrics

        try:
            data = load_dataset(dataset)
            run.test_loss, run.test_accuracy = _test_metrics(checked.model, data.x_test, data.y_test)
            run.dataset_source = data.source
        except CnnlabError:
            pass  # the run is still usable; only its test score is missing
    run.save()
    return run
