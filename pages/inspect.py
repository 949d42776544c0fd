"""Inspect: look inside the current trained network.

What its first filters learned (kernels), what every layer makes of one image (feature maps),
which pixels a decision rests on (saliency / Grad-CAM), and where it goes wrong on the test set
(confusion matrix, galleries of mistakes). The test set is classified once per model; everything
about mistakes is counted from those predictions.
"""
from __future__ import annotations

import hashlib
import time

import numpy as np
import streamlit as st

from cnnlab import inspection
from cnnlab.architectures import check_stack
from cnnlab.charts import inspection as charts
from cnnlab.charts.cells import clicked_customdata
from cnnlab.datasets import Dataset, availability, load_dataset
from cnnlab.images import enlarge, to_uint8
from cnnlab.inference import Classifier
from cnnlab.runs import Run, load_run
from cnnlab.settings import CnnlabError
from cnnlab.training import TrainConfig
from cnnlab.ui.export import export_button
from cnnlab.ui.handwriting import class_set_section
from cnnlab.ui.layout import page_header, sidebar_status
from cnnlab.ui.excitation import show_excitation
from cnnlab.ui.models import current_classifier
from cnnlab.ui.probes import show_probes
from cnnlab.ui.state import choices
from cnnlab.ui.timelapse import show_timelapse
from cnnlab.ui.widgets import image_grid, show_error

CHANNELS_PER_PAGE = 16  # feature maps shown at once for one layer
MAP_COLUMNS = 8
MIN_KERNEL_COLUMNS, MAX_KERNEL_COLUMNS = 8, 10  # more columns squeeze the "filter 12" captions
GALLERY_SIZE = 24  # images shown for a confusion-matrix cell or the confident mistakes
GALLERY_COLUMNS = 6
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


# --- Pieces of the page -------------------------------------------------------------------------

def layer_descriptions(run: Run) -> dict[str, str]:
    """Layer name (conv1, pool1...) -> its description ("Conv 6@5x5, same, ReLU"), from the run's
    saved settings; empty if they cannot be read (the pictures still work without them)."""
    try:
        layers = TrainConfig.from_json(run.config).layer_stack()
        check = check_stack(layers, tuple(run.image_shape), len(run.classes))
    except (CnnlabError, TypeError, ValueError):
        return {}
    return {row.name: row.description for row in check.rows}


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
    bar = st.empty()  # a progress bar only while a big dataset (CIFAR-10: 60,000 JPEGs) is first read

    def progress(done: int, total: int | None, message: str) -> None:
        bar.progress(min(1.0, done / total) if total else 0.0, text=f"{message} (once, then kept)")

    try:
        with st.spinner(f"Loading the test images of {name}..."):
            data = load_dataset(name, image_size=run.config.get("image_size"), channels=run.config.get("channels"),
                                progress=progress)
    except CnnlabError as e:
        show_error(e)
        return None
    finally:
        bar.empty()
    if tuple(data.image_shape) != tuple(run.image_shape) or list(data.classes) != list(run.classes):
        st.warning(f"The dataset {name} has changed since this model was trained (the model expects "
                   f"{len(run.classes)} classes of {'x'.join(map(str, run.image_shape))} images; it now has "
                   f"{len(data.classes)} classes of {'x'.join(map(str, data.image_shape))}). Train again to "
                   "inspect it on its test set.", icon=":material/warning:")
        return None
    return data


def percent(p: float) -> str:
    return "<1%" if 0 < p < 0.005 else f"{p:.0%}"


def gallery(indices: np.ndarray, data: Dataset, probs: np.ndarray, clf: Classifier) -> None:
    """Test images with their number, true class, prediction and top-3 probabilities."""
    shown = indices[:GALLERY_SIZE]
    captions = []
    for i in shown:
        (predicted, p), *others = clf.top_k(probs[i], TOP_K)
        captions.append(f"#{i + 1:,}: true {clf.classes[data.y_test[i]]}, predicted {predicted} {percent(p)} "
                        f"(then {', '.join(f'{name} {percent(q)}' for name, q in others)})")
    image_grid([data.x_test[i] for i in shown], captions, columns=GALLERY_COLUMNS)


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
    class_col, number_col, random_col = st.container(key="wrap_inspect_picker").columns([2, 2, 1.3], vertical_alignment="bottom")
    options = [None, *range(len(clf.classes))]
    class_filter = class_col.selectbox("Test images of class", options, key="inspect_class",
                                       format_func=lambda c: "any class" if c is None else clf.classes[c])
    index = choose_number(data, class_filter, number_col, random_col)
    return data.x_test[index], f"test image #{index + 1:,}, true class: {clf.classes[data.y_test[index]]}"


def show_kernels(clf: Classifier) -> None:
    st.markdown("The **kernels** (also called filters) of the first convolution layer: small grids of "
                "weights the network learned. Each one slides over the picture and, at every position, "
                "multiplies the pixels under it by its weights and adds them up: the result is large where "
                "the picture looks like the kernel.")
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
    with st.expander("What is a kernel?"):
        st.markdown(
            "A **convolution** layer has a number of small **kernels** (filters), e.g. 6 of 5x5 weights. "
            "Each kernel slides across the image one step (the **stride**) at a time; at every position it "
            "multiplies the pixels under it by its weights, adds them up (plus a bias) and passes the sum "
            "through an **activation** such as ReLU (negative sums become 0). The outputs, one per position, "
            "form that kernel's **feature map**.\n\n"
            "Nobody programs the weights: training adjusts them, batch after batch, so that the feature maps "
            "help the later layers pick the right class. In the first layer they usually become detectors "
            "of simple things: edges, strokes in one direction, spots, colour contrasts.")


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
    with st.expander("What is a feature map?"):
        st.markdown(
            "Each kernel of a convolution layer produces one **feature map**: a small picture that is bright "
            "wherever the kernel found its pattern in this image (a stroke, an edge, a curve...). A layer with "
            "16 kernels gives 16 feature maps, stacked as the 16 **channels** of its output. The next "
            "convolution layer reads all of them at once, so it can find combinations (a corner is two strokes "
            "meeting; a loop is curves in a ring).\n\n"
            "A **pooling** layer shrinks every map, keeping the strongest (max pooling) or the average value "
            "of each small window: the network keeps *what* it found and forgets a little of exactly *where*.")
    with st.expander("Why do the maps get smaller and more numerous deeper in the network?"):
        st.markdown(
            "Pooling (and a stride above 1, or 'valid' padding) shrinks the maps: each pixel deep in the network "
            "stands for a bigger patch of the original image. At the same time later layers have more kernels, "
            "because there are many more combinations of simple patterns worth detecting than simple patterns. "
            "So a typical CNN trades *where* for *what*: width and height go down, the number of channels goes up, "
            "and the last maps say which parts are present rather than where each pixel is.")
    separate = st.toggle("Stretch each map on its own", key="inspect_stretch_each",
                         help="Off: all maps of a layer share one brightness scale, so you can compare them "
                              "(a black map hardly responds to this image). On: each map is stretched from its "
                              "own darkest to its brightest value, to show faint patterns.")
    descriptions = layer_descriptions(run)
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


def chosen_cell(run: Run, matrix: np.ndarray, chart_key: str) -> tuple[str, str]:
    """Keys of the "True class" / "Predicted as" selectors, moved to the cell last clicked.

    Read from the chart's state before the chart is drawn, so the chart can outline that cell."""
    true_key, predicted_key = f"inspect_cell_true_{run.run_id}", f"inspect_cell_predicted_{run.run_id}"
    if true_key not in st.session_state:  # start on the most common mistake: the most instructive cell
        off_diagonal = matrix - np.diag(np.diag(matrix))
        t, p = np.unravel_index(int(np.argmax(off_diagonal)), matrix.shape)
        st.session_state[true_key], st.session_state[predicted_key] = int(t), int(p)
    data = clicked_customdata(st.session_state.get(chart_key))  # [true class, predicted class, count]
    clicked = (int(data[0]), int(data[1])) if data else None
    # The chart keeps reporting its last click on every rerun: only a new click moves the selectors.
    if clicked is not None and st.session_state.get("inspect_cell_clicked") != clicked:
        st.session_state[true_key], st.session_state[predicted_key] = clicked
    st.session_state["inspect_cell_clicked"] = clicked
    return true_key, predicted_key


def show_confusion(run: Run, clf: Classifier, data: Dataset, probs: np.ndarray, seconds: float) -> None:
    y_true, y_pred = data.y_test, probs.argmax(axis=1)
    classes = list(clf.classes)
    matrix = inspection.confusion_matrix(y_true, y_pred, len(classes))
    accuracy = inspection.per_class_accuracy(matrix)
    overall = float(np.trace(matrix) / max(1, matrix.sum()))
    st.markdown(f"**{overall:.1%}** of the {matrix.sum():,} test images are classified correctly. Click a cell to "
                "see its images.")
    chart_key = f"inspect_confusion_{run.run_id}"
    true_key, predicted_key = chosen_cell(run, matrix, chart_key)
    chart_col, bars_col = st.container(key="wrapwide_confusion").columns([3, 2])
    with chart_col:
        chosen = (st.session_state[true_key], st.session_state[predicted_key])
        st.plotly_chart(charts.confusion_heatmap(matrix, classes, accuracy, chosen=chosen), on_select="rerun",
                        selection_mode="points", key=chart_key, width="stretch", config={"displayModeBar": False})
    bars_col.plotly_chart(charts.per_class_accuracy_bars(accuracy, classes, overall), width="stretch",
                          config={"displayModeBar": False}, key="inspect_class_accuracy")
    st.caption(f"Rows: the true class; columns: what the network said. The diagonal holds the right answers; every "
               f"other cell is a kind of mistake. Colour = share of the row. The test images were classified once "
               f"for this model, in {seconds:.1f} s.")
    with st.expander("How to read a confusion matrix"):
        st.markdown(
            "Every test image lands in one cell: its row is its **true class** (its label), its column is the "
            "class the network **predicted** (the largest softmax probability). A perfect network has numbers "
            "only on the diagonal from top left to bottom right.\n\n"
            "- A row tells you what happens to one kind of image: the diagonal cell counts the ones recognised, "
            "the others where they went. Its percentage (on the left) is that class's accuracy.\n"
            "- A column tells you where a prediction comes from: a column with many numbers is a class the "
            "network says too easily.\n"
            "- A big cell off the diagonal is a confusion worth looking at (e.g. 4 read as 9, shirt read as "
            "T-shirt): click it and see whether the images are truly ambiguous, mislabelled, or just hard.\n\n"
            "The matrix is measured on the **test** set: images the network never trained on, so it shows how it "
            "would do on new images.")
    true_col, predicted_col = st.columns(2)
    true_class = true_col.selectbox("True class", range(len(classes)), key=true_key, format_func=classes.__getitem__)
    predicted_class = predicted_col.selectbox("Predicted as", range(len(classes)), key=predicted_key,
                                              format_func=classes.__getitem__)
    found = inspection.cell_examples(y_true, y_pred, true_class, predicted_class, probs)
    what = ("recognised correctly" if true_class == predicted_class
            else f"predicted as {classes[predicted_class]}")
    if not len(found):
        st.info(f"No test image of class {classes[true_class]} was {what}.", icon=":material/info:")
        return
    st.markdown(f"**Test images of class {classes[true_class]} {what}** ({len(found):,}"
                + (f"; the {GALLERY_SIZE} the network was surest of):" if len(found) > GALLERY_SIZE else "):"))
    gallery(found, data, probs, clf)


def show_mistakes(clf: Classifier, data: Dataset, probs: np.ndarray) -> None:
    mistakes = inspection.confident_mistakes(data.y_test, probs, GALLERY_SIZE)
    if not len(mistakes):
        st.success("The network classifies every test image correctly: no mistakes to show.",
                   icon=":material/check_circle:")
        return
    st.markdown("The test images the network got **wrong** while being **surest** of its answer. Some are "
                "genuinely ambiguous or even mislabelled; others show what the network has not learned yet.")
    gallery(mistakes, data, probs, clf)
    st.caption("Under each image: its number in the test set, its true class, what the network said, and its "
               "three highest probabilities. A mistake made with 99% confidence means the network is not just "
               "unsure: it learned a pattern from its training images that misleads it here.")


# --- The page ----------------------------------------------------------------------------------

sidebar_status()
page_header("Inspect", "Look inside the trained network: what its filters learned, what each layer makes of an "
            "image, which pixels its decision rests on, and which test images it gets wrong.")

clf = current_classifier()
if clf is None:
    st.stop()
run = load_run(choices().run_id)
saved_at = run.model_path.stat().st_mtime
accuracy_text = f", test accuracy {run.test_accuracy:.1%}" if run.test_accuracy is not None else ""
with st.container(horizontal=True, vertical_alignment="center"):
    st.caption(f"Model: {run.title}: {run.epochs_done} epoch{'s' if run.epochs_done != 1 else ''}{accuracy_text}.")
    export_button(run, key="export_inspect_button")

data = load_test_set(run)
probs_all, predict_seconds = None, 0.0
if data is not None:
    try:
        probs_all, predict_seconds = test_predictions(run.run_id, saved_at, run.config["dataset"],
                                                      run.config.get("image_size"), run.config.get("channels"),
                                                      clf.model)
    except CnnlabError as e:
        show_error(e)

drawing = usable_drawing(clf)
# Coming from Classify with a drawing, the first thing to see is what each layer makes of it.
kernels_tab, maps_tab, why_tab, probe_tab, excite_tab, lapse_tab, confusion_tab, mistakes_tab, class_set_tab = st.tabs(
    ["Kernels", "Feature maps", "Why this class?", "Move it", "Excites a filter", "Watch it learn",
     "Confusion matrix", "Most confident mistakes", "Class handwriting"],
    default="Feature maps" if drawing is not None else None)
with kernels_tab:
    show_kernels(clf)
with maps_tab:
    picked = pick_image(data, clf, drawing)
    picked_probs = None
    if picked is not None:
        picked_probs = show_prediction(clf, *picked)
        show_feature_maps(run, clf, picked[0], saved_at)
with why_tab:
    show_explanation(run, clf, picked, picked_probs, saved_at)
with probe_tab:
    if picked is None:
        st.info("Choose an image on the **Feature maps** tab first.", icon=":material/info:")
    else:
        show_probes(clf, *picked)
with excite_tab:
    if data is None:
        st.info("Finding the pictures that excite a filter needs the test images of this model's dataset (see the "
                "message above).", icon=":material/info:")
    else:
        show_excitation(run.run_id, saved_at, clf, data.x_test, data.y_test, run.config["dataset"],
                        layer_descriptions(run))
with lapse_tab:
    show_timelapse(run, saved_at)
with confusion_tab:
    if probs_all is None:
        st.info("The confusion matrix needs the test images of this model's dataset (see the message above).",
                icon=":material/info:")
    else:
        show_confusion(run, clf, data, probs_all, predict_seconds)
with mistakes_tab:
    if probs_all is None:
        st.info("The mistakes gallery needs the test images of this model's dataset (see the message above).",
                icon=":material/info:")
    else:
        show_mistakes(clf, data, probs_all)
with class_set_tab:
    class_set_section(run, key="inspect")
