"""Opening picture files safely: size limits, damaged files, animations, odd colour modes,
transparency and phone rotation; and the drawing canvas's pixels as a picture.

Pure NumPy + Pillow: no TensorFlow, no Streamlit. cnnlab.preprocess then prepares a picture
for a model.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Union

import numpy as np
from PIL import (
    BmpImagePlugin,  # noqa: F401
    GifImagePlugin,  # noqa: F401
    Image,
    ImageColor,
    ImageOps,
    JpegImagePlugin,  # noqa: F401
    PngImagePlugin,  # noqa: F401
    WebPImagePlugin,  # noqa: F401
)

from cnnlab.settings import CnnlabError

MAX_PIXELS = 40_000_000  # bigger than any phone photo; beyond it, refuse before decoding
MAX_BYTES = 20_000_000  # 20 MB: the largest upload worth decoding for a 28x28 or 32x32 model
READABLE_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")  # only these decoders ever run (phone MPO JPEGs included)
WORKING_SIZE = 1024  # big pictures are shrunk to this longer side first: plenty for a 32-pixel input

ImageSource = Union[bytes, bytearray, str, os.PathLike, BinaryIO]


class ImageError(CnnlabError):
    """A picture that cannot be used: empty, not an image, damaged, or too large."""


@dataclass
class LoadedImage:
    """A picture read from a file: an RGB or L (grayscale) image, and notes on what was changed."""

    image: Image.Image
    notes: list[str] = field(default_factory=list)

def read_image(source: ImageSource) -> LoadedImage:
    """Open a picture from bytes, a path or a binary file-like object (e.g. a Streamlit upload).

    Raises ImageError with a one-sentence message for anything unusable. Returns an RGB or L image:
    animations give their first frame, phone photos are turned upright (EXIF), 16-bit and float
    pictures are scaled to 0-255, CMYK becomes RGB and transparency is filled (`_fill_transparency`).
    """
    data, label = _read_bytes(source)
    if not data:
        raise ImageError(f"{label} is empty (0 bytes); choose a picture file such as a PNG or JPEG.")
    # Check the size the header claims before Pillow opens or decodes anything, so a tiny file
    # claiming a gigantic picture (a "decompression bomb") costs nothing, and no global Pillow
    # setting or warnings filter has to change (both would be unsafe with several users at once).
    claimed = _claimed_size(data)
    if claimed and claimed[0] * claimed[1] > MAX_PIXELS:
        raise ImageError(_too_large_message(claimed))
    try:
        img = Image.open(io.BytesIO(data), formats=READABLE_FORMATS)
    except Image.UnidentifiedImageError:
        raise ImageError(f"{label} is not an image Pillow can read (PNG, JPEG, GIF, BMP or WebP); "
                         "choose a picture in one of those formats.") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):  # if the check above missed it
        raise ImageError(_too_large_message(claimed)) from None
    except Exception:
        raise ImageError(f"{label} is damaged (its header cannot be read); "
                         "save or download it again and retry.") from None
    if img.size[0] * img.size[1] > MAX_PIXELS:
        raise ImageError(_too_large_message(img.size))

    notes = []
    try:
        if getattr(img, "is_animated", False):
            img.seek(0)
            notes.append(f"The {img.format} is animated; its first frame is used.")
        if img.format == "JPEG":
            img.draft(None, (WORKING_SIZE, WORKING_SIZE))  # big photos decode at 1/2, 1/4 or 1/8 size: faster
        img.load()  # decode everything now, inside the try, so a cut-short file fails here
    except Exception:  # Pillow's ImageFile.LOAD_TRUNCATED_IMAGES is left False, so cut-short files land here
        raise ImageError(f"{label} is damaged or cut short (the picture data stops early); "
                         "save or download it again and retry.") from None
    try:
        if img.getexif().get(0x0112, 1) in range(2, 9):  # EXIF "Orientation": how the camera was held
            img = ImageOps.exif_transpose(img)
            notes.append("The photo was turned upright, as its camera recorded.")
    except Exception:
        notes.append("The photo's camera information (EXIF) is damaged, so it was not turned upright.")
    image, more = to_rgb_or_l(img, label)
    return LoadedImage(image, notes + more)


def _read_bytes(source: ImageSource) -> tuple[bytes, str]:
    """All of the file's bytes (refusing more than MAX_BYTES) and a label for messages."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, label = bytes(source), "The file"
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        label = f"'{path.name}'"
        if not path.is_file():
            raise ImageError(f"There is no file at {path}; check the path and try again.")
        try:
            if path.stat().st_size > MAX_BYTES:
                raise ImageError(_too_many_bytes_message(label, path.stat().st_size))
            data = path.read_bytes()
        except OSError as e:
            raise ImageError(f"{label} cannot be read ({e.strerror}); check its permissions.") from None
    elif hasattr(source, "read"):
        name = getattr(source, "name", None)
        label = f"'{Path(str(name)).name}'" if isinstance(name, (str, os.PathLike)) and str(name) else "The file"
        try:
            source.seek(0)  # from the start, e.g. a Streamlit upload already shown with st.image
        except (AttributeError, OSError, ValueError):
            pass  # a stream that cannot rewind: read what is left
        data = source.read(MAX_BYTES + 1)
        if isinstance(data, str):
            raise ImageError(f"{label} was opened as text; open it in binary mode ('rb').")
    else:
        raise TypeError(f"read_image needs bytes, a path or a binary file, not {type(source).__name__}")
    if len(data) > MAX_BYTES:
        raise ImageError(_too_many_bytes_message(label, len(data)))
    return data, label


def _too_many_bytes_message(label: str, size: int) -> str:
    more = "over " if size == MAX_BYTES + 1 else ""  # a file-like object is read only up to the limit
    return f"{label} is {more}{size / 1e6:.1f} MB, too large; use a file under {MAX_BYTES // 1_000_000} MB."


def _too_large_message(size: tuple[int, int] | None) -> str:
    what = f"{size[0]} x {size[1]} pixels" if size else "enormous"
    return f"The image is {what}, too large to open safely; use one under {MAX_PIXELS // 1_000_000} megapixels."


def _claimed_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from the header alone, or None when no allowed format recognises it.

    A format plugin called directly reads only the header, and skips Pillow's own
    decompression-bomb check, which would raise or warn before we can give a clear message.
    """
    for name in READABLE_FORMATS:
        factory, accept = Image.OPEN.get(name, (None, None))
        if factory is None or (accept is not None and not accept(data[:16])):
            continue
        try:
            return factory(io.BytesIO(data), None).size
        except Exception:
            continue
    return None


def to_rgb_or_l(img: Image.Image, label: str = "The picture") -> tuple[Image.Image, list[str]]:
    """Any Pillow mode -> RGB or L, scaling deep pictures to 0-255 and filling transparency."""
    mode = img.mode
    if mode in ("RGB", "L"):
        return img, []
    if mode == "1":
        return img.convert("L"), []
    if mode.startswith("I") or mode == "F":
        return _deep_to_l(np.asarray(img), mode), []
    if mode in ("RGBA", "RGBa", "LA", "La", "PA") or (mode == "P" and "transparency" in img.info):
        return fill_transparency(img)
    try:
        return img.convert("RGB"), []  # P, CMYK, YCbCr ...
    except Exception:
        raise ImageError(f"{label} uses the colour mode {mode}, which cnnlab cannot convert; "
                         "save it as an ordinary RGB or grayscale PNG or JPEG.") from None


def _deep_to_l(values: np.ndarray, mode: str) -> Image.Image:
    """16-bit, 32-bit and float grayscale -> 8-bit, keeping the picture's brightness."""
    x = np.nan_to_num(values.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    top = float(x.max()) if x.size else 0.0
    if mode.startswith("I;16") or (mode == "I" and 255 < top <= 65535):
        x = x / 257  # 0-65535 -> 0-255
    elif mode == "F" and 0 < top <= 1.0:
        x = x * 255  # floats in 0-1
    elif top > 255:
        x = x * (255 / top)  # anything else: the brightest pixel becomes white
    return Image.fromarray(round_to_uint8(x))


def fill_transparency(img: Image.Image) -> tuple[Image.Image, list[str]]:
    """Fill see-through pixels with the background that makes the drawing readable.

    Transparent means "nothing here", i.e. background. A model needs the background to contrast
    with the ink, so behind dark ink we put white and behind light ink black (the choice follows
    the mean brightness of the visible pixels). A black digit on a transparent background thus
    becomes black on white (inverted later, like any paper drawing) and a white digit stays visible.
    """
    rgba = img.convert("RGBA")
    grey_source = img.mode in ("LA", "La") or (img.mode in ("P", "PA") and _palette_is_grey(img))
    alpha = np.asarray(rgba.getchannel("A"), dtype=np.float64)
    notes = []
    if alpha.min() < 255:
        weight = alpha.sum()
        brightness = (np.asarray(rgba.convert("L"), np.float64) * alpha).sum() / weight if weight else 255.0
        light_ink = brightness >= 128  # nothing visible at all: black, like an empty canvas
        backdrop = Image.new("RGBA", rgba.size, (0, 0, 0, 255) if light_ink else (255, 255, 255, 255))
        rgba = Image.alpha_composite(backdrop, rgba)
        behind = "black, behind the light" if light_ink else "white, behind the dark"
        notes.append(f"See-through pixels were filled with {behind} drawing.")
    return rgba.convert("L" if grey_source else "RGB"), notes


def _palette_is_grey(img: Image.Image) -> bool:
    palette = img.getpalette() or []
    triples = np.array(palette[: len(palette) // 3 * 3]).reshape(-1, 3)
    return bool(len(triples)) and bool((triples == triples[:, :1]).all())


def from_canvas(rgba: np.ndarray, background: str | tuple[int, int, int] | None = None) -> Image.Image:
    """The drawable canvas's RGBA array (H, W, 4 uint8) as an RGB picture.

    Where the canvas is see-through, paint `background` (any CSS colour, e.g. "#000000" or
    "white": the canvas's background colour, as the student saw it). With None the background is
    chosen to contrast with the strokes, as for transparent files: streamlit-drawable-canvas's own
    default is black strokes on a see-through background, which would vanish on black.
    """
    array = np.asarray(rgba)
    if array.ndim != 3 or array.shape[2] not in (3, 4) or array.size == 0:
        raise ValueError(f"from_canvas needs an H x W x 4 array, got shape {array.shape}")
    strokes = Image.fromarray(np.ascontiguousarray(as_uint8(array)))
    if strokes.mode == "RGB":
        return strokes
    if background is None:
        return fill_transparency(strokes)[0]
    colour = ImageColor.getrgb(background)[:3] if isinstance(background, str) else tuple(map(int, background[:3]))
    return Image.alpha_composite(Image.new("RGBA", strokes.size, colour + (255,)), strokes).convert("RGB")


def round_to_uint8(x: np.ndarray) -> np.ndarray:
    return x if x.dtype == np.uint8 else np.clip(np.rint(x), 0, 255).astype(np.uint8)


def as_uint8(array: np.ndarray) -> np.ndarray:
    """Any numeric array -> uint8: floats in 0-1 are scaled up, 16-bit values scaled down."""
    if array.dtype == np.uint8:
        return array
    if array.dtype == bool:
        return array.astype(np.uint8) * 255
    x = np.nan_to_num(array.astype(np.float64))
    top = float(x.max()) if x.size else 0.0
    if np.issubdtype(array.dtype, np.floating) and top <= 1.0:
        x = x * 255
    elif top > 255:
        x = x * (255 / (65535 if top <= 65535 else top))
    return round_to_uint8(x)
