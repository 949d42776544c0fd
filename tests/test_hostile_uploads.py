"""Hostile uploads through the real Classify page: extreme shapes, damaged files, bombs.

Every file goes through the page's own `st.file_uploader` (AppTest's `file_uploader().set_value`),
so the preview, every step's picture and the prediction are made exactly as for a student. The
page must show either an answer or a clear message, never an exception, and lose nothing.
"""
from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from support import TINY_CNN as TINY_STACK
from support import open_app_page, page_text

from cnnlab import runs
from cnnlab.imagefiles import read_image
from cnnlab.images import MAX_SIDE, enlarge, for_display
from cnnlab.network import build_model
from cnnlab.ui import classify as ui


def encode(img: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, fmt, **options)
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def raw_png(width: int, height: int, rows: bytes | None = None) -> bytes:
    """A grey PNG written by hand, so impossible headers (0 x 0) can be made too."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = rows if rows is not None else b"".join(b"\0" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(rows))
            + png_chunk(b"IEND", b""))


def stroke(width: int, height: int, mode: str = "L") -> Image.Image:
    """A dark bar on light paper, whatever the shape (a 1-pixel strip is all bar)."""
    img = Image.new(mode, (width, height), 230 if mode == "L" else (230, 228, 220))
    ImageDraw.Draw(img).rectangle([width // 3, height // 3, max(width // 3, 2 * width // 3),
                                   max(height // 3, 2 * height // 3)], fill=20 if mode == "L" else (20, 20, 30))
    return img


def transparent_digit(size: int) -> Image.Image:
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    ImageDraw.Draw(img).line([(size // 2, size // 8), (size // 2, size * 7 // 8)], fill=(20, 20, 20, 255),
                             width=max(1, size // 12))
    return img


SHAPES = [(1, 1), (2, 1), (1, 2), (300, 1), (1, 300), (1, 585), (585, 1), (3, 5000), (5000, 3),
          (1, 70_000), (70_000, 1), (4, 4), (2000, 30)]


def hostile_files() -> dict[str, tuple[bytes, str | None]]:
    """name: (content, words of the message, or None when the picture must be classified)."""
    files = {f"{w}x{h}.png": (encode(stroke(w, h)), None) for w, h in SHAPES}
    files["1x700-colour.jpg"] = (encode(stroke(1, 700, "RGB"), "JPEG"), None)
    files["6300-transparent.png"] = (encode(transparent_digit(6300), optimize=True), None)
    files["7000x5000.jpg"] = (encode(stroke(7000, 5000, "RGB"), "JPEG", quality=70), None)
    files["16bit.png"] = (encode(Image.fromarray(np.full((40, 30), 50_000, np.uint16))), None)
    files["zero-by-zero.png"] = (raw_png(0, 0, b""), "0 x 0")
    files["claims-100000-squared.png"] = (raw_png(100_000, 100_000, b"\0" * 8), "too large")
    files["cut-short.png"] = (encode(stroke(300, 400))[:200], "cut short")
    files["random-bytes.png"] = (bytes(np.random.default_rng(0).integers(0, 256, 5000, np.uint8)), "not")
    files["empty.png"] = (b"", "empty")
    return files


@pytest.fixture(scope="module")
def photo_run_folder(tmp_path_factory):
    """An untrained 32x32x3 network, enough to classify (and fail to classify) photos."""
    folder = tmp_path_factory.mktemp("photo-runs")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CNNLAB_RUNS_DIR", str(folder))
        run = runs.Run("untrained-cifar10", {"dataset": "cifar10", "architecture": "custom"},
                       classes=[f"class {i}" for i in range(10)], image_shape=[32, 32, 3], status="finished")
        run.save()
        run.save_model(build_model(TINY_STACK, (32, 32, 3), 10))
    return folder, run.run_id


def upload_all(at, files: dict) -> None:
    at.segmented_control(key="input_source").set_value("Upload").run()
    for name, (content, words) in files.items():
        at.file_uploader(key="upload_image").set_value((name, content, "image/png")).run()
        assert not at.exception, (name, at.exception)
        text = page_text(at)
        assert "Traceback" not in text, name
        if words is None:
            assert not at.error, (name, [e.value for e in at.error])
            assert any(m.value.startswith("## ") for m in at.markdown), name  # "Prediction: ..." or "Not sure"
        else:
            assert len(at.error) == 1 and words in at.error[0].value, (name, [e.value for e in at.error])
            assert "Nothing else changed" in text, name


def test_extreme_and_hostile_uploads_never_break_the_digit_page(trained_run):
    at = open_app_page("pages/classify.py", "hostiledigit", run_id=trained_run.run_id)
    upload_all(at, hostile_files())


def test_extreme_and_hostile_uploads_never_break_the_photo_page(photo_run_folder, monkeypatch):
    folder, run_id = photo_run_folder
    monkeypatch.setenv("CNNLAB_RUNS_DIR", str(folder))
    at = open_app_page("pages/classify.py", "hostilephoto", run_id=run_id)
    files = hostile_files()
    upload_all(at, {name: files[name] for name in ("1x1.png", "300x1.png", "1x585.png", "70000x1.png",
                                                   "1x700-colour.jpg", "6300-transparent.png", "zero-by-zero.png")})


@pytest.mark.parametrize("shape", [(1, 1), (1, 585), (585, 1), (1, 70_000), (70_000, 1), (28, 28), (3000, 4000),
                                   (1, 65_600, 3)])
def test_every_picture_shown_has_bounded_sides_and_a_visible_height(shape):
    """What the browser gets: never longer than the limit on a side (JPEG stops at 65,500), and never
    so thin that scaling it to a column's width leaves less than a pixel."""
    image = np.zeros(shape, np.uint8)
    for min_side, max_side in ((112, 336), (280, 560)):
        shown = for_display(image, min_side, max_side)
        h, w = shown.shape[:2]
        assert max(h, w) <= max_side and min(h, w) >= max(h, w) / 8, (shape, shown.shape)
        if max(shape[:2]) * 4 <= max_side:
            assert min(h, w) >= min(min_side, max_side // 8)  # small pictures are enlarged
    assert max(enlarge(image, 112).shape[:2]) <= max(MAX_SIDE, *shape[:2])  # enlarging never passes the limit
    shown = ui.preview(Image.new("RGB", shape[:2][::-1])).shape[:2]  # the upload's own preview, shown
    assert max(shown) <= 2 * ui.CANVAS_SIZE and min(shown) * 8 >= max(shown)  # at a fixed width:
    assert shown[0] <= shown[1]  # never taller than wide, or a strip would stretch down the page


def _with_text(img: Image.Image, size: int) -> bytes:
    from PIL import PngImagePlugin

    notes = PngImagePlugin.PngInfo()
    notes.add_text("comment", "x" * size, zip=True)
    return encode(img, pnginfo=notes)


def _bad_crc() -> bytes:
    data = bytearray(encode(Image.new("L", (20, 20), 128)))
    data[29] ^= 0xFF  # inside the IHDR chunk's checksum
    return bytes(data)


@pytest.mark.parametrize("make, words", [
    (lambda: encode(Image.new("L", (20, 20)), "TIFF"), "is in TIFF format, which cnnlab does not open"),
    (lambda: encode(Image.new("RGB", (20, 20)), "PPM"), "is in PPM format"),
    (lambda: b"\0\0\0\x18ftypheic" + b"\0" * 30, "HEIC"),
    (_bad_crc, "checksum is wrong"),
    (lambda: raw_png(0, 0, b""), "has no pixels (its header says 0 x 0)"),
    (lambda: encode(Image.new("L", (16383, 16383)), "WEBP", lossless=True), "16383 x 16383 pixels, too large"),
    (lambda: encode(Image.new("L", (5000, 4000)), "WEBP", lossless=True), "5000 x 4000 pixels; cnnlab opens WebP"),
    (lambda: b"\xff\xd8\xff\xe0" + b"\0" * 40, "damaged JPEG"),
    (lambda: b"shopping list: milk, eggs", "is not an image: it does not start like a PNG"),
])
def test_each_refused_file_is_told_its_real_problem(make, words):
    from cnnlab.imagefiles import ImageError, read_image

    with pytest.raises(ImageError, match=re.escape(words)):
        read_image(make())


def test_a_valid_png_with_a_big_text_note_is_opened():
    loaded = read_image(_with_text(stroke(40, 30), 3_000_000))
    assert loaded.image.size == (40, 30)


MEMORY_CHECK = """
import io, sys
from pathlib import Path
from cnnlab.imagefiles import read_image
from cnnlab.preprocess import prepare
from cnnlab.ui import classify as ui

def status(field):
    line = next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith(field + ":"))
    return int(line.split()[1]) / 1024

before = status("VmRSS")
loaded = read_image(io.BytesIO(Path(sys.argv[1]).read_bytes()))
ui.preview(loaded.image)
for shape in ((28, 28, 1), (32, 32, 3)):
    for step in prepare(loaded, shape).steps:
        ui._for_display(step.image)
print(status("VmHWM") - before)
"""


@pytest.mark.parametrize("mode", ["RGBA", "P", "LA"])
def test_a_huge_see_through_png_costs_under_300_mb(mode, tmp_path):
    """A 6300 x 6300 PNG that is mostly see-through is ~100 kB on disk; the page's whole path
    (read, preview, prepare for a digit and a photo model, every step's picture) once took ~1 GB.
    Measured in a fresh process from the kernel's peak (VmHWM): Pillow's own memory counts too."""
    import subprocess
    import sys

    path = tmp_path / "huge.png"
    picture = transparent_digit(6300)
    (picture.convert("P") if mode == "P" else picture.convert(mode)).save(path, optimize=True)
    done = subprocess.run([sys.executable, "-c", MEMORY_CHECK, str(path)], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    added_mb = float(done.stdout.strip().splitlines()[-1])
    assert added_mb < 300, f"{mode}: {added_mb:.0f} MB"
