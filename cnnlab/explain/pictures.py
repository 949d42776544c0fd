"""Pictures to explore: a few drawn test pictures, and any picture as the network sees it.

A cnnlab network's first layer divides the pixels (0..255) by 255, so the numbers its first
convolution multiplies are 0..1: `as_network_view` gives the Learn pages the same numbers, and
`for_network` converts a picture of another size or colour to a network's input shape.
"""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from cnnlab.explain.windows import ExplainError

GREY_SIZE, COLOUR_SIZE = 28, 32  # MNIST's and CIFAR-10's sizes


def _grey(draw) -> np.ndarray:
    picture = Image.new("L", (GREY_SIZE, GREY_SIZE), 0)
    draw(ImageDraw.Draw(picture))
    return np.asarray(picture, np.uint8)[..., None]


def _colour(draw) -> np.ndarray:
    picture = Image.new("RGB", (COLOUR_SIZE, COLOUR_SIZE), (0, 0, 0))
    draw(ImageDraw.Draw(picture))
    return np.asarray(picture, np.uint8)


def _stripes() -> np.ndarray:
    x = np.zeros((GREY_SIZE, GREY_SIZE, 1), np.uint8)
    x[:, 4:24][:, (np.arange(20) // 4) % 2 == 0] = 255
    return x


def _checkerboard() -> np.ndarray:
    rows, cols = np.indices((GREY_SIZE, GREY_SIZE))
    return (((rows // 7 + cols // 7) % 2) * 255).astype(np.uint8)[..., None]


def _gradient() -> np.ndarray:
    ramp = np.linspace(0, 255, GREY_SIZE)
    return np.round(np.tile(ramp, (GREY_SIZE, 1))).astype(np.uint8)[..., None]


def _colour_blocks(d) -> None:
    d.rectangle((2, 2, 14, 14), fill=(230, 40, 40))
    d.rectangle((17, 2, 29, 14), fill=(40, 200, 60))
    d.rectangle((2, 17, 14, 29), fill=(40, 80, 230))
    d.ellipse((17, 17, 29, 29), fill=(250, 220, 40))


# Each: name -> (how it is made, what it is good for). Grey ones are 28x28, colour ones 32x32x3.
TEST_PICTURES = {
    "a seven": (lambda: _grey(lambda d: (d.line((7, 6, 21, 6), fill=255, width=3),
                                         d.line((21, 6, 12, 23), fill=255, width=3))),
                "a digit-like stroke with horizontal, slanted and vertical-ish edges"),
    "a square": (lambda: _grey(lambda d: d.rectangle((8, 8, 19, 19), fill=255)),
                 "four straight edges: each edge kernel finds two of them"),
    "a ring": (lambda: _grey(lambda d: d.ellipse((5, 5, 22, 22), outline=255, width=3)),
               "edges in every direction"),
    "vertical stripes": (_stripes, "edges that are all vertical"),
    "a checkerboard": (_checkerboard, "corners and edges in two directions"),
    "a gradient": (_gradient, "no edges at all, just a slow change from dark to bright"),
    "colour blocks": (lambda: _colour(_colour_blocks),
                      "a red, a green and a blue square and a yellow disc: one colour per channel"),
    "a colour ring": (lambda: _colour(lambda d: (d.ellipse((4, 4, 27, 27), outline=(255, 140, 0), width=4),
                                                 d.rectangle((12, 12, 19, 19), fill=(0, 160, 255)))),
                      "an orange ring around a blue square"),
}


def picture_named(name: str) -> np.ndarray:
    """The test picture called `name` as uint8 (H, W, C)."""
    if name not in TEST_PICTURES:
        raise ExplainError(f"there is no test picture called {name!r}; choose one of {', '.join(TEST_PICTURES)}")
    return TEST_PICTURES[name][0]()


def as_network_view(image) -> np.ndarray:
    """uint8 pixels (H, W) or (H, W, C) -> float64 (H, W, C) in 0..1, what the first layer sees."""
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3 or image.shape[2] not in (1, 3):
        raise ExplainError(f"a picture must be height x width x 1 or 3 channels, got shape {image.shape}")
    return image.astype(np.float64) / 255.0


def for_network(image: np.ndarray, shape) -> tuple[np.ndarray, str | None]:
    """The picture converted to a network's input shape (H, W, C), and a sentence saying what was
    done (None when it already had that shape). Uses the Classify page's photo preparation:
    grey or colour as the network needs, the middle kept, resized."""
    from cnnlab.preprocess import prepare

    image = np.asarray(image, np.uint8)
    if image.ndim == 2:
        image = image[..., None]
    shape = tuple(int(n) for n in shape)
    if image.shape == shape:
        return image, None
    converted = prepare(image[..., 0] if image.shape[2] == 1 else image, shape, style="photo").model_input
    return converted, (f"The picture was converted from {'x'.join(map(str, image.shape))} to "
                       f"{'x'.join(map(str, shape))}, the trained network's input.")
