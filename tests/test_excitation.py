"""What excites a filter (issue 12, part 3): the strongest pictures and the maps over them."""
from __future__ import annotations

import numpy as np
import pytest

from cnnlab import excitation, inspection, runs
from cnnlab.datasets import load_dataset
from cnnlab.inspection import InspectionError


@pytest.fixture
def model_and_pictures(trained_run):
    data = load_dataset("mnist-sample")
    return runs.load_model(trained_run.run_id), data.x_test[:300], data.y_test[:300]


def test_every_conv_and_pooling_layer_is_offered_with_its_filters(model_and_pictures):
    model, _, _ = model_and_pictures
    assert excitation.filter_layers(model) == [("conv1", 4), ("pool1", 4), ("conv2", 20), ("pool2", 20)]


def test_peaks_are_the_maxima_of_the_feature_maps_and_the_strongest_come_first(model_and_pictures):
    model, x, _ = model_and_pictures
    peaks = excitation.layer_peaks(model, x, "conv2", batch_size=128)  # several batches
    assert peaks.shape == (300, 20)
    for i in (0, 57, 299):
        maps = dict(inspection.feature_maps(model, x[i]))["conv2"]
        np.testing.assert_allclose(peaks[i], maps.max(axis=(0, 1)), rtol=1e-4, atol=1e-5)
    chosen = excitation.strongest(peaks, 7)
    assert len(chosen) == 9 and len(set(chosen)) == 9
    assert list(peaks[chosen, 7]) == sorted(peaks[:, 7], reverse=True)[:9]

    maps = excitation.filter_maps(model, x[chosen], "conv2", 7)
    assert maps.shape == (9, 14, 14)
    np.testing.assert_allclose(maps.max(axis=(1, 2)), peaks[chosen, 7], rtol=1e-4, atol=1e-5)


def test_the_map_is_laid_over_the_picture_at_the_pictures_size(model_and_pictures):
    model, x, _ = model_and_pictures
    fmap = excitation.filter_maps(model, x[:1], "pool2", 0)[0]  # 7x7 over a 28x28 picture
    overlay = excitation.map_over_picture(x[0], fmap, float(fmap.max()) or 1.0)
    assert overlay.shape == (28, 28, 3) and overlay.dtype == np.uint8
    dark = excitation.map_over_picture(x[0], np.zeros_like(fmap), 0.0)  # a silent filter: only the dimmed picture
    assert dark.max() <= x[0].max()


def test_wrong_layers_and_filters_are_named(model_and_pictures):
    model, x, _ = model_and_pictures
    with pytest.raises(InspectionError, match="no convolution or pooling layer called 'dense1'.*conv1, pool1"):
        excitation.layer_peaks(model, x, "dense1")
    with pytest.raises(InspectionError, match="filter 5 does not exist: this layer has 4 filters"):
        excitation.strongest(excitation.layer_peaks(model, x, "conv1"), 4)


def test_the_inspect_tab_shows_nine_pictures_and_the_probe_tab_its_sweep(trained_run):
    from support import open_app_page

    at = open_app_page("pages/inspect.py", "excite-tab", run_id=trained_run.run_id)
    pictures = [caption for image in at.get("image") for caption in image.captions]
    assert len([c for c in pictures if c.startswith("#") and "strongest response" in c]) == 9
    captions = [c.value for c in at.caption]
    assert any("where filter 1 of conv1 responds most" in c for c in captions)
    assert any(c.startswith("The network still reads") or "does not give" in c for c in captions)
    assert not at.exception and not at.error
