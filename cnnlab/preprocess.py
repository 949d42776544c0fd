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

Files are opened by cnnlab.imagefiles; the small operations the steps use are in
cnnlab.picture_ops. Pure NumPy + Pillow: no TensorFlow, no Streamlit.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from cnnlab import picture_ops as ops
from cnnlab.imagefiles import LoadedImage, as_uint8, round_to_uint8, working_picture

# How each dataset's pictures were made: the share of the frame the drawing's longer side fills
# (MNIST: 20 of 28 pixels, a 4-pixel black border; Fashion-MNIST: all 28) and what is centred
# (MNIST: the centre of mass; Fashion-MNIST: the outline's box). Fractions, so 64x64 works too.
FILL = {"digit": 20 / 28, "fashion": 1.0}
SWITCHED_OFF = "you switched it off"


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
    black); for photos: the picture is one flat colour. `background_was_light`: the picture's border
    was light, like paper.
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
    background_was_light = bool(np.median(ops.border(lum)) > 127.5)
    if style == "digit" and background_was_light:  # ink on paper: shadows, uneven light, grain, pencil
        x, paper_step = _paper_step(x, paper)
        steps.append(paper_step)
        lum = np.asarray(x if x.ndim == 2 else lum, dtype=np.float32)
    if style in FILL:  # ink on paper: empty when no ink stands out from the background
        lo, hi = ops.levels(255 - lum if background_was_light else lum)
        is_empty = bool(hi - lo < ops.EMPTY_CONTRAST)
    else:  # a photo has no ink and no background: empty only when it is one flat colour
        is_empty = ops.is_flat(raw)

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
                       round_to_uint8(x), False, why)
    from cnnlab.paper import even_out_paper

    cleaned, _ = even_out_paper(x)
    return cleaned, Step("paper", "Paper evened out", "The paper's brightness was measured all over it and divided "
                         "out, so shadows and uneven light disappear; faint grain was dropped and the ink, pencil "
                         "included, made fully dark.", round_to_uint8(cleaned))


def _digit_steps(x, size, style, invert, contrast, crop, fit, centre, background_was_light, is_empty):
    """invert -> contrast -> crop -> fit -> centre, on a float32 picture (HxW, or HxWx3 with colour kept)."""
    steps = []
    nothing = "nothing was drawn"

    do_invert = background_was_light if invert == "auto" else bool(invert)
    if do_invert:
        x = 255 - x
        why = "the background was light" if invert == "auto" else "you asked for it"
        steps.append(Step("invert", f"Inverted ({why})", "Dark became light and light became dark: MNIST digits "
                          "are white ink on a black background.", round_to_uint8(x)))
    else:
        why = SWITCHED_OFF if invert is False else "the background is already dark"
        steps.append(Step("invert", f"Not inverted ({why})", "The picture was left as it is.", round_to_uint8(x),
                          False, why))

    # MNIST's background is exactly 0 and its ink reaches 255; paper grain and shadows are neither.
    lo, hi = ops.levels(ops.luminance(x))
    if contrast and not is_empty and hi - lo > 1 and (lo > 0.5 or hi < 254.5):  # hi == lo: nothing to stretch
        x = np.clip((x - lo) * (255 / (hi - lo)), 0, 255)
        steps.append(Step("contrast", "Contrast stretched", "The background was made pure black and the brightest "
                          "ink pure white, as in MNIST; faint noise disappeared.", round_to_uint8(x)))
    else:
        why = SWITCHED_OFF if not contrast else nothing if is_empty else "it is already black and white"
        steps.append(Step("contrast", "Contrast (unchanged)", "The brightness was left as it is.", round_to_uint8(x),
                          False, why))

    box = None if is_empty else ops.ink_box(ops.luminance(x), ignore_specks=style == "digit")
    if crop and box is not None:
        top, bottom, left, right = box
        before = x.shape[:2]
        x = x[top:bottom, left:right]
        steps.append(Step("crop", "Cropped to the ink", f"Everything around the drawing was cut away ({before[1]} x "
                          f"{before[0]} -> {x.shape[1]} x {x.shape[0]}), so where you drew no longer matters.",
                          round_to_uint8(x)))
    else:
        why = SWITCHED_OFF if not crop else nothing if is_empty else "no light ink on a dark background was found"
        steps.append(Step("crop", "Not cropped", "The whole picture was kept, empty space included.",
                          round_to_uint8(x), False, why))

    if fit and not is_empty:
        x, thickened = ops.fit(x, size, FILL[style])
        box_h, box_w = ops.box(size, FILL[style])
        how = "leaving a black border, like MNIST digits" if style == "digit" else "like Fashion-MNIST pictures"
        thick = " Thin strokes were thickened first so they survive the shrinking." if thickened else ""
        steps.append(Step("fit", f"Fitted into {box_w} x {box_h}", f"The drawing was resized to fill a {box_w} x "
                          f"{box_h} box without squashing it, {how}.{thick}", round_to_uint8(x)))
    else:
        steps.append(Step("fit", "Not fitted", "The drawing kept its size; it will simply be stretched to the "
                          "model's size at the end.", round_to_uint8(x), False, SWITCHED_OFF if not fit else nothing))

    if style == "fashion":  # Fashion-MNIST centred each picture's outline box, which fitting already did
        why = "Fashion-MNIST centres each picture's outline, not its mass" if centre else SWITCHED_OFF
        steps.append(Step("centre", "Not centred by mass", "Fitting already put the outline in the middle.",
                          round_to_uint8(x), False, why))
    elif centre and not is_empty:
        x, (dy, dx) = ops.centre_by_mass(x, size if fit else None)
        steps.append(Step("centre", "Centred by mass", f"The drawing was moved ({dx:+d} right, {dy:+d} down) so its "
                          "centre of mass, the average position of the ink, is in the middle, as in MNIST.",
                          round_to_uint8(x)))
    else:
        steps.append(Step("centre", "Not centred", "The drawing stayed where it was.", round_to_uint8(x), False,
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
        x = ops.resize(x, (height, width))
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
    model_input = round_to_uint8(x)
    shown = model_input[..., 0] if channels == 1 else model_input
    return model_input, Step("scale", f"Model input ({width} x {height} x {channels})", caption, shown)



def _as_picture(image: Any) -> tuple[Image.Image, list[str]]:
    """A PIL image, a LoadedImage or a NumPy array -> an RGB or L PIL image, plus notes."""
    if isinstance(image, LoadedImage):
        picture, notes = working_picture(image.image)
        return picture, list(image.notes) + notes
    if isinstance(image, Image.Image):
        return working_picture(image)
    if isinstance(image, np.ndarray):
        array = image[..., 0] if image.ndim == 3 and image.shape[2] == 1 else image
        if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)) or array.size == 0:
            raise ValueError(f"prepare needs an H x W or H x W x 1/3/4 array, got shape {image.shape}")
        return working_picture(Image.fromarray(np.ascontiguousarray(as_uint8(array))))
    raise TypeError(f"prepare needs a PIL image, a LoadedImage or a NumPy array, not {type(image).__name__}")


def _check_shape(image_shape) -> tuple[int, int, int]:
    shape = tuple(int(v) for v in image_shape)
    if len(shape) != 3 or shape[2] not in (1, 3) or min(shape[:2]) < 4:
        raise ValueError(f"image_shape must be (height, width, 1 or 3) with sides of at least 4, not {image_shape}")
    return shape
