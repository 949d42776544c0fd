"""The time-lapse (issue 12, part 1): snapshots saved while training, read back in order."""
from __future__ import annotations

import numpy as np

from cnnlab import timelapse
from cnnlab.config import TrainConfig
from cnnlab.training import train

STACK = [{"type": "conv", "filters": 3, "kernel": 3, "padding": "same", "activation": "relu"},
         {"type": "maxpool", "size": 2}, {"type": "flatten"}]


def test_probe_pictures_are_the_first_of_each_class():
    y = np.array([3, 1, 1, 0, 2, 3, 0])
    assert list(timelapse.probe_indices(y, 4)) == [3, 1, 4, 0]
    assert list(timelapse.probe_indices(y, 12, k=2)) == [3, 1]


def test_a_training_saves_snapshots_before_inside_and_after_each_epoch():
    run = train(TrainConfig(dataset="mnist-sample", architecture="custom", layers=STACK, batch_size=64, epochs=2))
    assert run.status == "finished", run.message
    lapse = timelapse.load_timelapse(run.path)
    epochs = [s.epoch for s in lapse.snapshots]
    assert epochs[0] == 0 and epochs[-2:] == [1.0, 2.0]
    assert len([e for e in epochs if 0 < e < 1]) >= 2 and epochs == sorted(epochs)
    assert lapse.probes.shape == (10, 28, 28, 1) and list(lapse.labels) == list(range(10))
    first, last = lapse.snapshots[0], lapse.snapshots[-1]
    assert last.kernels.shape == (3, 3, 3, 1) and last.maps.shape == (10, 28, 28, 3) and last.maps.dtype == np.uint8
    assert last.layer == "conv1" and last.probabilities.shape == (10, 10)
    assert not np.allclose(first.kernels, last.kernels)  # the filters changed while it learned
    right_first = (first.probabilities.argmax(axis=1) == lapse.labels).sum()
    right_last = (last.probabilities.argmax(axis=1) == lapse.labels).sum()
    assert right_last >= 8 and right_last >= right_first
    assert timelapse.folder_size(run.path) < 1_000_000  # a few hundred KB for this small network


def test_a_run_without_snapshots_has_no_timelapse_and_a_damaged_one_is_skipped(tmp_path):
    assert timelapse.load_timelapse(tmp_path) is None
    run = train(TrainConfig(dataset="mnist-sample", architecture="custom", layers=STACK, batch_size=256, epochs=1),
                timelapse=False)
    assert not (run.path / timelapse.FOLDER).exists()
    run = train(TrainConfig(dataset="mnist-sample", architecture="custom", layers=STACK, batch_size=256, epochs=1))
    files = sorted((run.path / timelapse.FOLDER).glob("[0-9]*.npz"))
    files[1].write_bytes(b"damaged")
    lapse = timelapse.load_timelapse(run.path)
    assert len(lapse.snapshots) == len(files) - 1


def test_the_watch_it_learn_tab_plays_back_a_run(trained_run):
    from support import open_app_page

    at = open_app_page("pages/inspect.py", "lapse-tab", run_id=trained_run.run_id)
    assert not at.exception
    shown = " ".join(m.value for m in at.markdown)
    assert "Showing: epoch 1" in shown and "Kernels of conv1" in shown
    at.button(key="timelapse_play_button").click().run()
    assert not at.exception
    assert "Showing: epoch 1" in " ".join(m.value for m in at.markdown)


def test_a_continued_run_keeps_its_first_snapshots_and_adds_the_new_epochs():
    ended: list[dict] = []
    config = TrainConfig(dataset="mnist-sample", architecture="custom", layers=STACK, batch_size=64, epochs=2)
    run = train(config, on_event=lambda e: e["type"] == "epoch" and ended.append(e),
                should_stop=lambda: len(ended) >= 1)
    assert run.status == "stopped" and run.epochs_done == 1, run.message
    before = [s.epoch for s in timelapse.load_timelapse(run.path).snapshots]
    assert before[0] == 0 and before[-1] == 1.0 and len(before) >= 3
    run = train(config, run=run, resume=True)
    assert run.status == "finished", run.message
    after = [s.epoch for s in timelapse.load_timelapse(run.path).snapshots]
    assert after == [*before, 2.0]  # the film still starts before training and runs through the new epoch
