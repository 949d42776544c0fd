"""Training: one function that trains a network and reports as it goes.

`train(config)` does the whole lesson in order: load the data, build the network, fit it epoch
by epoch, measure it on the test set, and save the run. It reports progress as events (plain
dicts) to a callback:

    {"type": "start", ...}   data loaded, network built (sizes, parameter count)
    {"type": "batch", ...}   progress inside an epoch (several times a second)
    {"type": "epoch", ...}   loss, accuracy, val_loss, val_accuracy, seconds, images_per_second
    {"type": "end", ...}     status (finished/stopped/diverged/failed), test metrics, run id

The settings are a `cnnlab.config.TrainConfig`. Background jobs (a queue, worker processes, a Ray
cluster) that run `train` for the app live in cnnlab.backends.
"""
from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from cnnlab.config import MAX_LEARNING_RATE, OPTIMIZERS, TrainConfig
from cnnlab.fields import shown
from cnnlab.runs import Run, check_runs_folder, new_run_id
from cnnlab.settings import CnnlabError

Event = dict[str, Any]

WARMUP_FRACTION = 0.03  # "cosine": share of all batches spent climbing to the full learning rate
EVALUATION_BATCH_SIZE = 512  # no gradients are kept while measuring, so bigger batches are cheap


def steps_per_execution(batch_size: int) -> int:
    """How many batches Keras runs per call from Python.

    Fewer round trips between Python and TensorFlow make small batches much faster, but the
    progress bar and the Stop button only see the end of each call. About 1,000 images per call
    keeps the bar moving several times a second on a laptop CPU.
    """
    return max(1, min(32, round(1024 / batch_size)))


def learning_rate_schedule(config: TrainConfig, batches_per_epoch: int):
    """What the optimizer gets as its learning rate: the number itself ("constant"), or for
    "cosine" a Keras schedule over every batch of the training: a linear climb from a tenth of
    `learning_rate` to all of it over the first WARMUP_FRACTION of the batches, then half a
    cosine wave down to zero at the last batch."""
    rate = float(config.learning_rate)  # Keras refuses a whole number such as 10
    if config.lr_schedule == "constant":
        return rate
    import keras

    total = max(1, config.epochs * batches_per_epoch)
    warmup = min(total - 1, round(total * WARMUP_FRACTION))
    if not warmup:  # a single batch: no room to climb
        return keras.optimizers.schedules.CosineDecay(rate, decay_steps=total, alpha=0.0)
    return keras.optimizers.schedules.CosineDecay(
        rate / 10, decay_steps=total - warmup, alpha=0.0, warmup_target=rate, warmup_steps=warmup)



def make_optimizer(name: str, learning_rate):
    """The Keras optimizer for one of OPTIMIZERS. `learning_rate` may be a number or a Keras schedule.

    "sgd" is plain gradient descent (what the fashion-bn tutorial uses); "sgd-momentum" adds
    momentum 0.9, which usually trains much faster at the same learning rate.
    """
    if name not in OPTIMIZERS:
        raise CnnlabError(f"unknown optimizer {shown(name)}; choose one of {', '.join(OPTIMIZERS)}")
    if isinstance(learning_rate, (int, float)) and not (0 < learning_rate <= MAX_LEARNING_RATE):
        raise CnnlabError(f"the learning rate must be above 0 and at most {MAX_LEARNING_RATE:g}, "
                          f"got {shown(learning_rate)}")
    from keras import optimizers

    if name == "sgd-momentum":
        return optimizers.SGD(learning_rate=learning_rate, momentum=0.9)
    return {"adam": optimizers.Adam, "sgd": optimizers.SGD, "rmsprop": optimizers.RMSprop,
            "adamw": optimizers.AdamW}[name](learning_rate=learning_rate)


def _test_metrics(model, x, y) -> tuple[float, float]:
    """Keras's sparse categorical cross-entropy and accuracy of `model` on (x, y), computed by
    calling the model batch by batch: for a single pass this is faster than `model.evaluate`,
    which first compiles a TensorFlow graph (a few tenths of a second on a laptop CPU)."""
    loss, right = 0.0, 0
    for start in range(0, len(y), EVALUATION_BATCH_SIZE):
        labels = y[start:start + EVALUATION_BATCH_SIZE]
        probabilities = np.asarray(model(x[start:start + EVALUATION_BATCH_SIZE].astype(np.float32), training=False))
        picked = probabilities[np.arange(len(labels)), labels]
        loss -= float(np.log(np.clip(picked, 1e-7, 1 - 1e-7)).sum())  # Keras clips as well
        right += int((probabilities.argmax(axis=1) == labels).sum())
    return loss / max(len(y), 1), right / max(len(y), 1)


def _input_pipeline(x, y, indices, batch_size: int, *, shuffle: bool, seed: int,
                    shift: float = 0.0, flip: bool = False):
    """Batches of (float32 images 0..255, labels) from uint8 arrays held once in memory.

    The arrays stay uint8 (a float32 copy of CIFAR-10 alone is 600 MB); each batch is gathered
    by index and converted only when it is needed, and the model's first layer rescales 0..255
    to 0..1. Shuffling indices instead of images keeps reshuffling each epoch cheap.
    """
    import tensorflow as tf

    images = tf.convert_to_tensor(x)  # a tensor already (train() shares one) is used as it is
    labels = tf.convert_to_tensor(y)
    ds = tf.data.Dataset.from_tensor_slices(indices)
    if shuffle:
        ds = ds.shuffle(len(indices), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)
    ds = ds.map(lambda i: (tf.cast(tf.gather(images, i), tf.float32), tf.gather(labels, i)),
                num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    if shift or flip:
        import keras

        augment = keras.Sequential(
            ([keras.layers.RandomTranslation(shift, shift, fill_mode="constant", seed=seed)] if shift else [])
            + ([keras.layers.RandomFlip("horizontal", seed=seed)] if flip else [])
        )
        ds = ds.map(lambda xb, yb: (augment(xb, training=True), yb), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


def _split(num_train: int, validation_split: float, seed: int):
    """Shuffled train/validation indices. Shuffling first matters: a dataset stored class by
    class would otherwise lose whole classes to the validation set (see GUIDE pitfalls)."""
    order = np.random.default_rng(seed).permutation(num_train)
    n_val = int(round(num_train * validation_split))
    if validation_split > 0:
        n_val = min(max(n_val, 1), num_train - 1)
    return order[n_val:], order[:n_val]


def plain_message(error: Exception) -> str:
    """An error's text without the terminal colour codes Keras puts in it (they show as junk in a page)."""
    return re.sub(r"\x1b\[[0-9;]*m", "", str(error))


def divergence_threshold(num_classes: int) -> float:
    """A loss above this means training has blown up.

    A network that guesses uniformly at random scores ln(classes) (2.3 for ten classes), and
    Keras clips probabilities, so an exploding network shows a huge but finite loss long before
    it shows NaN. Four times the guessing loss, and at least 10, is never reached by training
    that is merely slow."""
    return max(10.0, 4 * math.log(max(num_classes, 2)))


MAX_BATCH_POINTS = 500  # per epoch: plenty for a chart, little to copy each second


def add_batch_point(points: list[dict], event: Event) -> None:
    """Keep a batch report as a point of the epoch's batch-by-batch curve (thinned to every other
    point when there are too many, so a long epoch costs no more than a short one)."""
    points.append({key: event[key] for key in ("epoch", "batch", "batches", "loss", "accuracy") if key in event})
    if len(points) > MAX_BATCH_POINTS:
        points[:] = points[::2] if len(points) % 2 else [*points[::2], points[-1]]  # the latest stays


@dataclass(frozen=True)
class Chance:
    """What guessing scores on a training set: always answering its commonest class gets
    `accuracy`; answering with each class's share as its probability gets `loss` (the labels'
    entropy, ln(classes) when they are balanced). A network whose weights were wrecked by too big
    steps scores exactly this, whatever the picture: it has collapsed to guessing."""

    accuracy: float
    loss: float

    @classmethod
    def of(cls, labels: np.ndarray, num_classes: int) -> "Chance":
        shares = np.bincount(np.asarray(labels, np.int64), minlength=num_classes) / max(len(labels), 1)
        present = shares[shares > 0]
        entropy = float(-(present * np.log(present)).sum()) if len(present) else math.log(max(num_classes, 2))
        return cls(float(shares.max()) if len(labels) else 1 / max(num_classes, 2), entropy)

    def band(self) -> float:
        """Accuracy below this is guessing: chance plus 5% of the way from chance to perfect."""
        return self.accuracy + 0.05 * (1 - self.accuracy)


MIN_STEPS_TO_JUDGE = 50  # fewer weight updates than this may simply not have learned anything yet


def collapse_reason(history: list[dict], chance: Chance, highest_loss: float, steps: int) -> str | None:
    """Why the training in `history` (one dict per epoch, the last one just finished) has collapsed
    to guessing, or None when it has not. Slow but healthy training is never called collapsed.

    Collapsed: the last epoch guesses at chance (accuracy within `Chance.band`, on the validation
    pictures too, with the loss of guessing), and either an earlier epoch did clearly better (it
    fell back), or the loss overshot on the way (`highest_loss`, the highest running loss seen,
    well above the loss of guessing: the steps were too big) and at least MIN_STEPS_TO_JUDGE
    weight updates (`steps`) have run. A network learning slowly from its random start sits near
    chance too, but its loss never overshoots, and it never falls back.
    """
    last = history[-1]
    accuracies = [last.get("accuracy")] + ([last["val_accuracy"]] if last.get("val_accuracy") is not None else [])
    if not all(isinstance(a, (int, float)) and a < chance.band() for a in accuracies):
        return None
    if not (isinstance(last.get("loss"), (int, float)) and last["loss"] >= 0.95 * chance.loss):
        return None
    best = max(history[:-1], key=lambda h: h.get("val_accuracy") or h.get("accuracy") or 0.0, default=None)
    best_accuracy = (best.get("val_accuracy") or best.get("accuracy") or 0.0) if best else 0.0
    if best_accuracy >= chance.accuracy + 0.3 * (1 - chance.accuracy):
        return (f"after reaching {best_accuracy:.1%} in epoch {best.get('epoch')}, it fell back to guessing "
                f"({last['accuracy']:.1%} right, where always answering one class scores {chance.accuracy:.1%})")
    if highest_loss > max(1.25 * chance.loss, chance.loss + 0.5) and steps >= MIN_STEPS_TO_JUDGE:
        return (f"its loss overshot to {highest_loss:.3g} and it is now guessing: {last['accuracy']:.1%} right "
                f"(always answering one class scores {chance.accuracy:.1%}), loss {last['loss']:.2f} "
                f"(guessing scores {chance.loss:.2f})")
    return None


# What usually works, per optimizer, for the collapse message.
TYPICAL_LEARNING_RATES = {"adam": "0.001", "adamw": "0.001", "rmsprop": "0.001", "sgd": "0.01 to 0.1",
                          "sgd-momentum": "0.001 to 0.01"}


def _make_callback(emit, should_stop, num_batches: int, num_epochs: int, num_train: int, num_classes: int,
                   chance: Chance | None = None, config: "TrainConfig | None" = None):
    import keras

    too_high = divergence_threshold(num_classes)

    class Reporter(keras.callbacks.Callback):
        """Turns Keras's hooks into cnnlab events; honours Stop and catches divergence and collapse."""

        def __init__(self):
            super().__init__()
            self.status = "finished"
            self.message = ""
            self.history: list[dict] = []
            self.highest_loss = 0.0  # of the running loss Keras reports after each step

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch
            self.epoch_start = time.perf_counter()
            self.train_seconds = 0.0

        def on_train_batch_end(self, batch, logs=None):
            logs = logs or {}
            loss = float(logs.get("loss", 0.0))
            self.train_seconds = time.perf_counter() - self.epoch_start
            if math.isfinite(loss):
                self.highest_loss = max(self.highest_loss, loss)
            emit({"type": "batch", "epoch": self.epoch + 1, "epochs": num_epochs,
                  "batch": min(batch + 1, num_batches), "batches": num_batches, "loss": loss,
                  "accuracy": float(logs.get("accuracy", 0.0))})
            if not math.isfinite(loss) or loss > too_high:
                self.status = "diverged"
                self.message = (f"The loss shot up to {loss:.4g} in epoch {self.epoch + 1} (guessing at random "
                                f"would score {math.log(num_classes):.2f}): training diverged. The learning "
                                "rate is probably too high; try one ten times lower.")
                self.model.stop_training = True
            elif should_stop():
                self.status = "stopped"
                self.message = f"Stopped during epoch {self.epoch + 1}."
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            if self.status != "finished":
                return  # a half epoch (stopped or diverged) is not a point on the curve
            logs = logs or {}
            seconds = time.perf_counter() - self.epoch_start
            event = {
                "type": "epoch", "epoch": epoch + 1, "epochs": num_epochs,
                "loss": float(logs.get("loss", float("nan"))),
                "accuracy": float(logs.get("accuracy", float("nan"))),
                "val_loss": float(logs["val_loss"]) if "val_loss" in logs else None,
                "val_accuracy": float(logs["val_accuracy"]) if "val_accuracy" in logs else None,
                "seconds": seconds,
                "images_per_second": num_train / max(self.train_seconds, 1e-9),
            }
            emit(event)  # a whole epoch: kept and shown, collapsed or not
            self.history.append(event)
            reason = (collapse_reason(self.history, chance, self.highest_loss, (epoch + 1) * num_batches)
                      if chance else None)
            if reason:
                self.status = "diverged"
                lr, optimizer = (config.learning_rate, config.optimizer) if config else ("?", "?")
                self.message = (f"Training collapsed in epoch {epoch + 1}: {reason}. The network has stopped "
                                f"learning, because its steps were too big: the learning rate {lr:g} is too high "
                                f"for {optimizer}. Try one ten times lower (for {optimizer}, "
                                f"{TYPICAL_LEARNING_RATES.get(optimizer, '0.001')} usually works)."
                                if isinstance(lr, (int, float)) else
                                f"Training collapsed in epoch {epoch + 1}: {reason}. Try a learning rate ten "
                                "times lower.")
                self.model.stop_training = True

    return Reporter()


def train(config: TrainConfig, on_event: Callable[[Event], None] | None = None,
          should_stop: Callable[[], bool] | None = None, run: Run | None = None,
          progress: Callable[[int, int, str], None] | None = None,
          callbacks: list | None = None, timelapse: bool = True, resume: bool = False) -> Run:
    """Train a network as `config` says and save the run. Returns the saved run.

    `resume`: `run` is a saved run that ended early ("Continue training"); training goes on from
    its last saved epoch and network, up to `config.epochs`.

    `callbacks`: extra Keras callbacks, called after cnnlab's own (the benchmarks measure test
    accuracy after each epoch with one; time spent in them is not counted in epoch seconds).
    `timelapse`: save snapshots for Inspect's "Watch it learn" (cnnlab.timelapse) with the run.

    Settings that cannot work (unknown dataset, impossible layer stack, bad numbers) raise
    CnnlabError before anything is saved. Once training has begun, nothing raises: the run ends
    with status "finished", "stopped", "diverged" or "failed" and a message saying why.
    """
    from cnnlab.datasets import load_dataset
    from cnnlab.network import build_model, check_stack

    should_stop = should_stop or (lambda: False)
    on_event = on_event or (lambda event: None)

    # 1. The settings, the pictures and the layer stack: anything impossible is refused here.
    config.check()
    check_runs_folder(writable=True)  # before minutes of loading and training, not after
    dataset = load_dataset(config.dataset, image_size=config.image_size, channels=config.channels,
                           progress=progress)
    layers = config.layer_stack()
    shape = check_stack(layers, dataset.image_shape, dataset.num_classes)
    if shape.error is not None:
        raise shape.error

    # 2. The run record, saved at once so that the Runs page shows it while it trains.
    run = run or Run(run_id=new_run_id(config.architecture, config.dataset), config=config.to_json())
    initial_epoch = run.epochs_done if resume else 0
    if resume and not (run.has_model and initial_epoch < config.epochs):
        raise CnnlabError(f"Run {run.run_id} cannot be continued: it has no saved network, or it has "
                          "already trained all its epochs.")
    run.config = config.to_json()
    run.classes = list(dataset.classes)
    run.image_shape = list(dataset.image_shape)
    run.dataset_source = dataset.source
    run.parameters = shape.total_params
    run.status = "running"
    run.save()

    lesson = _Lesson(run, on_event)
    try:
        import keras

        # 3. The network. Same seed: same starting weights, same shuffles, same dropout, so the same first epoch.
        keras.utils.set_random_seed(config.seed)
        lesson.model = build_model(layers, dataset.image_shape, dataset.num_classes, name=config.architecture)
        if initial_epoch:  # go on from the weights the run saved after its last epoch
            lesson.model.set_weights(keras.models.load_model(run.model_path, compile=False).get_weights())
        # 4. The pictures it trains on, and those kept aside to validate it.
        train_idx, val_idx = _split(len(dataset.y_train), config.validation_split, config.seed)
        num_batches = math.ceil(len(train_idx) / config.batch_size)
        lesson.compile(config, num_batches)
        if initial_epoch:  # a learning-rate schedule goes on where it was, not from its start
            lesson.training_model.optimizer.iterations.assign(initial_epoch * num_batches)
        train_data, val_data = _training_data(config, dataset, train_idx, val_idx)
        lesson.emit({"type": "start", "run_id": run.run_id, "dataset": dataset.name, "source": dataset.source,
                     "train_images": int(len(train_idx)), "validation_images": int(len(val_idx)),
                     "test_images": int(len(dataset.y_test)), "batches": num_batches,
                     "epochs": config.epochs, "parameters": int(lesson.model.count_params()),
                     "resumed_from": initial_epoch})
        # 5. Epoch after epoch, until done, stopped or diverged.
        snapshots = []
        if timelapse and not should_stop():  # for Inspect's "Watch it learn"
            from cnnlab.timelapse import make_recorder

            snapshots.append(make_recorder(run.path, dataset.x_test, dataset.y_test, dataset.num_classes, num_batches,
                                           initial_epoch))
        lesson.fit(config, train_data, val_data, should_stop, num_batches, len(train_idx), dataset.num_classes,
                   Chance.of(dataset.y_train[train_idx], dataset.num_classes), [*snapshots, *(callbacks or [])],
                   initial_epoch)
        # 6. The final score, on test pictures it has never seen.
        lesson.measure_on_test_set(config, dataset)
    except CnnlabError as e:
        run.status, run.message = "failed", str(e)
    except Exception as e:  # noqa: BLE001 - a crash in training ends the run, not the app
        run.status, run.message = "failed", f"Training failed: {type(e).__name__}: {plain_message(e)}"
    run.save()
    on_event({"type": "end", "status": run.status, "message": run.message, "run_id": run.run_id,
              "test_loss": run.test_loss, "test_accuracy": run.test_accuracy,
              "seconds": run.seconds, "epochs_done": run.epochs_done})
    return run


def _training_data(config: TrainConfig, dataset, train_idx, val_idx):
    """The training batches (shuffled, augmented as configured) and the validation batches (or None)."""
    import tensorflow as tf

    # One copy of the training images inside TensorFlow, shared by training and validation.
    x_train, y_train = tf.constant(dataset.x_train), tf.constant(dataset.y_train)
    train_data = _input_pipeline(x_train, y_train, train_idx, config.batch_size, shuffle=True, seed=config.seed,
                                 shift=config.augment_shift, flip=config.augment_flip)
    val_data = (_input_pipeline(x_train, y_train, val_idx, EVALUATION_BATCH_SIZE, shuffle=False, seed=config.seed)
                if len(val_idx) else None)
    return train_data, val_data


class _Lesson:
    """One training under way: the run it records, the network, and the events it sends."""

    def __init__(self, run: Run, on_event: Callable[[Event], None]):
        self.run = run
        self.on_event = on_event
        self.model = None  # float32: what is saved
        self.training_model = None  # what trains: the model itself, or its bfloat16 twin
        self.this_epoch: list[dict] = []  # the batch reports of the epoch in progress

    def trained_model(self):
        """`model` (float32, what is saved) holding the weights learned so far."""
        if self.training_model is not self.model:
            self.model.set_weights(self.training_model.get_weights())
        return self.model

    def emit(self, event: Event) -> None:
        run = self.run
        if event["type"] == "epoch":
            run.history.append({k: v for k, v in event.items() if k not in ("type", "epochs")})
            run.seconds += event["seconds"]
            self.this_epoch.clear()
            # Saved before it is reported: an epoch anyone has seen (a printed line, a point on a
            # chart) is on disk, even if the program is killed the next moment.
            run.save_model(self.trained_model())
            run.save()
        elif event["type"] == "batch":
            add_batch_point(self.this_epoch, event)
        self.on_event(event)

    def compile(self, config: TrainConfig, num_batches: int) -> None:
        from cnnlab.precision import training_precision, with_precision

        self.training_model = with_precision(self.model, training_precision())
        self.training_model.compile(
            optimizer=make_optimizer(config.optimizer, learning_rate_schedule(config, num_batches)),
            loss="sparse_categorical_crossentropy", metrics=["accuracy"],
            steps_per_execution=steps_per_execution(config.batch_size))

    def fit(self, config: TrainConfig, train_data, val_data, should_stop, num_batches: int, num_train: int,
            num_classes: int, chance: Chance, callbacks: list, initial_epoch: int = 0) -> None:
        reporter = _make_callback(self.emit, should_stop, num_batches, config.epochs, num_train, num_classes,
                                  chance, config)
        if should_stop():
            reporter.status, reporter.message = "stopped", "Stopped before the first epoch began."
        else:
            self.training_model.fit(train_data, validation_data=val_data, epochs=config.epochs,
                                    initial_epoch=initial_epoch, callbacks=[reporter, *callbacks], verbose=0,
                                    shuffle=False)
        self.run.status, self.run.message = reporter.status, reporter.message
        if self.run.status in ("stopped", "diverged"):
            self.run.unfinished_epoch = list(self.this_epoch)  # the epoch cut short (where it blew up)
        if self.run.status == "stopped" and self.run.history:
            self.run.save_model(self.trained_model())  # keep the weights the test metrics describe

    def measure_on_test_set(self, config: TrainConfig, dataset) -> None:
        """Test loss and accuracy, unless nothing was learned or training blew up."""
        run = self.run
        if run.status == "diverged" or not run.history:
            return
        if self.model is self.training_model:
            test_data = _input_pipeline(dataset.x_test, dataset.y_test, np.arange(len(dataset.y_test)),
                                        EVALUATION_BATCH_SIZE, shuffle=False, seed=config.seed)
            test_loss, test_accuracy = self.model.evaluate(test_data, verbose=0)
        else:  # measure the float32 model that was saved, not its bfloat16 twin
            test_loss, test_accuracy = _test_metrics(self.trained_model(), dataset.x_test, dataset.y_test)
        run.test_loss, run.test_accuracy = float(test_loss), float(test_accuracy)
