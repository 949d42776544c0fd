"""Tests for cnnlab.preprocess and cnnlab.imagefiles: drawn and uploaded pictures -> model input,
and safe file reading."""
from __future__ import annotations

import gzip
import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFile

from cnnlab import imagefiles
from cnnlab.imagefiles import ImageError, LoadedImage, from_canvas, read_image
from cnnlab.preprocess import prepare, style_for_dataset
from cnnlab.settings import CnnlabError

MNIST_SHAPE = (28, 28, 1)
MNIST_DIR = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "mnist"


# ---------------------------------------------------------------------------------------------
# helpers


def canvas(draw, size=280, background="black", ink="white", mode="RGB"):
    """A picture drawn with PIL, like a student's canvas drawing."""
    img = Image.new(mode, (size, size), background)
    draw(ImageDraw.Draw(img), ink)
    return img


def seven(width, size=280):
    """A "7" drawn with a pen `width` pixels wide, in the top-left of a `size` canvas."""
    points = [(round(x * size / 280), round(y * size / 280)) for x, y in [(20, 20), (140, 20), (60, 170)]]
    return lambda d, ink: d.line(points, fill=ink, width=width, joint="curve")


def centre_of_mass(x: np.ndarray) -> tuple[float, float]:
    """The intensity-weighted mean pixel position (row, column), as MNIST's makers computed it."""
    x = x.astype(np.float64).squeeze()
    rows, cols = np.indices(x.shape)
    return float((x * rows).sum() / x.sum()), float((x * cols).sum() / x.sum())


def ink_box(x: np.ndarray, threshold=0) -> tuple[int, int]:
    """(height, width) of the pixels above threshold."""
    x = x.squeeze()
    rows, cols = np.flatnonzero((x > threshold).any(axis=1)), np.flatnonzero((x > threshold).any(axis=0))
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


def read_idx(name: str, offset: int) -> np.ndarray:
    path = MNIST_DIR / name
    if not path.exists():
        pytest.skip(f"real MNIST not found at {path}")
    return np.frombuffer(gzip.open(path).read(), np.uint8, offset=offset)


def mnist_test_images(n: int) -> np.ndarray:
    return read_idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28)[:n]


def to_bytes(img: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny, valid-looking PNG whose header claims a huge size (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


# ---------------------------------------------------------------------------------------------
# the digit pipeline


def test_centre_of_mass_target_matches_real_mnist():
    # MNIST's own mean centre of mass decides the convention: pixel (14, 14), not the geometric 13.5.
    rows, cols = np.mean([centre_of_mass(x) for x in mnist_test_images(2000)], axis=0)
    assert abs(rows - 14) < 0.1 and abs(cols - 14) < 0.1


def test_digit_in_a_corner_is_centred_by_mass():
    img = canvas(lambda d, ink: d.line([(8, 40), (30, 15), (30, 110)], fill=ink, width=16))  # a "1" in the corner
    prepared = prepare(img, MNIST_SHAPE)
    assert prepared.model_input.shape == MNIST_SHAPE and prepared.model_input.dtype == np.uint8
    row, col = centre_of_mass(prepared.model_input)
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5
    keys = ["raw", "grayscale", "invert", "contrast", "crop", "fit", "centre", "scale"]
    assert [s.key for s in prepared.steps] == keys
    assert not prepared.is_empty and not prepared.background_was_light


@pytest.mark.parametrize(
    "name, draw",
    [
        ("thin", seven(4)),
        ("thick", seven(30)),
        ("tall one", lambda d, ink: (d.line([(100, 75), (140, 40), (140, 240)], fill=ink, width=24),
                                     d.line([(100, 240), (180, 240)], fill=ink, width=24))),
        ("wide dash", lambda d, ink: d.line([(40, 140), (240, 140)], fill=ink, width=24)),
    ],
)
def test_shape_is_kept_and_strokes_stay_visible(name, draw):
    img = canvas(draw)
    drawn_h, drawn_w = ink_box(np.asarray(img.convert("L")))
    result = prepare(img, MNIST_SHAPE).model_input
    h, w = ink_box(result)
    assert abs(max(h, w) - 20) <= 1, (name, h, w)
    # The short side, from the drawing's ratio: within 10% or one pixel (pixels are whole numbers).
    expected_short = 20 * min(drawn_h, drawn_w) / max(drawn_h, drawn_w)
    assert abs(min(h, w) - expected_short) <= max(1.0, 0.1 * expected_short) + 0.5, (name, h, w, expected_short)
    assert (h >= w) == (drawn_h >= drawn_w)
    assert result.max() >= 200  # even a 4-pixel pen line on a 280-pixel canvas stays bright


def test_thin_strokes_are_thickened_and_say_so():
    prepared = prepare(canvas(seven(4)), MNIST_SHAPE)
    assert "thickened" in prepared.step("fit").caption
    assert (prepared.model_input > 128).sum() >= 30  # a line, not a few grey dots
    assert "thickened" not in prepare(canvas(seven(30)), MNIST_SHAPE).step("fit").caption


def paper_photo(dark_digit=True, seed=0):
    """A phone-photo-like picture: uneven grey paper with grain, and a dark handwritten digit."""
    rng = np.random.default_rng(seed)
    paper = 190 + np.linspace(-15, 15, 400)[None, :] + rng.normal(0, 6, (300, 400))
    img = Image.fromarray(np.clip(paper, 0, 255).astype(np.uint8)).convert("RGB")
    ImageDraw.Draw(img).line([(150, 60), (250, 60), (190, 240)], fill=(40, 40, 60), width=14)
    return img if dark_digit else Image.fromarray(255 - np.asarray(img))


def test_light_background_is_detected_and_inverted():
    prepared = prepare(paper_photo(), MNIST_SHAPE)
    assert prepared.background_was_light and not prepared.is_empty
    invert = prepared.step("invert")
    assert invert.enabled and "light" in invert.title
    x = prepared.model_input.squeeze()
    assert x.max() >= 200
    border = np.concatenate([x[:3].ravel(), x[-3:].ravel(), x[:, :3].ravel(), x[:, -3:].ravel()])
    assert (border == 0).mean() > 0.95  # the grey, grainy paper became MNIST's pure black
    row, col = centre_of_mass(x)
    assert abs(row - 14) <= 1 and abs(col - 14) <= 1


def test_dark_background_is_not_inverted_and_override_works():
    dark = paper_photo(dark_digit=False)
    prepared = prepare(dark, MNIST_SHAPE)
    assert not prepared.background_was_light and not prepared.step("invert").enabled
    forced = prepare(dark, MNIST_SHAPE, invert=True)
    assert forced.step("invert").enabled and forced.step("invert").title == "Inverted (you asked for it)"
    kept = prepare(paper_photo(), MNIST_SHAPE, invert=False)
    assert not kept.step("invert").enabled and kept.step("invert").skipped_reason == "you switched it off"
    assert kept.model_input.shape == MNIST_SHAPE


@pytest.mark.parametrize(
    "picture",
    [
        np.zeros((280, 280, 4), np.uint8),  # the canvas before anything is drawn
        Image.new("RGB", (280, 280), "white"),
        Image.new("L", (280, 280), 0),
        Image.fromarray(np.random.default_rng(1).normal(200, 4, (200, 300)).clip(0, 255).astype(np.uint8)),
    ],
    ids=["black canvas", "white", "black", "blank paper"],
)
def test_empty_picture(picture):
    image = from_canvas(picture) if isinstance(picture, np.ndarray) else picture
    prepared = prepare(image, MNIST_SHAPE)
    assert prepared.is_empty
    assert prepared.model_input.shape == MNIST_SHAPE and not prepared.model_input.any()
    assert any("empty" in note for note in prepared.notes)


def test_empty_even_when_forced_to_invert():
    prepared = prepare(Image.new("L", (280, 280), 0), MNIST_SHAPE, invert=True)
    assert prepared.is_empty and not prepared.model_input.any()


@pytest.mark.parametrize("switch", ["grayscale", "invert", "contrast", "crop", "fit", "centre"])
def test_each_step_can_be_switched_off(switch):
    prepared = prepare(paper_photo(), MNIST_SHAPE, **{switch: False})
    step = prepared.step(switch)
    assert not step.enabled and step.skipped_reason == "you switched it off"
    assert prepared.model_input.shape == MNIST_SHAPE and prepared.model_input.dtype == np.uint8
    for s in prepared.steps:
        assert s.image.dtype == np.uint8 and s.image.ndim in (2, 3) and s.title and s.caption


def test_without_crop_and_fit_a_corner_digit_stays_small():
    img = canvas(lambda d, ink: d.line([(30, 15), (30, 110)], fill=ink, width=16))
    full = prepare(img, MNIST_SHAPE).model_input
    uncropped = prepare(img, MNIST_SHAPE, crop=False).model_input
    assert ink_box(uncropped, 64)[0] < ink_box(full, 64)[0] / 2  # why cropping matters
    unfitted = prepare(img, MNIST_SHAPE, fit=False).model_input
    assert ink_box(unfitted, 64)[1] > 10  # a "1" stretched to the whole frame: why fitting matters


def test_grayscale_off_keeps_only_the_red_channel():
    blue = canvas(seven(20), ink=(0, 0, 255))
    assert prepare(blue, MNIST_SHAPE).model_input.max() > 0
    off = prepare(blue, MNIST_SHAPE, grayscale=False)
    assert "red channel" in off.step("scale").caption and off.model_input.max() < 30


def test_other_digit_sizes():
    img = canvas(seven(16))
    big = prepare(img, (64, 64, 1)).model_input
    assert big.shape == (64, 64, 1)
    assert abs(max(ink_box(big)) - round(64 * 20 / 28)) <= 1
    row, col = centre_of_mass(big)
    assert abs(row - 32) <= 0.5 and abs(col - 32) <= 0.5
    colour = prepare(img, (32, 32, 3), style="digit").model_input
    assert colour.shape == (32, 32, 3) and (colour[..., 0] == colour[..., 2]).all()


def test_from_canvas_paints_strokes_over_the_background():
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[100:180, 130:150] = (255, 255, 255, 255)
    rgba[100:180, 150] = (255, 255, 255, 128)  # an anti-aliased edge
    on_black = np.asarray(from_canvas(rgba, background="#000000"))
    assert on_black.shape == (280, 280, 3) and on_black[0, 0].tolist() == [0, 0, 0]
    assert on_black[120, 140].tolist() == [255, 255, 255] and 120 < on_black[120, 150, 0] < 135
    on_white = from_canvas(np.zeros((10, 10, 4), np.uint8), background="#ffffff")
    assert np.asarray(on_white).min() == 255
    assert not prepare(from_canvas(rgba), MNIST_SHAPE).is_empty


def test_canvas_default_black_strokes_on_see_through_background():
    # streamlit-drawable-canvas 0.13's defaults: stroke_color "black", background_color "" (see-through).
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[60:200, 120:140] = (0, 0, 0, 255)
    picture = from_canvas(rgba)
    assert np.asarray(picture)[0, 0].tolist() == [255, 255, 255]  # white paper behind black ink
    prepared = prepare(picture, MNIST_SHAPE)
    assert prepared.background_was_light and not prepared.is_empty and prepared.model_input.max() == 255
    assert prepare(from_canvas(np.zeros((280, 280, 4), np.uint8)), MNIST_SHAPE).is_empty


# ---------------------------------------------------------------------------------------------
# the photo pipeline


@pytest.mark.parametrize("size", [(64, 48), (48, 64)], ids=["landscape", "portrait"])
def test_photo_keeps_the_middle(size):
    width, height = size
    x = np.zeros((height, width, 3), np.uint8)
    x[..., 1] = 200  # green middle...
    if width > height:
        x[:, :8, 0] = x[:, -8:, 0] = 255  # ...and red strips at the ends that must be cut off
    else:
        x[:8, :, 0] = x[-8:, :, 0] = 255
    prepared = prepare(Image.fromarray(x), (32, 32, 3))
    assert [s.key for s in prepared.steps] == ["raw", "grayscale", "crop", "scale"]
    assert prepared.step("crop").image.shape == (48, 48, 3)
    assert prepared.model_input.shape == (32, 32, 3) and prepared.model_input.dtype == np.uint8
    assert prepared.model_input[..., 0].max() == 0 and prepared.model_input[..., 1].min() > 190
    squashed = prepare(Image.fromarray(x), (32, 32, 3), crop=False).model_input
    assert squashed[..., 0].max() > 100  # without the crop the strips stay, squashed


def test_photo_for_a_grayscale_model():
    photo = Image.fromarray(np.random.default_rng(0).integers(0, 255, (40, 60, 3), dtype=np.uint8))
    prepared = prepare(photo, (32, 32, 1), style="photo")
    assert prepared.model_input.shape == (32, 32, 1) and prepared.step("grayscale").enabled


def test_a_photo_is_empty_only_when_it_is_one_flat_colour():
    dark_on_mid = Image.new("RGB", (120, 80), (200, 40, 40))  # a dark blue ball on a red wall: no "ink"
    ImageDraw.Draw(dark_on_mid).ellipse([40, 20, 80, 60], fill=(20, 20, 200))
    assert not prepare(dark_on_mid, (32, 32, 3)).is_empty
    same_brightness = Image.new("RGB", (60, 60), (255, 0, 0))  # red and green of nearly equal brightness
    ImageDraw.Draw(same_brightness).rectangle([20, 20, 40, 40], fill=(0, 128, 0))
    assert not prepare(same_brightness, (32, 32, 3)).is_empty
    wall = np.random.default_rng(2).normal(128, 3, (50, 70, 3)).clip(0, 255).astype(np.uint8)
    prepared = prepare(Image.fromarray(wall), (32, 32, 3))
    assert prepared.is_empty and any("flat colour" in note for note in prepared.notes)
    assert prepared.model_input.mean() == pytest.approx(128, abs=3)  # a photo stays what it is, even when flat


def test_bad_arguments_are_programming_errors():
    with pytest.raises(ValueError):
        prepare(Image.new("L", (8, 8)), (28, 28))
    with pytest.raises(ValueError):
        prepare(Image.new("L", (8, 8)), MNIST_SHAPE, style="sketch")
    with pytest.raises(ValueError):
        prepare(Image.new("L", (8, 8)), MNIST_SHAPE, invert="yes")


# ---------------------------------------------------------------------------------------------
# real MNIST passes through unchanged


def test_mnist_test_images_pass_through_nearly_unchanged():
    images = mnist_test_images(1000)
    prepared = np.stack([prepare(x, MNIST_SHAPE).model_input[..., 0] for x in images])
    difference = np.abs(prepared.astype(np.int16) - images).mean(axis=(1, 2))
    print(f"MNIST pass-through: mean abs difference {difference.mean():.4f} levels, "
          f"worst image {difference.max():.3f}, identical {np.mean(difference == 0):.1%}")
    assert difference.mean() < 0.5
    assert difference.max() < 2.0
    assert np.mean(difference == 0) > 0.8


def test_fashion_style_fills_the_frame_and_passes_fashion_mnist_through():
    path = MNIST_DIR.parent / "fashion-mnist" / "t10k-images-idx3-ubyte.gz"
    if not path.exists():
        pytest.skip(f"real Fashion-MNIST not found at {path}")
    images = np.frombuffer(gzip.open(path).read(), np.uint8, offset=16).reshape(-1, 28, 28)[:500]
    prepared = np.stack([prepare(x, MNIST_SHAPE, style="fashion").model_input[..., 0] for x in images])
    difference = np.abs(prepared.astype(np.int16) - images).mean(axis=(1, 2))
    print(f"Fashion-MNIST pass-through: mean abs difference {difference.mean():.3f} levels, "
          f"identical {np.mean(difference == 0):.1%}")
    assert difference.mean() < 1.0 and np.mean(difference == 0) > 0.85

    # A product photo: a dark shirt-like shape on a white background, off to one side.
    photo = Image.new("RGB", (400, 300), "white")
    ImageDraw.Draw(photo).polygon([(20, 40), (120, 20), (220, 40), (200, 260), (40, 260)], fill=(30, 30, 80))
    result = prepare(photo, MNIST_SHAPE, style="fashion")
    assert result.background_was_light and max(ink_box(result.model_input)) == 28
    assert not result.step("centre").enabled


def test_style_for_dataset_matches_how_each_dataset_was_made():
    from cnnlab.datasets import DATASET_NAMES

    assert [style_for_dataset(name) for name in DATASET_NAMES] == ["digit", "fashion", "digit", "fashion", "photo"]
    for other in ("folder:/home/me/pets", "", None):  # own folders: grey -> digit, colour -> photo
        assert style_for_dataset(other) == "auto"
    # The style changes the result: a Fashion-MNIST model sees the drawing fill its whole frame.
    shirt = canvas(lambda d, ink: d.rectangle([60, 40, 200, 250], fill=ink))
    fashion = prepare(shirt, MNIST_SHAPE, style=style_for_dataset("fashion-mnist")).model_input
    digit = prepare(shirt, MNIST_SHAPE, style=style_for_dataset("mnist")).model_input
    assert max(ink_box(fashion)) == 28 and max(ink_box(digit)) == 20


def redrawn_on_canvas(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An MNIST digit as a student might draw it: bigger, in a random place on a 280x280 canvas."""
    big = np.asarray(Image.fromarray(digit).resize((200, 200), Image.Resampling.BILINEAR))
    ink = (big > 150).astype(np.uint8) * 255
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    ink = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    scale = rng.uniform(80, 250) / max(ink.shape)
    size = (max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale)))
    ink = np.asarray(Image.fromarray(ink).resize(size, Image.Resampling.BILINEAR))
    top, left = (rng.uniform(0, 1, 2) * (280 - np.array(ink.shape))).astype(int)
    out = np.zeros((280, 280), np.uint8)
    out[top : top + ink.shape[0], left : left + ink.shape[1]] = ink
    return out


def test_a_trained_model_reads_prepared_pictures_as_well_as_mnist():
    keras = pytest.importorskip("keras")
    x_train = read_idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28, 1)[:20000]
    y_train = read_idx("train-labels-idx1-ubyte.gz", 8)[:20000].astype(np.int64)
    x_test = mnist_test_images(2000)[..., None]
    y_test = read_idx("t10k-labels-idx1-ubyte.gz", 8)[:2000].astype(np.int64)

    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input(MNIST_SHAPE), keras.layers.Rescaling(1 / 255), keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"), keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x_train, y_train, epochs=2, batch_size=128, verbose=0)

    def accuracy(x, y):
        return float((model.predict_on_batch(x).argmax(axis=1) == y).mean())

    raw = accuracy(x_test, y_test)
    prepared = accuracy(np.stack([prepare(x, MNIST_SHAPE).model_input for x in x_test]), y_test)

    # The same digits redrawn anywhere on a big canvas: preparation is what makes them readable.
    rng = np.random.default_rng(0)
    drawings = [redrawn_on_canvas(x[..., 0], rng) for x in x_test[:500]]
    naive = np.stack([np.asarray(Image.fromarray(d).resize((28, 28), Image.Resampling.LANCZOS))[..., None]
                      for d in drawings])
    drawn = accuracy(np.stack([prepare(d, MNIST_SHAPE).model_input for d in drawings]), y_test[:500])
    resized_only = accuracy(naive, y_test[:500])
    print(f"MNIST accuracy: raw {raw:.4f}, prepared {prepared:.4f}; "
          f"redrawn on a canvas: resized only {resized_only:.3f}, prepared {drawn:.3f}")
    assert raw > 0.85
    assert raw - prepared < 0.01
    assert drawn > raw - 0.05 and resized_only < 0.5


# ---------------------------------------------------------------------------------------------
# reading files safely


def digit_rgba(ink=(0, 0, 0, 255)) -> Image.Image:
    img = Image.new("RGBA", (120, 120), (0, 0, 0, 0))
    ImageDraw.Draw(img).line([(30, 20), (90, 20), (50, 100)], fill=ink, width=10)
    return img


def animated_gif() -> bytes:
    first = canvas(seven(14, 100), size=100).convert("P")
    second = Image.new("P", (100, 100), 0)
    return to_bytes(first, "GIF", save_all=True, append_images=[second], duration=100, loop=0)


def palette_with_transparency() -> bytes:
    img = Image.new("P", (120, 120), 1)  # palette: 0 black ink, 1 white marked see-through
    img.putpalette([0, 0, 0, 255, 255, 255])
    ImageDraw.Draw(img).line([(30, 20), (90, 20), (50, 100)], fill=0, width=10)
    return to_bytes(img, "PNG", transparency=1)


def sixteen_bit_png() -> bytes:
    x = np.zeros((100, 100), np.uint16)
    x[20:80, 45:55] = 60000
    return to_bytes(Image.fromarray(x), "PNG")


def gif_claiming(width: int, height: int) -> bytes:
    """A 1x1 GIF whose header (the logical screen size) claims a huge picture."""
    gif = to_bytes(Image.new("P", (1, 1)), "GIF")
    return gif[:6] + struct.pack("<HH", width, height) + gif[10:]


def paper_seven() -> Image.Image:
    return canvas(seven(14, 120), size=120, background="white", ink="black")


def truncated(data: bytes) -> bytes:
    return data[: len(data) * 2 // 3]


def noisy_photo() -> Image.Image:
    return paper_photo().resize((200, 150))


CASES = [
    # (id, file bytes, None when it must work, or words the ImageError must contain)
    ("text", lambda: b"hello, this is not a picture\n" * 10, ["not an image", "PNG"]),
    ("zero bytes", lambda: b"", ["empty"]),
    ("truncated png", lambda: truncated(to_bytes(noisy_photo(), "PNG")), ["damaged or cut short"]),
    ("truncated jpeg", lambda: truncated(to_bytes(noisy_photo(), "JPEG")), ["damaged or cut short"]),
    ("png cut inside its header", lambda: to_bytes(noisy_photo(), "PNG")[:30], ["damaged PNG", "cut short"]),
    ("decompression bomb", lambda: png_claiming(50000, 50000), ["50000 x 50000", "too large", "megapixels"]),
    ("over 40 megapixels", lambda: png_claiming(8000, 6000), ["8000 x 6000", "too large"]),
    ("over Pillow's warning limit", lambda: png_claiming(10000, 10000), ["10000 x 10000", "too large"]),
    ("huge gif", lambda: gif_claiming(65535, 65535), ["65535 x 65535", "too large"]),
    ("animated gif", animated_gif, None),
    ("16-bit png", sixteen_bit_png, None),
    ("cmyk jpeg", lambda: to_bytes(paper_seven().convert("CMYK"), "JPEG"), None),
    ("transparent png, dark digit", lambda: to_bytes(digit_rgba(), "PNG"), None),
    ("transparent png, white digit", lambda: to_bytes(digit_rgba((255, 255, 255, 255)), "PNG"), None),
    ("palette png with transparency", palette_with_transparency, None),
    ("LA png", lambda: to_bytes(digit_rgba().convert("LA"), "PNG"), None),
    ("grayscale png", lambda: to_bytes(canvas(seven(14, 120), size=120, mode="L"), "PNG"), None),
    ("bmp", lambda: to_bytes(canvas(seven(14, 120), size=120), "BMP"), None),
    ("webp", lambda: to_bytes(paper_seven(), "WEBP"), None),
    ("animated webp", lambda: to_bytes(canvas(seven(14, 100), size=100), "WEBP", save_all=True,
                                       append_images=[Image.new("RGB", (100, 100))]), None),
    ("1-bit png", lambda: to_bytes(canvas(seven(14, 120), size=120, mode="1", background=0, ink=1), "PNG"), None),
    ("jpeg photo", lambda: to_bytes(paper_photo(), "JPEG"), None),
]


@pytest.mark.parametrize("make, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_and_unusual_files(make, expected):
    data = make()
    if expected is not None:
        with pytest.raises(ImageError) as caught:
            read_image(data)
        message = str(caught.value)
        assert isinstance(caught.value, CnnlabError) and "\n" not in message and message.endswith(".")
        for word in expected:
            assert word in message
        return
    loaded = read_image(data)
    assert isinstance(loaded, LoadedImage) and loaded.image.mode in ("RGB", "L")
    prepared = prepare(loaded, MNIST_SHAPE)
    assert prepared.model_input.shape == MNIST_SHAPE and prepared.model_input.dtype == np.uint8
    assert not prepared.is_empty, prepared.notes
    x = prepared.model_input.squeeze()
    assert x.max() >= 200 and np.median(x) == 0  # a white digit on black
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_animation_uses_the_first_frame_and_says_so():
    loaded = read_image(animated_gif())
    assert np.asarray(loaded.image).max() > 0  # the first frame has the digit; the second is blank
    assert any("first frame" in note for note in loaded.notes)
    assert any("first frame" in note for note in prepare(loaded, MNIST_SHAPE).notes)


def test_transparency_is_filled_with_the_contrasting_colour():
    dark = read_image(to_bytes(digit_rgba(), "PNG"))
    assert np.asarray(dark.image.convert("L"))[0, 0] == 255 and "white" in dark.notes[0]
    assert prepare(dark, MNIST_SHAPE).background_was_light
    light = read_image(to_bytes(digit_rgba((255, 255, 255, 255)), "PNG"))
    assert np.asarray(light.image.convert("L"))[0, 0] == 0 and "black" in light.notes[0]


def test_sixteen_bit_keeps_its_brightness():
    loaded = read_image(sixteen_bit_png())
    x = np.asarray(loaded.image)
    assert loaded.image.mode == "L" and x.max() == round(60000 / 257) and x.min() == 0


def test_phone_rotation_is_applied():
    img = Image.new("RGB", (100, 50), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    loaded = read_image(to_bytes(img, "JPEG", exif=exif))
    assert loaded.image.size == (50, 100) and any("upright" in note for note in loaded.notes)


def test_paths_and_file_objects(tmp_path):
    path = tmp_path / "seven.png"
    canvas(seven(14, 120), size=120).save(path)
    assert read_image(path).image.size == (120, 120)
    assert read_image(str(path)).image.size == (120, 120)
    with open(path, "rb") as f:
        assert read_image(f).image.size == (120, 120)
    upload = io.BytesIO(path.read_bytes())
    upload.name = "seven.png"
    upload.read()  # already read once (e.g. shown with st.image): read_image starts again from the top
    assert read_image(upload).image.size == (120, 120)
    (tmp_path / "notes.txt").write_text("not a picture")
    with pytest.raises(ImageError, match="'notes.txt' is not an image"):
        read_image(tmp_path / "notes.txt")
    with pytest.raises(ImageError, match="no file"):
        read_image(tmp_path / "missing.png")


def test_too_many_bytes(monkeypatch, tmp_path):
    data = to_bytes(noisy_photo(), "PNG")
    monkeypatch.setattr(imagefiles, "MAX_BYTES", len(data) - 1)
    for source in (data, io.BytesIO(data)):
        with pytest.raises(ImageError, match="too large; use a file under"):
            read_image(source)
    path = tmp_path / "big.png"
    path.write_bytes(data)
    with pytest.raises(ImageError, match="'big.png' is"):
        read_image(path)


def test_unusual_arrays_and_modes_for_prepare():
    floats = np.zeros((50, 50), np.float32)
    floats[10:40, 20:28] = 1.0  # a "1" as floats in 0-1
    assert not prepare(floats, MNIST_SHAPE).is_empty
    deep = Image.fromarray((floats * 40000).astype(np.int32))  # mode "I"
    assert prepare(deep, MNIST_SHAPE).model_input.max() >= 200
    assert prepare(Image.fromarray(floats * 255).convert("F"), MNIST_SHAPE).model_input.max() >= 200
    assert prepare(np.asarray(paper_photo().convert("RGBA")), (32, 32, 3)).model_input.shape == (32, 32, 3)


def test_big_photos_are_shrunk_first():
    prepared = prepare(Image.new("RGB", (3000, 2000), "white"), (32, 32, 3))
    assert prepared.steps[0].image.shape == (683, 1024, 3) and any("shrunk" in n for n in prepared.notes)
