"""Where the network goes wrong on the test set: the confusion matrix (click a cell to see its
images) and the gallery of its most confident mistakes."""
from __future__ import annotations

import numpy as np
import streamlit as st

from cnnlab import inspection
from cnnlab.charts import inspection as charts
from cnnlab.charts.cells import clicked_customdata
from cnnlab.datasets import Dataset
from cnnlab.inference import Classifier
from cnnlab.runs import Run
from cnnlab.ui.widgets import explainer, image_grid

GALLERY_SIZE = 24  # images shown for a confusion-matrix cell or the confident mistakes
GALLERY_COLUMNS = 6
TOP_K = 3


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



def chosen_cell(run: Run, matrix: np.ndarray, chart_key: str) -> tuple[str, str]:
    """Keys of the "True class" / "Predicted as" selectors, moved to the cell last clicked.

    Read from the chart's state before the chart is drawn, so the chart can outline that cell."""
    true_key, predicted_key = f"inspect_cell_true_{run.run_id}", f"inspect_cell_predicted_{run.run_id}"
    if true_key not in st.session_state:  # start on the most common mistake: the most instructive cell
        st.session_state[true_key], st.session_state[predicted_key] = inspection.most_common_mistake(matrix)
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
    overall = inspection.overall_accuracy(matrix)
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
    explainer("confusion-matrix")
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
