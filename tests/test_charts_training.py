"""The training charts: what each trace is, and the empty chart before the first epoch."""
from __future__ import annotations

import math

import pytest

from cnnlab.charts.style import TEST, TRAINING, VALIDATION
from cnnlab.charts.training import FIRST_POINT_NOTE, RUN_COLOURS, compare_runs, training_curves
from cnnlab.runs import Run

HISTORY = [
    {"epoch": 1, "loss": 0.50, "accuracy": 0.85, "val_loss": 0.30, "val_accuracy": 0.90},
    {"epoch": 2, "loss": 0.25, "accuracy": 0.93, "val_loss": 0.20, "val_accuracy": 0.94},
]


def traces(fig):
    return {(t.name, t.xaxis): t for t in fig.data}


def test_training_curves_draws_loss_and_accuracy_for_training_and_validation():
    fig = training_curves(HISTORY, epochs=10)
    by = traces(fig)
    assert set(by) == {("training", "x"), ("validation", "x"), ("training", "x2"), ("validation", "x2")}
    assert list(by[("training", "x")].y) == [0.50, 0.25]
    assert list(by[("validation", "x2")].y) == [0.90, 0.94]
    assert by[("training", "x")].line.color == TRAINING and by[("validation", "x")].line.color == VALIDATION
    assert list(by[("training", "x")].x) == [1, 2]
    # the x axis already spans all ten planned epochs, so the live chart grows into it
    assert tuple(fig.layout.xaxis.range) == (0.5, 10.5) and tuple(fig.layout.xaxis2.range) == (0.5, 10.5)
    assert fig.layout.yaxis2.tickformat == ".0%"
    assert not fig.layout.annotations or all(a.text != FIRST_POINT_NOTE for a in fig.layout.annotations)
    # each curve appears once in the legend, not once per subplot
    assert sum(1 for t in fig.data if t.showlegend) == 2


def test_before_the_first_epoch_the_axes_are_shown_with_a_note():
    fig = training_curves([], epochs=5)
    assert [len(t.x) for t in fig.data] == [0, 0]  # empty traces: they only make Plotly draw both axes
    assert {t.xaxis for t in fig.data} == {"x", "x2"}
    assert [a.text for a in fig.layout.annotations].count(FIRST_POINT_NOTE) == 2
    assert tuple(fig.layout.yaxis2.range) == (0, 1) and tuple(fig.layout.xaxis.range) == (0.5, 5.5)


def test_test_results_are_dotted_lines_and_missing_validation_is_skipped():
    no_val = [{k: v for k, v in h.items() if not k.startswith("val_")} for h in HISTORY]
    fig = training_curves(no_val, epochs=2, test_loss=0.22, test_accuracy=0.95)
    names = [(t.name, t.xaxis) for t in fig.data]
    assert ("validation", "x") not in names
    test_acc = traces(fig)[("test (after training)", "x2")]
    assert list(test_acc.y) == [0.95, 0.95] and test_acc.line.dash == "dot" and test_acc.line.color == TEST


def test_non_finite_values_become_gaps_not_crashes():
    fig = training_curves([{"epoch": 1, "loss": float("nan"), "accuracy": 0.5},
                           {"epoch": 2, "loss": 0.4, "accuracy": 0.6}], epochs=2)
    assert list(traces(fig)[("training", "x")].y) == [None, 0.4]
    assert not math.isnan(fig.layout.xaxis.range[1])


def make_run(suffix, history, lr=0.001):
    return Run(run_id=f"20261121-000000-lenet5-mnist-sample-{suffix}",
               config={"architecture": "lenet5", "dataset": "mnist-sample", "learning_rate": lr, "batch_size": 32},
               history=history)


def test_compare_runs_gives_each_run_a_colour_and_dashes_training():
    slow = make_run("aaaa", HISTORY, lr=0.0001)
    fast = make_run("bbbb", HISTORY + [{"epoch": 3, "loss": 0.1, "accuracy": 0.97, "val_loss": 0.15,
                                        "val_accuracy": 0.96}])
    fig = compare_runs([slow, fast], "accuracy")
    assert len(fig.data) == 4
    for run, colour in zip((slow, fast), RUN_COLOURS):
        mine = [t for t in fig.data if t.legendgroup == run.title]
        assert {t.name for t in mine} == {"validation", "training"}
        assert {t.line.color for t in mine} == {colour}
        assert {t.name: t.line.dash for t in mine} == {"validation": "solid", "training": "dash"}
    assert list(next(t for t in fig.data if t.legendgroup == fast.title and t.name == "validation").y) == \
        [0.90, 0.94, 0.96]
    assert tuple(fig.layout.xaxis.range) == (0.5, 3.5)
    assert "#aaaa" in slow.title and fig.data[0].legendgrouptitle.text == slow.title


def test_compare_runs_metric_and_curve_choice():
    fig = compare_runs([make_run("aaaa", HISTORY)], "loss", curves=["training"])
    assert [t.name for t in fig.data] == ["training"] and list(fig.data[0].y) == [0.50, 0.25]
    assert "Loss" in fig.layout.title.text
    with pytest.raises(ValueError):
        compare_runs([], "speed")
    with pytest.raises(ValueError):
        compare_runs([], "loss", curves=["test"])


def test_compare_runs_without_curves_says_so():
    fig = compare_runs([make_run("aaaa", [])], "accuracy")
    assert len(fig.data) == 0 and "Pick runs" in fig.layout.annotations[0].text


def batch(epoch, number, of, loss, accuracy=0.5):
    return {"epoch": epoch, "batch": number, "batches": of, "loss": loss, "accuracy": accuracy}


def test_the_first_epoch_is_drawn_batch_by_batch_so_the_chart_is_never_empty():
    fig = training_curves([], epochs=3, batches=[batch(1, 25, 100, 2.2, 0.2), batch(1, 50, 100, 1.1, 0.6)])
    by = traces(fig)
    loss, accuracy = by[("training, batch by batch", "x")], by[("training, batch by batch", "x2")]
    assert list(loss.x) == [0.25, 0.5] and list(loss.y) == [2.2, 1.1] and list(accuracy.y) == [0.2, 0.6]
    assert not fig.layout.annotations or all(a.text != FIRST_POINT_NOTE for a in fig.layout.annotations)
    assert tuple(fig.layout.xaxis.range) == (0, 3.5)  # from the first batch to the last planned epoch
    # Later epochs: the thin line continues from the last epoch's point (batch 50 of 100 in epoch 3 is at 2.5).
    fig = training_curves(HISTORY, epochs=3, batches=[batch(3, 50, 100, 0.2)])
    assert list(traces(fig)[("training, batch by batch", "x")].x) == [2.5]


def test_a_loss_that_blew_up_is_marked_where_it_happened_on_a_log_scale():
    points = [batch(1, i, 8, loss) for i, loss in enumerate([2.3, 2.0, 40.0, 3e5, float("inf")], 1)]
    fig = training_curves([], batches=points, blew_up=True, guess_loss=math.log(10))
    by = traces(fig)
    assert list(by[("guessing at random (2.30)", "x")].y) == [math.log(10)] * 2  # where every network starts
    assert list(by[("training, batch by batch", "x")].y) == [2.3, 2.0, 40.0, 3e5, None]  # infinity: a gap
    marker = by[("blew up here", "x")]
    assert list(marker.x) == [4 / 8] and list(marker.y) == [3e5]  # the last loss that was still a number
    assert fig.layout.yaxis.type == "log"
    assert any("blew up" in a.text and "not a number" in a.text for a in fig.layout.annotations)
    assert ("blew up here", "x") not in traces(training_curves([], batches=points))  # only when it blew up


def test_a_run_that_blew_up_at_its_first_report_still_shows_where():
    """A learning rate of 8 blows up before the first report (Keras reports every few dozen batches):
    one point, billions high, on a log scale above the guessing line, with markers so it shows."""
    fig = training_curves([], batches=[batch(1, 64, 450, 2.1e9, 0.1)], blew_up=True, guess_loss=math.log(10))
    by = traces(fig)
    assert fig.layout.yaxis.type == "log" and list(by[("blew up here", "x")].y) == [2.1e9]
    assert "markers" in by[("training, batch by batch", "x2")].mode  # a single point must be visible
