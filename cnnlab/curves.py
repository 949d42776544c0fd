"""Reading training curves in plain language, the way a teacher would at the board.

`read_curves` looks at the per-epoch history of a run (loss and accuracy on the training and
validation sets) and says what it shows: not learning at all, overfitting, still improving,
levelled off. `settings_that_differ` says which settings tell a few runs apart, so a class
comparing runs sees at once what was changed. Pure functions: no Streamlit, no TensorFlow.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

# Thresholds in accuracy points (0.01 = one percentage point). A validation set of 800 pictures
# moves by 0.125 points per picture, so anything below a point is noise, not a trend.
NEAR_CHANCE = 0.05  # this close to guessing at random: the network has learned nothing useful
REAL_DROP = 0.01  # validation accuracy this far below its best: it really fell
BIG_GAP = 0.05  # training this far above validation: memorising
STILL_RISING = 0.002  # gained in the last epoch: more epochs would probably help
LEVELLED_OFF = 0.003  # changed less than this in each of the last two epochs: flat
LOSS_RISE = 1.05  # validation loss 5% above its lowest: rising
TEST_CLOSE = 0.02  # test within two points of validation: validation was a fair preview


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _points(change: float) -> str:
    """A difference between two accuracies in percentage points, e.g. '3.2 points'."""
    return f"{abs(change) * 100:.1f} points"


def read_curves(history: Sequence[dict], test_accuracy: float | None, num_classes: int) -> list[str]:
    """What the curves of a run say, as a few plain sentences, most important first.

    `history` holds one dict per finished epoch with "loss", "accuracy" and, when the run kept a
    validation set, "val_loss" and "val_accuracy" (accuracies as fractions 0..1).
    """
    epochs = [h for h in history if _finite(h.get("loss")) and _finite(h.get("accuracy"))]
    if not epochs:
        return ["No epoch has finished, so there is no curve to read yet."]
    chance = 1 / max(int(num_classes), 2)
    train_acc = [h["accuracy"] for h in epochs]
    has_val = all(_finite(h.get("val_accuracy")) and _finite(h.get("val_loss")) for h in epochs)
    val_acc = [h["val_accuracy"] for h in epochs] if has_val else []
    val_loss = [h["val_loss"] for h in epochs] if has_val else []
    notes: list[str] = []

    if test_accuracy is not None and _finite(test_accuracy):
        notes.append(f"The network gets {test_accuracy:.1%} of the test pictures right, pictures it never "
                     f"saw while training (guessing at random would get {chance:.0%}).")

    # Judge learning by the best evidence there is: test, else validation, else training.
    final = test_accuracy if _finite(test_accuracy) else (val_acc[-1] if val_acc else train_acc[-1])
    if final < chance + NEAR_CHANCE:
        notes.append(f"Accuracy stays near {chance:.0%}, what guessing at random scores with {num_classes} "
                     "classes: the network is not learning. Try a learning rate ten times lower, or the "
                     "Adam optimizer.")
        return notes

    overfitting = False
    if len(val_acc) >= 2:
        best = max(range(len(val_acc)), key=val_acc.__getitem__)
        if (best < len(val_acc) - 1 and val_acc[best] - val_acc[-1] >= REAL_DROP
                and train_acc[-1] > train_acc[best]):
            overfitting = True
            notes.append(f"Validation accuracy peaked at {val_acc[best]:.1%} in epoch {best + 1} and fell to "
                         f"{val_acc[-1]:.1%}, while training accuracy kept rising to {train_acc[-1]:.1%}: "
                         "the network is memorising its training pictures instead of learning what carries "
                         f"over to new ones (overfitting). Fewer epochs (stop near epoch {best + 1}), "
                         "dropout or augmentation would help.")
        lowest = min(range(len(val_loss)), key=val_loss.__getitem__)
        if lowest < len(val_loss) - 1 and val_loss[-1] > val_loss[lowest] * LOSS_RISE:
            notes.append(f"Validation loss has risen from {val_loss[lowest]:.3f} in epoch {lowest + 1} to "
                         f"{val_loss[-1]:.3f}: on new pictures the network is more and more confidently "
                         "wrong, an early sign of overfitting (it often shows before validation "
                         "accuracy drops).")

    memorising = overfitting or any("overfitting" in note for note in notes)  # the loss note above
    if val_acc:
        gap = train_acc[-1] - val_acc[-1]
        if gap > BIG_GAP:
            memorising = True
            notes.append(f"Training accuracy ({train_acc[-1]:.1%}) is {_points(gap)} above validation "
                         f"accuracy ({val_acc[-1]:.1%}): the network does much better on pictures it has "
                         "trained on than on new ones, so it is memorising. More data, augmentation or "
                         "dropout narrow the gap.")
        elif gap < -2 * REAL_DROP:
            notes.append(f"Validation accuracy ({val_acc[-1]:.1%}) is above training accuracy "
                         f"({train_acc[-1]:.1%}). That is normal: dropout and augmentation make training "
                         "harder than the validation test, and training accuracy is averaged over an epoch "
                         "in which the network was still improving.")

    if len(epochs) == 1:
        notes.append("Only one epoch, so each curve is a single point: train for more epochs to see "
                     "whether it keeps improving.")
    elif not overfitting:
        watched = val_acc or train_acc  # validation says more about new pictures, when there is one
        last_gain = watched[-1] - watched[-2]
        if last_gain > STILL_RISING and train_acc[-1] - train_acc[-2] > STILL_RISING:
            notes.append(f"Accuracy was still rising in the last epoch (+{_points(last_gain)}): more "
                         "epochs would probably help.")
        elif len(watched) >= 3 and all(abs(watched[i] - watched[i - 1]) < LEVELLED_OFF for i in (-1, -2)):
            # A network that memorises already has more capacity than it uses well: never advise a
            # bigger one then (it would memorise more), only what makes memorising harder.
            notes.append("The curves have levelled off: more epochs would change little. "
                         + ("Against the memorising, try dropout, augmentation or more data." if memorising else
                            "A bigger network, more data or another learning rate are the next things to try."))

    if val_acc and _finite(test_accuracy):
        diff = test_accuracy - val_acc[-1]
        if abs(diff) <= TEST_CLOSE:
            notes.append(f"Test accuracy is close to the last validation accuracy ({val_acc[-1]:.1%}): "
                         "the validation set was a fair preview of how the network does on new pictures.")
        else:
            notes.append(f"Test accuracy is {_points(diff)} {'below' if diff < 0 else 'above'} the last "
                         f"validation accuracy ({val_acc[-1]:.1%}): the two sets hold different pictures, "
                         "and small sets vary by chance.")
    return notes


def settings_that_differ(configs: Sequence[dict]) -> list[str]:
    """The setting names (keys of TrainConfig.to_json()) whose values are not the same in every
    config, in the configs' own key order. Used to show what was changed between runs."""
    keys: list[str] = []
    for config in configs:
        keys += [k for k in config if k not in keys]
    return [k for k in keys if len({repr(c.get(k)) for c in configs}) > 1]
