"""read_curves says in plain words what a run's curves show; settings_that_differ names what changed."""
from __future__ import annotations

from cnnlab.curves import read_curves, settings_that_differ


def history(train_acc, val_acc=None, train_loss=None, val_loss=None):
    """One dict per epoch, as cnnlab.training records them."""
    n = len(train_acc)
    train_loss = train_loss or [1.0 - a for a in train_acc]
    val_acc = val_acc if val_acc is not None else [None] * n
    val_loss = val_loss or [None if v is None else 1.0 - v for v in val_acc]
    return [{"epoch": i + 1, "loss": train_loss[i], "accuracy": train_acc[i], "val_loss": val_loss[i],
             "val_accuracy": val_acc[i], "seconds": 1.0, "images_per_second": 1000.0} for i in range(n)]


def joined(notes):
    return " ".join(notes).lower()


def test_no_epoch_yet():
    assert read_curves([], None, 10) == ["No epoch has finished, so there is no curve to read yet."]


def test_accuracy_near_chance_means_not_learning_and_suggests_a_lower_learning_rate():
    notes = read_curves(history([0.10, 0.11, 0.10], [0.10, 0.09, 0.11]), 0.1, 10)
    text = joined(notes)
    assert "not learning" in text and "lower" in text and "learning rate" in text
    assert "10%" in text  # chance with ten classes
    assert "overfitting" not in text and "more epochs" not in text


def test_chance_depends_on_the_number_of_classes():
    # 55% is learning nothing with 2 classes, but a lot with 10.
    two = history([0.52, 0.53], [0.52, 0.53])
    assert "not learning" in joined(read_curves(two, 0.53, 2))
    assert "not learning" not in joined(read_curves(two, 0.53, 10))


def test_validation_falling_while_training_rises_is_overfitting_with_the_best_epoch():
    notes = read_curves(history([0.90, 0.95, 0.98, 0.995], [0.91, 0.93, 0.915, 0.90]), 0.90, 10)
    text = joined(notes)
    assert "overfitting" in text and "epoch 2" in text and "93.0%" in text
    assert "more epochs would probably help" not in text


def test_both_still_rising_at_the_end_suggests_more_epochs():
    notes = read_curves(history([0.80, 0.88, 0.92], [0.82, 0.89, 0.93]), 0.925, 10)
    text = joined(notes)
    assert "more epochs would probably help" in text
    assert "overfitting" not in text and "not learning" not in text
    assert "92.5%" in text  # the test score is stated first
    assert notes[0].startswith("The network gets 92.5%")


def test_a_big_gap_between_training_and_validation_is_named():
    notes = read_curves(history([0.90, 0.99], [0.85, 0.86]), 0.86, 10)
    assert "memorising" in joined(notes) and "13.0 points" in joined(notes)


def test_rising_validation_loss_is_an_early_warning():
    h = history([0.95, 0.97, 0.98], [0.960, 0.962, 0.963], val_loss=[0.12, 0.13, 0.16])
    text = joined(read_curves(h, 0.96, 10))
    assert "validation loss has risen" in text and "epoch 1" in text


def test_levelled_off_curves():
    text = joined(read_curves(history([0.97, 0.971, 0.972], [0.965, 0.966, 0.966]), 0.966, 10))
    assert "levelled off" in text and "more epochs would probably help" not in text


def test_memorising_curves_that_level_off_never_advise_a_bigger_network():
    """Overfitting and "try a bigger network" contradict each other: a bigger network memorises more."""
    gap = history([0.97, 0.985, 0.99, 0.991], [0.90, 0.901, 0.902, 0.902])  # 8.9 points apart, flat
    rising_loss = history([0.97, 0.98, 0.985, 0.986], [0.960, 0.962, 0.963, 0.963],
                          val_loss=[0.12, 0.13, 0.15, 0.16])
    for h in (gap, rising_loss):
        text = joined(read_curves(h, h[-1]["val_accuracy"], 10))
        assert "levelled off" in text and "memoris" in text
        assert "bigger network" not in text and "dropout" in text


def test_a_single_epoch_asks_for_more_and_test_is_compared_with_validation():
    text = joined(read_curves(history([0.90], [0.93]), 0.925, 10))
    assert "only one epoch" in text and "fair preview" in text


def test_validation_above_training_is_explained_as_normal():
    text = joined(read_curves(history([0.85, 0.90], [0.92, 0.95]), 0.95, 10))
    assert "above training accuracy" in text and "normal" in text


def test_runs_without_validation_are_read_from_training_accuracy():
    notes = read_curves(history([0.5, 0.8]), None, 10)
    text = joined(notes)
    assert "still rising" in text and "validation" not in text


def test_settings_that_differ_lists_only_the_changed_keys_in_order():
    base = {"dataset": "mnist-sample", "optimizer": "adam", "learning_rate": 0.001, "layers": None}
    assert settings_that_differ([base, dict(base)]) == []
    changed = dict(base, learning_rate=0.01, layers=[{"type": "flatten"}])
    assert settings_that_differ([base, changed, base]) == ["learning_rate", "layers"]
    assert settings_that_differ([base, {**base, "epochs": 3}]) == ["epochs"]  # a key only one run has
