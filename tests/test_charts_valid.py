"""Every chart the pages draw is a valid Plotly figure, though built without Plotly's validation
(cnnlab/charts/style.py), for runs in every state: empty, training, finished, blown up."""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import plotly.graph_objects as go
import pytest
from support import validated

from cnnlab.charts import board, data, inspection, network, probes, style, timelapse, training

HISTORY = [dict(epoch=i, loss=1 / i, accuracy=0.9 - 0.1 / i, val_loss=1.2 / i, val_accuracy=0.85) for i in (1, 2, 3)]
BATCHES = [dict(epoch=4, batch=j, batches=60, loss=0.3, accuracy=0.9) for j in range(1, 30)]
BLOWN = [dict(epoch=1, batch=j, batches=60, loss=10.0 ** j if j < 5 else float("nan"), accuracy=0.1)
         for j in range(1, 7)]
ROWS = [SimpleNamespace(index=0, name="input", output_shape=(28, 28, 1), error=None, params=0),
        SimpleNamespace(index=1, name="conv1", output_shape=(24, 24, 6), error=None, params=156),
        SimpleNamespace(index=2, name="flatten1", output_shape=(3456,), error=None, params=0),
        SimpleNamespace(index=3, name="dense1", output_shape=(), error="too big", params=0),
        SimpleNamespace(index=4, name="output", output_shape=(10,), error=None, params=34570)]
RNG = np.random.default_rng(0)
DATASET = SimpleNamespace(classes=list("0123456789"), y_train=RNG.integers(0, 10, 300), y_test=RNG.integers(0, 10, 50))
PROBABILITIES = RNG.dirichlet(np.ones(10), size=7)
RUNS = [SimpleNamespace(title="run A", history=HISTORY), SimpleNamespace(title="run B", history=HISTORY[:1])]
BOARD = [SimpleNamespace(test_accuracy=0.9 + i / 100, parameters=1000 * (i + 1), dataset="ab"[i % 2], run_id=f"r{i}",
                         nickname="Ada", architecture="lenet5", epochs=2) for i in range(4)]

CHARTS = {
    "training, nothing yet": lambda: training.training_curves([], 5),
    "training, first batches": lambda: training.training_curves([], 3, batches=BATCHES[:4]),
    "training, epochs and batches": lambda: training.training_curves(HISTORY, 5, batches=BATCHES),
    "training, finished with test": lambda: training.training_curves(HISTORY, test_loss=0.3, test_accuracy=0.9),
    "training, blew up": lambda: training.training_curves([], 3, batches=BLOWN, blew_up=True, guess_loss=math.log(10)),
    "runs compared": lambda: training.compare_runs(RUNS),
    "runs compared, loss": lambda: training.compare_runs(RUNS, metric="loss", curves=("training",)),
    "runs compared, none": lambda: training.compare_runs([]),
    "shape flow": lambda: network.shape_flow(ROWS),
    "parameters": lambda: network.parameter_bars(ROWS),
    "classes": lambda: data.class_distribution(DATASET),
    "grey histogram": lambda: data.pixel_histogram(RNG.integers(0, 256, (5, 28, 28), dtype=np.uint8)),
    "colour histogram": lambda: data.pixel_histogram(RNG.integers(0, 256, (5, 32, 32, 3), dtype=np.uint8)),
    "grey heatmap": lambda: data.pixel_heatmap(RNG.integers(0, 256, (28, 28), dtype=np.uint8)),
    "colour heatmap": lambda: data.pixel_heatmap(RNG.integers(0, 256, (32, 32, 3), dtype=np.uint8), channel=2),
    "one-hot": lambda: data.one_hot(3, list("0123456789")),
    "board": lambda: board.accuracy_vs_parameters(BOARD, chosen="r1"),
    "confusion matrix": lambda: inspection.confusion_heatmap(RNG.integers(0, 30, (4, 4)), list("abcd"),
                                                             np.array([0.9, 0.5, np.nan, 0.8]), chosen=(1, 2)),
    "confusion matrix, many classes": lambda: inspection.confusion_heatmap(RNG.integers(0, 9, (16, 16)),
                                                                           [f"class {i}" for i in range(16)]),
    "accuracy per class": lambda: inspection.per_class_accuracy_bars(np.array([0.9, 0.5, np.nan]), list("abc"), 0.8),
    "accuracy per class, no overall line": lambda: inspection.per_class_accuracy_bars(np.array([0.9, 0.5]), list("ab")),
    "top guesses": lambda: inspection.top_predictions_bars([("7", 0.7), ("1", 0.2), ("9", 0.1)]),
    "sweep": lambda: probes.sweep_chart(np.linspace(-30, 30, 7), PROBABILITIES, list("0123456789"), 3, "angle",
                                        recognised=(-10, 10), current=5.0),
    "time-lapse": lambda: timelapse.loss_with_marker(HISTORY, 2.5, "epoch 2.5", 3),
    "classify": lambda: _classify_chart(),
}


def _classify_chart():
    from cnnlab.ui.classify import probability_chart

    return probability_chart(np.array([0.1, 0.8, 0.1]), list("xyz"), "y", True, 0.6)


@pytest.mark.parametrize("name", CHARTS)
def test_every_chart_is_a_valid_plotly_figure(name):
    fig = CHARTS[name]()
    assert validated(fig).to_dict() == fig.to_dict()  # nothing dropped or changed by validating


def test_the_grid_of_charts_is_plotlys_own_and_each_figure_gets_a_copy():
    from plotly.subplots import make_subplots

    titles = ("loss", "accuracy")
    assert style.grid(1, 2, titles, horizontal_spacing=0.1) == {
        k: v for k, v in make_subplots(rows=1, cols=2, subplot_titles=titles, horizontal_spacing=0.1)
        .layout.to_plotly_json().items() if k != "template"}
    style.grid(1, 2, titles, horizontal_spacing=0.1)["xaxis"]["range"] = [0, 1]
    assert "range" not in style.grid(1, 2, titles, horizontal_spacing=0.1)["xaxis"]
    assert style.axes(1, 1, 2) == dict(xaxis="x", yaxis="y") and style.axes(2, 1, 2) == dict(xaxis="x3", yaxis="y3")


def test_look_adds_to_the_shared_layout_and_what_a_chart_gives_wins():
    layout = style.look("Title", 300, x_title="epoch", xaxis=dict(range=[0, 1]), legend=dict(y=-0.2))
    assert layout["title"] == dict(text="Title") and layout["height"] == 300
    assert layout["xaxis"] == dict(title=dict(text="epoch"), range=[0, 1])
    assert layout["legend"]["y"] == -0.2 and layout["legend"]["orientation"] == "h"
    assert "title" not in style.look(None) and isinstance(style.figure([], layout), go.Figure)
