"""Opening picture files safely: size limits, damaged files, animations, odd colour modes,
transparency and phone rotation; and the drawing canvas's pixels as a picture.

Pure NumPy + Pillow: no TensorFlow, no Streamlit. cnnlab.preprocess then prepares a picture
for a model.
"""
from __future__ import annotations

import io
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Union

import numpy as np
from PIL import (
    BmpImagePlugin,  # noqa: F401
    GifImagePlugin,  # noqa: F401
    Image,
    ImageColor,
    JpegImagePlugin,  # noqa: F401
    PngImagePlugin,  # noqa: F401
    WebPImagePlugin,  # noqa: F401
)

from cnnlab.settings import CnnlabError

MAX_PIXELS = 40_000_000  # bigger than any phone photo; beyond it, refuse before decoding
# Pillow decodes a WebP whole, in three full-size copies (a 40-megapixel one took 600 MB): keep
# WebP to a size whose decoding stays well under 300 MB (16 megapixels: 250 MB, measured).
MAX_WEBP_PIXELS = 16_000_000
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
    image, more = working_picture(img, label)
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


def working_picture(img: Image.Image, label: str = "The picture") -> tuple[Image.Image, list[str]]:
    """A decoded picture of any size and mode -> RGB or L, at most WORKING_SIZE on its longer side.

    Shrinking comes first, in 8 bits (or 32 for deep pictures): a 6300 x 6300 picture with
    transparency would otherwise be converted, filled and copied in floats at full size (about
    1 GB for a 165 KB file). Modes that need converting first (transparency, palettes) are
    converted and shrunk a strip at a time, so no full-size copy of the picture is ever made.
    """
    before = img.size
    if max(before) > WORKING_SIZE:
        img = _shrunk(img, WORKING_SIZE)
    picture, notes = to_rgb_or_l(img, label)
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


def to_rgb_or_l(img: Image.Image, label: str = "The picture") -> tuple[Image.Image, list[str]]:
    """Any Pillow mode -> RGB or L, scaling deep pictures to 0-255 and filling transparency."""
    mode = img.mode
    if mode in ("RGB", "L"):
        return img, []
    if mode == "1":
        return img.convert("L"), []
    if mode.startswith("I") or mode == "F":
        return _deep_to_l(np.asarray(img), img.info.get("deep_mode", mode)), []
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
