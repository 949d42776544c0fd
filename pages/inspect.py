"""Inspect: look inside the current trained network.

What its first filters learned (kernels), what every layer makes of one image (feature maps),
which pixels a decision rests on (saliency / Grad-CAM), and where it goes wrong on the test set
(confusion matrix, galleries of mistakes). The test set is classified once per model; everything
about mistakes is counted from those predictions.
"""
import streamlit as st

from cnnlab.runs import load_run
from cnnlab.settings import CnnlabError
from cnnlab.texts import text
from cnnlab.ui import inspect as ui
from cnnlab.ui.excitation import show_excitation
from cnnlab.ui.export import export_button
from cnnlab.ui.handwriting import class_set_section
from cnnlab.ui.layout import page_header, sidebar_status
from cnnlab.ui.mistakes import show_confusion, show_mistakes
from cnnlab.ui.models import current_classifier
from cnnlab.ui.probes import show_probes
from cnnlab.ui.state import choices
from cnnlab.ui.timelapse import show_timelapse
from cnnlab.ui.widgets import show_error

sidebar_status()
page_header("Inspect", text("pages/inspect", "Intro"))

clf = current_classifier()
if clf is None:
    st.stop()
run = load_run(choices().run_id)
saved_at = run.model_path.stat().st_mtime
accuracy_text = f", test accuracy {run.test_accuracy:.1%}" if run.test_accuracy is not None else ""
with st.container(horizontal=True, vertical_alignment="center"):
    st.caption(f"Model: {run.title}: {run.epochs_done} epoch{'s' if run.epochs_done != 1 else ''}{accuracy_text}.")
    export_button(run, key="export_inspect_button")

data = ui.load_test_set(run)
probs_all, predict_seconds = None, 0.0
if data is not None:
    try:
        probs_all, predict_seconds = ui.test_predictions(run.run_id, saved_at, run.config["dataset"],
                                                         run.config.get("image_size"), run.config.get("channels"),
                                                         clf.model)
    except CnnlabError as e:
        show_error(e)

drawing = ui.usable_drawing(clf)
# Coming from Classify with a drawing, the first thing to see is what each layer makes of it.
kernels_tab, maps_tab, why_tab, probe_tab, excite_tab, lapse_tab, confusion_tab, mistakes_tab, class_set_tab = st.tabs(
    ["Kernels", "Feature maps", "Why this class?", "Move it", "Excites a filter", "Watch it learn",
     "Confusion matrix", "Most confident mistakes", "Class handwriting"],
    default="Feature maps" if drawing is not None else None)
with kernels_tab:
    ui.show_kernels(clf)
with maps_tab:
    picked = ui.pick_image(data, clf, drawing)
    picked_probs = None
    if picked is not None:
        picked_probs = ui.show_prediction(clf, *picked)
        ui.show_feature_maps(run, clf, picked[0], saved_at)
with why_tab:
    ui.show_explanation(run, clf, picked, picked_probs, saved_at)
with probe_tab:
    if picked is None:
        st.info("Choose an image on the **Feature maps** tab first.", icon=":material/info:")
    else:
        show_probes(clf, *picked)
with excite_tab:
    if data is None:
        ui.needs_test_images("Finding the pictures that excite a filter")
    else:
        show_excitation(run.run_id, saved_at, clf, data.x_test, data.y_test, run.config["dataset"],
                        ui.run_layer_descriptions(run))
with lapse_tab:
    show_timelapse(run, saved_at)
with confusion_tab:
    if probs_all is None:
        ui.needs_test_images("The confusion matrix")
    else:
        show_confusion(run, clf, data, probs_all, predict_seconds)
with mistakes_tab:
    if probs_all is None:
        ui.needs_test_images("The mistakes gallery")
    else:
        show_mistakes(clf, data, probs_all)
with class_set_tab:
    class_set_section(run, key="inspect")
