"""The class handwriting set: stored atomically beside the runs, limited, exportable, scored."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from cnnlab import handwriting
from cnnlab.handwriting import HandwritingError, add_drawing, export_folder, list_drawings, remove_drawings
from cnnlab.settings import class_dir, runs_dir


def digit(kind: str = "1", size: int = 280) -> np.ndarray:
    """White strokes on black, like the Classify canvas: a vertical bar (1) or a ring (0)."""
    image = np.zeros((size, size), np.uint8)
    s = size // 28
    if kind == "1":
        image[5 * s:23 * s, 12 * s:16 * s] = 255
    else:
        yy, xx = np.mgrid[:size, :size]
        r = np.hypot(yy - size / 2, xx - size / 2)
        image[(r > 6 * s) & (r < 9 * s)] = 255
    return image


def test_the_set_lives_in_the_class_folder_beside_the_runs(monkeypatch):
    monkeypatch.delenv("CNNLAB_CLASS_DIR")
    assert class_dir() == runs_dir().parent / "class"
    drawing = add_drawing(digit(), "1", "lab-a")
    assert (class_dir() / "handwriting" / drawing.file).is_file()
    assert [d.id for d in list_drawings()] == [drawing.id]


def test_a_drawing_is_stored_grey_and_no_bigger_than_the_canvas():
    drawing = add_drawing(np.dstack([digit(size=560)] * 3), "1", "lab-a")
    picture = handwriting.load_picture(drawing)
    assert picture.shape == (handwriting.MAX_SIDE, handwriting.MAX_SIDE) and picture.dtype == np.uint8
    assert not list((handwriting.folder()).glob(".tmp-*"))  # atomic writes leave nothing behind


@pytest.mark.parametrize("image, label, message", [
    (np.zeros((280, 280), np.uint8), "1", "empty"),
    (digit(), "", "true label"),
    (digit(), "x" * 31, "at most 30"),
    (digit(), "<script>", "is not one"),
    (np.zeros((0, 0), np.uint8), "1", "must be a picture"),
])
def test_bad_drawings_and_labels_are_refused_clearly(image, label, message):
    with pytest.raises(HandwritingError, match=message):
        add_drawing(image, label, "lab-a")
    assert list_drawings() == []


def test_count_limits_for_the_set_and_for_one_lab(monkeypatch):
    monkeypatch.setattr(handwriting, "MAX_PER_LAB", 2)
    monkeypatch.setattr(handwriting, "MAX_DRAWINGS", 3)
    add_drawing(digit(), "1", "lab-a")
    add_drawing(digit("0"), "0", "lab-a")
    with pytest.raises(HandwritingError, match="most one lab may add"):
        add_drawing(digit(), "1", "lab-a")
    add_drawing(digit(), "1", "lab-b")
    with pytest.raises(HandwritingError, match="class set is full"):
        add_drawing(digit(), "1", "lab-c")
    assert len(list_drawings()) == 3


def test_drawings_added_at_the_same_time_by_many_students_are_all_kept():
    errors = []

    def add(i):
        try:
            add_drawing(digit(str(i % 2)), str(i % 2), f"lab-{i}")
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(list_drawings()) == 12


def test_removing_drawings_removes_their_pictures():
    keep, drop = add_drawing(digit(), "1", "a"), add_drawing(digit("0"), "0", "b")
    assert remove_drawings([drop.id, "no-such-id"]) == 1
    assert [d.id for d in list_drawings()] == [keep.id]
    assert not (handwriting.folder() / drop.file).exists()


def test_a_damaged_index_gives_a_clear_message():
    add_drawing(digit(), "1", "a")
    (handwriting.folder() / handwriting.INDEX).write_text("{not json")
    with pytest.raises(HandwritingError, match="damaged"):
        list_drawings()


def test_the_set_exports_as_a_folder_cnnlab_loads_as_data(tmp_path):
    for i in range(4):
        add_drawing(digit("1"), "1", f"lab-{i}")
        add_drawing(digit("0"), "0", f"lab-{i}")
    destination = export_folder(tmp_path / "class-digits")
    assert sorted(p.name for p in destination.iterdir()) == ["0", "1"]
    assert len(list((destination / "1").glob("*.png"))) == 4
    from cnnlab.datasets import load_dataset

    data = load_dataset(f"folder:{destination}", image_size=28, channels=1)
    assert data.classes == ("0", "1") and len(data.x_train) + len(data.x_test) == 8
    with pytest.raises(HandwritingError, match="not empty"):
        export_folder(destination)


def test_exporting_needs_two_labels(tmp_path):
    add_drawing(digit(), "1", "a")
    with pytest.raises(HandwritingError, match="at least two labels"):
        export_folder(tmp_path / "out")


def test_exporting_where_it_cannot_write_says_so(tmp_path):
    add_drawing(digit("1"), "1", "a")
    add_drawing(digit("0"), "0", "a")
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder")
    for destination in (in_the_way, in_the_way / "class-digits"):
        with pytest.raises(HandwritingError, match="Could not export into .*Pick a folder you can write to"):
            export_folder(destination)


def test_a_drawing_too_big_to_keep_is_refused_with_the_limit(monkeypatch):
    monkeypatch.setattr(handwriting, "MAX_PNG_BYTES", 1000)
    noise = np.random.default_rng(0).integers(0, 256, (280, 280), dtype=np.uint8)
    with pytest.raises(HandwritingError, match=r"too big to keep \(\d+ kB; at most 1 kB\): clear the canvas"):
        add_drawing(noise, "1", "lab-a")
    assert list_drawings() == []


class BarCounter:
    """A stand-in model over digits: says 1 when the prepared picture has a tall thin ink bar, else 0."""

    classes = list("0123456789")
    image_shape = (28, 28, 1)
    dataset = "mnist-sample"

    def probabilities(self, batch):
        out = np.full((len(batch), 10), 0.01)
        for i, image in enumerate(batch):
            ink = image[..., 0] > 128
            cols = np.flatnonzero(ink.any(axis=0))
            out[i, 1 if cols.size and np.ptp(cols) < 8 else 0] = 0.91
        return out


def test_a_model_is_scored_on_the_class_set_with_a_confusion_matrix():
    add_drawing(digit("1"), "1", "a")
    add_drawing(digit("0"), "0", "a")
    add_drawing(digit("0"), "1", "b")  # mislabelled: the model reads a 0
    add_drawing(digit("1"), "cat", "c")  # a label this model does not know
    score = handwriting.score_model(BarCounter())
    assert (score.used, score.skipped) == (3, 1)
    assert score.accuracy == pytest.approx(2 / 3)
    assert score.matrix[1, 1] == 1 and score.matrix[0, 0] == 1 and score.matrix[1, 0] == 1
    assert score.matrix.sum() == 3
    assert [p[1] for p in score.predictions] == ["1", "0", "0"]


def test_an_empty_or_foreign_set_has_no_accuracy():
    assert handwriting.score_model(BarCounter()).accuracy is None
    add_drawing(digit(), "cat", "a")
    score = handwriting.score_model(BarCounter())
    assert score.accuracy is None and score.skipped == 1
