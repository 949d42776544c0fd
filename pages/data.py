"""Data: choose a dataset and look at it the way a person and the computer see it.

No TensorFlow here: this page must open at once. Loaded datasets are cached per process by
cnnlab.datasets.load_dataset, so reruns and other pages share them.
"""
import streamlit as st

from cnnlab.datasets import DATASET_NAMES, FOLDER_PREFIX, availability, dataset_info
from cnnlab.texts import text
from cnnlab.ui import data as ui
from cnnlab.ui.layout import page_header, sidebar_status
from cnnlab.ui.setups import picker
from cnnlab.ui.state import choices, widget_default
from cnnlab.ui.widgets import explainer

sidebar_status()
page_header("Data", text("pages/data", "Intro"))

chosen = choices()
options = [*DATASET_NAMES, ui.FOLDER_OPTION]
widget_default("dataset_choice", ui.menu_option(chosen.dataset))
option = picker("dataset", "Dataset", options, "dataset_choice", ui.dataset_label, ui.dataset_chosen)
refused = st.session_state.pop("dataset_refused", None)
if refused:
    st.error(f"{refused} Your lab keeps working with **{chosen.dataset}**.", icon=":material/cloud_off:")

name = ui.choose_folder() if option == ui.FOLDER_OPTION else option
if name is not None and name.startswith(FOLDER_PREFIX):
    # Your own folder: what it holds is known once it is read (load_dataset keeps it for later reruns).
    dataset = ui.load(name, None)
    if dataset is not None:
        chosen.folder_shapes[name] = (dataset.image_shape, dataset.num_classes)
        if chosen.dataset != name:  # only a folder that could be read: the other pages build on it
            chosen.dataset = name
            st.rerun()  # redraw the sidebar, which was drawn before the folder was read (it is cached now)
        ui.describe(name, dataset.info)
elif name is not None:
    if availability(name)[0]:  # only what can be loaded becomes the lab's dataset (see ui.dataset_chosen)
        chosen.dataset = name
    info = dataset_info(name)
    ui.describe(name, info)
    dataset = ui.load(name, info)
else:
    dataset = None
if dataset is not None:
    shown = ui.sample_grid(dataset)
    ui.overview(dataset)
    if len(shown):
        ui.computer_view(dataset, shown)

explainer("train-validation-test")
