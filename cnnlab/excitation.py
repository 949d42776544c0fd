"""What excites a filter: the test pictures that make one filter of one layer respond most, and
where in each picture it responds (its feature map laid over the picture).

A filter's kernel only shows what it looks for in the first layer, where it reads pixels. Deeper
filters read other filters' maps, so the way to see what they detect is to ask the data: which
pictures light them up most? (The idea of Zeiler & Fergus, 2014, without the deconvolution.)

    layer_peaks(model, x_test, "conv2")         every picture's strongest response, per filter
    strongest(peaks, filter_index, k=9)         the k pictures that excite that filter most
    filter_maps(model, pictures, "conv2", 5)    the filter's feature map over each of them
    map_over_picture(picture, fmap, top)        that map, enlarged, laid over the picture
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from PIL import Image

from cnnlab.inspection import InspectionError, _helper, _layers_of

BATCH_SIZE = 512
TOP_PICTURES = 9
MAP_KINDS = ("Conv2D", "MaxPooling2D", "AveragePooling2D")


def filter_layers(model) -> list[tuple[str, int]]:
    """The layers with filters to look at (convolution and pooling), as (name, number of filters)."""
    return [(layer.name, int(layer.output.shape[-1])) for layer in _layers_of(model, *MAP_KINDS)]


def _layer(model, layer_name: str):
    names = [name for name, _ in filter_layers(model)]
    if layer_name not in names:
        raise InspectionError(f"This network has no convolution or pooling layer called {layer_name!r}; "
                              f"it has {', '.join(names) or 'none'}.")
    return model.get_layer(layer_name)


def _peaks_model(model, layer_name: str):
    """A model giving, for each picture, every filter's strongest response anywhere in its map:
    the maximum is taken inside the graph, so whole maps never leave it."""
    def build():
        import keras

        output = _layer(model, layer_name).output
        peak = keras.layers.GlobalMaxPooling2D(name="peak")(output)
        return keras.Model(model.inputs[0], peak)

    return _helper(model, f"peaks:{layer_name}", build)


def _map_model(model, layer_name: str):
    def build():
        import keras

        return keras.Model(model.inputs[0], _layer(model, layer_name).output)

    return _helper(model, f"maps:{layer_name}", build)


def layer_peaks(model, x: np.ndarray, layer_name: str, batch_size: int = BATCH_SIZE,
                progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """(pictures, filters): each picture's strongest response of each filter of the layer."""
    x = np.asarray(x)
    if x.ndim != 4 or not len(x):
        raise InspectionError(f"expected a non-empty batch of pictures (N, H, W, C), got shape {x.shape}")
    probe = _peaks_model(model, layer_name)
    chunks = []
    for start in range(0, len(x), batch_size):
        chunks.append(np.asarray(probe.predict_on_batch(x[start:start + batch_size].astype(np.float32)), np.float32))
        if progress:
            progress(min(start + batch_size, len(x)), len(x))
    return np.concatenate(chunks)


def strongest(peaks: np.ndarray, filter_index: int, k: int = TOP_PICTURES) -> np.ndarray:
    """Indices of the k pictures with the strongest response of the filter, strongest first."""
    peaks = np.asarray(peaks)
    if not 0 <= filter_index < peaks.shape[1]:
        raise InspectionError(f"filter {filter_index + 1} does not exist: this layer has {peaks.shape[1]} filters")
    return np.argsort(-peaks[:, filter_index], kind="stable")[:k]


def filter_maps(model, pictures: np.ndarray, layer_name: str, filter_index: int) -> np.ndarray:
    """(pictures, height, width): the filter's feature map for each picture."""
    maps = np.asarray(_map_model(model, layer_name).predict_on_batch(np.asarray(pictures, np.float32)))
    if not 0 <= filter_index < maps.shape[-1]:
        raise InspectionError(f"filter {filter_index + 1} does not exist: this layer has {maps.shape[-1]} filters")
    return maps[..., filter_index]


def map_over_picture(picture: np.ndarray, fmap: np.ndarray, top: float) -> np.ndarray:
    """The feature map stretched to the picture's size (each map pixel covers the patch it stands
    for) and laid over it as heat, on a scale where `top` is brightest (shared by a gallery)."""
    from cnnlab.charts.inspection import heat_overlay

    picture = np.asarray(picture)
    h, w = picture.shape[:2]
    heat = np.clip(np.asarray(fmap, np.float32) / top, 0, 1) if top > 0 else np.zeros(np.shape(fmap), np.float32)
    big = np.asarray(Image.fromarray(heat, "F").resize((w, h), Image.Resampling.BILINEAR))
    return heat_overlay(picture, big)
