"""Train: pick the settings, press Train, and watch the network learn epoch by epoch."""
import streamlit as st

from cnnlab.architectures import PRESETS, check_stack
from cnnlab.datasets import availability, dataset_info
from cnnlab.runs import check_runs_folder, load_run
from cnnlab.settings import CnnlabError
from cnnlab.backends import JobView, job_registry
from cnnlab.training import TrainConfig
from cnnlab.ui.layout import page_header, sidebar_status
from cnnlab.ui.state import choices, lab_id
from cnnlab.ui.training import continue_button, job_panel, run_view, training_settings
from cnnlab.ui.widgets import show_error

sidebar_status()
page_header(
    "Train",
    "Training shows the network thousands of labelled pictures. After each **batch** of pictures it "
    "measures how wrong it was (the **loss**) and nudges every weight a little in the direction that "
    "makes it less wrong. One pass over all training pictures is an **epoch**. Press **Train** and "
    "watch loss fall and accuracy rise, epoch by epoch.",
)

chosen = choices()
registry = job_registry()
job = registry.latest(lab_id())
active = job is not None and not job.done
is_folder = chosen.dataset.startswith("folder:")

# ---- What will be trained -------------------------------------------------------------------
try:
    info = dataset_info(chosen.dataset, image_size=chosen.image_size if is_folder else None,
                        channels=chosen.channels if is_folder else None)
except CnnlabError as e:
    show_error(e)
    st.page_link("pages/data.py", label="Pick another dataset on the Data page", icon=":material/photo_library:")
    st.stop()

if chosen.architecture == "custom":
    layers, network = chosen.custom_layers or [], "your own network (custom stack)"
elif chosen.architecture in PRESETS:
    layers, network = PRESETS[chosen.architecture].layers, PRESETS[chosen.architecture].title
else:
    layers, network = [], chosen.architecture
check = check_stack(layers, info.image_shape, len(info.classes))
if chosen.architecture not in PRESETS and chosen.architecture != "custom":
    check_error = f"There is no network called {chosen.architecture!r}; pick one on the Model page."
else:
    check_error = None if check.ok else str(check.error)

height, width, channels = info.image_shape
left, right = st.columns(2)
with left:
    st.markdown(f"**Pictures:** {info.title}  \n{height}x{width} pixels, "
                f"{'colour' if channels == 3 else 'grey'}, {len(info.classes)} classes")
    available, source = availability(chosen.dataset)
    if not available:
        st.caption(f"Not on this computer yet: it will {source} when training starts.")
    st.page_link("pages/data.py", label="Change the pictures (Data)", icon=":material/photo_library:")
with right:
    st.markdown(f"**Network:** {network}  \n"
                + (f"{check.total_params:,} parameters (weights the training adjusts)" if not check_error else ""))
    st.page_link("pages/model.py", label="Change the network (Model)", icon=":material/account_tree:")
if check_error:
    st.error(f"This network cannot be trained on these pictures: {check_error}", icon=":material/error:")
    st.page_link("pages/model.py", label="Fix the network on the Model page", icon=":material/build:")
try:  # said now, not after the student has waited for a training that could not be saved
    check_runs_folder(writable=True)
    folder_error = None
except CnnlabError as e:
    folder_error = str(e)
    show_error(e)

# ---- Settings --------------------------------------------------------------------------------
st.subheader("Settings")
st.caption("They start as the tutorial's own settings for this network. Change one thing at a time, "
           "train, and compare the runs on the Runs page.")
with st.container(border=True):
    settings = training_settings(chosen.architecture, chosen.dataset, colour=channels == 3)

# ---- Train / Stop ----------------------------------------------------------------------------
with st.container(horizontal=True, vertical_alignment="center"):
    train_clicked = st.button("Train", key="train_button", type="primary", icon=":material/play_arrow:",
                              disabled=bool(check_error or folder_error) or active, width=160)
    stop_clicked = st.button("Stop", key="stop_button", icon=":material/stop:", disabled=not active, width=160)
if check_error:
    st.caption("Train is off until the network fits the pictures.")
elif folder_error:
    st.caption("Train is off until runs can be saved.")
elif active:
    st.caption("One training at a time per lab: stop this one to start another with new settings.")
others = [j for j in registry.active() if j.owner != lab_id()]
if others:
    st.caption(("Another lab is" if len(others) == 1 else f"{len(others)} other labs are")
               + f" training on this computer right now; {registry.max_parallel} training"
               + (" runs" if registry.max_parallel == 1 else "s run") + " at once and the rest wait in a queue.")

if train_clicked:
    try:
        overrides = dict(settings, image_size=chosen.image_size if is_folder else None,
                         channels=chosen.channels if is_folder else None)
        if chosen.architecture == "custom":
            config = TrainConfig(dataset=chosen.dataset, architecture="custom",
                                 layers=[dict(layer) for layer in layers], **overrides)
        else:
            config = TrainConfig.from_preset(chosen.architecture, chosen.dataset, **overrides)
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
    st.info("Press **Train** to start. The chart below fills in as each epoch ends: a small dataset "
            "takes seconds per epoch, a full one a minute or more.", icon=":material/info:")

# ---- Concepts --------------------------------------------------------------------------------
st.subheader("The ideas behind training")
with st.expander("Epoch and batch"):
    st.markdown(
        "The network does not look at all pictures at once. It takes a **batch** (say 32 pictures), "
        "guesses their labels, measures how wrong it was, and adjusts its weights once. Then the next "
        "batch. When every training picture has been used once, that is one **epoch**; training runs "
        "several epochs, each time in a new shuffled order. Small batches mean many small, noisy "
        "adjustments; big batches mean fewer, steadier ones (and each epoch is faster on a computer).")
with st.expander("Learning rate"):
    st.markdown(
        "After each batch, every weight moves a small step in the direction that lowers the loss. The "
        "**learning rate** is the size of that step. Too small: the loss falls very slowly. Too big: "
        "the steps overshoot, the loss jumps around or shoots up (training *diverges*) and cnnlab stops "
        "it. Typical values: 0.001 for Adam, 0.01 to 0.1 for plain SGD. Try ten times bigger or smaller "
        "and compare the curves.")
with st.expander("Optimizer"):
    st.markdown(
        "The **optimizer** is the rule for turning the loss into weight changes. **SGD** (stochastic "
        "gradient descent) moves each weight straight downhill by the learning rate. **Momentum** keeps "
        "some of the previous step, like a ball rolling downhill, which speeds it up. **Adam** and "
        "**RMSprop** also adapt the step size for each weight on its own, so they work well with little "
        "tuning. **AdamW** is Adam that also keeps the weights small (weight decay).")
with st.expander("Training, validation and test pictures"):
    st.markdown(
        "The pictures are split three ways. **Training** pictures are the ones the network learns "
        "from. **Validation** pictures (the validation split) are kept aside: after each epoch the "
        "network is checked on them, which shows how it does on pictures it has never trained on. "
        "**Test** pictures are used only once, at the very end, for the final score. Like a student: "
        "homework, practice exams, and the real exam.")
with st.expander("Loss and accuracy"):
    st.markdown(
        "For each picture the network gives a probability for every class (softmax). The **loss** "
        "(cross-entropy) is large when it gives the right class a low probability: it measures how "
        "wrong, and how confidently wrong, the network is. **Accuracy** is simpler: the share of "
        "pictures whose most likely class is the right one. Training lowers the loss; accuracy follows.")
with st.expander("Overfitting"):
    st.markdown(
        "A network with many weights can memorise its training pictures instead of learning what "
        "makes a 3 a 3. Then training accuracy keeps rising while validation accuracy stalls or falls, "
        "and validation loss rises: that is **overfitting**. Remedies: stop earlier (fewer epochs), "
        "dropout layers, augmentation, more data, or a smaller network.")
with st.expander("Augmentation"):
    st.markdown(
        "**Augmentation** shows the network slightly changed copies of the training pictures, new "
        "ones each epoch: shifted a few pixels (random shifts), or mirrored (left-right flips, only for "
        "photos: a mirrored 2 is not a 2). The network cannot memorise exact pixels any more and has "
        "to learn the shapes. Training accuracy rises more slowly, but validation accuracy usually "
        "holds up better.")
