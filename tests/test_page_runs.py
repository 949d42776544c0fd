"""The Runs page: the table, comparing runs, choosing the current model, deleting a run.

The runs are written as run.json files directly (the page only reads run files), so no
training is needed here.
"""
from __future__ import annotations

import json
import time
import uuid
import zipfile

import pytest
from streamlit.testing.v1 import AppTest
from support import open_app_page, wait_for

from cnnlab import runs
from cnnlab.config import TrainConfig
from cnnlab.ui.state import choices_for as lab_choices


def saved_run(suffix: str, learning_rate: float, val_accuracy: list[float], *, status="finished",
              with_model=True, created=None, lab=None) -> runs.Run:
    config = TrainConfig.from_preset("lenet5", "mnist-sample", learning_rate=learning_rate, epochs=3)
    history = [{"epoch": i + 1, "loss": 1.0 - a + 0.02, "accuracy": a + 0.01, "val_loss": 1.0 - a,
                "val_accuracy": a, "seconds": 2.0, "images_per_second": 3600.0}
               for i, a in enumerate(val_accuracy)]
    run = runs.Run(run_id=f"20261121-10000{suffix}-lenet5-mnist-sample-{suffix * 4}", config=config.to_json(),
                   status=status, history=history, test_loss=0.1, test_accuracy=val_accuracy[-1],
                   seconds=2.0 * len(history), classes=list("0123456789"), image_shape=[28, 28, 1],
                   created=created or time.time(), lab=lab)
    run.save()
    if with_model:
        # The page only checks that the model file looks like a .keras archive; Inspect and Classify load it.
        with zipfile.ZipFile(run.model_path, "w") as archive:
            for name in runs.MODEL_MEMBERS:
                archive.writestr(name, "{}")
    return run


def open_runs(lab: str) -> AppTest:
    return open_app_page("pages/runs.py", lab)


def pick_run(at: AppTest, run: runs.Run) -> AppTest:
    """Choose a run in the "One run" menu (AppTest sees the menu's labels, which end in its short id)."""
    menu = at.selectbox(key="run_choice")
    return menu.select_index(next(i for i, label in enumerate(menu.options) if f"(#{run.run_id[-4:]})" in label)).run()


def chart_traces(at: AppTest, index: int = 0) -> list[dict]:
    return json.loads(at.get("plotly_chart")[index].proto.spec)["data"]


def test_no_runs_yet_points_to_train():
    at = open_runs(uuid.uuid4().hex[:12])
    assert "No saved runs yet" in at.info[0].value


def test_comparing_two_runs_overlays_both_curves_and_lists_only_what_differs():
    slow = saved_run("1", 0.001, [0.90, 0.94, 0.96], created=1000.0)
    fast = saved_run("2", 0.01, [0.85, 0.88, 0.87], created=2000.0)
    at = open_runs(uuid.uuid4().hex[:12])
    table = at.dataframe[0].value
    assert list(table["learning rate"]) == [0.01, 0.001]  # newest first
    assert list(table["epochs"]) == ["3 / 3", "3 / 3"] and list(table["status"]) == ["finished", "finished"]
    assert at.multiselect(key="compare_runs").value == [fast.run_id, slow.run_id]
    traces = chart_traces(at)
    assert {t["legendgroup"] for t in traces} == {slow.title, fast.title}
    assert {(t["legendgroup"], t["name"]) for t in traces} == {
        (r.title, curve) for r in (slow, fast) for curve in ("validation", "training")}
    assert next(t for t in traces if t["legendgroup"] == slow.title and t["name"] == "validation")["y"] == \
        [0.90, 0.94, 0.96]
    differ = at.dataframe[1].value
    assert list(differ.columns) == ["run", "learning rate", "test accuracy"]
    assert list(differ["learning rate"]) == ["0.01", "0.001"]

    at.segmented_control(key="compare_metric").set_value("loss").run()
    assert "Loss" in json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["title"]["text"]
    at.multiselect(key="compare_runs").set_value([slow.run_id]).run()
    assert {t["legendgroup"] for t in chart_traces(at)} == {slow.title}


def test_a_run_can_be_chosen_as_the_current_model():
    lab = uuid.uuid4().hex[:12]
    first = saved_run("1", 0.001, [0.9, 0.95], created=1000.0)
    no_model = saved_run("2", 0.01, [0.2], status="stopped", with_model=False, created=2000.0)
    at = open_runs(lab)
    pick_run(at, no_model)
    assert at.button(key="use_run_button").disabled
    pick_run(at, first)
    at.button(key="use_run_button").click().run()
    assert not at.exception, at.exception
    assert lab_choices(lab).run_id == first.run_id
    assert "★" in at.dataframe[0].value["run"].iloc[1]
    assert at.button(key="use_run_button").disabled  # it is the current one now
    assert f"#{first.run_id[-4:]}" in "\n".join(m.value for m in at.sidebar.markdown)


def test_deleting_asks_first_and_refuses_a_run_that_is_training():
    lab = uuid.uuid4().hex[:12]
    keep = saved_run("1", 0.001, [0.9], created=1000.0, lab=lab)
    doomed = saved_run("2", 0.01, [0.8], created=2000.0, lab=lab)
    lab_choices(lab).run_id = doomed.run_id
    at = open_runs(lab)
    pick_run(at, doomed)
    at.button(key="delete_run_button").click().run()
    assert "cannot be undone" in at.warning[0].value and doomed.path.exists()
    at.button(key="cancel_delete_button").click().run()
    assert doomed.path.exists() and not at.warning

    at.button(key="delete_run_button").click().run()
    at.button(key="confirm_delete_button").click().run()
    assert not at.exception, at.exception
    assert not doomed.path.exists() and [r.run_id for r in runs.list_runs()] == [keep.run_id]
    assert lab_choices(lab).run_id is None
    assert "Deleted" in at.success[0].value

    training = saved_run("3", 0.1, [0.5], status="running", created=3000.0, lab=lab)  # owned by this live process
    at.run()
    pick_run(at, training)
    at.button(key="delete_run_button").click().run()
    assert "still training" in at.error[0].value and training.path.exists()


def test_a_lab_may_stop_and_delete_only_its_own_runs():
    """Two labs share the server's runs folder: each sees every run, but only its own have working
    Stop and Delete buttons; others' (and the command line's) are read-only, and say why."""
    mine_lab, their_lab = uuid.uuid4().hex[:12], uuid.uuid4().hex[:12]
    theirs = saved_run("1", 0.001, [0.9], created=1000.0, lab=their_lab)
    cli = saved_run("2", 0.003, [0.9], created=1500.0)  # no lab: trained with python -m cnnlab
    mine = saved_run("3", 0.01, [0.8], created=2000.0, lab=mine_lab)
    at = open_runs(mine_lab)
    table = at.dataframe[0].value
    assert list(table["trained by"]) == ["this lab", "no lab (command line)", "another lab"]
    shown = " ".join(str(v) for v in table.to_numpy().ravel()) + " ".join(c.value for c in at.caption)
    assert their_lab not in shown  # never another lab's id

    for run, reason in ((theirs, "Another lab trained this run"), (cli, "trained outside the app")):
        pick_run(at, run)
        assert at.button(key="delete_run_button").disabled and at.button(key="stop_run_button").disabled
        assert reason in " ".join(c.value for c in at.caption)
        assert not at.button(key="use_run_button").disabled  # looking and using stay open to all
    pick_run(at, mine)
    assert not at.button(key="delete_run_button").disabled

    # Below the page: the core refuses as well, whatever a page would do.
    with pytest.raises(runs.NotYourRun):
        runs.delete_run(theirs.run_id, lab=mine_lab)
    assert theirs.path.exists() and cli.path.exists()

    other = open_runs(their_lab)  # the other lab may delete its own
    pick_run(other, theirs)
    other.button(key="delete_run_button").click().run()
    other.button(key="confirm_delete_button").click().run()
    assert not other.exception, other.exception
    assert not theirs.path.exists() and mine.path.exists()


def test_a_lab_may_stop_only_its_own_training():
    from cnnlab.backends import job_registry

    tiny = [{"type": "conv", "filters": 4, "kernel": 3, "stride": 2, "padding": "same", "activation": "relu"},
            {"type": "flatten"}]
    owner, other = uuid.uuid4().hex[:12], uuid.uuid4().hex[:12]
    job = job_registry().submit(owner, TrainConfig(architecture="custom", layers=tiny, epochs=50, batch_size=128))
    try:
        # A worker process first imports TensorFlow.
        assert wait_for(lambda: (job.run.path / runs.RUN_FILE).exists()
                        and runs.load_run(job.run_id).status == "running", timeout=180)
        at = open_runs(other)
        pick_run(at, job.run)
        assert at.button(key="stop_run_button").disabled
        with pytest.raises(runs.NotYourRun):
            job_registry().stop_run(other, job.run_id)
        assert not job.stop_requested

        at = open_runs(owner)
        pick_run(at, job.run)
        assert not at.button(key="stop_run_button").disabled
        at.button(key="stop_run_button").click().run()
        assert not at.exception, at.exception
        assert job.stop_requested and wait_for(lambda: job.done, timeout=30)
    finally:
        job.stop()


def test_a_diverged_run_shows_the_batches_up_to_where_the_loss_blew_up():
    run = saved_run("7", 5.0, [0.3], status="diverged", with_model=False)
    run.history = []  # it blew up inside epoch 1: no epoch point, only the batches it reached
    run.unfinished_epoch = [{"epoch": 1, "batch": b, "batches": 40, "loss": loss, "accuracy": 0.1}
                            for b, loss in ((5, 2.3), (10, 40.0), (15, 9e8), (20, float("inf")))]
    run.test_accuracy = run.test_loss = None
    run.message = "Training diverged: the loss became infinite. Lower the learning rate."
    run.save()
    at = pick_run(open_runs(run.lab or "someone"), run)
    assert not at.exception, at.exception
    traces = {t["name"]: t for t in chart_traces(at)}
    assert {"training, batch by batch", "blew up here"} <= set(traces)
    assert traces["blew up here"]["x"] == [0.375]  # batch 15 of 40: the last loss that was still a number
    assert "red cross where the loss blew up" in "\n".join(c.value for c in at.caption)
