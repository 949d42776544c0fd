"""The Classify page's pieces: the drawing kept across page switches, uploads opened once, the
step switches of the preparation inspector, its row of pictures, and the probability chart.

The canvas component itself (streamlit-drawable-canvas) is imported only by pages/classify.py:
importing it outside a running Streamlit script raises.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from PIL import Image

from cnnlab.charts.style import TRAINING, VALIDATION, figure, look, vline, vline_label
from cnnlab.imagefiles import ImageError, LoadedImage, read_image
from cnnlab.images import for_display
from cnnlab.preprocess import Prepared
from cnnlab.ui.state import choices

CANVAS_SIZE = 280  # 10x MNIST's 28: big enough to draw on with a mouse or a finger
INK, PAPER = "#FFFFFF", "#000000"  # white on black, like MNIST (the canvas's own default is black on see-through)
# Photo models (CIFAR-10) know colour photos, not white strokes on black: a coloured pen on a coloured
# background, both chosen by the student (a plane on blue sky, a frog on green grass...).
PHOTO_INK, PHOTO_PAPER = "#8B4513", "#87CEEB"
UPLOAD_TYPES = ["png", "jpg", "jpeg", "gif", "bmp", "webp"]
OTHER_BARS = "#c7c7c7"
STEPS_PER_ROW = 5  # the preparation steps, side by side

# The steps of each pipeline (cnnlab.preprocess) that can be switched off, in order, and their switches' names.
SWITCHABLE = {"digit": ("grayscale", "paper", "invert", "contrast", "crop", "fit", "centre"),
              "fashion": ("grayscale", "invert", "contrast", "crop", "fit", "centre"), "photo": ("grayscale", "crop")}
SWITCH_LABELS = {"grayscale": "Grayscale", "paper": "Even out paper", "contrast": "Contrast", "crop": "Crop",
                 "fit": "Fit", "centre": "Centre"}
INVERT_CHOICES = {"invert if light": "auto", "invert": True, "don't invert": False}


# --- The drawing ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CanvasLook:
    """How the canvas looks for a model: its pen and background colours and what to say about them."""

    ink: str
    paper: str
    caption: str


def canvas_look(style: str) -> CanvasLook:
    """The canvas for a model's kind of pictures: white on black for MNIST and Fashion-MNIST (that is
    how their pictures are), the student's colours for a photo model."""
    if style == "photo":
        ink = st.session_state.get("ink_colour", PHOTO_INK)
        paper = st.session_state.get("paper_colour", PHOTO_PAPER)
        return CanvasLook(ink, paper, "This network learned from small colour photos, so draw in colour on a "
                                      "coloured background: a brown horse on green grass, a plane on blue sky. "
                                      "Changing the background starts a new drawing.")
    if style == "fashion":
        return CanvasLook(INK, PAPER, "White on black, like Fashion-MNIST's pictures (light clothes on a black "
                                      "background): draw the outline of a piece of clothing, then fill it in.")
    return CanvasLook(INK, PAPER, "White ink on black, like MNIST.")


def colour_pickers() -> None:
    """The pen and background colours of a photo model's canvas (read by canvas_look on the next run)."""
    st.color_picker("Pen", PHOTO_INK, key="ink_colour", help="The colour you draw with.")
    st.color_picker("Background", PHOTO_PAPER, key="paper_colour",
                    help="The colour of the empty canvas; changing it starts a new drawing.")


# The canvas draws its undo/redo toolbar inside its own shadow root, and shows it only while a mouse
# hovers over it: out of a finger's reach. This adds one style rule to every canvas's shadow root, so
# the toolbar always shows above the canvas's top-right corner.
_PIN_TOOLBAR = """<script>(() => {
  if (window.cnnlabPinToolbar) return;
  window.cnnlabPinToolbar = true;
  const css = ".dc-toolbar{opacity:1 !important;top:-2.65rem !important}";
  const pin = () => document.querySelectorAll(".st-key-canvas *").forEach(el => {
    const root = el.shadowRoot;
    if (root && !root.querySelector("style[data-cnnlab-pin]")) {
      const style = document.createElement("style");
      style.dataset.cnnlabPin = "1";
      style.textContent = css;
      root.appendChild(style);
    }
  });
  new MutationObserver(pin).observe(document.body, {subtree: true, childList: true});
  pin();
})();</script>"""


def pin_canvas_toolbar() -> None:
    """Keep the canvas's undo/redo toolbar on screen (touch screens have no hover)."""
    with st.sidebar:  # the script takes no room there
        st.html(_PIN_TOOLBAR, unsafe_allow_javascript=True)


def canvas_key(paper: str = PAPER) -> str:
    """The canvas component's key: a new one (after Clear, or on a new background) mounts a fresh canvas."""
    version = st.session_state.setdefault("canvas_version", 0)
    return f"canvas_drawing_{version}" if paper == PAPER else f"canvas_drawing_{version}_{paper.lstrip('#')}"


def _saved(paper: str) -> dict | None:
    """The drawing kept from an earlier visit, if it was made on this background."""
    saved = choices().drawing  # kept across page switches and reloads
    return saved if saved is not None and saved.get("paper", PAPER) == paper else None


def initial_drawing(paper: str = PAPER) -> dict | None:
    """What the canvas starts with when it is mounted: the drawing saved before the student left
    the page (or the Draw tab, or reloaded), so nothing drawn is lost. Fixed while it stays mounted:
    a changed initial drawing would make the canvas reload and forget its undo history."""
    key = canvas_key(paper)
    if key not in st.session_state:  # not rendered in the last run: it is being mounted now
        saved = _saved(paper)
        st.session_state.canvas_initial = saved["json"] if saved else None
    return st.session_state.get("canvas_initial")


def drawn_picture(json_data: dict | None, image_data: np.ndarray | None, paper: str = PAPER) -> np.ndarray | None:
    """The canvas's RGBA picture, or None when nothing is drawn; remembers it for the next mount.

    A freshly mounted canvas shows its initial drawing but sends no picture until the next stroke,
    so the saved picture stands in for it while the drawing is still the saved one."""
    chosen = choices()
    saved = _saved(paper)
    if image_data is not None:
        chosen.drawing = {"json": json_data, "image": image_data, "paper": paper} if _objects(json_data) else None
        return image_data if _objects(json_data) else None
    if saved is not None and _objects(json_data) == _objects(saved["json"]):
        return saved["image"]
    return None


def _objects(json_data: dict | None) -> list:
    return list((json_data or {}).get("objects") or [])


def clear_drawing() -> None:
    """Button callback: forget the drawing and mount an empty canvas."""
    choices().drawing = None
    st.session_state.canvas_version = st.session_state.get("canvas_version", 0) + 1


# --- Uploads --------------------------------------------------------------------------------------

@dataclass
class OpenedUpload:
    """An uploaded or photographed file: the picture, or the ImageError saying what is wrong with it."""

    name: str
    picture: LoadedImage | None = None
    error: ImageError | None = None


def open_upload(upload) -> OpenedUpload:
    """Read an uploaded file (a Streamlit UploadedFile or any binary file object with a name).

    Never raises for a bad file: the clear message is in `.error`, so the page can show it and go on."""
    name = str(getattr(upload, "name", "") or "the file")
    try:
        return OpenedUpload(name, picture=read_image(upload))
    except ImageError as e:
        return OpenedUpload(name, error=e)


def opened_upload(upload, slot: str) -> OpenedUpload:
    """`open_upload`, done once per uploaded file: reruns (every switch flipped) reuse the result."""
    cache_key = f"opened_{slot}"
    file_id = getattr(upload, "file_id", None) or id(upload)
    cached = st.session_state.get(cache_key)
    if cached is None or cached[0] != file_id:
        cached = (file_id, open_upload(upload))
        st.session_state[cache_key] = cached
    return cached[1]


# --- The preparation inspector --------------------------------------------------------------------

def step_switches(style: str, channels: int) -> dict:
    """A bar of switches, one per step that can be switched off (invert has three choices);
    returns them as `prepare` keywords. Remembered across page switches."""
    switches = {}
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="step_switches"):
        st.markdown("**Steps:**")
        for key in SWITCHABLE.get(style, SWITCHABLE["digit"]):
            if key == "invert":
                choice = st.segmented_control("Invert", list(INVERT_CHOICES), default="invert if light", required=True,
                                              key="step_invert", persist_state="session", label_visibility="collapsed",
                                              help="Invert (swap light and dark) when the picture's border is "
                                                   "light, like paper; or always; or never.")
                switches["invert"] = INVERT_CHOICES[choice]
            elif not (key == "grayscale" and channels == 3):  # colour models keep their colours
                switches[key] = st.toggle(SWITCH_LABELS[key], value=True, key=f"step_{key}", persist_state="session")
    return switches


def show_steps(prepared: Prepared) -> None:
    """Each step's picture (enlarged crisply, at its own shape), title and caption, in rows of at most
    STEPS_PER_ROW: nine steps side by side left ~110 px a column, too narrow for their titles."""
    steps = prepared.steps
    rows = -(-len(steps) // STEPS_PER_ROW)
    per_row = -(-len(steps) // rows)  # balanced: 9 steps as 5 + 4, 6 as 3 + 3
    columns = [column for start in range(0, len(steps), per_row)
               for column in st.columns(per_row)[:len(steps[start:start + per_row])]]
    for step, column in zip(steps, columns):
        with column:
            st.image(_for_display(step.image), width="stretch")
            title = f"**{step.title}**" if step.enabled else f":gray[**{step.title}**]"
            st.markdown(title)
            reason = f" *(Skipped: {step.skipped_reason}.)*" if step.skipped_reason and \
                step.skipped_reason not in step.title else ""
            st.caption(step.caption + reason)


def preview(image: Image.Image, side: int = 2 * CANVAS_SIZE) -> np.ndarray:
    """The uploaded picture as the page shows it (CANVAS_SIZE wide): a phone photo shrunk for
    sending, a tiny picture enlarged crisply, a 1-pixel strip given grey bands so it stays visible,
    and a tall picture grey bands beside it, so it is never taller than it is shown wide."""
    return for_display(image, CANVAS_SIZE, side, tall=1)


def _for_display(image: np.ndarray, side: int = 112) -> np.ndarray:
    """Small steps enlarged crisply (28 x 28 -> 112 x 112, pixels stay square); big ones shrunk for sending;
    tall ones given grey bands beside them, so no picture is taller than its column is wide."""
    return for_display(image, side, 3 * side, tall=1)


# --- The answer -----------------------------------------------------------------------------------

def probability_chart(probabilities: np.ndarray, classes, best: str | None, sure: bool,
                      threshold: float) -> go.Figure:
    """Horizontal bars, one per class, the best guess coloured (blue when sure, orange when not),
    with a dashed line at the probability needed to be sure."""
    probs = np.nan_to_num(np.asarray(probabilities, dtype=np.float64))
    names = [str(c) for c in classes]
    colours = [(TRAINING if sure else VALIDATION) if name == best else OTHER_BARS for name in names]
    data = [dict(type="bar", x=probs, y=names, orientation="h", marker=dict(color=colours),
                 text=[f"{p:.0%}" if p >= 0.005 else "" for p in probs], textposition="outside",
                 cliponaxis=False, hovertemplate="%{y}: %{x:.1%}<extra></extra>")]
    return figure(data, look(
        None, max(220, 26 * len(names) + 70), x_title="probability (softmax output)", margin=dict(t=30),
        showlegend=False, shapes=[vline(threshold, dict(dash="dash", color="#555555"), layer="below")],
        annotations=[vline_label(threshold, f"sure from {threshold:.0%}", "center", "bottom", font=dict(size=12))],
        xaxis=dict(range=[0, 1.08], tickformat=".0%", fixedrange=True),
        yaxis=dict(type="category", autorange="reversed", fixedrange=True)))  # first class on top
