"""What every Learn page shares: its header from the teaching texts, the picture picker, the
kernel picker, the trained network (loaded only when it is used), the position scrubber with its
Play button, clickable cells with keyboard inputs beside them, and a table under every chart.

Choices that make sense on every explorer (the picture) use the same widget keys and survive page
switches (`persist_state="session"`), so a student picks a picture once and follows it through
convolution, pooling, activation...
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
import streamlit as st

from cnnlab.charts.cells import clicked_customdata
from cnnlab.config import TrainConfig
from cnnlab.datasets import availability, load_dataset
from cnnlab.explain import HAND_MADE_KERNELS, ExplainError, parse_kernel
from cnnlab.explain.convolution import format_kernel
from cnnlab.explain.network import LearnedLayer, learned_layers
from cnnlab.explain.pictures import TEST_PICTURES, for_network, picture_named
from cnnlab.images import enlarge
from cnnlab.layers import ACTIVATIONS
from cnnlab.runs import Run, load_run
from cnnlab.settings import CnnlabError
from cnnlab.texts import text
from cnnlab.ui.layout import page_header, sidebar_status
from cnnlab.ui.state import choices

PLAY_INTERVAL = 1.0  # seconds between two positions while playing: slow enough to follow the numbers
HTML_TABLE_CELLS = 1000  # up to this many numbers a table is plain HTML, which screen readers read best
DATASET, DRAWING, TEST = "dataset", "drawing", "test"
OWN_KERNEL = "your own kernel"
CHANNEL_MIX = {"all three channels (each ⅓)": (1 / 3, 1 / 3, 1 / 3), "red only": (1, 0, 0),
               "green only": (0, 1, 0), "blue only": (0, 0, 1)}


def explorer_header(title: str, name: str) -> None:
    """The page's title, its two sentences of what to look at, and its "try this" prompt
    (cnnlab/texts/learn/<name>.md)."""
    sidebar_status()
    page_header(title, text(f"learn/{name}", "Look"))
    st.info(text(f"learn/{name}", "Try this"), icon=":material/lightbulb:")


def more_about(name: str, label: str) -> None:
    """The explorer's longer explanation, folded away."""
    with st.expander(label, icon=":material/menu_book:"):
        st.markdown(text(f"learn/{name}", "More"))


# --- The picture -------------------------------------------------------------------------------

@dataclass
class Picture:
    pixels: np.ndarray  # uint8 (H, W, C)
    label: str  # says where it comes from, for captions
    true_class: int | None = None
    classes: tuple[str, ...] | None = None


def _dataset(name: str):
    """The chosen dataset, or None with the reason in a caption (never a download from here)."""
    try:
        available, where = availability(name)
        if not available:
            st.caption(f"Pictures from **{name}** appear here once it is on this computer ({where}): get it on "
                       "the **Data** page.")
            return None
        folder = name.startswith("folder:")
        options = dict(image_size=choices().image_size, channels=choices().channels) if folder else {}
        with st.spinner(f"Loading {name}..."):
            return load_dataset(name, **options)
    except CnnlabError as error:
        st.caption(f"Pictures from **{name}** cannot be shown: {error}")
        return None


def explorer(title: str, name: str, widths: list[float]):
    """The start every picture explorer shares: its header, the current trained run (or None), and
    columns of these `widths`, the first holding the picture picker. Returns (run, picture, columns)."""
    explorer_header(title, name)
    run = trained_run()
    columns = st.columns(widths, gap="medium")
    with columns[0]:
        picture = pick_picture()
    return run, picture, columns


def pick_picture() -> Picture:
    """A picture from the chosen dataset's test set, the last drawing or upload, or a test picture."""
    chosen = choices()
    data = _dataset(chosen.dataset)
    drawn = chosen.last_input
    sources = ([DATASET] if data is not None else []) + ([DRAWING] if drawn is not None else []) + [TEST]
    names = {DATASET: f"a picture from {chosen.dataset}", DRAWING: "your last drawing or upload",
             TEST: "a test picture"}
    if st.session_state.get("learn_picture_source") not in sources:
        st.session_state["learn_picture_source"] = sources[0]
    source = st.radio("Picture", sources, format_func=names.__getitem__, horizontal=True, key="learn_picture_source",
                      persist_state="session", help="Every explorer uses the same picture; change it here or on "
                                                    "any other Learn page.")
    if source == DRAWING:
        return Picture(np.asarray(drawn, np.uint8), "your last drawing or upload")
    if source == TEST:
        name = st.selectbox("Test picture", list(TEST_PICTURES), key="learn_test_picture", persist_state="session",
                            format_func=lambda n: f"{n}: {TEST_PICTURES[n][1]}")
        return Picture(picture_named(name), f"test picture: {name}")
    count = len(data.y_test)
    number_col, random_col = st.columns([3, 2], vertical_alignment="bottom")

    def random_pick() -> None:
        st.session_state["learn_picture_number"] = int(np.random.default_rng().integers(1, count + 1))

    if st.session_state.get("learn_picture_number", 1) > count:
        st.session_state["learn_picture_number"] = 1
    number = number_col.number_input(f"Test picture number (1 to {count:,})", 1, count, key="learn_picture_number",
                                     persist_state="session")
    random_col.button("Random", on_click=random_pick, key="learn_picture_random", width="stretch",
                      help="Another test picture, picked at random.")
    index = int(number) - 1
    label = int(data.y_test[index])
    return Picture(data.x_test[index], f"{chosen.dataset} test picture #{index + 1:,}, a {data.classes[label]}",
                   label, tuple(data.classes))


def show_picture(picture: Picture, column=None, side: int = 168) -> None:
    big = enlarge(picture.pixels, side)
    (column or st).image(big, caption=picture.label, width=big.shape[1])


# --- The trained network -------------------------------------------------------------------------

def trained_run() -> Run | None:
    """The current run (chosen on Train / Runs) if it has a saved model; no TensorFlow needed."""
    run_id = choices().run_id
    if not run_id:
        return None
    try:
        run = load_run(run_id)
    except CnnlabError:
        return None
    return run if run.has_model else None


def run_layers(run: Run) -> list[dict]:
    return TrainConfig.from_json(run.config).layer_stack()


def learned_convolutions(run: Run | None) -> list[LearnedLayer]:
    if run is None:
        return []
    try:
        return learned_layers(run_layers(run), run.image_shape, len(run.classes))
    except (CnnlabError, TypeError, ValueError):
        return []


def trained_model(run: Run):
    """The run's Keras model (imports TensorFlow: call only when the student uses the network)."""
    from cnnlab.ui.models import classifier_for

    return classifier_for(run.run_id, run.model_path.stat().st_mtime).model


def network_picture(picture: Picture, run: Run) -> Picture:
    """The picture converted to the run's input shape when it has another, saying so."""
    pixels, note = for_network(picture.pixels, run.image_shape)
    if note is None:
        return picture
    st.caption(note)
    same_classes = picture.classes is not None and list(picture.classes) == list(run.classes)
    return Picture(pixels, picture.label + " (converted)", picture.true_class if same_classes else None,
                   picture.classes if same_classes else None)


def use_network_toggle(key: str, run: Run | None, default: bool = True) -> bool:
    """A switch "Use the trained network" when there is one; False when there is none."""
    if run is None:
        st.caption("Train a network (the **Train** page) to see its own learned kernels and feature maps here.")
        return False
    return st.toggle(f"Use the trained network ({run.title})", value=default, key=key,
                     help="On: the network's real learned kernels and feature maps (loads TensorFlow, a few "
                          "seconds the first time). Off: hand-made ones.")


# --- Kernels -------------------------------------------------------------------------------------

@dataclass
class Kernel:
    weights: np.ndarray  # (K, K, C) for the picture it will slide over
    bias: float
    name: str
    description: str
    learned_from: LearnedLayer | None = None  # the first convolution layer of the trained network

    @property
    def learned(self) -> bool:
        return self.learned_from is not None


def _learned_name(layer: LearnedLayer, index: int) -> str:
    return f"learned filter {index + 1} of {layer.name}"


def pick_kernel(key: str, channels: int, run: Run | None, default: str = "Sobel x") -> Kernel | None:
    """A hand-made kernel, one the student types, or a learned first-layer filter of the trained
    network. None (with a message) when the typed kernel cannot be read."""
    first = learned_convolutions(run)[:1]
    learned = [_learned_name(first[0], i) for i in range(first[0].filters)] if first else []
    options = [*HAND_MADE_KERNELS, OWN_KERNEL, *learned]
    if st.session_state.get(f"{key}_kernel", default) not in options:  # a learned filter of a network now gone
        st.session_state.pop(f"{key}_kernel", None)
    choice = st.selectbox("Kernel", options, index=options.index(default), key=f"{key}_kernel", persist_state="session",
                          help="Hand-made kernels with a known effect, your own numbers, or the filters the trained "
                               "network's first layer learned.")
    if choice in learned:
        index = learned.index(choice)
        model = trained_model(run)
        from cnnlab.explain.network import conv_weights

        weights, biases = conv_weights(model, first[0].name)
        return Kernel(weights[..., index], float(biases[index]), choice,
                      f"learned by the trained network: filter {index + 1} of its {first[0].filters}, "
                      f"{weights.shape[0]}x{weights.shape[1]} over {weights.shape[2]} channel(s), then "
                      f"{ACTIVATIONS.get(first[0].activation, (first[0].activation,))[0]}.", first[0])
    if choice == OWN_KERNEL:
        typed_key = f"{key}_typed"
        if typed_key not in st.session_state:  # start from the last hand-made kernel chosen
            last = st.session_state.get(f"{key}_last", default)
            st.session_state[typed_key] = format_kernel(HAND_MADE_KERNELS[last].array)
        typed = st.text_area("Your kernel: one row per line, numbers separated by spaces (1/9 works too)",
                             key=typed_key, persist_state="session", height=130)
        try:
            flat = parse_kernel(typed)
        except ExplainError as error:
            st.error(f"This kernel cannot be used yet: {error}.", icon=":material/error:")
            return None
        description = "typed by you."
    else:
        st.session_state[f"{key}_last"] = choice
        flat = HAND_MADE_KERNELS[choice].array
        description = HAND_MADE_KERNELS[choice].what_it_does
    weights = flat[..., None]
    if channels == 3:
        mix = st.radio("On a colour picture, the kernel reads", list(CHANNEL_MIX), key=f"{key}_mix",
                       persist_state="session", horizontal=True,
                       help="One filter always spans every channel of its input: here the same grid of weights "
                            "is used on each channel, scaled by these shares.")
        weights = flat[..., None] * np.array(CHANNEL_MIX[mix])
    return Kernel(weights, 0.0, choice, description)


# --- Moving through positions and choosing cells --------------------------------------------

def _in_fragment_rerun() -> bool:
    """Whether this run redraws only a fragment (not the whole page)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return bool(ctx and ctx.fragment_ids_this_run)


def scrubber(key: str, positions: int, draw: Callable[[int], None], label: str = "Position of the kernel",
             click_chart: str | None = None, columns: int = 1, start: int = 1) -> None:
    """A Play button and a slider over the positions (arrow keys step through them); `draw(position)`
    (from 0) shows that position. Only this part of the page redraws while it moves (a fragment).
    A click on a cell [row, col] of the chart `click_chart` (drawn by `draw`, `columns` cells wide)
    jumps to that cell's position. It starts at position `start` (from 1).

    Playing, the fragment shows a position, waits PLAY_INTERVAL seconds and reruns itself: each step
    starts only once the last one is drawn, so a slow machine plays slower instead of piling up
    redraws (a timer, `run_every`, would fire again before a busy server had drawn the last step).
    Any change that redraws the whole page pauses it."""
    playing_key = f"{key}_playing"
    if key not in st.session_state:
        st.session_state[key] = min(max(1, start), positions)
    if st.session_state[key] > positions:
        st.session_state[key] = positions
    if not _in_fragment_rerun():
        st.session_state[playing_key] = False

    @st.fragment
    def frame() -> None:
        alone = _in_fragment_rerun()  # only then can the fragment rerun itself
        playing = st.session_state.get(playing_key, False)
        if playing and st.session_state.get(f"{key}_stepped") != st.session_state.get(key):
            playing = False  # the student moved the slider while it played: stay there
        if click_chart:
            clicked = clicked_customdata(st.session_state.get(click_chart))
            if clicked and st.session_state.get(f"{key}_clicked") != clicked:  # a new click, not the last one again
                st.session_state[key] = min(positions, int(clicked[0]) * columns + int(clicked[1]) + 1)
                playing = False
            st.session_state[f"{key}_clicked"] = clicked
        if playing:
            if st.session_state[key] >= positions:
                playing = False  # the end
            else:
                st.session_state[key] += 1
        st.session_state[playing_key] = playing

        def toggle() -> None:  # a callback: a button's "pressed" would still read True in the fragment's own reruns
            st.session_state[playing_key] = not st.session_state[playing_key]
            if st.session_state[playing_key] and st.session_state[key] >= positions:
                st.session_state[key] = 1  # playing from the end starts again at the beginning
            st.session_state[f"{key}_stepped"] = st.session_state[key]

        play_col, slider_col = st.columns([1, 5], vertical_alignment="bottom")
        play_col.button("Pause" if playing else "Play", key=f"{key}_play", width="stretch", on_click=toggle,
                        icon=":material/pause:" if playing else ":material/play_arrow:",
                        help=f"Move on by itself, one position every {PLAY_INTERVAL:g} s; press again to pause.")
        slider_col.slider(f"{label} (1 to {positions})", 1, positions, key=key,
                          help="Drag it, or focus it and use the arrow keys to move one position at a time.")
        draw(int(st.session_state[key]) - 1)
        st.session_state[f"{key}_stepped"] = st.session_state[key]
        if playing and alone:
            time.sleep(PLAY_INTERVAL)
            st.rerun(scope="fragment")

    frame()


def chosen_cell(chart_key: str, key: str, rows: int, cols: int) -> tuple[str, str]:
    """Keys of the "Row" and "Column" inputs, moved to the cell last clicked on the chart `chart_key`
    (read before the chart is drawn, so the chart can outline it). Both start in the middle."""
    row_key, col_key = f"{key}_row", f"{key}_col"
    for widget, size in ((row_key, rows), (col_key, cols)):
        if widget not in st.session_state or not 0 <= st.session_state[widget] < size:
            st.session_state[widget] = size // 2
    clicked = clicked_customdata(st.session_state.get(chart_key))  # [row, col] (charts.learn Panel.clickable)
    clicked = (int(clicked[0]), int(clicked[1])) if clicked else None
    if clicked is not None and st.session_state.get(f"{key}_clicked") != clicked and \
            0 <= clicked[0] < rows and 0 <= clicked[1] < cols:  # only a new click moves the inputs
        st.session_state[row_key], st.session_state[col_key] = clicked
    st.session_state[f"{key}_clicked"] = clicked
    return row_key, col_key


def cell_inputs(row_key: str, col_key: str, rows: int, cols: int) -> tuple[int, int]:
    row_col, col_col = st.columns(2)
    row = row_col.number_input(f"Row (0 to {rows - 1})", 0, rows - 1, key=row_key, persist_state="session")
    col = col_col.number_input(f"Column (0 to {cols - 1})", 0, cols - 1, key=col_key, persist_state="session")
    return int(row), int(col)


def map_range(values: np.ndarray) -> tuple[float, float]:
    """The colour range of a feature map: 0 to its largest value, or symmetric about 0 when it has
    negative cells (a layer without ReLU), so that no cell is clipped to the end of the scale."""
    finite = np.asarray(values, float)[np.isfinite(values)]
    if not finite.size:
        return 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    if low < 0:
        reach = max(-low, abs(high))
        return -reach, reach
    return 0.0, high or 1.0


# --- Tables ----------------------------------------------------------------------------------------

def grid_table(values: np.ndarray, row0: int = 0, col0: int = 0, decimals: int = 3,
               rows=None, cols=None) -> pd.DataFrame:
    """A map of numbers as a table whose rows and columns carry the map's coordinates (from row0 /
    col0, or the given `rows` / `cols` numbers, e.g. the taps of a dilated kernel)."""
    values = np.round(np.asarray(values, float), decimals)
    rows = range(row0, row0 + values.shape[0]) if rows is None else rows
    cols = range(col0, col0 + values.shape[1]) if cols is None else cols
    return pd.DataFrame(values, index=[f"row {r}" for r in rows], columns=[f"col {c}" for c in cols])


def table_expander(label: str, tables: dict[str, pd.DataFrame]) -> None:
    """The numbers behind a chart, for screen readers and for anyone who cannot tell its colours apart:
    a plain HTML table when it is small, a scrollable one when it is big."""
    with st.expander(f"Table: {label}", icon=":material/table:"):
        for title, frame in tables.items():
            if title:
                st.markdown(f"**{title}**")
            if frame.size <= HTML_TABLE_CELLS:
                st.table(frame)
            else:
                st.dataframe(frame, width="stretch")


# --- What the trained network computes, once per model file and picture ------------------------

def _picture_key(pixels: np.ndarray) -> str:
    import hashlib

    return hashlib.sha1(np.ascontiguousarray(pixels).tobytes() + str(pixels.shape).encode()).hexdigest()[:16]


@st.cache_data(max_entries=64, show_spinner=False)
def _computed(run_id: str, saved_at: float, what: str, picture_key: str, argument, _model, _pixels):
    from cnnlab import inspection
    from cnnlab.explain import network

    if what == "feature_maps":
        return inspection.feature_maps(_model, _pixels)
    return getattr(network, what)(_model, _pixels, *([argument] if argument is not None else []))


def network_computes(run: Run, what: str, pixels: np.ndarray, argument=None):
    """`cnnlab.explain.network.<what>(model, pixels[, argument])` (or `inspection.feature_maps`) for
    the run's model, kept for the next rerun: "pre_activation", "dense_reading", "logits"."""
    with st.spinner("Running the trained network..."):
        return _computed(run.run_id, run.model_path.stat().st_mtime, what, _picture_key(pixels), argument,
                         trained_model(run), pixels)


@st.cache_data(max_entries=8, show_spinner="Measuring every ReLU unit on test pictures...")
def _dead_units(run_id: str, saved_at: float, dataset: str, count: int, _model):
    from cnnlab.explain.network import dead_units

    return dead_units(_model, load_dataset(dataset).x_test[:count])


def dead_units_of(run: Run, count: int = 500):
    """The dead ReLU units of the run's network on `count` test pictures of its dataset, or None
    (with the reason) when its test pictures are not on this computer."""
    dataset = str(run.config.get("dataset", ""))
    available, where = availability(dataset) if dataset and not dataset.startswith("folder:") else (False, "")
    if not available:
        st.caption(f"Counting dead units needs test pictures of {dataset or 'its dataset'}, which are not on this "
                   f"computer{f' ({where})' if where else ''}.")
        return None
    return _dead_units(run.run_id, run.model_path.stat().st_mtime, dataset, count, trained_model(run))


def is_playing(key: str) -> bool:
    """Whether the scrubber `key` is playing (pages leave out what need not redraw at every step)."""
    return bool(st.session_state.get(f"{key}_playing"))
