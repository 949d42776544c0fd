"""Classify: draw a digit, upload a picture or take a photo, and watch the trained network read it.

Every step that turns the picture into what the network expects (MNIST's way: white on black,
fitted into 20x20, centred by mass in 28x28) is shown, and each can be switched off to see what
it is for. The answer is "Not sure" when the canvas is empty or the best guess is too unlikely.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from cnnlab.imagefiles import from_canvas
from cnnlab.inference import DEFAULT_THRESHOLD, EMPTY_PICTURE_REASON, verdict
from cnnlab.lessons.checks import drawing_record
from cnnlab.preprocess import prepare, style_for_dataset
from cnnlab.runs import load_run
from cnnlab.settings import CnnlabError
from cnnlab.texts import text
from cnnlab.ui import classify as ui
from cnnlab.ui.handwriting import add_drawing_form
from cnnlab.ui.layout import page_header, sidebar_status
from cnnlab.ui.lessons import record_drawing
from cnnlab.ui.models import current_classifier
from cnnlab.ui.state import choices
from cnnlab.ui.widgets import explainer, show_error

DRAW, UPLOAD, CAMERA = "Draw", "Upload", "Camera"
WHAT_TO_DRAW = {"digit": "a digit", "fashion": "a piece of clothing", "photo": "something", "auto": "something"}

sidebar_status()
page_header("Classify", text("pages/classify", "Intro"))

classifier = current_classifier()
if classifier is None:
    st.stop()

chosen = choices()
try:
    run = load_run(classifier.run_id)
except CnnlabError as e:  # deleted on the Runs page a moment ago, in another tab
    show_error(e)
    st.stop()
style = style_for_dataset(classifier.dataset)
if style == "auto":
    style = "digit" if classifier.image_shape[2] == 1 else "photo"
thing = WHAT_TO_DRAW[style]
if style == "photo":  # a photo model's classes say what is worth drawing or photographing
    thing = f"one of the things it knows ({', '.join(map(str, classifier.classes[:3]))}...)"
SUBJECT = {"digit": "a digit written large on paper", "fashion": "a piece of clothing on a plain background"}

accuracy = f"{run.test_accuracy:.1%} of the test pictures right" if run.test_accuracy is not None \
    else "not tested yet"
classes = ", ".join(map(str, classifier.classes))
st.markdown(f":material/neurology: **{run.title}**: {accuracy}, {run.trained_for}. "
            f"Its {len(classifier.classes)} classes: {classes}.",
            help="Classify uses the current model. To use another trained network, pick its run on the Runs page.")

# Side by side on a wide screen; one above the other when the canvas would not fit (cnnlab/ui/layout.css).
with st.container(key="classify_row"):
    input_col, answer_col = st.columns([1, 1.25], gap="large")

# --- The picture: drawn, uploaded or photographed ---------------------------------------------------

picture = None  # a PIL image or a LoadedImage for prepare(); None: nothing to classify yet
waiting = "Upload a picture to see what the network makes of it."  # shown while there is no picture
empty_reason = f"the canvas is empty — draw {thing}"
with input_col:
    source = st.segmented_control("Picture from", [DRAW, UPLOAD, CAMERA], default=DRAW, required=True,
                                  key="input_source", persist_state="session")
    if source == DRAW:
        from streamlit_drawable_canvas import st_canvas  # only inside a running page: importing it elsewhere raises

        brush = st.session_state.get("brush_width", 20)
        look = ui.canvas_look(style)
        st.space(30)  # room for the canvas's undo/redo toolbar, above its top-right corner
        # The stable hook for browser tests (`.st-key-canvas`, as wide as the canvas itself); the canvas's
        # own key changes on Clear (and on a new background), which mounts a fresh one.
        ui.pin_canvas_toolbar()
        with st.container(key="canvas", width="content"):
            result = st_canvas(stroke_width=brush, stroke_color=look.ink, background_color=look.paper,
                               width=ui.CANVAS_SIZE, height=ui.CANVAS_SIZE, drawing_mode="freedraw",
                               update_streamlit=True, return_image_data=True,
                               initial_drawing=ui.initial_drawing(look.paper), key=ui.canvas_key(look.paper))
        drawn = ui.drawn_picture(result.json_data, result.image_data, look.paper)
        picture = from_canvas(drawn, look.paper) if drawn is not None else None
        with st.container(horizontal=True, vertical_alignment="bottom"):
            st.slider("Brush width", 6, 40, 20, step=2, key="brush_width", persist_state="session",
                      help="MNIST's pen strokes are about a tenth of the digit's height: 15-25 on this canvas.")
            if style == "photo":
                ui.colour_pickers()
            st.button("Clear", key="clear_canvas", icon=":material/delete:", on_click=ui.clear_drawing)
        st.caption(f"{look.caption} Undo and redo: the arrows above the canvas's top-right corner.")
    else:
        if source == UPLOAD:
            upload = st.file_uploader("Upload a picture (PNG, JPEG, GIF, BMP or WebP)", type=ui.UPLOAD_TYPES,
                                      key="upload_image",
                                      help=f"A photo of {SUBJECT[style]} works: light backgrounds are inverted "
                                           "automatically." if style in SUBJECT else
                                           f"A photo of {thing}: the middle of it is kept, at the model's shape.")
        else:
            upload = None
            if st.toggle("Turn on the camera", key="camera_on",
                         help="The browser asks for permission first; nothing is recorded or kept."):
                upload = st.camera_input(f"Take a photo of {SUBJECT.get(style, thing)}", key="camera_image")
            else:
                st.caption(f"Switch the camera on to photograph {SUBJECT.get(style, thing)} (your browser will ask).")
            waiting = "Take a photo to see what the network makes of it."
        empty_reason = EMPTY_PICTURE_REASON
        if upload is not None:
            opened = ui.opened_upload(upload, source)
            if opened.error is not None:
                show_error(opened.error)
                st.caption(text("pages/classify", "Nothing else changed"))
                waiting = "That file could not be used: choose another picture."
            else:
                picture = opened.picture
                st.image(ui.preview(picture.image), width=ui.CANVAS_SIZE,
                         caption=f"{opened.name}, as uploaded")

# --- The preparation inspector (switches first: preparing needs them) ----------------------------

st.subheader("How your picture is prepared for the network")
st.caption(text("pages/classify", "Preparing a digit" if style == "digit" else "Preparing a picture"))
switches = ui.step_switches(style, classifier.image_shape[2])
steps_row = st.container()

prepared = None
if picture is not None or source == DRAW:
    # An empty canvas, prepared like any drawing: its background colour, all over.
    blank = from_canvas(np.zeros((ui.CANVAS_SIZE, ui.CANVAS_SIZE, 4), np.uint8), ui.canvas_look(style).paper)
    try:
        prepared = prepare(picture if picture is not None else blank, classifier.image_shape,
                           style=style, **switches)
    except (CnnlabError, ValueError) as e:
        show_error(e)
with steps_row:
    if prepared is not None:
        ui.show_steps(prepared)
        for note in prepared.notes:
            st.caption(f":material/info: {note}")
    else:
        st.caption("Each step's picture appears here once there is a picture to prepare.")

# --- The answer -----------------------------------------------------------------------------------

with answer_col:
    verdict_slot, chart_slot = st.container(), st.container()
    threshold = st.slider("Say a class only when it has at least", 30, 95, round(DEFAULT_THRESHOLD * 100), step=5,
                          format="%d%%", key="sure_threshold", persist_state="session",
                          help="Below this probability the page answers \"Not sure\" instead of guessing.") / 100
    if prepared is None:
        verdict_slot.info(waiting, icon=":material/image:")
    else:
        try:
            probabilities = classifier.probabilities(prepared.model_input)
        except Exception as e:  # a broken model must not take the page down
            probabilities = None
            with verdict_slot:
                show_error(e)
        if probabilities is not None:
            answer = verdict(probabilities, classifier.classes, threshold, prepared.is_empty,
                             empty_reason=empty_reason)
            with verdict_slot:
                if answer.sure:
                    st.markdown(f"## Prediction: {answer.label}")  # exactly this text: browser tests read it
                else:
                    st.markdown("## Not sure")
                st.markdown(answer.reason[0].upper() + answer.reason[1:] + ".")
            with chart_slot:
                st.plotly_chart(ui.probability_chart(probabilities, classifier.classes, answer.best, answer.sure,
                                                     threshold), config={"displayModeBar": False},
                                key="probability_chart")
                st.caption(text("pages/classify", "Probabilities of a blank" if prepared.is_empty else "Probabilities"))
            if not prepared.is_empty:
                chosen.last_input = prepared.model_input  # Inspect can show what each layer makes of it
                st.page_link("pages/inspect.py", label="See what each layer makes of this picture (Inspect)",
                             icon=":material/visibility:")
            if not prepared.is_empty and source == DRAW:
                # Evidence for the lessons' drawing checks, and the way into the class handwriting set.
                record_drawing(drawing_record(dict(zip(map(str, classifier.classes), probabilities)), switches,
                                              classifier.dataset))
                add_drawing_form(picture, [str(c) for c in classifier.classes], answer.label)

# --- Plain-language explanations ---------------------------------------------------------------

st.divider()
EXPLAINERS = [("preparing-pictures", ":material/tune:"), ("probabilities", ":material/bar_chart:"),
              ("not-sure", ":material/help:")]
for column, (name, icon) in zip(st.container(key="wrap_explanations").columns(3), EXPLAINERS):
    with column:
        explainer(name, icon)
