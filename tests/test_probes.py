"""Invariance probes (issue 12, part 2): the changes do what their names say; sweeps and the range
where the network still reads the picture."""
from __future__ import annotations

import numpy as np
import pytest

from cnnlab import probes
from cnnlab.charts.probes import classes_worth_showing, sweep_chart
from cnnlab.probes import Change, recognised_range, sweep, transform


def bar_above_centre() -> np.ndarray:
    image = np.zeros((28, 28, 1), np.uint8)
    image[4:10, 13:15] = 255
    return image


def centre_of_ink(image: np.ndarray) -> tuple[float, float]:
    ys, xs = np.nonzero(image[:, :, 0] > 100)
    return ys.mean(), xs.mean()


def test_no_change_leaves_the_picture_as_it_is():
    image = np.random.default_rng(0).integers(0, 256, (28, 28, 1)).astype(np.uint8)
    np.testing.assert_array_equal(transform(image, Change()), image)


def test_shifts_move_right_and_down_and_rotation_turns_anticlockwise():
    image = bar_above_centre()
    y, x = centre_of_ink(image)
    assert centre_of_ink(transform(image, Change(shift_x=3, shift_y=-2))) == pytest.approx((y - 2, x + 3))
    turned_y, turned_x = centre_of_ink(transform(image, Change(rotation=90)))
    assert turned_y == pytest.approx(13.5, abs=1) and turned_x < 10  # the top of the picture went left
    shrunk = transform(image, Change(scale=0.5))
    assert (shrunk > 100).sum() < (image > 100).sum()
    assert centre_of_ink(shrunk)[0] > y  # pulled towards the centre


def test_thickness_grows_and_thins_strokes_and_noise_is_repeatable():
    image = bar_above_centre()
    ink = (image > 100).sum()
    assert (transform(image, Change(thickness=0.5)) > 100).sum() > ink > (transform(image,
                                                                                    Change(thickness=-0.5)) > 100).sum()
    noisy = transform(image, Change(noise=0.2, seed=3))
    assert noisy.dtype == np.uint8 and noisy.shape == image.shape and not np.array_equal(noisy, image)
    np.testing.assert_array_equal(noisy, transform(image, Change(noise=0.2, seed=3)))


def test_colour_pictures_keep_their_shape():
    image = np.random.default_rng(1).integers(0, 256, (32, 32, 3)).astype(np.uint8)
    out = transform(image, Change(rotation=30, thickness=0.25))
    assert out.shape == (32, 32, 3) and out.dtype == np.uint8


def test_a_sweep_is_one_batch_with_one_row_per_value():
    calls = []

    def fake_probabilities(batch):  # "class 1" while the ink stays well above the middle
        calls.append(len(batch))
        top = np.array([centre_of_ink(b)[0] < 11 if (b > 100).any() else False for b in batch])
        return np.stack([1.0 - top, top.astype(float)], axis=1)

    values, probs = sweep(fake_probabilities, bar_above_centre(), "rotation")
    assert calls == [len(values)] and probs.shape == (len(values), 2)
    assert values[0] == -90 and values[-1] == 90
    lo, hi = recognised_range(values, probs, 1)
    assert -90 < lo < 0 < hi < 90  # turned far enough, the bar is no longer above the middle
    with pytest.raises(ValueError, match="cannot sweep"):
        probes.sweep_values("colour")


def test_recognised_range_is_the_run_around_the_unchanged_picture():
    values = np.array([-2, -1, 0, 1, 2, 3])
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.1, 0.9], [0.3, 0.7], [0.8, 0.2], [0.1, 0.9]])
    assert recognised_range(values, probs, 1) == (-1.0, 1.0)
    assert recognised_range(values, probs, 0) is None
    assert recognised_range(values, probs, 1, threshold=0.75) == (-1.0, 0.0)


def test_the_sweep_chart_colours_the_classes_that_matter():
    values = np.linspace(-90, 90, 37)
    probs = np.full((37, 10), 0.02)
    probs[:, 7] = np.linspace(0.9, 0.1, 37)
    probs[:, 1] = 1 - probs.sum(axis=1) + probs[:, 1]
    assert classes_worth_showing(probs, 7)[:2] == [7, 1]
    fig = sweep_chart(values, probs, [str(i) for i in range(10)], 7, "rotation (degrees)", (-90, 0), 10)
    coloured = [t for t in fig.data if t.showlegend is not False]
    assert [t.name for t in coloured][:2] == ["7", "1"] and len(fig.data) == 10
    assert fig.layout.shapes and fig.layout.yaxis.tickformat == ".0%"
