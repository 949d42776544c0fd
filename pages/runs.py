"""Runs: every saved training, side by side. Change one thing, train, compare."""
import streamlit as st

from cnnlab.architectures import describe_layer
from cnnlab.charts.training import compare_runs, training_curves
from cnnlab.curves import read_curves, settings_that_differ
from cnnlab.runs import ACTIVE_STATUSES, DAMAGED, delete_run, list_runs
from cnnlab.settings import CnnlabError
from cnnlab.training import job_registry
from cnnlab.ui.layout import page_header, sidebar_status
from cnnlab.ui.state import choices
from cnnlab.ui.training import duration
from cnnlab.ui.widgets import show_error

MAX_COMPARED = 4
SETTING_NAMES = {
    "dataset": "pictures", "architecture": "network", "layers": "layers", "optimizer": "optimizer",
    "learning_rate": "learning rate", "lr_schedule": "learning-rate schedule", "batch_size": "batch size",
    "epochs": "epochs planned", "validation_split": "validation split", "seed": "seed",
    "augment_shift": "random shifts", "augment_flip": "flips", "image_size": "image size", "channels": "channels",
}


def setting_text(name: str, value) -> str:
    """A setting's value as a student reads it."""
    if name == "layers":
        return "the preset's own" if value is None else " > ".join(describe_layer(layer) for layer in value)
    if name in ("validation_split", "augment_shift"):
        return f"{value:.0%}"
    if name == "augment_flip":
        return "yes" if value else "no"
    return "auto" if value is None else str(value)


def use_as_current(run_id: str) -> None:
    choices().run_id = run_id


sidebar_status()
page_header(
    "Runs",
    "Every training is saved as a **run**: its settings, its curves, its test score and the trained "
    "network. This is where a class explores: change **one** setting (the learning rate, the batch "
    "size, the number of epochs...), train again, and compare the curves here.",
)

try:
    runs = list_runs()
except CnnlabError as e:  # the runs folder itself is wrong (a file, unreadable)
    show_error(e)
    st.stop()
if not runs:
    st.info("No saved runs yet. Train a network on the **Train** page; each training appears here.",
            icon=":material/info:")
    st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
    st.stop()

chosen = choices()
by_id = {run.run_id: run for run in runs}
notice = st.session_state.pop("runs_notice", None)
if notice:
    st.success(notice, icon=":material/check_circle:")

# ---- All runs --------------------------------------------------------------------------------
st.subheader("All runs")
st.dataframe(
    [{
        "run": f"#{run.run_id[-4:]}" + (" ★" if run.run_id == chosen.run_id else ""),
        "status": run.status,
        "pictures": run.config.get("dataset"),
        "network": run.config.get("architecture"),
        "optimizer": run.config.get("optimizer"),
        "learning rate": run.config.get("learning_rate"),
        "batch": run.config.get("batch_size"),
        "epochs": f"{run.epochs_done} / {run.config.get('epochs', '?')}",
        "test accuracy": run.test_accuracy,
        "time": duration(run.seconds),
    } for run in runs],
    hide_index=True, width="stretch",
    column_config={
        "run": st.column_config.TextColumn(pinned=True, help="The run's short name (the end of its id); "
                                                             "★ marks the current model."),
        "learning rate": st.column_config.NumberColumn(format="%g"),
        "epochs": st.column_config.TextColumn(help="epochs done / epochs planned"),
        "test accuracy": st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0),
        "time": st.column_config.TextColumn(help="training time, without loading the pictures"),
    },
)
st.caption("Newest first; ★ marks the current model, the one Inspect and Classify use. Status: "
           "*finished*, *stopped* (by you; keeps what it learned), *interrupted* (the program ended "
           "during training), *diverged* (the loss blew up: learning rate too high), *failed*, or *damaged* "
           "(its saved files cannot be read: pick it below to see why).")

# ---- Compare ---------------------------------------------------------------------------------
st.subheader("Compare runs")
with_curves = [run.run_id for run in runs if run.history]
if len(with_curves) < 2:
    st.info("Comparing needs two runs that finished at least one epoch. Train another one, changing a "
            "single setting.", icon=":material/info:")
else:
    stored = chosen.extra.get("compare_runs")
    if "compare_runs" in st.session_state:  # drop runs deleted since
        st.session_state["compare_runs"] = [i for i in st.session_state["compare_runs"] if i in with_curves]
    else:
        kept = [i for i in stored or [] if i in with_curves]
        st.session_state["compare_runs"] = kept if stored is not None else with_curves[:2]
    picked_ids = st.multiselect(f"Runs to compare (up to {MAX_COMPARED})", with_curves, key="compare_runs",
                                max_selections=MAX_COMPARED, format_func=lambda i: by_id[i].title)
    chosen.extra["compare_runs"] = picked_ids
    picked = [by_id[i] for i in picked_ids]
    left, right = st.columns(2)
    metric = left.segmented_control("Measure", ["accuracy", "loss"], default="accuracy", key="compare_metric",
                                    required=True)
    curves = right.segmented_control("Curves", ["validation", "training"], selection_mode="multi",
                                     default=["validation", "training"], key="compare_curves")
    st.plotly_chart(compare_runs(picked, metric or "accuracy", curves or ["validation"]))
    st.caption("One colour per run. Solid lines: validation pictures (never trained on), the fairer "
               "measure; dashed lines: training pictures. The run whose solid line ends highest (for "
               "accuracy) or lowest (for loss) does best on new pictures; a dashed line far above its "
               "solid line means that run memorises (overfits).")
    if len(picked) >= 2:
        differ = settings_that_differ([run.config for run in picked])
        if differ:
            st.markdown("**What was different**")
            st.dataframe(
                [{"run": run.title, **{SETTING_NAMES.get(k, k): setting_text(k, run.config.get(k)) for k in differ},
                  "test accuracy": run.test_accuracy} for run in picked],
                hide_index=True, width="stretch",
                column_config={"test accuracy": st.column_config.NumberColumn(format="percent")},
            )
            st.caption("Only the settings that differ between these runs, then what came out. When only "
                       "one setting differs, the difference in the curves is its effect (plus a little "
                       "chance).")
        else:
            st.caption("These runs used exactly the same settings, seed included: the same settings and "
                       "seed give the same first epoch, so any difference is chance in later epochs.")

# ---- One run ---------------------------------------------------------------------------------
st.subheader("One run")
ids = [run.run_id for run in runs]
if st.session_state.get("run_choice") not in ids:
    st.session_state["run_choice"] = chosen.run_id if chosen.run_id in ids else ids[0]
run = by_id[st.selectbox("Run", ids, key="run_choice", format_func=lambda i: by_id[i].title)]
if run.message:
    (st.error if run.status in ("diverged", "failed", DAMAGED) else st.info)(run.message)
cols = st.columns(4)
cols[0].metric("Status", run.status)
cols[1].metric("Epochs done", f"{run.epochs_done} of {run.config.get('epochs')}")
cols[2].metric("Test accuracy", f"{run.test_accuracy:.1%}" if run.test_accuracy is not None else "–")
cols[3].metric("Training time", duration(run.seconds))
if run.history:
    st.plotly_chart(training_curves(run.history, test_loss=run.test_loss, test_accuracy=run.test_accuracy))
    st.markdown("\n".join(f"- {note}" for note in read_curves(run.history, run.test_accuracy, len(run.classes) or 10)))
elif run.status in ACTIVE_STATUSES:
    st.caption("Still training: its curves appear as its epochs end (watch it live on the Train page of "
               "the lab that started it).")
else:
    st.caption("This run has no curves: it ended before its first epoch did.")

actions = st.columns([2, 2, 3])
actions[0].button("Use as the current model", key="use_run_button", icon=":material/check:",
                  on_click=use_as_current, args=(run.run_id,),
                  disabled=not run.has_model or run.run_id == chosen.run_id or run.status in ACTIVE_STATUSES,
                  help="Inspect and Classify then use this run's network.")
if actions[1].button("Delete this run...", key="delete_run_button", icon=":material/delete:"):
    st.session_state["confirm_delete"] = run.run_id
with actions[2]:
    if run.run_id == chosen.run_id:
        st.caption("This is the current model.")
    elif run.status in ACTIVE_STATUSES:
        st.caption("Still training: it can become the current model once it has ended.")
    elif run.status == DAMAGED:
        st.caption("Its files are damaged, so it cannot be the current model.")
    elif not run.has_model:
        st.caption("No saved network (it ended before its first epoch), so it cannot be the current model.")

if st.session_state.get("confirm_delete") == run.run_id:
    job = job_registry().find(run.run_id)
    if (job is not None and not job.done) or run.status in ACTIVE_STATUSES:
        st.error("This run is still training. Stop it on the Train page first, then delete it.",
                 icon=":material/error:")
        st.session_state.pop("confirm_delete")
    else:
        st.warning(f"Delete **{run.title}** and its trained network? This cannot be undone.",
                   icon=":material/warning:")
        yes, no, _ = st.columns([1, 1, 4])
        if yes.button("Yes, delete it", key="confirm_delete_button", type="primary"):
            try:
                delete_run(run.run_id)
            except CnnlabError as e:
                show_error(e)
            else:
                if chosen.run_id == run.run_id:
                    chosen.run_id = None
                st.session_state.pop("confirm_delete")
                st.session_state["runs_notice"] = f"Deleted {run.title}."
                st.rerun()
        if no.button("Cancel", key="cancel_delete_button"):
            st.session_state.pop("confirm_delete")
            st.rerun()
