"""Scenario 6: train a small network, then draw digits on the canvas with the mouse and read what it
says; clear the canvas ("Not sure"); upload a file that is no picture (a clear error)."""
import math
import re

from .helpers import ERROR_BOX, EXCEPTION, train_run

VERDICT = re.compile(r"Prediction: (\S+)|Not sure")
ONE = [(0.5, 0.15 + 0.7 * i / 24) for i in range(25)]  # one vertical stroke, top to bottom
ZERO = [(0.5 + 0.2 * math.sin(2 * math.pi * i / 40), 0.5 - 0.32 * math.cos(2 * math.pi * i / 40))
        for i in range(43)]  # a closed oval, drawn once round and a little past the start


def _verdict(lab) -> str | None:
    found = VERDICT.search(lab.text())
    return found[0] if found else None


def _draw_and_read(lab, name: str, stroke, expected: str) -> None:
    canvas = lab.wait_for(lab.page.locator(".st-key-canvas canvas"), "the drawing canvas")
    canvas.scroll_into_view_if_needed()
    box = lab.page.locator(".st-key-canvas canvas").last.bounding_box()
    lab.check(box is not None and box["width"] >= 200 and box["height"] >= 200,
              f"the canvas is missing or too small to draw on: {box}", "canvas-size")
    lab.draw(box, stroke)
    # The canvas sends the drawing when the mouse is released; the page then reruns and answers.
    lab.wait_until(lambda: (_verdict(lab) or "").startswith("Prediction"),
                   lambda: f"a prediction after drawing a {name} (the page says {_verdict(lab)!r})", timeout=60)
    lab.wait_idle()
    answer = _verdict(lab)
    lab.shot(f"drew-{name}")
    lab.check(answer == f"Prediction: {expected}",
              f"drew a {name}: the page says {answer!r}, not 'Prediction: {expected}'", name)


def _clear(lab, name: str) -> None:
    lab.click("clear_canvas")
    lab.wait_until(lambda: _verdict(lab) == "Not sure",
                   lambda: f"'Not sure' after clearing the canvas (the page says {_verdict(lab)!r})", timeout=30)
    lab.shot(f"cleared-{name}")


def test_06_classify_drawing_and_upload(lab):
    lab.open("Home")
    title = train_run(lab, preset="mnist-basic", epochs=1)
    lab.shot("trained")

    lab.goto("Classify")
    lab.check(title in lab.text(), f"the Classify page does not say it uses the run just trained ({title})",
              "network")
    lab.shot("classify-page")
    _draw_and_read(lab, "one", ONE, "1")
    _clear(lab, "one")
    _draw_and_read(lab, "zero", ZERO, "0")
    _clear(lab, "zero")
    lab.check(not lab.page.locator(EXCEPTION).count(), "an exception box on the Classify page after drawing")

    # A file that claims to be a PNG but is not a picture at all.
    lab.widget("input_source").get_by_text("Upload", exact=True).click()
    lab.wait_idle()
    uploader = lab.wait_for(lab.widget("upload_image").locator('input[type="file"]'), "the file uploader",
                            state="attached")
    uploader.set_input_files({"name": "digit.png", "mimeType": "image/png", "buffer": b"these bytes are no picture"})
    error = lab.wait_for(lab.page.locator(ERROR_BOX), "an error message after uploading a corrupt file", timeout=30)
    lab.wait_idle()
    error.scroll_into_view_if_needed()
    lab.shot("corrupt-upload")
    message = error.inner_text()
    lab.check("digit.png" in message, f"the upload error does not name the file: {message!r}", "upload-message")
    lab.check("Traceback" not in lab.text() and not lab.page.locator(EXCEPTION).count(),
              "a traceback or exception box after the corrupt upload", "upload-traceback")

    # The person's path goes on to Inspect, which now has a trained network (and the last drawing) to show.
    lab.goto("Inspect", timeout=120)
    lab.shot("inspect-with-model")
    lab.assert_healthy("inspect-with-model")
