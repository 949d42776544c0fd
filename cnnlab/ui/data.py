"""The Data page's pieces: choosing a dataset (or a folder of your own), loading it, and showing
its pictures the way a person and the computer see them."""
from __future__ import annotations

import numpy as np
import streamlit as st

from cnnlab import uploads
from cnnlab.charts import data as data_charts
from cnnlab.datasets import (
    DATASET_NAMES,
    DEFAULT_DATASET,
    DEFAULT_IMAGE_SIZE,
    FOLDER_PREFIX,
    Dataset,
    DatasetInfo,
    availability,
    dataset_info,
    download_size,
    unreachable,
)
from cnnlab.datasets.summary import class_balance, is_balanced, pixel_sample, sample_indices
from cnnlab.images import enlarge
from cnnlab.settings import CnnlabError, data_dir, offline
from cnnlab.ui.state import choices, widget_default
from cnnlab.ui.widgets import image_grid, lesson, load_with_progress, show_error

FOLDER_OPTION = "folder"  # the dataset selectbox's "Your own image folder" entry
GRID_SIZE = 32  # pictures in the sample grid
GRID_COLUMNS = 8
HISTOGRAM_SAMPLE = 1000  # pictures the brightness histogram counts (enough for a smooth picture)
CHANNEL_OPTIONS = ("auto", 1, 3)  # not None: a selectbox holding None shows as "nothing chosen"
CHANNEL_LABELS = {"auto": "automatic", 1: "1 (grey)", 3: "3 (colour)"}


def dataset_label(option: str) -> str:
    if option == FOLDER_OPTION:
        return "Your own image folder (one subfolder per class)"
    info = dataset_info(option)
    total = f"{info.train_size + info.test_size:,} images"
    available, _ = availability(option)
    missing = "" if available else (", not on this computer" if offline() else
                                    f", not on this computer (download{_download_size(option)})")
    return f"{info.title}: {'bundled, ' if info.bundled else ''}{total}{missing}"


def _download_size(name: str) -> str:
    """ " (170 MB)", for the download button and the menu."""
    size = download_size(name)
    return f" ({size / 1e6:.0f} MB)" if size else ""


def save_folder_settings() -> None:
    chosen = choices()
    chosen.image_size = int(st.session_state.folder_image_size)
    chosen.channels = None if st.session_state.folder_channels == "auto" else st.session_state.folder_channels
    chosen.folder_path = st.session_state.folder_path.strip()


def dataset_chosen() -> None:
    """Runs before the page redraws, so the sidebar already names the new dataset.

    Only a dataset that can be loaded becomes the lab's: one that is not on this computer stays a
    choice on this page until it is downloaded, and offline (CNNLAB_OFFLINE) the page says at once
    why it cannot be had and goes back to the lab's dataset."""
    wanted, chosen = st.session_state.dataset_choice, choices()
    if wanted == FOLDER_OPTION:
        return
    refused = unreachable(wanted)  # the message saying which files to put where
    if refused:
        st.session_state["dataset_refused"] = refused
        st.session_state.dataset_choice = menu_option(chosen.dataset)
    elif availability(wanted)[0]:
        chosen.dataset = wanted


def menu_option(dataset: str) -> str:
    """The menu entry of a lab's dataset."""
    return FOLDER_OPTION if dataset.startswith(FOLDER_PREFIX) else \
        dataset if dataset in DATASET_NAMES else DEFAULT_DATASET


def _unpack_upload() -> None:
    """Uploader callback: unpack the zip into the data folder and make its folder the one to use."""
    upload = st.session_state.get("folder_zip")
    st.session_state.pop("zip_message", None)  # said while this upload stays in the uploader
    if upload is None:
        return
    try:
        with st.spinner(f"Unpacking {upload.name}..."):
            root = uploads.unpack_class_folders(upload, upload.name)
    except CnnlabError as error:
        st.session_state["zip_message"] = ("error", str(error))
        return
    st.session_state.folder_path = str(root)
    save_folder_settings()
    st.session_state["zip_message"] = ("success", f"Unpacked {upload.name} on the computer running cnnlab, into "
                                                  f"{root}. Its subfolders are the classes.")


def choose_folder() -> str | None:
    """The path and size inputs for an image folder, or an upload of a zip of one; its dataset
    name once the folder is readable."""
    chosen = choices()
    current = chosen.dataset[len(FOLDER_PREFIX):] if chosen.dataset.startswith(FOLDER_PREFIX) else ""
    widget_default("folder_path", current if chosen.folder_path is None else chosen.folder_path)
    widget_default("folder_image_size", chosen.image_size or DEFAULT_IMAGE_SIZE)
    widget_default("folder_channels", chosen.channels if chosen.channels in CHANNEL_OPTIONS else "auto")
    path_col, size_col, channels_col = st.container(key="wrap_folder").columns([2, 1, 1])
    path_col.text_input("Folder path (on the computer running cnnlab)", key="folder_path",
                        on_change=save_folder_settings, placeholder="e.g. ~/pictures/pets",
                        help="A folder with one subfolder per class (cat/, dog/...) holding JPEG or PNG "
                             "pictures; optionally split into train/ and test/. On a class server, upload a "
                             "zip of it below instead.")
    size_col.number_input("Image size (pixels)", 8, 256, step=4, key="folder_image_size",
                          on_change=save_folder_settings,
                          help="Every picture is resized to this many pixels wide and high.")
    channels_col.selectbox("Channels", CHANNEL_OPTIONS, key="folder_channels", on_change=save_folder_settings,
                           format_func=CHANNEL_LABELS.get,
                           help="1 = shades of grey, 3 = colour (red, green, blue); automatic: grey only if "
                                "every picture is grey.")
    st.file_uploader("Or upload a .zip of class folders from your own computer", type=["zip"], key="folder_zip",
                     on_change=_unpack_upload,
                     help="Zip a folder that holds one subfolder of pictures per class (pets/cat/, pets/dog/...). "
                          "It is unpacked into the data folder of the computer running cnnlab; at most "
                          f"{uploads.MAX_FILES:,} files and {uploads.MAX_TOTAL_BYTES / 1e9:g} GB unpacked.")
    kind, message = st.session_state.get("zip_message", (None, None))
    if kind == "error":
        st.error(message, icon=":material/folder_zip:")
    elif kind == "success":
        st.success(message, icon=":material/folder_zip:")
    path = st.session_state.folder_path.strip()
    if not path:
        st.info("Type the path of a folder of your own pictures, with one subfolder per class "
                "(for example pets/cat/ and pets/dog/), or upload a zip of such a folder.",
                icon=":material/folder_open:")
        return None
    return FOLDER_PREFIX + path


def describe(name: str, info: DatasetInfo) -> None:
    try:
        _, where = availability(name)
    except CnnlabError as error:
        where = str(error)
    st.markdown(info.description)
    h, w, c = info.image_shape
    sizes = (f"{info.train_size:,} training and {info.test_size:,} test pictures"
             if info.train_size is not None and info.test_size is not None else "")
    st.caption(f"{len(info.classes)} classes · {h}x{w} pixels, {c} channel{'s' if c != 1 else ''} · {sizes}  \n"
               f"**Loads from:** {where}  \n**Licence:** {info.licence}"
               + (f"  \n**Cite:** {info.citation}" if info.citation else ""))


def load(name: str, info: DatasetInfo | None) -> Dataset | None:
    """The dataset, loaded (or taken from the cache); None with a message when it cannot be."""
    errors = st.session_state.setdefault("data_load_errors", {})
    options = {}
    if name.startswith(FOLDER_PREFIX):
        options = dict(image_size=choices().image_size or DEFAULT_IMAGE_SIZE, channels=choices().channels)
    try:
        available, where = availability(name)
        if not available and not name.startswith(FOLDER_PREFIX):
            # A full dataset not on this computer: download only when asked (a class on one connection
            # must not fetch 170 MB thirty times because a menu was browsed), and switch once it is here.
            st.info(f"{info.title} is not on this computer yet. cnnlab can download it once into "
                    f"{data_dir() / name}/, or you can put its files there yourself. Until then your lab keeps "
                    f"working with **{choices().dataset}**, and the bundled samples work offline.",
                    icon=":material/cloud_download:")
            clicked = st.button(f"Download {info.title}{_download_size(name)}", key="download_dataset",
                                icon=":material/download:", type="primary")
            if not clicked:
                if name in errors:  # the last attempt's failure, until the next one
                    st.error(errors[name], icon=":material/error:")
                return None
            load_with_progress(name, f"Downloading {info.title}...")
            errors.pop(name, None)
            choices().dataset = name  # here now: the lab's dataset from now on
            st.rerun()  # draw the page again: the description above still says "download from"
        elif name.startswith(FOLDER_PREFIX):
            dataset = load_with_progress(name, "Reading the pictures...", **options)
        else:
            dataset = load_with_progress(name, f"Loading {info.title}...")
    except CnnlabError as error:
        errors[name] = str(error)
        show_error(error)
        return None
    except Exception as error:  # never a traceback on this page
        show_error(error)
        return None
    errors.pop(name, None)
    return dataset


def reshuffle() -> None:
    st.session_state.sample_seed = st.session_state.get("sample_seed", 0) + 1


def sample_grid(dataset: Dataset) -> np.ndarray:
    """The sample grid with its class filter; returns the indices (into the training set) shown."""
    st.subheader("Sample pictures")
    row = st.container(horizontal=True, vertical_alignment="bottom")
    wanted = row.multiselect(
        "Show only these classes", dataset.classes, key=f"class_filter:{dataset.name}",
        placeholder="All classes")
    row.button("Reshuffle", key="reshuffle", icon=":material/shuffle:", on_click=reshuffle,
               help="Show another random selection of pictures")
    labels = dataset.y_train
    shown = sample_indices(labels, [dataset.classes.index(c) for c in wanted], GRID_SIZE,
                           st.session_state.get("sample_seed", 0))
    if not len(shown):
        st.info("The training set has no pictures of the chosen classes.")
        return shown
    image_grid([dataset.x_train[i] for i in shown], [dataset.classes[labels[i]] for i in shown],
               columns=GRID_COLUMNS)
    st.caption(f"{len(shown)} random training pictures{' of the chosen classes' if wanted else ''}, each with "
               "its label: the answer a person gave, which the network must learn to predict.")
    return shown


def overview(dataset: Dataset) -> None:
    st.subheader("What is in it")
    left, right = st.container(key="wrapwide_overview").columns(2)
    with left:
        st.plotly_chart(data_charts.class_distribution(dataset), width="stretch", key="class_distribution")
        fewest, most = class_balance(dataset)
        if is_balanced(fewest, most):
            st.caption(f"Balanced classes: every class has about as many pictures ({fewest:,} to {most:,} in "
                       "training), so accuracy, the share of right answers, is a fair score. The test pictures "
                       "are kept apart to check the network on pictures it never trained on.")
        else:
            st.caption(f"Unbalanced classes: the biggest has {most:,} training pictures, the smallest "
                       f"{fewest:,}. A network that always guesses the big class still scores well, so "
                       "look at each class's accuracy too, not only the total.")
    with right:
        sample = pixel_sample(dataset, HISTOGRAM_SAMPLE)
        count = len(sample)
        st.plotly_chart(data_charts.pixel_histogram(sample), width="stretch", key="pixel_histogram")
        black = float((sample == 0).mean())
        if black > 0.5:
            st.caption(f"{black:.0%} of the pixels are exactly 0: the black background. The picture itself is "
                       f"drawn by the few bright pixels (from {count:,} training pictures).")
        else:
            st.caption(f"The pixels use the whole range from 0 (dark) to 255 (bright)"
                       f"{', in each colour channel' if dataset.image_shape[2] == 3 else ''}: there is no plain "
                       "background, which makes photos harder to learn than digits "
                       f"(from {count:,} training pictures).")


def computer_view(dataset: Dataset, shown: np.ndarray) -> None:
    st.subheader("What the computer sees")
    lesson("pixels-and-labels")
    if len(shown) > 1:
        position = st.slider("Picture from the grid above (counted left to right, top to bottom)",
                             1, len(shown), 1, key="picked_image")
    else:
        position = 1
    index = int(shown[min(position, len(shown)) - 1])
    image, label = dataset.x_train[index], int(dataset.y_train[index])
    h, w, c = image.shape
    picture_col, label_col = st.columns([1, 3])
    with picture_col:
        st.image(enlarge(image, 224), caption=dataset.classes[label], width="stretch")
    with label_col:
        st.caption(f"Training picture {index:,}: {h}x{w} pixels x {c} channel{'s' if c != 1 else ''} = "
                   f"{h * w * c:,} numbers, shown below.")
        st.plotly_chart(data_charts.one_hot(label, dataset.classes), width="stretch", key="one_hot")
        vector = data_charts.one_hot_vector(label, dataset.num_classes)
        st.caption(f"Its label \"{dataset.classes[label]}\" (class number {label}) as the network's target: "
                   f"[{', '.join(map(str, vector))}]. The network's output layer gives one number per class "
                   "too (its softmax probabilities), and training pulls them towards this vector.")
    channel = 0
    names = data_charts.channel_names(c)
    readable = data_charts.heatmap_cell_size(max(h, w)) >= 20
    controls = st.columns([2, 3] if c > 1 else [1])
    if c > 1:
        channel = controls[0].radio("Channel", range(c), format_func=lambda i: names[i].capitalize(),
                                    horizontal=True, key="picked_channel")
    show_numbers = controls[-1].checkbox(
        "Write the numbers in the cells", value=readable, disabled=not readable, key="show_numbers",
        help=None if readable else "Too many pixels for the numbers to be readable.")
    # At its own size, so the numbers fit their cells: a narrow screen scrolls it sideways (layout.css).
    heatmap = data_charts.pixel_heatmap(image, channel, show_numbers and readable)
    st.html(f"<style>.st-key-scroll_pixel_heatmap > div {{ min-width: {int(heatmap.layout.width)}px; }}</style>")
    st.container(key="scroll_pixel_heatmap").plotly_chart(heatmap, width="content", key="pixel_heatmap")
    what = "its brightness" if c == 1 else f"how much {names[channel]} light it has"
    st.caption(f"The same picture as the network receives it: each cell is one pixel, its number {what}"
               + (". Switch channels to see the other colours' numbers." if c > 1 else "."))
