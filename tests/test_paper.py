"""Photos of handwriting on paper (issue 12, part 6): light evened out, pencil kept, shadows dropped."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from cnnlab.paper import even_out_paper, paper_brightness
from cnnlab.preprocess import prepare

MNIST_SHAPE = (28, 28, 1)


def photo_of_paper(ink: float = 0.45, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Grey paper lit from the left, a hard-ish shadow over the lower right, grain, and a pencil "7"
    (`ink`: how much of the light the pencil takes away). Returns the photo and the stroke mask."""
    rng = np.random.default_rng(seed)
    h, w = 360, 480
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    light = 235 - 40 * xx / w
    shadow = 1 - 0.35 / (1 + np.exp(-(xx + yy - 500) / 12))
    strokes = Image.new("L", (w, h), 0)
    ImageDraw.Draw(strokes).line([(120, 80), (200, 80), (150, 200)], fill=255, width=5)
    mask = np.asarray(strokes, np.float32) / 255
    photo = light * shadow * (1 - ink * mask) + rng.normal(0, 4, (h, w))
    return np.clip(photo, 0, 255).astype(np.uint8), mask > 0.5


def test_a_clean_drawing_is_left_as_it_is():
    drawing = np.full((100, 100), 255, np.uint8)
    drawing[20:80, 45:55] = 0
    cleaned, _ = even_out_paper(drawing)
    away = np.ones_like(drawing, bool)
    away[18:82, 43:57] = False  # more than a pixel from the stroke: the camera-noise smoothing may soften its edge
    assert (cleaned[away] >= 254).all() and (cleaned[21:79, 46:54] <= 1).all()


def test_shadows_and_uneven_light_disappear_and_pencil_becomes_dark():
    photo, stroke = photo_of_paper()
    assert np.ptp(photo[~stroke]) > 100  # the bare paper ranges from bright to deep shadow
    brightness = paper_brightness(photo)
    assert np.abs(brightness[~stroke] - photo[~stroke]).mean() < 20  # it follows the light and the shadow
    cleaned, found = even_out_paper(photo)
    assert (cleaned[~stroke] >= 230).mean() > 0.99  # evenly white paper, shadow gone
    assert np.median(cleaned[stroke]) < 60  # the pale pencil is now nearly black
    assert found["threshold"] < found["ink_level"]


@pytest.mark.parametrize("paper", [True, False])
def test_prepare_shows_the_step_and_the_shadow_is_not_taken_for_ink(paper):
    photo, _ = photo_of_paper(ink=0.4, seed=1)
    prepared = prepare(Image.fromarray(photo), MNIST_SHAPE, style="digit", paper=paper)
    step = prepared.step("paper")
    assert step.enabled == paper and (step.skipped_reason is None) == paper
    crop = prepared.step("crop").image
    assert prepared.model_input.shape == MNIST_SHAPE
    if paper:  # cropped to the "7" alone (about 85 x 125 pixels), not to the shadow's edge
        assert crop.shape[0] < 160 and crop.shape[1] < 120
        assert prepared.model_input.max() > 200 and not prepared.is_empty


def test_canvas_drawings_and_other_styles_have_no_paper_step():
    canvas = np.zeros((280, 280), np.uint8)
    canvas[40:240, 130:150] = 255
    assert "paper" not in [s.key for s in prepare(Image.fromarray(canvas), MNIST_SHAPE).steps]
    photo, _ = photo_of_paper()
    assert "paper" not in [s.key for s in prepare(Image.fromarray(photo), MNIST_SHAPE, style="fashion").steps]
