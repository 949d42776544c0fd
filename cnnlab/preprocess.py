"""Turn a drawn, uploaded or camera picture into exactly what a trained model expects, step by step.

A model only works on pictures prepared the way its training pictures were. MNIST digits were
white on black, shrunk to fit a 20x20 box keeping their shape (anti-aliased), then placed in a
28x28 frame so their centre of mass sits in the middle. A digit drawn in a corner of a big canvas,
or photographed in black ink on white paper, looks nothing like that until it goes through the
same preparation. `prepare` does it and returns every intermediate picture (a `Step`), so the
Classify page can show each one and let the student switch steps off to see what they are for.

Pipelines (the `style` argument of `prepare`):
- "digit" (the default for 1-channel models, MNIST-like): raw -> grayscale -> invert -> contrast
  -> crop -> fit -> centre -> scale.
- "fashion" (Fashion-MNIST): the same, but fitting fills the whole frame and there is no centring
  by mass, because that is how Fashion-MNIST's pictures were made.
- "photo" (the default for 3-channel models, CIFAR-like): raw -> grayscale (1-channel models
  only) -> crop (the middle, to the model's shape) -> scale.
`style_for_dataset` says which one a model trained on a given dataset needs.

`read_image` opens uploaded files safely (size limits, damaged files, animations, odd colour
modes, transparency, phone rotation). Pure NumPy + Pillow: no TensorFlow, no Streamlit.
"""
from __future__ import annotations

import io
import math
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Union

import numpy as np
from PIL import Image, ImageColor
from PIL import BmpImagePlugin, GifImagePlugin, JpegImagePlugin, PngImagePlugin, WebPImagePlugin  # noqa: F401

from cnnlab.settings import CnnlabError

MAX_PIXELS = 40_000_000  # bigger than any phone photo; beyond it, refuse before decoding
# Pillow decodes a WebP whole, in three full-size copies (a 40-megapixel one took 600 MB): keep
# WebP to a size whose decoding stays well under 300 MB (16 megapixels: 250 MB, measured).
MAX_WEBP_PIXELS = 16_000_000
MAX_BYTES = 20_000_000  # 20 MB: the largest upload worth decoding for a 28x28 or 32x32 model
READABLE_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")  # only these decoders ever run (phone MPO JPEGs included)
WORKING_SIZE = 1024  # big pictures are shrunk to this longer side first: plenty for a 32-pixel input

# How each dataset's pictures were made: the share of the frame the drawing's longer side fills
# (MNIST: 20 of 28 pixels, a 4-pixel black border; Fashion-MNIST: all 28) and what is centred
# (MNIST: the centre of mass; Fashion-MNIST: the outline's box). Fractions, so 64x64 works too.
FILL = {"digit": 20 / 28, "fashion": 1.0}
MIN_STROKE = 2.0  # thinnest stroke, in output pixels, left after shrinking (MNIST's are mostly 1.6-2.9)
EMPTY_CONTRAST = 24  # ink must stand this far (of 255) above the background's noise; pure blue on black is 29

ImageSource = Union[bytes, bytearray, str, os.PathLike, BinaryIO]
SWITCHED_OFF = "you switched it off"


class ImageError(CnnlabError):
    """A picture that cannot be used: empty, not an image, damaged, or too large."""


@dataclass
class LoadedImage:
    """A picture read from a file: an RGB or L (grayscale) image, and notes on what was changed."""

    image: Image.Image
    notes: list[str] = field(default_factory=list)


@dataclass
class Step:
    """One stage of preparation, shown to the student as a picture.

    `enabled` says whether the step changed the picture; when it did not, `skipped_reason` says
    why ("you switched it off", "the background is already dark"). `image` is uint8, HxW or HxWx3,
    at its real size (28x28 for the last steps: enlarge it for display).
    """

    key: str
    title: str
    caption: str
    image: np.ndarray
    enabled: bool = True
    skipped_reason: str | None = None


@dataclass
class Prepared:
    """Every step, and the picture the model will see: uint8, exactly the model's (H, W, C).

    `is_empty`: no ink stands out from the background (for digits the model input is then all
    black); for photos: the picture is one flat colour. `background_was_light`: the picture's border was light, like paper.
    """

    steps: list[Step]
    model_input: np.ndarray
    is_empty: bool
    notes: list[str]
    background_was_light: bool

    def step(self, key: str) -> Step:
        """The step called `key` ("raw", "grayscale", "invert", ...)."""
        for s in self.steps:
            if s.key == key:
                return s
        raise KeyError(key)


# ---------------------------------------------------------------------------------------------
# Reading files


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
    if claimed and _webp_size(data) and claimed[0] * claimed[1] > MAX_WEBP_PIXELS:
        raise ImageError(f"{label} is a WebP picture of {claimed[0]} x {claimed[1]} pixels; cnnlab opens WebP "
                         f"pictures up to {MAX_WEBP_PIXELS // 1_000_000} megapixels (decoding one takes a lot of "
                         "memory): save it as PNG or JPEG, or smaller.")
    # Text notes (PNG metadata) are never used here, and Pillow refuses a big compressed one as if
    # the picture were damaged: leave them out.
    data = _png_without_text(data)
    try:
        img = Image.open(io.BytesIO(data), formats=READABLE_FORMATS)
    except Image.UnidentifiedImageError:
        raise ImageError(_unreadable_message(data, label)) from None
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
        orientation = img.getexif().get(0x0112, 1)  # EXIF "Orientation": how the camera was held
    except Exception:
        orientation = 1
        notes.append("The photo's camera information (EXIF) is damaged, so it was not turned upright.")
    image, more = _working_picture(img, label)
    if orientation in _UPRIGHT:
        image = image.transpose(_UPRIGHT[orientation])
        notes.append("The photo was turned upright, as its camera recorded.")
    return LoadedImage(image, notes + more)


# EXIF orientation -> the turn that stands the picture upright (as ImageOps.exif_transpose does).
_UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
            5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
            8: Image.Transpose.ROTATE_90}


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
    decompression-bomb check, which would raise or warn before we can give a clear message
    (except WebP's, which checks by itself: its header is read here directly).
    """
    webp = _webp_size(data)
    if webp is not None:
        return webp
    for name in READABLE_FORMATS:
        factory, accept = Image.OPEN.get(name, (None, None))
        if factory is None or (accept is not None and not accept(data[:16])):
            continue
        try:
            return factory(io.BytesIO(data), None).size
        except Exception:
            continue
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    """A WebP file's width and height from its first chunk (lossy VP8, lossless VP8L or extended VP8X)."""
    if len(data) < 30 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    kind = data[12:16]
    if kind == b"VP8X":  # canvas size minus one, 24-bit little-endian each
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if kind == b"VP8L" and data[20] == 0x2F:  # 14 bits each, minus one
        bits = int.from_bytes(data[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if kind == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":  # key frame start code, then 14-bit sizes
        return int.from_bytes(data[26:28], "little") & 0x3FFF, int.from_bytes(data[28:30], "little") & 0x3FFF
    return None


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt")


def _png_chunks(data: bytes):
    """(type, start, end) of each whole chunk of a PNG, stopping where the file stops making sense."""
    offset = len(PNG_SIGNATURE)
    while offset + 12 <= len(data):
        length = int.from_bytes(data[offset:offset + 4], "big")
        end = offset + 12 + length
        if end > len(data):
            return
        yield data[offset + 4:offset + 8], offset, end
        offset = end


def _png_without_text(data: bytes) -> bytes:
    """The PNG without its text chunks (unchanged when it has none, or is not a PNG)."""
    if not data.startswith(PNG_SIGNATURE):
        return data
    chunks = list(_png_chunks(data))
    if not any(kind in _PNG_TEXT_CHUNKS for kind, _, _ in chunks):
        return data
    kept = [data[start:end] for kind, start, end in chunks if kind not in _PNG_TEXT_CHUNKS]
    return PNG_SIGNATURE + b"".join(kept) + data[chunks[-1][2]:]


# Formats Pillow knows but cnnlab does not open (fewer decoders, fewer ways in), by their first bytes.
_OTHER_FORMATS = ((b"II*\0", "TIFF"), (b"MM\0*", "TIFF"), (b"8BPS", "Photoshop (PSD)"), (b"%PDF", "PDF"),
                  (b"\0\0\1\0", "Windows icon (ICO)"), (b"\xff\x4f\xff\x51", "JPEG 2000"),
                  (b"\0\0\0\x0cjP  ", "JPEG 2000"), (b"qoif", "QOI"), (b"DDS ", "DirectDraw (DDS)"))
_NETPBM = {b"P1": "PBM", b"P2": "PGM", b"P3": "PPM", b"P4": "PBM", b"P5": "PGM", b"P6": "PPM", b"P7": "PAM"}


def _unreadable_message(data: bytes, label: str) -> str:
    """Why none of the allowed decoders took the file, in words: another format, a broken header, or not a picture."""
    formats = "PNG, JPEG, GIF, BMP or WebP"
    other = next((name for start, name in _OTHER_FORMATS if data.startswith(start)), None)
    if other is None and data[:2] in _NETPBM and data[2:3].isspace():
        other = _NETPBM[data[:2]]
    if other is None and data[4:8] == b"ftyp":
        brand = data[8:12]
        other = ("HEIC (an iPhone photo)" if brand in (b"heic", b"heix", b"mif1", b"msf1") else
                 "AVIF" if brand in (b"avif", b"avis") else None)
    if other is None and data.lstrip()[:5].lower() in (b"<svg ", b"<?xml"):
        other = "SVG"
    if other:
        return (f"{label} is in {other} format, which cnnlab does not open; save it as PNG or JPEG "
                f"(cnnlab opens {formats}).")
    if data.startswith(PNG_SIGNATURE):
        chunks = list(_png_chunks(data))
        header = next((data[start:end] for kind, start, end in chunks[:1] if kind == b"IHDR"), None)
        if header is None or len(header) != 25:
            return f"{label} is a damaged PNG (its header is missing or cut short); save or download it again."
        if zlib.crc32(header[4:21]) != int.from_bytes(header[21:25], "big"):
            return (f"{label} is a damaged PNG (its header's checksum is wrong: the file was changed or "
                    "broken on the way); save or download it again.")
        width, height = int.from_bytes(header[8:12], "big"), int.from_bytes(header[12:16], "big")
        if not width or not height:
            return f"{label} has no pixels (its header says {width} x {height}); choose a real picture."
        return f"{label} is a damaged PNG (its header cannot be read); save or download it again."
    starts = {b"\xff\xd8\xff": "JPEG", b"GIF87a": "GIF", b"GIF89a": "GIF", b"BM": "BMP"}
    kind = next((name for start, name in starts.items() if data.startswith(start)), None)
    if kind is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        kind = "WebP"
    if kind:
        return f"{label} is a damaged {kind} (its header cannot be read); save or download it again."
    return (f"{label} is not an image: it does not start like a {formats} file; "
            "choose a picture in one of those formats.")


def _working_picture(img: Image.Image, label: str = "The picture") -> tuple[Image.Image, list[str]]:
    """A decoded picture of any size and mode -> RGB or L, at most WORKING_SIZE on its longer side.

    Shrinking comes first, in 8 bits (or 32 for deep pictures): a 6300 x 6300 picture with
    transparency would otherwise be converted, filled and copied in floats at full size (about
    1 GB for a 165 KB file). Modes that need converting first (transparency, palettes) are
    converted and shrunk a strip at a time, so no full-size copy of the picture is ever made.
    """
    before = img.size
    if max(before) > WORKING_SIZE:
        img = _shrunk(img, WORKING_SIZE)
    picture, notes = _to_rgb_or_l(img, label)
    if picture.size != before:
        notes.append(f"The {before[0]} x {before[1]} picture was shrunk to {picture.size[0]} x {picture.size[1]} "
                     "first, to keep things quick.")
    return picture, notes


STRIP_PIXELS = 1_000_000  # pixels converted at a time while shrinking (4 MB in RGBA)


def _reduce_mode(img: Image.Image) -> str:
    """The mode a picture is shrunk in: averaging needs real values (not palette indices), and
    see-through pixels must be premultiplied by their alpha ("RGBa", "La"), or their hidden
    colour would bleed into the edge of the drawing."""
    mode = img.mode
    if mode in ("L", "RGB", "I", "F"):
        return mode
    if mode.startswith("I;16"):
        return "I"
    if mode == "1":
        return "L"
    see_through = mode in ("RGBA", "RGBa", "LA", "La", "PA") or (mode == "P" and "transparency" in img.info)
    grey = mode in ("LA", "La") or (mode in ("P", "PA") and _palette_is_grey(img))
    if see_through:
        return "La" if grey else "RGBa"
    return "RGB"  # P without transparency, CMYK, YCbCr ...


def _in_mode(img: Image.Image, mode: str) -> Image.Image:
    if img.mode == mode:
        return img
    if mode in ("RGBa", "La") and img.mode != mode[:-1] + "A":  # premultiplied: Pillow gets there from RGBA / LA
        img = img.convert(mode[:-1] + "A")
    return img.convert(mode)


def _shrunk(img: Image.Image, limit: int) -> Image.Image:
    """`img` shrunk (area averaging) to at most `limit` on its longer side, without a full-size copy.

    A whole-number reduction first (Pillow's `reduce`, a strip at a time when the mode has to
    change), then a box filter to the exact size on the small picture."""
    width, height = img.size
    factor = max(1, max(width, height) // limit)
    mode = _reduce_mode(img)
    try:
        if mode == img.mode:
            small = img.reduce(factor) if factor > 1 else img.copy()
        else:
            rows = factor * max(1, STRIP_PIXELS // (width * factor))
            small = Image.new(mode, (-(-width // factor), -(-height // factor)))
            for top in range(0, height, rows):
                strip = _in_mode(img.crop((0, top, width, min(height, top + rows))), mode)
                small.paste(strip.reduce(factor) if factor > 1 else strip, (0, top // factor))
        small.thumbnail((limit, limit), Image.Resampling.BOX)
    except Exception:
        raise ImageError(f"The picture uses the colour mode {img.mode}, which cnnlab cannot shrink; "
                         "save it as an ordinary RGB or grayscale PNG or JPEG.") from None
    if mode in ("RGBa", "La"):
        small = small.convert(mode[:-1] + "A")
    if img.mode.startswith("I;16"):
        small.info["deep_mode"] = img.mode  # 16-bit values are scaled as 16-bit, not by their maximum
    return small


def _to_rgb_or_l(img: Image.Image, label: str = "The picture") -> tuple[Image.Image, list[str]]:
    """Any Pillow mode -> RGB or L, scaling deep pictures to 0-255 and filling transparency."""
    mode = img.mode
    if mode in ("RGB", "L"):
        return img, []
    if mode == "1":
        return img.convert("L"), []
    if mode.startswith("I") or mode == "F":
        return _deep_to_l(np.asarray(img), img.info.get("deep_mode", mode)), []
    if mode in ("RGBA", "RGBa", "LA", "La", "PA") or (mode == "P" and "transparency" in img.info):
        return _fill_transparency(img)
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
    return Image.fromarray(_u8(x))


def _fill_transparency(img: Image.Image) -> tuple[Image.Image, list[str]]:
    """Fill see-through pixels with the background that makes the drawing readable.

    Transparent means "nothing here", i.e. background. A model needs the background to contrast
    with the ink, so behind dark ink we put white and behind light ink black (the choice follows
    the mean brightness of the visible pixels). A black digit on a transparent background thus
    becomes black on white (inverted later, like any paper drawing) and a white digit stays visible.
    """
    rgba = img.convert("RGBA")
    grey_source = img.mode in ("LA", "La") or (img.mode in ("P", "PA") and _palette_is_grey(img))
    alpha = np.asarray(rgba.getchannel("A"))
    notes = []
    if alpha.min() < 255:
        weight = float(alpha.sum(dtype=np.float64))
        brightness = float(np.asarray(rgba.convert("L"), np.float32).ravel() @ alpha.ravel().astype(np.float32)
                           / weight) if weight else 255.0
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
    strokes = Image.fromarray(np.ascontiguousarray(_to_uint8(array)))
    if strokes.mode == "RGB":
        return strokes
    if background is None:
        return _fill_transparency(strokes)[0]
    colour = ImageColor.getrgb(background)[:3] if isinstance(background, str) else tuple(map(int, background[:3]))
    return Image.alpha_composite(Image.new("RGBA", strokes.size, colour + (255,)), strokes).convert("RGB")


# ---------------------------------------------------------------------------------------------
# Preparing a picture for a model

# How each named dataset's pictures were made (see the module's docstring); anything else
# (an image folder of one's own) is left to "auto": digit-like for grey models, photo for colour.
DATASET_STYLES = {"mnist": "digit", "mnist-sample": "digit", "fashion-mnist": "fashion",
                  "fashion-sample": "fashion", "cifar10": "photo"}


def style_for_dataset(dataset_name: str | None) -> str:
    """The `prepare` style matching how `dataset_name`'s pictures were made: "digit" for MNIST,
    "fashion" for Fashion-MNIST, "photo" for CIFAR-10, "auto" for anything else."""
    return DATASET_STYLES.get(dataset_name or "", "auto")



def prepare(
    image: Image.Image | LoadedImage | np.ndarray,
    image_shape: tuple[int, int, int],
    *,
    grayscale: bool = True,
    invert: bool | str = "auto",
    contrast: bool = True,
    crop: bool = True,
    fit: bool = True,
    centre: bool = True,
    style: str = "auto",
    paper: bool = True,
) -> Prepared:
    """Prepare a picture for a model whose training images were `image_shape` (H, W, C).

    Each keyword switches one step; a switched-off step passes the picture on unchanged, and the
    last step ("scale") always resizes to the model's size, so the model input is always valid.
    `invert`: "auto" inverts when the picture's border is light; True/False force it.
    `paper`: for "digit" pictures on a light background, even out the light and keep only the ink
    first (cnnlab.paper: photos of handwriting on paper, pen or pencil, with shadows and grain).
    `style`: "digit" (ink on a plain background, MNIST-like), "fashion" (like "digit", but filling
    the whole frame and centred by outline, as Fashion-MNIST was made), "photo" (CIFAR-like: keep
    the middle, resize), or "auto" = digit for 1-channel models, photo for 3-channel ones.
    """
    height, width, channels = _check_shape(image_shape)
    if style == "auto":
        style = "digit" if channels == 1 else "photo"
    if style not in ("digit", "fashion", "photo"):
        raise ValueError(f"style must be 'auto', 'digit', 'fashion' or 'photo', not {style!r}")
    if invert not in ("auto", True, False):
        raise ValueError(f"invert must be 'auto', True or False, not {invert!r}")

    picture, notes = _as_picture(image)  # at most WORKING_SIZE on its longer side
    raw = np.asarray(picture)
    steps = [Step("raw", "Your picture", "The picture as it arrived, before any preparation.", raw)]

    # Grayscale: a 1-channel model only knows brightness. (3-channel models keep their colours.)
    if channels == 1 and grayscale and picture.mode != "L":
        x = np.asarray(picture.convert("L"))
        steps.append(Step("grayscale", "Grayscale", "Colours were turned into shades of grey, because the model "
                          "was trained on grey pictures.", x))
    else:
        x = raw
        why = ("the model was trained on colour pictures" if channels == 3 else
               "the picture is already grey" if picture.mode == "L" else SWITCHED_OFF)
        title = "Grayscale (off)" if why == SWITCHED_OFF else "Grayscale (not needed)"
        steps.append(Step("grayscale", title, "The colours were left as they are.", raw, False, why))

    # Light or dark background? MNIST is white ink on black; paper is the other way round.
    lum = np.asarray(picture.convert("L") if x.ndim == 3 else x, dtype=np.float32)
    background_was_light = bool(np.median(_border(lum)) > 127.5)
    if style == "digit" and background_was_light:  # ink on paper: shadows, uneven light, grain, pencil
        x, paper_step = _paper_step(x, paper)
        steps.append(paper_step)
        lum = np.asarray(x if x.ndim == 2 else lum, dtype=np.float32)
    if style in FILL:  # ink on paper: empty when no ink stands out from the background
        lo, hi = _levels(255 - lum if background_was_light else lum)
        is_empty = bool(hi - lo < EMPTY_CONTRAST)
    else:  # a photo has no ink and no background: empty only when it is one flat colour
        is_empty = _is_flat(raw)

    if style in FILL:
        x, more = _digit_steps(x.astype(np.float32), (height, width), style,
                               invert, contrast, crop, fit, centre, background_was_light, is_empty)
    else:
        x, more = _photo_steps(x, (height, width), crop)
    steps += more

    model_input, scale_step = _scale_step(x, (height, width, channels))
    if style in FILL and is_empty:
        model_input = np.zeros((height, width, channels), np.uint8)  # a blank canvas is pure background
        scale_step.caption = "Nothing was drawn, so the model gets a blank black picture."
    steps.append(scale_step)
    if is_empty:
        notes.append("The picture looks empty: no ink stands out from the background." if style in FILL else
                     "The picture looks empty: it is all one flat colour.")
    return Prepared(steps, model_input, is_empty, notes, background_was_light)


def _paper_step(x: np.ndarray, paper: bool) -> tuple[np.ndarray, Step]:
    """Even out the paper of a grey picture (cnnlab.paper), as a step the student can switch off."""
    if not paper or x.ndim != 2:
        why = SWITCHED_OFF if not paper else "grayscale is off"
        return x, Step("paper", "Paper not evened out", "The light and shadows on the paper were left as they are.",
                       _u8(x), False, why)
    from cnnlab.paper import even_out_paper

    cleaned, _ = even_out_paper(x)
    return cleaned, Step("paper", "Paper evened out", "The paper's brightness was measured all over it and divided "
                         "out, so shadows and uneven light disappear; faint grain was dropped and the ink, pencil "
                         "included, made fully dark.", _u8(cleaned))


def _digit_steps(x, size, style, invert, contrast, crop, fit, centre, background_was_light, is_empty):
    """invert -> contrast -> crop -> fit -> centre, on a float32 picture (HxW, or HxWx3 with colour kept)."""
    steps = []
    nothing = "nothing was drawn"

    do_invert = background_was_light if invert == "auto" else bool(invert)
    if do_invert:
        x = 255 - x
        why = "the background was light" if invert == "auto" else "you asked for it"
        steps.append(Step("invert", f"Inverted ({why})", "Dark became light and light became dark: MNIST digits "
                          "are white ink on a black background.", _u8(x)))
    else:
        why = SWITCHED_OFF if invert is False else "the background is already dark"
        steps.append(Step("invert", f"Not inverted ({why})", "The picture was left as it is.", _u8(x), False, why))

    # MNIST's background is exactly 0 and its ink reaches 255; paper grain and shadows are neither.
    lo, hi = _levels(_luminance(x))
    if contrast and not is_empty and hi - lo > 1 and (lo > 0.5 or hi < 254.5):  # hi == lo: nothing to stretch
        x = np.clip((x - lo) * (255 / (hi - lo)), 0, 255)
        steps.append(Step("contrast", "Contrast stretched", "The background was made pure black and the brightest "
                          "ink pure white, as in MNIST; faint noise disappeared.", _u8(x)))
    else:
        why = SWITCHED_OFF if not contrast else nothing if is_empty else "it is already black and white"
        steps.append(Step("contrast", "Contrast (unchanged)", "The brightness was left as it is.", _u8(x), False, why))

    box = None if is_empty else _ink_box(_luminance(x), ignore_specks=style == "digit")
    if crop and box is not None:
        top, bottom, left, right = box
        before = x.shape[:2]
        x = x[top:bottom, left:right]
        steps.append(Step("crop", "Cropped to the ink", f"Everything around the drawing was cut away ({before[1]} x "
                          f"{before[0]} -> {x.shape[1]} x {x.shape[0]}), so where you drew no longer matters.", _u8(x)))
    else:
        why = SWITCHED_OFF if not crop else nothing if is_empty else "no light ink on a dark background was found"
        steps.append(Step("crop", "Not cropped", "The whole picture was kept, empty space included.",
                          _u8(x), False, why))

    if fit and not is_empty:
        x, thickened = _fit(x, size, FILL[style])
        box_h, box_w = _box(size, FILL[style])
        how = "leaving a black border, like MNIST digits" if style == "digit" else "like Fashion-MNIST pictures"
        thick = " Thin strokes were thickened first so they survive the shrinking." if thickened else ""
        steps.append(Step("fit", f"Fitted into {box_w} x {box_h}", f"The drawing was resized to fill a {box_w} x "
                          f"{box_h} box without squashing it, {how}.{thick}", _u8(x)))
    else:
        steps.append(Step("fit", "Not fitted", "The drawing kept its size; it will simply be stretched to the "
                          "model's size at the end.", _u8(x), False, SWITCHED_OFF if not fit else nothing))

    if style == "fashion":  # Fashion-MNIST centred each picture's outline box, which fitting already did
        why = "Fashion-MNIST centres each picture's outline, not its mass" if centre else SWITCHED_OFF
        steps.append(Step("centre", "Not centred by mass", "Fitting already put the outline in the middle.",
                          _u8(x), False, why))
    elif centre and not is_empty:
        x, (dy, dx) = _centre_by_mass(x, size if fit else None)
        steps.append(Step("centre", "Centred by mass", f"The drawing was moved ({dx:+d} right, {dy:+d} down) so its "
                          "centre of mass, the average position of the ink, is in the middle, as in MNIST.", _u8(x)))
    else:
        steps.append(Step("centre", "Not centred", "The drawing stayed where it was.", _u8(x), False,
                          SWITCHED_OFF if not centre else nothing))
    return x, steps


def _photo_steps(x, size, crop):
    """Keep the middle with the model's shape (square for CIFAR): like resizing the short side to 32
    and cutting off the ends of the long side, so the last step does not squash the picture."""
    height, width = size
    h, w = x.shape[:2]
    crop_h, crop_w = (h, round(h * width / height)) if w * height > h * width else (round(w * height / width), w)
    if crop and (crop_h, crop_w) != (h, w):
        top, left = (h - crop_h) // 2, (w - crop_w) // 2
        x = x[top : top + crop_h, left : left + crop_w]
        return x, [Step("crop", "Middle kept", f"The picture was cut to the model's shape ({crop_w} x {crop_h}), "
                        "keeping the middle, so the next step does not squash it.", x)]
    why = SWITCHED_OFF if not crop else "it already has the model's shape"
    return x, [Step("crop", "Not cropped", "The whole picture was kept; if its shape differs from the model's, "
                    "it will be squashed.", x, False, why)]


def _scale_step(x: np.ndarray, shape: tuple[int, int, int]) -> tuple[np.ndarray, Step]:
    """Resize to the model's size (if needed) and match its number of channels."""
    height, width, channels = shape
    h, w = x.shape[:2]
    if (h, w) != (height, width):
        x = _resize(x, (height, width))
        caption = f"Resized from {w} x {h} to {width} x {height}, the size of the model's training pictures."
    else:
        caption = f"Already {width} x {height}, the size of the model's training pictures."
    if x.ndim == 2:
        x = x[..., None]
    if x.shape[2] != channels:
        if channels == 3:
            x = np.repeat(x, 3, axis=2)
        else:  # grayscale switched off: a 1-channel model can take only one of the colours
            x = x[..., :1]
            caption += " The model takes one channel, and grayscale is off, so only the red channel is kept."
    model_input = _u8(x)
    shown = model_input[..., 0] if channels == 1 else model_input
    return model_input, Step("scale", f"Model input ({width} x {height} x {channels})", caption, shown)


# ---------------------------------------------------------------------------------------------
# Small picture operations (float32 arrays, HxW grey or HxWx3 colour, values 0-255)


def _box(size: tuple[int, int], fill: float) -> tuple[int, int]:
    return max(1, round(size[0] * fill)), max(1, round(size[1] * fill))


def _fit(x: np.ndarray, size: tuple[int, int], fill: float) -> tuple[np.ndarray, bool]:
    """Resize so the longer side fills the box, keep the shape, and centre the box in the frame."""
    height, width = size
    box_h, box_w = _box(size, fill)
    h, w = x.shape[:2]
    scale = min(box_h / h, box_w / w)
    # A thin pen line on a big canvas would fade to a faint 1-pixel trace: thicken it first.
    # (Only when shrinking: enlarging never makes strokes fainter, and MNIST itself passes untouched.)
    stroke = _stroke_width(_luminance(x))
    radius = math.ceil((MIN_STROKE / scale - stroke) / 2) if scale < 1 and stroke * scale < MIN_STROKE else 0
    if radius > 0:
        x = _thicken(x, radius)
        h, w = x.shape[:2]
        scale = min(box_h / h, box_w / w)
    new_h, new_w = max(1, min(box_h, round(h * scale))), max(1, min(box_w, round(w * scale)))
    top, left = (height - new_h + 1) // 2, (width - new_w + 1) // 2  # odd gap: extra pixel above/left, as Fashion-MNIST
    frame = np.zeros((height, width) + x.shape[2:], np.float32)
    frame[top : top + new_h, left : left + new_w] = _resize(x, (new_h, new_w))
    return frame, radius > 0


def _centre_by_mass(x: np.ndarray, size: tuple[int, int] | None) -> tuple[np.ndarray, tuple[int, int]]:
    """Shift the ink so its centre of mass is at (H/2, W/2): pixel (14, 14) in 28x28.

    That is where MNIST's digits have it (their mean centre of mass is (13.99, 14.01) in pixel
    coordinates), not the geometric middle 13.5. With a frame (`size`) the shift is a whole number
    of pixels that never pushes ink out of the frame; without one (fitting switched off) the
    picture is padded on one side instead.
    """
    lum = _luminance(x)
    total = float(lum.sum())
    if total <= 0:
        return x, (0, 0)
    cy = float(lum.sum(axis=1) @ np.arange(lum.shape[0])) / total
    cx = float(lum.sum(axis=0) @ np.arange(lum.shape[1])) / total
    h, w = lum.shape
    if size is None:
        pad_y, pad_x = round(h - 2 * cy), round(w - 2 * cx)
        pads = [(max(pad_y, 0), max(-pad_y, 0)), (max(pad_x, 0), max(-pad_x, 0))] + [(0, 0)] * (x.ndim - 2)
        return np.pad(x, pads), (max(pad_y, 0), max(pad_x, 0))
    top, bottom, left, right = _bounds(lum > 0)
    dy = int(np.clip(round(size[0] / 2 - cy), -top, h - bottom))
    dx = int(np.clip(round(size[1] / 2 - cx), -left, w - right))
    shifted = np.zeros_like(x)
    shifted[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = \
        x[max(-dy, 0) : h - max(dy, 0), max(-dx, 0) : w - max(dx, 0)]
    return shifted, (dy, dx)


def _ink_box(lum: np.ndarray, ignore_specks: bool = True) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right) of the ink, or None when there is none.

    Clearly-ink pixels (a quarter of the way from background to the brightest) find the drawing;
    the box then grows to take in its faint anti-aliased edge, as MNIST's boxes do, but not stray
    specks of noise far away. Without `ignore_specks` every pixel above the background counts
    (clothes can be darker than a quarter of the brightest and still be part of the picture).
    """
    lo, hi = _levels(lum)
    strong = lum > lo + 0.25 * (hi - lo) if ignore_specks else lum > lo
    if hi - lo < EMPTY_CONTRAST or not strong.any():
        return None
    top, bottom, left, right = _bounds(strong)
    if not ignore_specks:
        return top, bottom, left, right
    margin = max(2, round(0.05 * max(bottom - top, right - left)))
    top, left = max(0, top - margin), max(0, left - margin)
    bottom, right = min(lum.shape[0], bottom + margin), min(lum.shape[1], right + margin)
    t, b, l, r = _bounds(lum[top:bottom, left:right] > lo)
    return top + t, top + b, left + l, left + r


def _is_flat(x: np.ndarray) -> bool:
    """No channel varies by EMPTY_CONTRAST or more, ignoring the most extreme 0.5% (noise, dust)."""
    values = x.reshape(-1, x.shape[2] if x.ndim == 3 else 1)
    values = values[:: max(1, len(values) // 100_000)].astype(np.float32)  # a sample is plenty
    spread = np.percentile(values, 99.5, axis=0) - np.percentile(values, 0.5, axis=0)
    return bool(spread.max() < EMPTY_CONTRAST)


def _bounds(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(top, bottom, left, right), bottom and right exclusive, of the True pixels."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def _levels(lum: np.ndarray) -> tuple[float, float]:
    """(background level, brightest ink) of a light-ink-on-dark picture.

    The background is the median of the border plus three times its noise (median absolute
    deviation), so paper grain and camera noise count as background; a clean canvas gives exactly
    0. A median ignores the ink where a drawing runs off the edge.
    """
    border = _border(lum)
    median = float(np.median(border))
    noise = float(np.median(np.abs(border - median))) * 1.4826
    return median + 3 * noise, float(lum.max())


def _border(lum: np.ndarray) -> np.ndarray:
    """The pixels of a strip around the edge (4% of the shorter side, at least 1 pixel)."""
    h, w = lum.shape
    k = max(1, round(0.04 * min(h, w)))
    return np.concatenate([lum[:k].ravel(), lum[-k:].ravel(), lum[k:-k, :k].ravel(), lum[k:-k, -k:].ravel()])


def _stroke_width(lum: np.ndarray) -> float:
    """Typical stroke width in pixels: ink area divided by half its outline length.

    Ink here is anything brighter than half the brightest pixel: the picture is a crop, so its
    border is ink, not background, and `_levels` would not apply.
    """
    ink = np.pad(lum > lum.max() / 2, 1).astype(np.int8)
    outline = np.abs(np.diff(ink, axis=0)).sum() + np.abs(np.diff(ink, axis=1)).sum()
    return float(ink.sum()) / max(outline / 2, 1.0)


def _thicken(x: np.ndarray, radius: int) -> np.ndarray:
    """Grow bright strokes by `radius` pixels on every side (a maximum filter), padding to fit."""
    out = np.pad(x, [(radius, radius), (radius, radius)] + [(0, 0)] * (x.ndim - 2))
    for axis in (0, 1):
        grown = out.copy()
        n = out.shape[axis]
        for step in range(1, radius + 1):
            ahead, behind = [slice(None)] * out.ndim, [slice(None)] * out.ndim
            ahead[axis], behind[axis] = slice(step, n), slice(0, n - step)
            ahead, behind = tuple(ahead), tuple(behind)
            np.maximum(grown[ahead], out[behind], out=grown[ahead])
            np.maximum(grown[behind], out[ahead], out=grown[behind])
        out = grown
    return out


def _resize(x: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Anti-aliased resize (Lanczos: sharp, no jagged edges), up or down, of a uint8 or float picture.

    Lanczos beat area averaging (BOX) slightly on digits redrawn from MNIST, and it keeps thin lines.
    """
    height, width = size
    if x.shape[:2] == (height, width):
        return x
    if x.dtype == np.uint8:  # photos: Pillow's fast 8-bit path, shrinking in two stages when it is big
        return np.asarray(Image.fromarray(x).resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0))
    planes = [x] if x.ndim == 2 else [x[..., c] for c in range(x.shape[2])]
    resized = [np.asarray(Image.fromarray(np.ascontiguousarray(p, np.float32)).resize((width, height),
                                                                                      Image.Resampling.LANCZOS))
               for p in planes]
    return np.clip(resized[0] if x.ndim == 2 else np.stack(resized, axis=2), 0, 255)


def _luminance(x: np.ndarray) -> np.ndarray:
    """Brightness as Pillow's "L" conversion computes it (ITU-R 601 weights)."""
    if x.ndim == 2:
        return x
    return x[..., 0] * 0.299 + x[..., 1] * 0.587 + x[..., 2] * 0.114


def _u8(x: np.ndarray) -> np.ndarray:
    return x if x.dtype == np.uint8 else np.clip(np.rint(x), 0, 255).astype(np.uint8)


def _to_uint8(array: np.ndarray) -> np.ndarray:
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
    return _u8(x)


def _as_picture(image: Any) -> tuple[Image.Image, list[str]]:
    """A PIL image, a LoadedImage or a NumPy array -> an RGB or L PIL image, plus notes."""
    if isinstance(image, LoadedImage):
        picture, notes = _working_picture(image.image)
        return picture, list(image.notes) + notes
    if isinstance(image, Image.Image):
        return _working_picture(image)
    if isinstance(image, np.ndarray):
        array = image[..., 0] if image.ndim == 3 and image.shape[2] == 1 else image
        if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)) or array.size == 0:
            raise ValueError(f"prepare needs an H x W or H x W x 1/3/4 array, got shape {image.shape}")
        return _working_picture(Image.fromarray(np.ascontiguousarray(_to_uint8(array))))
    raise TypeError(f"prepare needs a PIL image, a LoadedImage or a NumPy array, not {type(image).__name__}")


def _check_shape(image_shape) -> tuple[int, int, int]:
    shape = tuple(int(v) for v in image_shape)
    if len(shape) != 3 or shape[2] not in (1, 3) or min(shape[:2]) < 4:
        raise ValueError(f"image_shape must be (height, width, 1 or 3) with sides of at least 4, not {image_shape}")
    return shape
