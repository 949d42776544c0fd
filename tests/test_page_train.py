"""The Train page: settings, Train and Stop, the live chart, the queue, and the result."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from support import TINY, new_lab, open_app_page, page_text, sidebar_text, start_training, wait_for

from cnnlab.backends import job_registry
from cnnlab.config import TrainConfig
from cnnlab.runs import Run, load_run, new_run_id
from cnnlab.ui.state import choices_for as lab_choices

ROOT = Path(__file__).resolve().parents[1]


def open_page(lab: str, page: str = "pages/train.py") -> AppTest:
    return open_app_page(page, lab)


def chart_specs(at: AppTest) -> list[str]:
    return [chart.proto.spec for chart in at.get("plotly_chart")]


@pytest.fixture(autouse=True)
def no_training_left_behind():
    yield
    for job in job_registry().active():
        job.stop()
    assert wait_for(lambda: not job_registry().active(), timeout=30)


def test_default_page_shows_the_preset_settings_and_a_ready_train_button():
    at = open_page(new_lab())
    assert not at.button(key="train_button").disabled
    assert at.button(key="stop_button").disabled
    assert at.number_input(key="epochs_input").value == 30  # LeNet-5's tutorial setting
    assert at.number_input(key="learning_rate_input").value == pytest.approx(0.001)
    page = page_text(at)
    assert "LeNet-5" in page and "107,786 parameters" in page and "Press **Train** to start" in page
    assert [e.label for e in at.expander][:2] == ["Epoch and batch", "Learning rate"]


def test_settings_survive_a_page_switch_and_reset_to_the_preset():
    lab = new_lab()
    at = open_page(lab)
    at.number_input(key="epochs_input").set_value(7).run()
    at.number_input(key="learning_rate_input").set_value(0.01).run()
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/train.py").run()
    assert at.number_input(key="epochs_input").value == 7
    assert at.number_input(key="learning_rate_input").value == pytest.approx(0.01)
    assert lab_choices(lab).train_settings["epochs"] == 7  # kept for a reload too
    at.button_group(key="learning_rate_pick").set_value(0.03).run()  # a common value, one click
    assert at.number_input(key="learning_rate_input").value == pytest.approx(0.03)
    next(b for b in at.button if b.label == "Reset to the preset's defaults").click().run()
    assert at.number_input(key="epochs_input").value == 30
    assert at.number_input(key="learning_rate_input").value == pytest.approx(0.001)


def test_one_epoch_trains_shows_the_chart_and_the_result_and_becomes_the_current_model():
    lab = new_lab(architecture="custom", custom_layers=TINY)
    at, job = start_training(lab, epochs=1, batch_size=128)
    assert job is not None and job.config.epochs == 1 and job.config.batch_size == 128
    assert at.button(key="train_button").disabled and not at.button(key="stop_button").disabled
    assert wait_for(lambda: job.done, timeout=180), job.view()
    at.run()
    assert not at.exception, at.exception
    assert job.status == "finished", job.message
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Test accuracy"].endswith("%") and float(metrics["Test accuracy"][:-1]) > 50
    assert "Test loss" in metrics and metrics["Epochs done"] == "1 of 1"
    page = page_text(at)
    assert "Training finished" in page and "What the curves say" in page and "Only one epoch" in page
    assert any('"validation"' in spec and '"training"' in spec for spec in chart_specs(at))
    assert lab_choices(lab).run_id == job.run_id
    assert not at.button(key="train_button").disabled and at.button(key="stop_button").disabled
    assert "Last training: finished" in sidebar_text(at)


def test_stop_ends_a_running_training():
    lab = new_lab(architecture="custom", custom_layers=TINY)
    at, job = start_training(lab, epochs=50, batch_size=128)
    assert wait_for(lambda: job.view().history, timeout=180), job.view()
    at.run()
    assert "Training: the network is learning" in page_text(at)
    assert "Training: epoch" in sidebar_text(at)
    at.button(key="stop_button").click().run()
    assert wait_for(lambda: job.done, timeout=15)
    at.run()
    assert not at.exception, at.exception
    assert job.status == "stopped", job.message
    assert "Stopped during epoch" in page_text(at)
    assert lab_choices(lab).run_id == job.run_id  # a stopped run with an epoch is kept as the model
    assert not at.button(key="train_button").disabled


def test_a_second_lab_waits_in_the_queue_and_can_leave_it():
    other = job_registry().submit("another-lab", TrainConfig(architecture="custom", layers=TINY, epochs=50,
                                                             batch_size=128))
    assert wait_for(lambda: other.status in ("loading", "running"))
    lab = new_lab(architecture="custom", custom_layers=TINY)
    at, job = start_training(lab)
    assert job.status == "queued"
    assert "Waiting in the queue: 1st in line (another training is using the computer)" in page_text(at)
    assert "Queued: 1st in line" in sidebar_text(at)
    at.button(key="stop_button").click().run()
    assert wait_for(lambda: job.done, timeout=10)
    at.run()
    assert job.status == "stopped" and "Stopped while waiting in the queue" in page_text(at)
    assert lab_choices(lab).run_id is None  # nothing was learned, nothing to keep
    assert not other.done  # the other lab's training went on
    other.stop()


def test_an_impossible_stack_disables_train_and_links_to_the_model_page():
    pools = [{"type": "maxpool", "size": 2}] * 6 + [{"type": "flatten"}]
    at = open_page(new_lab(architecture="custom", custom_layers=pools))
    assert at.button(key="train_button").disabled
    error = "\n".join(e.value for e in at.error)
    assert "cannot be trained" in error and "layer 5" in error
    assert "Train is off until the network fits the pictures." in page_text(at)


def test_offline_a_full_dataset_that_is_not_here_turns_train_off_and_says_where_to_put_it():
    """A teacher's link can make full MNIST a lab's dataset on a server without internet
    (CNNLAB_OFFLINE=1, as conftest sets): the Train page says at once what training would end with."""
    lab = new_lab(dataset="mnist", architecture="custom", custom_layers=TINY)
    at = open_page(lab)
    assert not at.exception, at.exception
    assert at.button(key="train_button").disabled
    error = "\n".join(e.value for e in at.error)
    assert "MNIST" in error and "downloads are switched off" in error and "mnist-sample" in error
    assert "Train is off until the pictures are on this computer." in page_text(at)
    assert "it will download" not in page_text(at)  # the promise it used to make
    assert job_registry().latest(lab) is None


def test_a_training_that_cannot_load_its_data_says_why(monkeypatch):
    # The full MNIST is not in the empty test data folder, and the download fails (no network in tests;
    # downloads allowed here, so Train is on).
    monkeypatch.delenv("CNNLAB_OFFLINE")
    lab = new_lab(dataset="mnist", architecture="custom", custom_layers=TINY)
    at = open_page(lab)
    assert not at.button(key="train_button").disabled and "it will download" in page_text(at)
    at, job = start_training(lab)
    assert wait_for(lambda: job.done, timeout=30)
    at.run()
    assert not at.exception, at.exception
    assert job.status == "failed"
    assert job.message and job.message in "\n".join(e.value for e in at.error)


def test_a_diverging_training_says_to_lower_the_learning_rate():
    lab = new_lab(architecture="custom", custom_layers=TINY)
    at, job = start_training(lab, epochs=1, learning_rate=10.0)
    assert wait_for(lambda: job.done, timeout=180), job.view()
    at.run()
    assert job.status == "diverged"
    error = "\n".join(e.value for e in at.error)
    assert "diverged" in error and "learning rate" in error and "lower" in error
    assert lab_choices(lab).run_id is None  # a blown-up network is not worth keeping as the model
    # What happened is shown: the epoch batch by batch, up to the point where the loss blew up.
    saved = load_run(job.run_id)
    assert saved.unfinished_epoch and saved.unfinished_epoch[-1]["epoch"] == 1
    last = saved.unfinished_epoch[-1]["loss"]
    assert not math.isfinite(last) or last > 10  # beyond the divergence threshold
    names = {t["name"] for spec in chart_specs(at) for t in json.loads(spec)["data"]}
    assert {"training, batch by batch", "blew up here"} <= names
    assert "where the loss blew up" in page_text(at)


def test_after_a_restart_the_page_shows_the_current_model_from_its_saved_run():
    run = Run(run_id=new_run_id("lenet5", "mnist-sample"),
              config=TrainConfig.from_preset("lenet5", "mnist-sample", epochs=2).to_json(), status="finished",
              history=[{"epoch": 1, "loss": 0.4, "accuracy": 0.88, "val_loss": 0.3, "val_accuracy": 0.91,
                        "seconds": 3.0, "images_per_second": 2400.0},
                       {"epoch": 2, "loss": 0.2, "accuracy": 0.94, "val_loss": 0.2, "val_accuracy": 0.94,
                        "seconds": 3.0, "images_per_second": 2400.0}],
              test_loss=0.21, test_accuracy=0.935, seconds=6.0, classes=list("0123456789"))
    run.save()
    at = open_page(new_lab(run_id=run.run_id))  # no job in the registry, as after a restart
    assert "Current model" in [h.value for h in at.subheader]
    assert {m.label: m.value for m in at.metric}["Test accuracy"] == "93.5%"
    assert "Training finished: 2 epochs" in page_text(at) and "still rising" in page_text(at)
    assert any('"test (after training)"' in spec for spec in chart_specs(at))


def _job_fed(events: list[dict], epochs: int = 3):
    """A job (never started) whose snapshot holds `events`, as train() reports them."""
    from cnnlab.backends import JobRegistry, TrainingJob
    from cnnlab.backends.threads import ThreadBackend

    job = TrainingJob("a-lab", TrainConfig(epochs=epochs), JobRegistry(ThreadBackend(), max_parallel=1))
    job.status = "running"
    for event in events:
        job.record(event)
    return job.view()


def test_the_progress_bar_says_the_test_set_is_measured_after_the_last_epoch():
    from cnnlab.ui.training import progress_bar

    start = {"type": "start", "train_images": 900, "validation_images": 100, "test_images": 2000, "batches": 8}
    batch = {"type": "batch", "epochs": 3, "batch": 8, "batches": 8, "loss": 0.3, "accuracy": 0.9}
    epoch = {"type": "epoch", "epochs": 3, "loss": 0.3, "accuracy": 0.9, "val_loss": 0.3, "val_accuracy": 0.9,
             "seconds": 1.0, "images_per_second": 900.0}
    events = [start]
    for number in (1, 2, 3):
        events += [dict(batch, epoch=number, batch=4), dict(batch, epoch=number), dict(epoch, epoch=number)]
    value, text = progress_bar(_job_fed(events[:2]))  # epoch 1 at batch 4 of 8
    assert value == 0.5 and text.startswith("Epoch 1 of 3, batch 4 of 8")
    value, text = progress_bar(_job_fed(events[:3]))
    assert "checking the 100 validation pictures" in text
    value, text = progress_bar(_job_fed(events[:4]))  # epoch 1 ended, epoch 2 has begun
    assert value == 0.0 and text == "Epoch 2 of 3: starting..."
    value, text = progress_bar(_job_fed(events))  # every epoch ended: the test set is measured
    assert value == 1.0 and "starting" not in text and "Epoch 3 of 3" not in text
    assert text.startswith("All 3 epochs done: now measuring the network on the 2,000 test pictures")


def test_during_the_first_epoch_the_chart_shows_the_batches_so_far():
    """The chart is never empty while a network trains: before the first epoch ends, it draws the
    batch reports so far (the job's snapshot keeps the epoch in progress, and forgets it when it ends)."""
    start = {"type": "start", "train_images": 900, "validation_images": 100, "test_images": 200, "batches": 8}
    batches = [{"type": "batch", "epoch": 1, "epochs": 2, "batch": n, "batches": 8, "loss": 2.3 - n / 8,
                "accuracy": n / 10} for n in (2, 4)]
    snapshot = _job_fed([start, *batches], epochs=2)
    assert [point["batch"] for point in snapshot.batches] == [2, 4] and not snapshot.history

    def page(snapshot):
        from cnnlab.ui.training import run_view

        run_view(snapshot, 10)

    at = AppTest.from_function(page, args=(snapshot,), default_timeout=30).run()
    assert not at.exception, at.exception
    data = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    drawn = [t for t in data if t.get("name") == "training, batch by batch"]
    assert len(drawn) == 2 and drawn[0]["x"] == [0.25, 0.5] and drawn[0]["y"] == pytest.approx([2.05, 1.8])
    assert "No epoch has finished yet" in page_text(at) and "batch by batch" in page_text(at)

    ended = _job_fed([start, *batches, {"type": "epoch", "epoch": 1, "epochs": 2, "loss": 1.8, "accuracy": 0.4,
                                        "seconds": 1.0, "images_per_second": 900.0}], epochs=2)
    assert ended.batches == []  # the next epoch starts a new line


@pytest.mark.parametrize("where, words", [
    ("file", "is a file, not a folder"),  # CNNLAB_RUNS_DIR names a file
    ("file/runs", "cannot be written"),  # a folder that cannot be made (as root, chmod would not stop it)
])
def test_a_runs_folder_that_cannot_hold_runs_is_said_before_training(tmp_path, monkeypatch, where, words):
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("CNNLAB_RUNS_DIR", str(tmp_path / where))
    at = open_page(new_lab(architecture="custom", custom_layers=TINY))
    assert not at.exception, at.exception
    error = "\n".join(e.value for e in at.error)
    assert "runs folder" in error and words in error and "CNNLAB_RUNS_DIR" in error
    assert at.button(key="train_button").disabled
    assert "Train is off until runs can be saved." in page_text(at)


@pytest.mark.parametrize("page", sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py")))
def test_no_page_fails_when_the_runs_folder_is_a_file(tmp_path, monkeypatch, page):
    """The Board listed runs without asking whether the folder could hold them, and showed a traceback."""
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("CNNLAB_RUNS_DIR", str(tmp_path / "file"))
    at = open_page(new_lab(), page)  # fails on any exception
    if page in ("pages/board.py", "pages/runs.py", "pages/train.py"):  # the pages that list or save runs say why
        assert "is a file, not a folder" in "\n".join(e.value for e in at.error)
