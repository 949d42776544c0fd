"""The Classify page: without a model, with a small trained one (empty canvas, a saved drawing,
switches, Clear), uploads good and bad. The canvas itself needs a browser (tests/e2e); here the
drawing it would send is put where the page keeps it."""
from __future__ import annotations

import io
import re
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageDraw
from streamlit.testing.v1 import AppTest
from support import TINY_CNN, open_app_page, page_text

from cnnlab import runs
from cnnlab.network import build_model
from cnnlab.ui import classify as ui
from cnnlab.ui.state import LabChoices, choices_for


def open_classify(lab: str, **choices) -> tuple[AppTest, LabChoices]:
    return open_app_page("pages/classify.py", lab, **choices), choices_for(lab)


def answer(at: AppTest) -> str:
    """The page's answer heading: "Prediction: <class>" or "Not sure"."""
    found = [m.value[3:] for m in at.markdown if m.value.startswith("## ")]
    assert len(found) == 1, found
    return found[0]


def step_titles(at: AppTest) -> list[str]:
    """The title under each step's picture ("Cropped to the ink"; greyed when the step did nothing)."""
    titles = [re.fullmatch(r"(?::gray\[)?\*\*([^*]+)\*\*\]?", m.value) for m in at.markdown]
    return [t[1] for t in titles if t and t[1] not in ("Steps:", "Working with")]


def drawn_one() -> np.ndarray:
    """What the canvas sends for a "1": white strokes on its black background, RGBA, 280 x 280."""
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[..., 3] = 255
    rgba[50:230, 128:150, :3] = 255
    return rgba


def saved_one() -> dict:
    """The drawing as the page keeps it between visits: the canvas's JSON (one stroke) and picture."""
    return {"json": {"objects": [{"type": "Path"}]}, "image": drawn_one()}


def png(img: Image.Image) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, "PNG")
    return buffer.getvalue()


def one_on_paper() -> bytes:
    """A dark "1" on light grey paper, like a photo of a handwritten digit."""
    img = Image.new("RGB", (300, 400), (230, 228, 220))
    ImageDraw.Draw(img).line([(150, 60), (150, 340)], fill=(25, 25, 35), width=26)
    return png(img)


def bomb_header() -> bytes:
    """A tiny PNG whose header claims 100,000 x 100,000 pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + \
        chunk(b"IEND", b"")


BAD_FILES = {  # name: (content, words the message must contain)
    "cut-short.png": (one_on_paper()[:700], "cut short"),
    "notes.png": (b"shopping list: milk, eggs", "not an image"),
    "nothing.png": (b"", "empty (0 bytes)"),
    "bomb.png": (bomb_header(), "too large"),
}


def test_without_a_trained_model_it_says_to_train_first():
    at, _ = open_classify("classifynorun")
    assert "no trained model yet" in at.info[0].value.lower()
    assert not at.get("bidi_component") and not at.get("plotly_chart")


def test_an_empty_canvas_is_not_sure_and_every_step_is_shown(trained_run):
    at, chosen = open_classify("classifyempty", run_id=trained_run.run_id)
    canvas = at.get("bidi_component")
    assert len(canvas) == 1 and canvas[0].key == "canvas_drawing_0"
    assert at.button(key="clear_canvas") and at.slider(key="brush_width").value == 20
    text = page_text(at)
    assert trained_run.title in text and "0, 1, 2, 3, 4, 5, 6, 7, 8, 9" in text
    assert answer(at) == "Not sure"
    assert "The canvas is empty — draw a digit." in text
    assert len(at.get("plotly_chart")) == 1
    assert len(at.get("image")) == 8  # raw, grayscale, invert, contrast, crop, fit, centre, scale
    assert chosen.last_input is None  # nothing for Inspect to show yet


def test_a_drawing_is_classified_kept_for_inspect_and_cleared(trained_run):
    # What the canvas sent before the student left the page: a freshly mounted canvas shows it again
    # but sends nothing until the next stroke, so the page classifies the saved picture.
    at, chosen = open_classify("classifydrawing", run_id=trained_run.run_id, drawing=saved_one())
    assert answer(at) == "Prediction: 1"
    assert chosen.last_input is not None and chosen.last_input.shape == (28, 28, 1)
    assert chosen.last_input.max() == 255 and chosen.last_input[:4].max() == 0  # white on black, with a border
    assert step_titles(at) == ["Your picture", "Grayscale", "Not inverted (the background is already dark)",
                               "Contrast (unchanged)", "Cropped to the ink", "Fitted into 20 x 20", "Centred by mass",
                               "Model input (28 x 28 x 1)"]

    at.toggle(key="step_crop").set_value(False).run()
    assert step_titles(at)[4] == "Not cropped"

    at.button(key="clear_canvas").click().run()
    assert not at.exception
    assert answer(at) == "Not sure" and "The canvas is empty" in page_text(at)
    assert chosen.drawing is None
    assert at.get("bidi_component")[0].key == "canvas_drawing_1"  # a fresh, empty canvas


def test_uploading_a_photo_of_a_digit_on_paper(trained_run):
    at, chosen = open_classify("classifyupload", run_id=trained_run.run_id)
    at.segmented_control(key="input_source").set_value("Upload").run()
    assert not at.get("bidi_component") and "Upload a picture" in page_text(at)
    at.file_uploader(key="upload_image").set_value(("one.png", one_on_paper(), "image/png")).run()
    assert not at.exception, at.exception
    assert answer(at) == "Prediction: 1"
    assert "Inverted (the background was light)" in step_titles(at)
    assert chosen.last_input.shape == (28, 28, 1)

    at.segmented_control(key="input_source").set_value("Camera").run()
    assert not at.camera_input  # the browser asks for the camera only once the student switches it on
    at.toggle(key="camera_on").set_value(True).run()
    assert len(at.camera_input) == 1 and not at.exception


def test_bad_uploads_give_a_clear_message_and_lose_nothing(trained_run):
    at, chosen = open_classify("classifybad", run_id=trained_run.run_id, drawing=saved_one())
    assert answer(at) == "Prediction: 1"
    at.segmented_control(key="input_source").set_value("Upload").run()
    for name, (content, words) in BAD_FILES.items():
        at.file_uploader(key="upload_image").set_value((name, content, "image/png")).run()
        assert not at.exception, (name, at.exception)
        assert len(at.error) == 1 and words in at.error[0].value, (name, [e.value for e in at.error])
        assert "Traceback" not in page_text(at) and not at.get("plotly_chart")
        assert "Nothing else changed" in page_text(at)
    assert chosen.run_id == trained_run.run_id  # the current model is untouched
    at.segmented_control(key="input_source").set_value("Draw").run()
    assert not at.error and answer(at) == "Prediction: 1"  # and so is the drawing


def test_open_upload_never_raises(tmp_path):
    hostile = [("cut.png", one_on_paper()[:500]), ("empty.png", b""), ("text.png", b"hello")]
    for name, content in hostile:
        upload = io.BytesIO(content)
        upload.name = name
        opened = ui.open_upload(upload)
        assert opened.picture is None and opened.error is not None and name in str(opened.error)
    frames = [Image.new("L", (20, 20), v) for v in (0, 255)]
    animated = io.BytesIO()
    frames[0].save(animated, "GIF", save_all=True, append_images=frames[1:])
    for name, content in [("a.gif", animated.getvalue()), ("cmyk.png", None), ("paper.png", one_on_paper())]:
        if content is None:
            buffer = io.BytesIO()
            Image.new("CMYK", (10, 10)).save(buffer, "JPEG")
            content = buffer.getvalue()
        upload = io.BytesIO(content)
        upload.name = name
        opened = ui.open_upload(upload)
        assert opened.error is None and opened.picture.image.mode in ("L", "RGB"), name


@pytest.mark.parametrize("dataset, shape, steps, switches, empty", [
    ("cifar10", (32, 32, 3), ["Your picture", "Grayscale (not needed)", "Middle kept", "Model input (32 x 32 x 3)"],
     ["step_crop"], "The picture looks empty"),
    ("fashion-sample", (28, 28, 1), ["Your picture", "Grayscale", "Inverted (the background was light)",
                                     "Contrast stretched", "Cropped to the ink", "Fitted into 28 x 28",
                                     "Not centred by mass", "Model input (28 x 28 x 1)"],
     ["step_grayscale", "step_contrast", "step_crop", "step_fit", "step_centre"], "draw a piece of clothing"),
])
def test_photo_and_clothing_models_get_their_own_preparation(dataset, shape, steps, switches, empty, tmp_path,
                                                             monkeypatch):
    """An untrained network of the right shape is enough to check the page follows the dataset's style."""
    monkeypatch.setenv("CNNLAB_RUNS_DIR", str(tmp_path))
    run = runs.Run(f"untrained-{dataset}", {"dataset": dataset, "architecture": "custom"},
                   classes=[f"class {i}" for i in range(10)], image_shape=list(shape), status="finished")
    run.save()
    run.save_model(build_model(TINY_CNN, shape, 10))
    at, chosen = open_classify(f"classify{dataset.replace('-', '')}", run_id=run.run_id)
    assert [t.key for t in at.main.toggle] == switches  # the sidebar has its own (projector mode)
    if dataset == "fashion-sample":
        assert empty in page_text(at)
        return
    at.segmented_control(key="input_source").set_value("Upload").run()
    photo = Image.new("RGB", (120, 80), (200, 40, 40))
    ImageDraw.Draw(photo).ellipse([40, 20, 80, 60], fill=(20, 20, 200))
    at.file_uploader(key="upload_image").set_value(("photo.png", png(photo), "image/png")).run()
    assert not at.exception, at.exception
    assert step_titles(at) == steps
    assert chosen.last_input.shape == shape
    at.file_uploader(key="upload_image").set_value(("blank.png", png(Image.new("RGB", (50, 50), "white")),
                                                    "image/png")).run()
    assert answer(at) == "Not sure" and empty in page_text(at)


def canvas_settings(at: AppTest) -> dict:
    import json

    return json.loads(at.get("bidi_component")[0].proto.json)


def test_the_canvas_and_its_words_follow_the_models_dataset(tmp_path, monkeypatch):
    """A CIFAR-10 model knows colour photos: its canvas is not MNIST's white on black, the student
    picks the pen and background colours, and nothing says the picture is grey or asks for a digit."""
    monkeypatch.setenv("CNNLAB_RUNS_DIR", str(tmp_path))
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    run = runs.Run("untrained-cifar10", {"dataset": "cifar10", "architecture": "custom"}, classes=classes,
                   image_shape=[32, 32, 3], status="finished")
    run.save()
    run.save_model(build_model(TINY_CNN, (32, 32, 3), 10))
    at, chosen = open_classify("classifycanvascifar", run_id=run.run_id)
    settings = canvas_settings(at)
    assert (settings["strokeColor"], settings["backgroundColor"]) == (ui.PHOTO_INK, ui.PHOTO_PAPER)
    assert [picker.key for picker in at.color_picker] == ["ink_colour", "paper_colour"]
    text = page_text(at)
    assert "colour photos" in text and "White ink on black" not in text and "already grey" not in text
    assert "draw one of the things it knows (airplane, automobile, bird...)" in text
    assert answer(at) == "Not sure"  # the empty canvas, in its background colour

    at.color_picker(key="ink_colour").set_value("#00AA00").run()
    at.color_picker(key="paper_colour").set_value("#FFFFFF").run()
    settings = canvas_settings(at)
    assert (settings["strokeColor"], settings["backgroundColor"]) == ("#00AA00", "#FFFFFF")
    assert at.get("bidi_component")[0].proto.id.endswith("canvas_drawing_0_FFFFFF")  # a new background: a new canvas

    # A white-on-black drawing given to this colour model: kept in colour, for the right reason.
    from cnnlab.imagefiles import from_canvas
    from cnnlab.preprocess import prepare

    grey = prepare(from_canvas(drawn_one(), "#000000"), (32, 32, 3), style="photo")
    assert grey.steps[1].skipped_reason == "the model was trained on colour pictures"


def test_digit_models_keep_white_on_black(trained_run):
    at, _ = open_classify("classifycanvasdigit", run_id=trained_run.run_id)
    settings = canvas_settings(at)
    assert (settings["strokeColor"], settings["backgroundColor"]) == (ui.INK, ui.PAPER) == ("#FFFFFF", "#000000")
    assert not at.color_picker and "White ink on black, like MNIST" in page_text(at)
