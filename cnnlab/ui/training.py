"""Widgets for training: the hyperparameter settings, and the panel that follows a training job.

A job lives in the process-wide `job_registry()` and runs in the background (a worker process,
or a Ray cluster), so it outlives page switches and reloads; these widgets only read its
`JobView`. While a job is
active, its panel is a fragment that redraws itself every second; when the job ends, it asks
for one whole-page rerun so the buttons and the sidebar show the final state, and then it stops
polling.
"""
from __future__ import annotations

import math
from typing import Any

import streamlit as st

from cnnlab.backends import JobView, TrainingJob, job_registry, wait_text
from cnnlab.backends.view import duration, ordinal
from cnnlab.charts.training import FIRST_POINT_NOTE, training_curves
from cnnlab.config import LR_SCHEDULES, OPTIMIZERS, SETTINGS, TRAIN_PAGE_SETTINGS, TrainConfig
from cnnlab.curves import read_curves
from cnnlab.presets import PRESETS
from cnnlab.runs import FAILED_STATUSES, FINAL_STATUSES, KEPT_STATUSES, Run
from cnnlab.settings import CnnlabError
from cnnlab.ui.state import choices, lab_id, remember_choices
from cnnlab.ui.widgets import show_error

POLL_SECONDS = 1.0
SIDEBAR_POLL_SECONDS = 2.0
# A training waiting its turn changes only when the queue moves: with 30 students waiting, a redraw
# every second each was most of what the web server did (bench/classroom.py).
QUEUED_POLL_SECONDS = 5.0

BATCH_SIZES = (8, 16, 32, 64, 128, 256, 512, 1024)
COMMON_LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)


# ------------------------------------------------------------------------------------------
# Settings

def default_settings(architecture: str, dataset: str) -> dict[str, Any]:
    """The preset's tutorial settings (TrainConfig's defaults for a custom stack)."""
    if architecture in PRESETS:
        config = TrainConfig.from_preset(architecture, dataset)
    else:
        config = TrainConfig(dataset=dataset, architecture=architecture)
    values = config.to_json()
    return {name: values[name] for name in TRAIN_PAGE_SETTINGS}


def widget_keys() -> list[str]:
    """The Train page's widget keys, one per setting in TRAIN_PAGE_SETTINGS."""
    return [SETTINGS[name].key for name in TRAIN_PAGE_SETTINGS]


def _stored_settings(architecture: str, dataset: str) -> dict[str, Any]:
    """This lab's settings; back to the preset's defaults when the network has changed, because
    each tutorial's settings belong to its network (fashion-bn's plain SGD, fast-cnn's 0.003)."""
    chosen = choices()
    if not chosen.train_settings or chosen.train_settings_for != architecture:
        chosen.train_settings_for, chosen.train_settings = architecture, default_settings(architecture, dataset)
        for key in widget_keys():
            st.session_state.pop(key, None)
    for name, value in default_settings(architecture, dataset).items():
        chosen.train_settings.setdefault(name, value)  # a setting added since these were stored
    return chosen.train_settings


def _reset_settings(architecture: str, dataset: str) -> None:
    from cnnlab.ui.setups import hidden, locked

    chosen = choices()
    old, settings = chosen.train_settings, default_settings(architecture, dataset)
    # What a lesson or a link fixed (hidden or locked) stays as it set it.
    settings.update({name: old[name] for name in TRAIN_PAGE_SETTINGS if name in old and (hidden(name) or locked(name))})
    chosen.train_settings_for, chosen.train_settings = architecture, settings
    for name in TRAIN_PAGE_SETTINGS:
        st.session_state[SETTINGS[name].key] = SETTINGS[name].to_widget(settings[name])


def _pick_learning_rate() -> None:
    picked = st.session_state.get("learning_rate_pick")
    if picked:
        st.session_state[SETTINGS["learning_rate"].key] = picked
        st.session_state["learning_rate_pick"] = None


def _widget(name: str, widget, *args, caption: bool = True, **kwargs) -> None:
    """Streamlit's `widget` for the setting `name`, titled, keyed and explained (`caption`) from
    SETTINGS; not drawn when a lesson step or a teacher's link hides it, greyed out when it locks it."""
    from cnnlab.ui.setups import hidden, locked

    if hidden(name):
        return
    setting = SETTINGS[name]
    if setting.choices:
        kwargs["format_func"] = setting.choice_label
    kwargs["disabled"] = kwargs.get("disabled", False) or locked(name)
    widget(setting.title, *args, key=setting.key, **kwargs)
    if caption:
        st.caption(setting.help)


def training_settings(architecture: str, dataset: str, colour: bool) -> dict[str, Any]:
    """The hyperparameter widgets, each with a one-line explanation. Returns the values as
    TrainConfig fields (fractions, not percentages)."""
    from cnnlab.ui.setups import hidden, locked

    settings = _stored_settings(architecture, dataset)
    for name in TRAIN_PAGE_SETTINGS:
        if SETTINGS[name].key not in st.session_state:  # first visit, or back from another page: restore
            st.session_state[SETTINGS[name].key] = SETTINGS[name].to_widget(settings[name])

    left, middle, right = st.container(key="wrap_settings").columns(3, gap="large")
    with left:
        _widget("optimizer", st.selectbox, OPTIMIZERS)
        _widget("learning_rate", st.number_input, min_value=0.000001, max_value=10.0, step=0.0001, format="%g",
                caption=False)
        if not hidden("learning_rate"):
            st.pills("Common values", COMMON_LEARNING_RATES, key="learning_rate_pick", disabled=locked("learning_rate"),
                     on_change=_pick_learning_rate, label_visibility="collapsed", wrap=True)
            st.caption(SETTINGS["learning_rate"].help)
        _widget("lr_schedule", st.selectbox, LR_SCHEDULES)
    with middle:
        batch_sizes = sorted(set(BATCH_SIZES) | {int(st.session_state[SETTINGS["batch_size"].key])})
        _widget("batch_size", st.selectbox, batch_sizes)
        _widget("epochs", st.number_input, min_value=1, max_value=500, step=1)
        _widget("validation_split", st.slider, 0, 50, step=5)
    with right:
        _widget("augment_shift", st.slider, 0, 20, step=5, caption=False)
        _widget("augment_flip", st.checkbox, disabled=not colour, caption=False,
                help=None if colour else SETTINGS["augment_flip"].help)
        if not (hidden("augment_shift") and hidden("augment_flip")):
            st.caption(SETTINGS["augment_shift"].help)
        _widget("seed", st.number_input, min_value=0, max_value=2**31 - 1, step=1)
    st.button("Reset to the preset's defaults", on_click=_reset_settings, args=(architecture, dataset),
              icon=":material/restart_alt:")

    values = {name: SETTINGS[name].from_widget(st.session_state[SETTINGS[name].key]) for name in TRAIN_PAGE_SETTINGS}
    settings.update(values)
    remember_choices()  # on disk at once: a restart before the next click keeps the new setting
    if not colour:
        values["augment_flip"] = False
    return values


# ------------------------------------------------------------------------------------------
# The job

def adopt_finished_run(job: TrainingJob | None) -> None:
    """Make a job's run the current model (Inspect, Classify) once, when it has ended with a model:
    finished, or stopped after at least one epoch. Only once per job, so a run picked later on
    the Runs page is not overridden."""
    if job is None or not job.done:
        return
    chosen = choices()
    if chosen.adopted_job == job.run_id:
        return
    chosen.adopted_job = job.run_id
    if job.status in KEPT_STATUSES and job.view().history and job.run.has_model:
        choices().run_id = job.run_id


def adopt_latest_run() -> None:
    """adopt_finished_run for this lab's latest job, if any."""
    adopt_finished_run(job_registry().latest(lab_id()))


def sidebar_job_line() -> None:
    """The current job's state in the sidebar, refreshed every few seconds while it is active."""
    job = job_registry().latest(lab_id())
    if job is None:
        return
    if job.done:
        _sidebar_line(job, False)
    else:
        queued = job.status == "queued"
        st.fragment(run_every=QUEUED_POLL_SECONDS if queued else SIDEBAR_POLL_SECONDS)(_sidebar_line)(job, True, queued)


def _sidebar_line(job: TrainingJob, polling: bool, queued: bool = False) -> None:
    st.markdown(f":material/model_training: {job.view().summary()}")
    if polling and job.done:
        adopt_finished_run(job)
        st.rerun(scope="app")
    elif queued and job.status != "queued":
        st.rerun(scope="app")  # its turn came: redraw at the faster pace of a running training


def continue_button(run: Run) -> None:
    """"Continue training" for a run that ended before all its epochs but kept its network (the
    server restarted, it was stopped, or its training process died): it trains on in this lab
    from its last saved epoch."""
    if not run.resumable:
        return
    registry = job_registry()
    busy = bool(registry.active(lab_id())) or registry.find_active(run.run_id) is not None
    clicked = st.button(f"Continue training from epoch {run.epochs_done + 1}", key="continue_button",
                        icon=":material/play_circle:", disabled=busy)
    st.caption(f"Trains the remaining {int(run.config.get('epochs') or 0) - run.epochs_done} of its "
               f"{run.config.get('epochs')} epochs, starting from the network it saved after epoch "
               f"{run.epochs_done}." + (" Your lab is training already: wait for it or stop it first." if busy else ""))
    if clicked:
        try:
            registry.submit(lab_id(), TrainConfig.from_json(run.config), resume=run)
        except CnnlabError as e:
            show_error(e)
        else:
            choices().run_id = run.run_id
            st.switch_page("pages/train.py")


def job_panel(job: TrainingJob, num_classes: int) -> None:
    """The job's live view. While it is active: a fragment that redraws every second."""
    if job.done:
        _job_view(job, num_classes, polling=False)
    elif job.status == "queued":
        st.fragment(run_every=QUEUED_POLL_SECONDS)(_job_view)(job, num_classes, polling=True, queued=True)
    else:
        st.fragment(run_every=POLL_SECONDS)(_job_view)(job, num_classes, polling=True)


def _job_view(job: TrainingJob, num_classes: int, polling: bool, queued: bool = False) -> None:
    view = job.view()
    if queued and view.status != "queued":
        # Its turn came: one whole-page rerun draws this panel again, polling at a running training's pace.
        st.rerun(scope="app")
    run_view(view, num_classes, max_parallel=job_registry().max_parallel)
    if polling and view.done:
        # The job ended since the page was drawn: one whole-page rerun shows the result with the
        # buttons enabled again, and draws this panel without polling.
        adopt_finished_run(job)
        st.rerun(scope="app")


def run_view(view: JobView, num_classes: int, max_parallel: int = 1) -> None:
    """While training: status, progress, speed and the growing chart. Once ended: the outcome,
    the test score, the chart, a reading of the curves, and where to go next."""
    history = view.history
    epochs = view.epochs
    ended = view.done
    batches = view.batches  # the epoch in progress, or the one cut short
    if ended:
        _outcome(view)
        if not history and not batches:
            st.caption("No epoch finished, so there are no curves to show.")
            return
    else:
        _status_line(view, max_parallel)

    last = history[-1] if history else None
    cols = st.container(key="wrap_metrics").columns(4)
    if ended and view.test_accuracy is not None:
        cols[0].metric("Test accuracy", f"{view.test_accuracy:.1%}",
                       help="Share of the test pictures (never seen in training) it classifies correctly.")
        cols[1].metric("Test loss", f"{view.test_loss:.4f}",
                       help="How wrong it is on the test pictures, on average (lower is better).")
        cols[2].metric("Guessing at random", f"{1 / max(num_classes, 1):.0%}",
                       help="What picking a class at random would score: the floor to beat.")
    else:
        cols[0].metric("Validation accuracy",
                       f"{last['val_accuracy']:.1%}" if last and last.get("val_accuracy") is not None else "–",
                       help="On pictures kept aside, never trained on: how well it does on new pictures.")
        cols[1].metric("Seconds per epoch", f"{last['seconds']:.1f}" if last else "–",
                       help="How long one pass over all training pictures took.")
        cols[2].metric("Images per second", f"{last['images_per_second']:,.0f}" if last else "–",
                       help="How many training pictures the computer gets through each second.")
    cols[3].metric("Epochs done", f"{len(history)} of {epochs}")

    # While training, the axis spans every planned epoch so the curves grow into it; afterwards
    # only the epochs done, so a stopped run's points are not squeezed into a corner.
    st.plotly_chart(training_curves(history, None if ended else epochs, test_loss=view.test_loss,
                                    test_accuracy=view.test_accuracy, batches=batches,
                                    blew_up=view.status == "diverged", guess_loss=math.log(max(num_classes, 2))))
    st.caption(curves_caption(view.status, bool(history), bool(batches), view.test_accuracy is not None))
    if ended:
        _reading(view, num_classes)


def curves_caption(status: str, has_epochs: bool, has_batches: bool, has_test: bool) -> str:
    """What the training chart shows, in words, for each moment of a run."""
    thin = ""
    if has_batches and status == "diverged":
        thin = (" The thin line is the last epoch batch by batch (a running average since the epoch began), up to "
                "the red cross where the loss blew up; a loss that exploded is drawn on a log scale, where each "
                "step up is ten times more.")
    elif has_batches and status in ("stopped", "interrupted"):
        thin = " The thin line is the epoch that was stopped, batch by batch, up to where it stopped."
    elif has_batches:
        thin = (" The thin line is the epoch in progress, batch by batch: the loss and accuracy so far in this "
                "epoch (a running average), which becomes the epoch's point when it ends.")
    if has_epochs:
        return ("Each point is one epoch. Blue: the pictures it trains on; orange: the validation pictures it never "
                "trains on" + ("; dotted green: the test pictures, measured once at the end" if has_test else "")
                + ". Loss going down and accuracy going up is learning; orange falling behind blue is memorising "
                "(overfitting)." + thin)
    if has_batches:
        return ("No epoch has finished yet." + thin + (" The first point appears when epoch 1 ends." if status not in
                                                        FINAL_STATUSES else ""))
    return (f"{FIRST_POINT_NOTE} Loss (how wrong the network is, on average) should then go down and accuracy "
            "(share of pictures it gets right) go up, epoch after epoch.")


def _status_line(view: JobView, max_parallel: int) -> None:
    status = view.status
    if status == "queued":
        busy = "another training is" if max_parallel == 1 else f"{max_parallel} other trainings are"
        parts = [f"Waiting in the queue: {ordinal(view.queue_position or 1)} in line ({busy} using the computer).",
                 wait_text(view), "It starts by itself; you can leave this page meanwhile."]
        st.info(" ".join(part for part in parts if part), icon=":material/hourglass_top:")
    elif view.stopping:
        st.warning("Stopping: the network finishes the batches it is working on, then it is measured on "
                   "the test pictures and saved...", icon=":material/stop_circle:")
    elif status == "loading":
        st.info("Loading the pictures and building the network...", icon=":material/downloading:")
        if view.download:
            done, total, what = view.download
            st.progress(min(done / total, 1.0) if total else 0.0,
                        text=f"{what}: {done / 1e6:.1f} of {total / 1e6:.1f} MB" if total else what)
    elif status == "running":
        left = f" About {duration(view.seconds_left)} left." if view.seconds_left is not None else ""
        st.info(f"Training: the network is learning.{left} You can switch pages or reload; training "
                "goes on.", icon=":material/model_training:")
        value, text = progress_bar(view)
        st.progress(value, text=text)


def progress_bar(view: JobView) -> tuple[float, str]:
    """The progress bar of a running job: how full it is, and its text."""
    epochs, batch = view.epochs, view.batch
    if view.epochs_done >= epochs:
        # Every epoch is done; the run is measured on the test pictures and saved before it ends.
        test = f"the {view.test_images:,} test pictures" if view.test_images else "the test pictures"
        return 1.0, (f"All {epochs} epoch{'s' if epochs != 1 else ''} done: now measuring the network on "
                     f"{test} (never seen in training), then saving it...")
    if batch and batch.epoch > view.epochs_done:
        so_far = (f"now checking the {view.validation_images:,} validation pictures"
                  if batch.batch == batch.batches and view.validation_images
                  else f"this epoch so far: loss {batch.loss:.3f}, accuracy {batch.accuracy:.1%}")
        return batch.batch / batch.batches, (f"Epoch {batch.epoch} of {epochs}, batch {batch.batch:,} of "
                                             f"{batch.batches:,} ({so_far})")
    # The next epoch has begun but has not reported a batch yet.
    return 0.0, f"Epoch {view.current_epoch} of {epochs}: starting..."


def _outcome(view: JobView) -> None:
    """How the training ended, in one box: finished, stopped, diverged, failed, interrupted."""
    status = view.status
    history = view.history
    current = " It is now the current model, the one Inspect and Classify use." \
        if choices().run_id == view.run_id else ""
    if status == "finished":
        st.success(f"Training finished: {len(history)} epoch{'s' if len(history) != 1 else ''} in "
                   f"{duration(view.seconds)}. The trained network is saved as a run.{current}",
                   icon=":material/check_circle:")
    elif status in FAILED_STATUSES:
        st.error(view.message, icon=":material/error:")
    else:  # stopped, interrupted
        kept = ("What it learned in the finished epochs is saved as a run." if history
                else "No epoch finished, so there is no trained network to keep.")
        st.warning(f"{view.message} {kept}{current}", icon=":material/stop_circle:")


def _reading(view: JobView, num_classes: int) -> None:
    """What the curves say, the speed, and where to go next."""
    history = view.history
    if not history:
        return
    st.markdown("**What the curves say**")
    st.markdown("\n".join(f"- {note}" for note in read_curves(history, view.test_accuracy, num_classes)))
    seconds = sum(h.get("seconds") or 0 for h in history)
    last = history[-1]
    speed = last.get("images_per_second")
    st.caption(f"Training time {duration(seconds)}; the last epoch took {last.get('seconds') or 0:.1f} s"
               + (f" ({speed:,.0f} training pictures per second)" if speed else "")
               + (". The first epoch is slower: it also prepares the network's computations." if len(history) > 1
                  else "."))
    if view.status in KEPT_STATUSES:
        with st.container(horizontal=True, gap="medium"):  # links wrap onto a new line when the page is narrow
            st.page_link("pages/inspect.py", label="Look inside the network (Inspect)", icon=":material/visibility:")
            st.page_link("pages/classify.py", label="Try it on your own drawing (Classify)", icon=":material/draw:")
            st.page_link("pages/runs.py", label="Compare with other runs (Runs)", icon=":material/history:")
