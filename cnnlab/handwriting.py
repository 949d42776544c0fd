"""The class handwriting set: drawings students add with their true label, kept on the server.

A network that scores 99% on MNIST's test digits often does much worse on a class's own
drawings: they were made differently (a mouse, a finger, a thick brush). Measuring a model on
this set beside its test accuracy makes that *distribution shift* visible.

The set lives in `settings.class_dir() / "handwriting"`:

    index.json         [{"id", "label", "lab", "created", "file"}, ...]   (written atomically)
    <id>.png           each drawing as drawn, grey, at most MAX_SIDE pixels a side

A drawing's PNG is written (atomically) before the index names it, so a crash leaves at worst an
unlisted file, never a listed drawing without its picture. One lock serialises this process's
writers; the index is re-read under it, so drawings added from several browser sessions all stay.
Limits (MAX_DRAWINGS in all, MAX_PER_LAB for one lab, labels of at most MAX_LABEL characters)
keep one enthusiastic student from filling the server; each refusal says what to do.

`export_folder` writes the set as one folder per label, which cnnlab loads again as
`folder:<path>` data: train on the class's own handwriting.
"""
from __future__ import annotations

import io
import json
import re
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from cnnlab.files import write_bytes_atomically
from cnnlab.settings import CnnlabError, class_dir

MAX_SIDE = 280  # the Classify canvas's size: a drawing is never stored bigger than this
MAX_DRAWINGS = 2000
MAX_PER_LAB = 200
MAX_LABEL = 30
MAX_PNG_BYTES = 200_000
INDEX = "index.json"
_LABEL = re.compile(r"[\w .,'()+/-]+")

_lock = threading.Lock()


class HandwritingError(CnnlabError):
    pass


@dataclass(frozen=True)
class Drawing:
    id: str
    label: str
    lab: str
    created: float
    file: str


def folder() -> Path:
    return class_dir() / "handwriting"


def _read_index() -> list[Drawing]:
    path = folder() / INDEX
    if not path.exists():
        return []
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
        return [Drawing(**{k: e[k] for k in Drawing.__dataclass_fields__}) for e in entries]
    except (OSError, ValueError, TypeError, KeyError) as e:
        raise HandwritingError(f"The class handwriting set's index {path} is damaged ({e}); "
                               "the teacher can delete it to start an empty set.") from None


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomically(path, data)


def _write_index(drawings: list[Drawing]) -> None:
    _write_atomically(folder() / INDEX, json.dumps([asdict(d) for d in drawings], indent=1).encode())


def list_drawings() -> list[Drawing]:
    """Every drawing in the set, oldest first."""
    with _lock:
        return _read_index()


def signature() -> int:
    """Changes whenever the set changes (for caches of results computed on it)."""
    try:
        return (folder() / INDEX).stat().st_mtime_ns
    except OSError:
        return 0


def _as_grey(image) -> Image.Image:
    if isinstance(image, Image.Image):
        picture = image
    else:
        array = np.asarray(image)
        if array.ndim == 3 and array.shape[2] == 1:
            array = array[:, :, 0]
        if array.dtype != np.uint8 or array.ndim not in (2, 3) or array.size == 0:
            raise HandwritingError("A drawing must be a picture (uint8 grey or RGB pixels).")
        picture = Image.fromarray(array)
    picture = picture.convert("L")
    if max(picture.size) > MAX_SIDE:
        picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.LANCZOS)
    return picture


def check_label(label: str) -> str:
    label = (label or "").strip()
    if not label:
        raise HandwritingError("Say what the drawing shows: pick its true label first.")
    if len(label) > MAX_LABEL or not _LABEL.fullmatch(label):
        raise HandwritingError(f"A label is a class name of at most {MAX_LABEL} letters, digits or spaces; "
                               f"{label[:40]!r} is not one.")
    return label


def add_drawing(image, label: str, lab: str) -> Drawing:
    """Add a drawing (PIL image or uint8 array; light ink on dark, as on Classify) with its true label."""
    label = check_label(label)
    picture = _as_grey(image)
    if np.ptp(np.asarray(picture)) < 16:
        raise HandwritingError("The drawing is empty: draw something before adding it to the class set.")
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    data = buffer.getvalue()
    if len(data) > MAX_PNG_BYTES:
        raise HandwritingError(f"This drawing is too big to keep ({len(data) // 1000} kB; at most "
                               f"{MAX_PNG_BYTES // 1000} kB): clear the canvas and draw it again more simply.")
    with _lock:
        drawings = _read_index()
        if len(drawings) >= MAX_DRAWINGS:
            raise HandwritingError(f"The class set is full ({MAX_DRAWINGS} drawings): the teacher can remove "
                                   "some on the Class board before more are added.")
        if sum(d.lab == lab for d in drawings) >= MAX_PER_LAB:
            raise HandwritingError(f"You have added {MAX_PER_LAB} drawings, the most one lab may add: "
                                   "leave room for the rest of the class.")
        drawing_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
        drawing = Drawing(drawing_id, label, lab, time.time(), f"{drawing_id}.png")
        _write_atomically(folder() / drawing.file, data)
        _write_index(drawings + [drawing])
    return drawing


def load_picture(drawing: Drawing) -> np.ndarray:
    """The drawing's pixels, uint8 (H, W)."""
    try:
        with Image.open(folder() / drawing.file) as picture:
            return np.asarray(picture.convert("L"))
    except OSError as e:
        raise HandwritingError(f"The picture of drawing {drawing.id} could not be read ({e}).") from None


def remove_drawings(ids) -> int:
    """Remove drawings by id; returns how many were removed."""
    ids = set(ids)
    with _lock:
        drawings = _read_index()
        kept = [d for d in drawings if d.id not in ids]
        _write_index(kept)
        for d in drawings:
            if d.id in ids:
                (folder() / d.file).unlink(missing_ok=True)
    return len(drawings) - len(kept)


def _folder_name(label: str) -> str:
    return label.replace("/", "-")  # "T-shirt/top" cannot be a folder name


def export_folder(destination: str | Path) -> Path:
    """Write the set as `destination/<label>/<id>.png`, loadable as `folder:<destination>`."""
    destination = Path(destination).expanduser()
    drawings = list_drawings()
    if len({d.label for d in drawings}) < 2:
        raise HandwritingError("The class set needs drawings of at least two labels before it can be a dataset.")
    try:
        if destination.exists() and any(destination.iterdir()):
            raise HandwritingError(f"{destination} is not empty: export into a new folder.")
        for drawing in drawings:
            target = destination / _folder_name(drawing.label) / drawing.file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((folder() / drawing.file).read_bytes())
    except OSError as e:  # a file in the way, no permission, a full disk: say so, not a traceback
        raise HandwritingError(f"Could not export into {destination}: {e.strerror or e}. Pick a folder you "
                               "can write to, such as one in your home folder.") from e
    return destination


# ---------------------------------------------------------------------------------------------
# A model on the class set

@dataclass
class ClassSetScore:
    accuracy: float | None  # None when no drawing has a label the model knows
    matrix: np.ndarray  # confusion counts over the model's classes (row: true, column: predicted)
    classes: list[str]
    used: int  # drawings whose label is one of the model's classes
    skipped: int  # drawings with labels the model does not know
    predictions: list[tuple[Drawing, str, float]]  # each used drawing, what it was read as, how sure


def score_model(classifier, drawings: list[Drawing] | None = None) -> ClassSetScore:
    """The model's accuracy and confusion matrix on the class set, each drawing prepared the way
    Classify prepares it for this model (every step on)."""
    from cnnlab.inspection import confusion_matrix
    from cnnlab.preprocess import prepare, style_for_dataset

    drawings = list_drawings() if drawings is None else drawings
    classes = [str(c) for c in classifier.classes]
    usable = [d for d in drawings if d.label in classes]
    matrix = np.zeros((len(classes), len(classes)), np.int64)
    if not usable:
        return ClassSetScore(None, matrix, classes, 0, len(drawings), [])
    style = style_for_dataset(classifier.dataset)
    if style == "auto":
        style = "digit" if classifier.image_shape[2] == 1 else "photo"
    batch = np.stack([prepare(load_picture(d), classifier.image_shape, style=style).model_input for d in usable])
    probabilities = np.asarray(classifier.probabilities(batch))
    predicted = probabilities.argmax(axis=1)
    truth = np.array([classes.index(d.label) for d in usable])
    matrix = confusion_matrix(truth, predicted, len(classes))
    predictions = [(d, classes[p], float(probabilities[i, p])) for i, (d, p) in enumerate(zip(usable, predicted))]
    return ClassSetScore(float((predicted == truth).mean()), matrix, classes, len(usable),
                         len(drawings) - len(usable), predictions)
