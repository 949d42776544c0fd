"""Train: pick the settings, press Train, and watch the network learn epoch by epoch."""
import streamlit as st

from cnnlab.backends import JobView, job_registry
from cnnlab.config import TrainConfig
from cnnlab.datasets import availability, dataset_info, unreachable
from cnnlab.network import check_stack
from cnnlab.runs import check_runs_folder, load_run
from cnnlab.settings import CnnlabError
from cnnlab.texts import text
from cnnlab.ui.layout import page_header, sidebar_status
from cnnlab.ui.state import choices, lab_id
from cnnlab.ui.training import continue_button, job_panel, run_view, training_settings
from cnnlab.ui.widgets import explainers, show_error

sidebar_status()
page_header("Train", text("pages/train", "Intro"))

chosen = choices()
registry = job_registry()
job = registry.latest(lab_id())
active = job is not None and not job.done

# ---- What will be trained -------------------------------------------------------------------
try:
    info = dataset_info(chosen.dataset, **chosen.folder_options())
except CnnlabError as e:
    show_error(e)
    st.page_link("pages/data.py", label="Pick another dataset on the Data page", icon=":material/photo_library:")
    st.stop()

layers, network = chosen.network()
check = check_stack(layers or [], info.image_shape, len(info.classes))
if layers is None:
    check_error = f"There is no network called {chosen.architecture!r}; pick one on the Model page."
else:
    check_error = None if check.ok else str(check.error)

height, width, channels = info.image_shape
left, right = st.columns(2)
with left:
    st.markdown(f"**Pictures:** {info.title}  \n{height}x{width} pixels, "
                f"{'colour' if channels == 3 else 'grey'}, {len(info.classes)} classes")
    available, source = availability(chosen.dataset)
    # e.g. a teacher's link to full MNIST on a server with downloads off: said now, Train off below
    data_error = None if available else unreachable(chosen.dataset)
    if not available and not data_error:
        st.caption(f"Not on this computer yet: it will {source} when training starts.")
    st.page_link("pages/data.py", label="Change the pictures (Data)", icon=":material/photo_library:")
with right:
    st.markdown(f"**Network:** {network}  \n"
                + (f"{check.total_params:,} parameters (weights the training adjusts)" if not check_error else ""))
    st.page_link("pages/model.py", label="Change the network (Model)", icon=":material/account_tree:")
if check_error:
    st.error(f"This network cannot be trained on these pictures: {check_error}", icon=":material/error:")
    st.page_link("pages/model.py", label="Fix the network on the Model page", icon=":material/build:")
if data_error:
    st.error(data_error, icon=":material/cloud_off:")
    st.page_link("pages/data.py", label="Choose other pictures (Data)", icon=":material/photo_library:")
try:  # said now, not after the student has waited for a training that could not be saved
    check_runs_folder(writable=True)
    folder_error = None
except CnnlabError as e:
    folder_error = str(e)
    show_error(e)

# ---- Settings --------------------------------------------------------------------------------
st.subheader("Settings")
st.caption(text("pages/train", "Settings"))
with st.container(border=True):
    settings = training_settings(chosen.architecture, chosen.dataset, colour=channels == 3)

# ---- Train / Stop ----------------------------------------------------------------------------
with st.container(horizontal=True, vertical_alignment="center"):
    train_clicked = st.button("Train", key="train_button", type="primary", icon=":material/play_arrow:",
                              disabled=bool(check_error or folder_error or data_error) or active, width=160)
    stop_clicked = st.button("Stop", key="stop_button", icon=":material/stop:", disabled=not active, width=160)
if check_error:
    st.caption("Train is off until the network fits the pictures.")
elif folder_error:
    st.caption("Train is off until runs can be saved.")
elif data_error:
    st.caption("Train is off until the pictures are on this computer.")
elif active:
    st.caption(text("pages/train", "One at a time"))
others = [j for j in registry.active() if j.owner != lab_id()]
if others:
    st.caption(("Another lab is" if len(others) == 1 else f"{len(others)} other labs are")
               + f" training on this computer right now; {registry.max_parallel} training"
               + (" runs" if registry.max_parallel == 1 else "s run") + " at once and the rest wait in a queue.")

if train_clicked:
    try:
        config = TrainConfig.for_network(chosen.architecture, chosen.dataset, layers,
                                         **settings, **chosen.folder_options())
        registry.submit(lab_id(), config)
    except CnnlabError as e:
        show_error(e)
    else:
        st.rerun()  # draw the page again with the new job: Train off, Stop on, the panel polling
if stop_clicked and job is not None:
    try:
        registry.stop_run(lab_id(), job.run_id)
    except CnnlabError as e:  # it ended a moment ago
        show_error(e)

# ---- The training ------------------------------------------------------------------------------
if job is not None:
    st.subheader("Training" if active else "Last training")
    st.caption(job.run.title)
    classes = len(job.run.classes) or len(dataset_info(job.config.dataset, image_size=job.config.image_size,
                                                       channels=job.config.channels).classes)
    job_panel(job, classes)
    if job.done:
        try:
            continue_button(load_run(job.run_id))  # stopped early, or its process died: go on
        except CnnlabError:
            pass  # it ended before saving anything
elif chosen.run_id:
    try:
        run = load_run(chosen.run_id)
    except CnnlabError as e:
        st.warning(f"{e}", icon=":material/warning:")
    else:
        st.subheader("Current model")
        st.caption(f"{run.title}, trained earlier. Press Train to train a new one.")
        run_view(JobView.from_run(run), len(run.classes) or len(info.classes))
        continue_button(run)
else:
    st.info(text("pages/train", "Before training"), icon=":material/info:")

# ---- Concepts --------------------------------------------------------------------------------
explainers("The ideas behind training", "epoch-and-batch", "learning-rate", "optimizer", "train-validation-test",
           "loss-and-accuracy", "overfitting", "augmentation")
