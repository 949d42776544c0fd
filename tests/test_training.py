"""The training engine, the run store and the job registry, on the bundled MNIST sample."""
from __future__ import annotations

import json
import math
import subprocess
import sys
import time

import pytest
from support import tiny_config, wait_for

from cnnlab import runs
from cnnlab.backends import JobRegistry
from cnnlab.config import TrainConfig
from cnnlab.settings import CnnlabError
from cnnlab.training import train


def test_one_epoch_of_mnist_basic_reaches_90_percent_and_is_saved():
    events = []
    run = train(TrainConfig.from_preset("mnist-basic", "mnist-sample", epochs=1), on_event=events.append)
    assert run.status == "finished", run.message
    assert run.test_accuracy >= 0.90
    kinds = [e["type"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "end" and "batch" in kinds and kinds.count("epoch") == 1
    epoch = next(e for e in events if e["type"] == "epoch")
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "seconds", "images_per_second"):
        assert math.isfinite(epoch[key]), key
    saved = runs.load_run(run.run_id)
    assert saved.status == "finished" and saved.test_accuracy == run.test_accuracy
    assert saved.classes == [str(d) for d in range(10)] and saved.image_shape == [28, 28, 1]
    assert len(saved.history) == 1 and saved.has_model
    assert [r.run_id for r in runs.list_runs()] == [run.run_id]
    assert not list(saved.path.glob(".tmp-*")), "temporary files were left behind"


def test_same_config_and_seed_give_the_same_first_epoch():
    first = train(tiny_config(seed=7)).history[0]
    second = train(tiny_config(seed=7)).history[0]
    other = train(tiny_config(seed=8)).history[0]
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert first[key] == pytest.approx(second[key], rel=1e-6), key
    assert first["loss"] != other["loss"]


def test_a_huge_learning_rate_diverges_with_a_helpful_message():
    run = train(tiny_config(optimizer="adam", learning_rate=10.0))
    assert run.status == "diverged"
    assert "learning rate" in run.message and "lower" in run.message
    assert runs.load_run(run.run_id).status == "diverged"


@pytest.mark.parametrize("changes, words", [
    ({"learning_rate": -1.0}, "learning rate"),
    ({"epochs": 0}, "epochs"),
    ({"validation_split": 1.0}, "validation split"),
    ({"dataset": "no-such-dataset"}, "no-such-dataset"),
    ({"optimizer": "adagrad"}, "optimizer must be one of adam, sgd"),  # refused, not a saved "failed" run
])
def test_impossible_settings_are_refused_before_anything_is_saved(changes, words):
    with pytest.raises(CnnlabError, match=words):
        train(tiny_config(**changes))
    assert runs.list_runs() == []


def test_impossible_layer_stack_is_refused_naming_the_layer():
    pools = [{"type": "maxpool", "size": 2}] * 6 + [{"type": "flatten"}]
    with pytest.raises(CnnlabError, match="layer 5"):
        train(tiny_config(layers=pools))


def test_stop_ends_a_running_job_quickly_and_saves_it_as_stopped():
    registry = JobRegistry(max_parallel=1)
    job = registry.submit("student-a", tiny_config(epochs=50))
    assert wait_for(lambda: job.view().history), job.view()
    asked = time.monotonic()
    job.stop()
    assert wait_for(lambda: job.done, timeout=10)
    assert time.monotonic() - asked < 5
    assert job.status == "stopped"
    saved = runs.load_run(job.run_id)
    assert saved.status == "stopped" and saved.epochs_done >= 1 and saved.test_accuracy is not None


def test_jobs_wait_in_a_queue_and_a_queued_job_can_be_stopped():
    registry = JobRegistry(max_parallel=1)
    first = registry.submit("student-a", tiny_config(epochs=50))
    second = registry.submit("student-b", tiny_config(epochs=1))
    third = registry.submit("student-c", tiny_config(epochs=1))
    assert wait_for(lambda: first.status in ("loading", "running"))
    assert second.queue_position() == 1 and third.queue_position() == 2
    second.stop()
    assert wait_for(lambda: second.done, timeout=5) and second.status == "stopped"
    assert third.queue_position() == 1
    assert registry.latest("student-c") is third and registry.latest("nobody") is None
    first.stop()
    assert wait_for(lambda: third.done, timeout=60) and third.status == "finished"
    assert first.status == "stopped"


def test_a_run_whose_process_died_is_listed_as_interrupted(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    run = runs.Run(run_id=runs.new_run_id("lenet5", "mnist-sample"), config=tiny_config().to_json(),
                   status="running", history=[{"epoch": 1, "loss": 0.5}], owner_pid=dead.pid,
                   owner_token="another-process")
    run.save()
    listed = runs.list_runs()[0]
    assert listed.status == "interrupted" and "1 epoch" in listed.message
    assert listed.history == [{"epoch": 1, "loss": 0.5}]


def test_runs_can_be_deleted_and_unknown_runs_give_a_clear_error():
    run = train(tiny_config())
    assert run.lab is None  # trained outside the app: no lab may delete it there
    with pytest.raises(runs.NotYourRun, match="outside the app"):
        runs.delete_run(run.run_id, lab="a-lab")
    runs.delete_run(run.run_id, any_lab=True)  # the command line: whoever owns the runs folder
    assert runs.list_runs() == []
    with pytest.raises(runs.RunNotFound, match="cnnlab runs"):
        runs.load_run(run.run_id)
    with pytest.raises(runs.RunNotFound):
        runs.load_run("../../etc")


def test_only_the_lab_that_trained_a_run_may_delete_it():
    run = runs.Run(run_id=runs.new_run_id("lenet5", "mnist-sample"), config=tiny_config().to_json(),
                   status="finished", lab="lab-a")
    run.save()
    assert runs.load_run(run.run_id).lab == "lab-a"  # saved with the run
    for other in ("lab-b", None):
        with pytest.raises(runs.NotYourRun, match="belongs to another lab") as refused:
            runs.delete_run(run.run_id, lab=other)
        assert "lab-a" not in str(refused.value)  # never names another lab
    assert run.path.exists()
    runs.delete_run(run.run_id, lab="lab-a")
    assert not run.path.exists()


def test_a_damaged_run_folder_is_listed_as_damaged_not_fatal():
    run = train(tiny_config())
    broken = run.path.parent / "broken-run"
    broken.mkdir()
    (broken / "run.json").write_text("{not json")
    listed = {r.run_id: r for r in runs.list_runs()}
    assert listed[run.run_id].status == "finished" and listed["broken-run"].status == "damaged"
    json.loads((run.path / "run.json").read_text())  # the good one is intact


# --- Learning-rate schedules, preset training settings, bfloat16 training, extra callbacks -----

def test_cosine_schedule_warms_up_then_decays_to_zero_and_constant_stays_a_number():
    from cnnlab.training import WARMUP_FRACTION, learning_rate_schedule

    assert learning_rate_schedule(tiny_config(learning_rate=0.01), 100) == 0.01
    config = tiny_config(learning_rate=0.01, epochs=4, lr_schedule="cosine")
    schedule = learning_rate_schedule(config, 100)  # 400 batches, 12 of them warming up
    warmup = round(400 * WARMUP_FRACTION)
    rates = [float(schedule(step)) for step in (0, warmup, 200, 399, 400)]
    assert rates[0] == pytest.approx(0.001) and rates[1] == pytest.approx(0.01)
    assert 0.004 < rates[2] < 0.006 and rates[3] < 1e-5 and rates[4] == pytest.approx(0.0, abs=1e-9)
    one_step = learning_rate_schedule(tiny_config(lr_schedule="cosine"), 1)  # no room to warm up
    assert float(one_step(0)) == pytest.approx(0.001)
    with pytest.raises(CnnlabError, match="schedule"):
        train(tiny_config(lr_schedule="sometimes"))


def test_presets_bring_their_schedule_augmentation_and_epochs_per_dataset():
    from cnnlab.presets import PRESETS

    for preset_id in ("lenet5", "mnist-basic", "cifar-basic", "tf-tutorial", "fashion-bn"):
        config = TrainConfig.from_preset(preset_id, PRESETS[preset_id].dataset)
        assert (config.lr_schedule, config.augment_shift, config.augment_flip) == ("constant", 0.0, False)
        assert config.epochs == PRESETS[preset_id].epochs
    for preset_id in ("fast-cnn", "fast-cnn-wide"):
        preset = PRESETS[preset_id]
        for dataset in ("mnist", "fashion-mnist", "cifar10"):
            config = TrainConfig.from_preset(preset_id, dataset)
            assert config.lr_schedule == preset.lr_schedule
            assert config.epochs == preset.epochs_by_dataset.get(dataset, preset.epochs)
            # Mirror images suit photos only: a flipped 2 is not a 2.
            assert config.augment_flip == (preset.augment_flip and dataset == "cifar10")
    assert TrainConfig.from_preset("fast-cnn", "mnist", epochs=7, lr_schedule="constant").epochs == 7


def test_bfloat16_training_saves_a_float32_model_whose_test_score_is_the_one_reported(monkeypatch):
    import numpy as np

    from cnnlab.datasets import load_dataset
    from cnnlab.precision import training_precision

    monkeypatch.setenv("CNNLAB_PRECISION", "mixed_bfloat16")
    assert training_precision() == "mixed_bfloat16"
    run = train(tiny_config())
    assert run.status == "finished", run.message
    model = runs.load_model(run.run_id)
    assert {layer.dtype_policy.name for layer in model.layers} == {"float32"}
    test = load_dataset("mnist-sample")
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    loss, accuracy = model.evaluate(test.x_test.astype(np.float32), test.y_test, batch_size=512, verbose=0)
    assert run.test_accuracy == pytest.approx(accuracy, abs=1e-6) and run.test_loss == pytest.approx(loss, rel=1e-4)
    assert run.test_accuracy > 0.5  # it learned (chance is 0.1)
    monkeypatch.setenv("CNNLAB_PRECISION", "float64")
    failed = train(tiny_config())
    assert failed.status == "failed" and "CNNLAB_PRECISION" in failed.message


def test_by_default_bfloat16_only_where_the_cpu_multiplies_it_in_hardware(monkeypatch):
    from cnnlab import precision

    monkeypatch.delenv("CNNLAB_PRECISION")
    monkeypatch.setattr(precision, "_cpu_has_bfloat16_units", lambda: False)
    assert precision.training_precision() == "float32"  # emulated bfloat16 would be slower
    monkeypatch.setattr(precision, "_cpu_has_bfloat16_units", lambda: True)
    assert precision.training_precision() == "mixed_bfloat16"  # AMX or AVX512-BF16, and no GPU here
    monkeypatch.setenv("CNNLAB_PRECISION", "float32")
    assert precision.training_precision() == "float32"


@pytest.mark.parametrize("flags, hardware", [
    ("fpu sse2 avx2 fma avx512f avx512_vnni", False),  # AVX-512 alone: bfloat16 would be emulated
    ("fpu avx2 avx512f avx512_vnni avx512_bf16", True),  # AMD Zen 4, Intel Cooper Lake
    ("fpu avx2 avx512f avx512_bf16 amx_bf16 amx_tile", True),  # Intel Sapphire Rapids
    ("fpu avx2 amx_bf16", True),
])
def test_bfloat16_units_are_amx_or_avx512_bf16(monkeypatch, flags, hardware):
    from cnnlab import precision

    monkeypatch.setattr(precision, "cpu_info", lambda: {"flags": flags})
    assert precision._cpu_has_bfloat16_units() is hardware


def test_bfloat16_trains_twenty_times_side_by_side_in_threads_without_a_failure(monkeypatch):
    """The stress test for the Conv2D dtype mismatch once seen in the app's threads: twenty bfloat16
    trainings, four at a time in one process (where Keras's state is shared; the app's own trainings
    run one per worker process), must all finish and all save float32 models."""
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setenv("CNNLAB_PRECISION", "mixed_bfloat16")
    configs = [tiny_config(seed=seed, epochs=1, augment_shift=0.1 * (seed % 2)) for seed in range(20)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        done = list(pool.map(train, configs))
    assert [(run.status, run.message) for run in done if run.status != "finished"] == []
    for run in done[::7]:
        assert {layer.dtype_policy.name for layer in runs.load_model(run.run_id).layers} == {"float32"}


def test_extra_callbacks_see_every_epoch_without_changing_the_events():
    import keras

    seen = []
    events = []
    probe = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))
    run = train(tiny_config(epochs=2), on_event=events.append, callbacks=[probe])
    assert run.status == "finished" and seen == [0, 1]
    assert [e["epoch"] for e in events if e["type"] == "epoch"] == [1, 2]
