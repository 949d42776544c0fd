"""The Inspect page's pieces: the test images and their predictions (computed once per model),
choosing an image to look inside, the kernels, the feature maps and the saliency / Grad-CAM maps.
The confusion matrix and the galleries of mistakes are in cnnlab.ui.mistakes."""
from __future__ import annotations

import hashlib
import time

import numpy as np
import streamlit as st

from cnnlab import inspection
from cnnlab.charts import inspection as charts
from cnnlab.config import TrainConfig
from cnnlab.datasets import Dataset, availability, load_dataset
from cnnlab.images import enlarge, to_uint8
from cnnlab.inference import Classifier
from cnnlab.network import layer_descriptions
from cnnlab.runs import Run
from cnnlab.settings import CnnlabError
from cnnlab.ui.state import choices
from cnnlab.ui.widgets import explainer, image_grid, lesson, load_with_progress, show_error

CHANNELS_PER_PAGE = 16  # feature maps shown at once for one layer
MAP_COLUMNS = 8
MIN_KERNEL_COLUMNS, MAX_KERNEL_COLUMNS = 8, 10  # more columns squeeze the "filter 12" captions
TOP_K = 3
TEST_SOURCE, DRAWN_SOURCE = "a test image", "your last drawing or upload"
SALIENCY, GRAD_CAM = "Saliency map", "Grad-CAM"


# --- Cached computations: per run, per saved model file, per image -------------------------------

@st.cache_data(max_entries=4, show_spinner="Classifying every test image (once for this model)...")
def test_predictions(run_id: str, saved_at: float, dataset: str, image_size: int | None,
                     channels: int | None, _model) -> tuple[np.ndarray, float]:
    """Probabilities for all test images, and the seconds it took. Keyed by run and model file
    time (a run still training saves a new model every epoch) and the dataset's settings."""
    x_test = load_dataset(dataset, image_size=image_size, channels=channels).x_test
    start = time.perf_counter()
    probs = inspection.predict_all(_model, x_test)
    return probs, time.perf_counter() - start


@st.cache_data(max_entries=32, show_spinner=False)
def cached_feature_maps(run_id: str, saved_at: float, image_hash: str, _model, _image) -> tuple[list, float]:
    start = time.perf_counter()
    maps = inspection.feature_maps(_model, _image)
    return maps, time.perf_counter() - start


@st.cache_data(max_entries=64, show_spinner=False)
def cached_explanation(run_id: str, saved_at: float, image_hash: str, class_index: int, method: str,
                       _model, _image) -> np.ndarray:
    explain = inspection.grad_cam if method == GRAD_CAM else inspection.saliency
    return explain(_model, _image, class_index)


def image_key(image: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(image).tobytes() + str(image.shape).encode()).hexdigest()[:16]


def run_layer_descriptions(run: Run) -> dict[str, str]:
    """Layer name (conv1, pool1...) -> its description ("Conv 6@5x5, same, ReLU"), from the run's
    saved settings; empty if they cannot be read (the pictures still work without them)."""
    try:
        layers = TrainConfig.from_json(run.config).layer_stack()
    except (CnnlabError, TypeError, ValueError):
        return {}
    return layer_descriptions(layers, tuple(run.image_shape), len(run.classes))


def load_test_set(run: Run) -> Dataset | None:
    """The run's test images, or None with a message saying why they cannot be shown now."""
    name = run.config.get("dataset", "")
    try:
        available, where = availability(name)
    except CnnlabError as e:
        available, where = False, str(e)
    if not available:
        st.warning(f"This model was trained on **{name}**, which is not on this computer right now "
                   f"({where}). The confusion matrix and the galleries need its test images: get the dataset "
                   "on the **Data** page, or train a model on a bundled sample. The kernels and the feature "
                   "maps of your own drawing work without it.", icon=":material/warning:")
        return None
    try:
        data = load_with_progress(name, f"Loading the test images of {name}...", " (once, then kept)",
                                  image_size=run.config.get("image_size"), channels=run.config.get("channels"))
    except CnnlabError as e:
        show_error(e)
        return None
    if tuple(data.image_shape) != tuple(run.image_shape) or list(data.classes) != list(run.classes):
        st.warning(f"The dataset {name} has changed since this model was trained (the model expects "
                   f"{len(run.classes)} classes of {'x'.join(map(str, run.image_shape))} images; it now has "
                   f"{len(data.classes)} classes of {'x'.join(map(str, data.image_shape))}). Train again to "
                   "inspect it on its test set.", icon=":material/warning:")
        return None
    return data



def needs_test_images(what: str) -> None:
    st.info(f"{what} needs the test images of this model's dataset (see the message above).", icon=":material/info:")


def choose_number(data: Dataset, class_filter: int | None, number_col, random_col) -> int:
    """The index (into the test set) of the test image chosen by class and number."""
    candidates = np.arange(len(data.y_test)) if class_filter is None else np.flatnonzero(data.y_test == class_filter)
    key = f"inspect_number_{class_filter}_{len(candidates)}"

    def random_pick() -> None:
        st.session_state[key] = int(np.random.default_rng().integers(1, len(candidates) + 1))

    if key not in st.session_state:  # set here, not as the widget's default: the Random button also sets it
        st.session_state[key] = 1
    number = number_col.number_input(f"Number (1 to {len(candidates):,})", 1, len(candidates), key=key,
                                     help="Which of the chosen test images to look at.")
    random_col.button("Random", icon=":material/casino:", on_click=random_pick, key="inspect_random",
                      width="stretch", help="Look at a test image picked at random.")
    return int(candidates[int(number) - 1])


def usable_drawing(clf: Classifier) -> np.ndarray | None:
    """The last picture drawn or uploaded on Classify, if it was prepared for this network's input."""
    drawn = choices().last_input
    if drawn is not None and tuple(np.shape(drawn)) == tuple(clf.image_shape):
        return np.asarray(drawn, np.uint8)
    if drawn is not None:
        st.caption(f"Your last drawing was prepared for a network taking {'x'.join(map(str, np.shape(drawn)))} "
                   f"images, not {'x'.join(map(str, clf.image_shape))}: draw again on **Classify** to see it here.")
    return None


def pick_image(data: Dataset | None, clf: Classifier, drawn: np.ndarray | None) -> tuple[np.ndarray, str] | None:
    """The image to look inside: a test image (by class and number) or the last drawn/uploaded one."""
    sources = [TEST_SOURCE] if data is not None else []
    if drawn is not None:
        sources.append(DRAWN_SOURCE)
        # A new drawing (the student comes from Classify to see inside it) is shown first.
        if st.session_state.get("inspect_seen_drawing") != image_key(drawn):
            st.session_state["inspect_seen_drawing"] = image_key(drawn)
            st.session_state["inspect_source"] = DRAWN_SOURCE
    if not sources:
        st.info("No image to look at: the test images are not available and nothing has been drawn or uploaded "
                "for this model yet. Draw one on the **Classify** page.", icon=":material/draw:")
        return None
    source = st.radio("Look at", sources, key="inspect_source", horizontal=True) if len(sources) > 1 else sources[0]
    if source == DRAWN_SOURCE:
        return drawn, "your last drawing or upload"
    class_col, number_col, random_col = st.container(key="wrap_inspect_picker").columns(
        [2, 2, 1.3], vertical_alignment="bottom")
    options = [None, *range(len(clf.classes))]
    class_filter = class_col.selectbox("Test images of class", options, key="inspect_class",
                                       format_func=lambda c: "any class" if c is None else clf.classes[c])
    index = choose_number(data, class_filter, number_col, random_col)
    return data.x_test[index], f"test image #{index + 1:,}, true class: {clf.classes[data.y_test[index]]}"


def show_kernels(clf: Classifier) -> None:
    lesson("kernels")
    try:
        kernels = inspection.first_conv_kernels(clf.model)
    except CnnlabError as e:  # a network without convolutions: nothing went wrong, there is just nothing to show
        st.info(str(e), icon=":material/info:")
        return
    n, kh, kw, c = kernels.shape
    # 8 to 10 per row: big enough to see the weights, and few rows even for wide layers.
    columns = min(MAX_KERNEL_COLUMNS, max(MIN_KERNEL_COLUMNS, -(-n // 2)))
    image_grid(inspection.kernel_pictures(kernels), [f"filter {i + 1}" for i in range(n)], columns=columns)
    colour = ("Each kernel reads the red, green and blue channels, so it is shown as a colour picture: a "
              "kernel that is greenish responds to green, one with a dark and a bright side responds to an "
              "edge between them." if c == 3 else
              "White = a large positive weight, black = a large negative one (each kernel is stretched on "
              "its own to show its pattern).")
    st.caption(f"{n} kernels of {kh}x{kw} pixels over {c} channel{'s' if c > 1 else ''}. {colour} Look for "
               "stripes with a bright side and a dark side: edge and stroke detectors, tuned to one direction. "
               "A kernel that still looks like noise has learned little (train longer).")
    explainer("kernel")


def show_prediction(clf: Classifier, image: np.ndarray, label: str) -> np.ndarray:
    probs = clf.probabilities(image)
    top = clf.top_k(probs, TOP_K)
    image_col, prediction_col = st.columns([1, 3])
    big = enlarge(image, 160)  # a whole multiple of the pixels: no blur from the browser's scaling
    image_col.image(big, caption=label, width=big.shape[1])
    prediction_col.markdown(f"**Prediction: {top[0][0]}** ({top[0][1]:.1%} sure)")
    prediction_col.plotly_chart(charts.top_predictions_bars(top), width="stretch",
                                config={"displayModeBar": False}, key="inspect_top3")
    return probs


def show_feature_maps(run: Run, clf: Classifier, image: np.ndarray, saved_at: float) -> None:
    try:
        maps, seconds = cached_feature_maps(run.run_id, saved_at, image_key(image), clf.model, image)
    except CnnlabError as e:
        show_error(e)
        return
    if not maps:
        st.info("This network has no convolution or pooling layers, so it has no feature maps to show.",
                icon=":material/info:")
        return
    explainer("feature-map")
    explainer("maps-shrink")
    separate = st.toggle("Stretch each map on its own", key="inspect_stretch_each",
                         help="Off: all maps of a layer share one brightness scale, so you can compare them "
                              "(a black map hardly responds to this image). On: each map is stretched from its "
                              "own darkest to its brightest value, to show faint patterns.")
    descriptions = run_layer_descriptions(run)
    for name, fmap in maps:
        h, w, c = fmap.shape
        st.markdown(f"**{name}**: {descriptions.get(name, '')} → output {h}x{w}x{c} "
                    f"({c} map{'s' if c > 1 else ''} of {h}x{w})")
        first = 0
        if c > CHANNELS_PER_PAGE:
            pages = [f"{s + 1}–{min(s + CHANNELS_PER_PAGE, c)}" for s in range(0, c, CHANNELS_PER_PAGE)]
            chosen = st.segmented_control(f"Channels of {name}", pages, default=pages[0],
                                          key=f"inspect_maps_page_{name}_{c}", label_visibility="collapsed")
            first = pages.index(chosen) * CHANNELS_PER_PAGE if chosen in pages else 0
        shown = range(first, min(first + CHANNELS_PER_PAGE, c))
        shared = None if separate else to_uint8(fmap)
        pictures = [to_uint8(fmap[:, :, i]) if separate else shared[:, :, i] for i in shown]
        image_grid(pictures, [f"channel {i + 1}" for i in shown], columns=MAP_COLUMNS)
    st.caption(f"Bright = the kernel responded strongly at that spot, black = not at all. Computed in "
               f"{seconds * 1000:.0f} ms for this image (then kept).")


def show_explanation(run: Run, clf: Classifier, picked: tuple[np.ndarray, str] | None, probs: np.ndarray | None,
                     saved_at: float) -> None:
    if picked is None:
        st.info("Choose an image on the **Feature maps** tab first.", icon=":material/info:")
        return
    image, label = picked
    st.markdown(f"Which pixels does the score of a class depend on? For the image chosen on the **Feature maps** "
                f"tab ({label}).")
    predicted = int(np.argmax(probs))
    method_col, class_col = st.columns(2)
    method = method_col.radio("Method", [SALIENCY, GRAD_CAM], horizontal=True, key="inspect_why_method")
    class_index = class_col.selectbox(
        "Explain the score of class", range(len(clf.classes)), index=predicted,
        key=f"inspect_why_class_{image_key(image)}",
        format_func=lambda i: f"{clf.classes[i]} ({probs[i]:.0%}{', predicted' if i == predicted else ''})")
    try:
        heat = cached_explanation(run.run_id, saved_at, image_key(image), int(class_index), method, clf.model, image)
    except CnnlabError as e:  # e.g. Grad-CAM for a network without convolutions: the message says what to use
        st.info(str(e), icon=":material/info:")
        return
    columns = st.columns(3)
    columns[0].image(enlarge(image, 224), caption="the image", width="stretch")
    columns[1].image(enlarge(charts.heat_colours(heat), 224), caption=f"{method} for {clf.classes[class_index]}",
                     width="stretch")
    columns[2].image(enlarge(charts.heat_overlay(image, heat), 224), caption="laid over the image", width="stretch")
    if method == SALIENCY:
        st.caption("Brighter = changing these pixels would change the score of this class the most. The saliency "
                   "map is the gradient of the class score with respect to every pixel (how much the score moves "
                   "when that pixel changes a little).")
    else:
        st.caption("Brighter = this region made the network more sure of this class. Grad-CAM weighs each feature "
                   "map of the last convolution layer by how much it raises the class score, adds them up and "
                   "stretches the result to the image's size, so it is coarser than the saliency map."
                   + (" All dark: nothing in this image speaks for this class." if not heat.any() else ""))
