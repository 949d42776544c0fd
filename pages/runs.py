"""Runs: every saved training, side by side. Change one thing, train, compare."""
import math

import streamlit as st

from cnnlab.backends import job_registry
from cnnlab.charts.training import training_curves
from cnnlab.config import setting_label
from cnnlab.curves import read_curves
from cnnlab.runs import ACTIVE_STATUSES, DAMAGED, FAILED_STATUSES, delete_run, list_runs
from cnnlab.settings import CnnlabError
from cnnlab.texts import text
from cnnlab.ui import runs as ui
from cnnlab.ui.export import export_button
from cnnlab.ui.layout import page_header, sidebar_status
from cnnlab.ui.model_import import import_section
from cnnlab.ui.state import choices, lab_id
from cnnlab.ui.training import continue_button, curves_caption, duration
from cnnlab.ui.widgets import show_error

sidebar_status()
page_header("Runs", text("pages/runs", "Intro"))

import_section()  # a network trained elsewhere becomes a run (and the current model)
try:
    runs = list_runs()
except CnnlabError as e:  # the runs folder itself is wrong (a file, unreadable)
    show_error(e)
    st.stop()
if not runs:
    st.info(text("pages/runs", "No runs"),
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
        "trained by": ui.trained_by(run),
        setting_label("dataset"): run.config.get("dataset"),
        setting_label("architecture"): run.config.get("architecture"),
        setting_label("optimizer"): "(trained elsewhere)" if run.imported else run.config.get("optimizer"),
        setting_label("learning_rate"): run.config.get("learning_rate"),
        setting_label("batch_size"): run.config.get("batch_size"),
        "epochs": "-" if run.imported else f"{run.epochs_done} / {run.config.get('epochs', '?')}",
        "test accuracy": run.test_accuracy,
        ui.TIME: round(run.seconds),
    } for run in runs],
    hide_index=True, width="stretch",
    column_config={
        "run": st.column_config.TextColumn(pinned=True, help="The run's short name (the end of its id); "
                                                             "★ marks the current model."),
        setting_label("learning_rate"): st.column_config.NumberColumn(format="%g"),
        "epochs": st.column_config.TextColumn(help="epochs done / epochs planned"),
        "test accuracy": st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0),
        ui.TIME: ui.time_column("seconds of training, without loading the pictures"),
        "trained by": st.column_config.TextColumn(help="Only the lab that trained a run can stop or delete it."),
    },
)
st.caption(text("pages/runs", "Statuses"))

# ---- Compare ---------------------------------------------------------------------------------
st.subheader("Compare runs")
ui.compare_section(runs, by_id)

# ---- One run ---------------------------------------------------------------------------------
st.subheader("One run")
ids = [run.run_id for run in runs]
if st.session_state.get("run_choice") not in ids:
    st.session_state["run_choice"] = chosen.run_id if chosen.run_id in ids else ids[0]
run = by_id[st.selectbox("Run", ids, key="run_choice", format_func=lambda i: by_id[i].title)]
if run.message:
    (st.error if run.status in (*FAILED_STATUSES, DAMAGED) else st.info)(run.message)
cols = st.container(key="wrap_run_metrics").columns(4)
cols[0].metric("Status", run.status)
cols[1].metric("Epochs done", f"{run.epochs_done} of {run.config.get('epochs')}"
               if not run.imported else "elsewhere")
cols[2].metric("Test accuracy", f"{run.test_accuracy:.1%}" if run.test_accuracy is not None else "–")
cols[3].metric("Training time", duration(run.seconds))
if not ui.why_read_only(run):  # only the lab that trained a run may train it on
    continue_button(run)
if run.history or run.unfinished_epoch:
    st.plotly_chart(training_curves(run.history, test_loss=run.test_loss, test_accuracy=run.test_accuracy,
                                    batches=run.unfinished_epoch, blew_up=run.status == "diverged",
                                    guess_loss=math.log(max(len(run.classes), 2))),
                    key="one_run_chart")
    st.caption(curves_caption(run.status, bool(run.history), bool(run.unfinished_epoch),
                              run.test_accuracy is not None))
    if run.history:
        st.markdown("\n".join(f"- {note}" for note in
                               read_curves(run.history, run.test_accuracy, len(run.classes) or 10)))
elif run.imported:
    st.caption(text("pages/runs", "Imported"))
elif run.status in ACTIVE_STATUSES:
    st.caption(text("pages/runs", "Still training"))
else:
    st.caption("This run has no curves: it ended before its first epoch did.")
export_button(run, key="export_run_button")  # take it home: model, train.py, notebook, run.json

read_only = ui.why_read_only(run)
job = job_registry().find(run.run_id)
training = (job is not None and not job.done) or run.status in ACTIVE_STATUSES
actions = st.container(horizontal=True, vertical_alignment="center")
actions.button("Use as the current model", key="use_run_button", icon=":material/check:",
               on_click=ui.use_as_current, args=(run.run_id,),
               disabled=not run.has_model or run.run_id == chosen.run_id or run.status in ACTIVE_STATUSES,
               help="Inspect and Classify then use this run's network.")
if actions.button("Stop training", key="stop_run_button", icon=":material/stop:",
                  disabled=bool(read_only) or job is None or job.done,
                  help="Stops it after the batches it is working on; what it learned is kept."):
    try:
        job_registry().stop_run(lab_id(), run.run_id)
    except CnnlabError as e:
        show_error(e)
    else:
        st.session_state["runs_notice"] = f"Stopping {run.title}: it is measured on the test pictures and saved."
        st.rerun()
if actions.button("Delete this run...", key="delete_run_button", icon=":material/delete:",
                  disabled=bool(read_only)):
    st.session_state["confirm_delete"] = run.run_id
if read_only:
    st.caption(read_only)
elif run.run_id == chosen.run_id:
    st.caption("This is the current model.")
elif run.status in ACTIVE_STATUSES:
    st.caption("Still training: it can become the current model once it has ended.")
elif run.status == DAMAGED:
    st.caption("Its files are damaged, so it cannot be the current model.")
elif not run.has_model:
    st.caption(text("pages/runs", "No saved network"))

if st.session_state.get("confirm_delete") == run.run_id:
    if training:
        st.error("This run is still training. Stop it first, then delete it.", icon=":material/error:")
        st.session_state.pop("confirm_delete")
    else:
        st.warning(f"Delete **{run.title}** and its trained network? This cannot be undone.",
                   icon=":material/warning:")
        answer = st.container(horizontal=True)
        if answer.button("Yes, delete it", key="confirm_delete_button", type="primary"):
            try:
                delete_run(run.run_id, lab=lab_id())
            except CnnlabError as e:
                show_error(e)
            else:
                if chosen.run_id == run.run_id:
                    chosen.run_id = None
                st.session_state.pop("confirm_delete")
                st.session_state["runs_notice"] = f"Deleted {run.title}."
                st.rerun()
        if answer.button("Cancel", key="cancel_delete_button"):
            st.session_state.pop("confirm_delete")
            st.rerun()
