"""The class handwriting set in the app: adding a drawing on Classify, and a model's score on the
set (beside its test score) with the set's confusion matrix, on Inspect and on the class board."""
from __future__ import annotations

import numpy as np
import streamlit as st

from cnnlab import handwriting
from cnnlab.charts.inspection import confusion_heatmap
from cnnlab.inspection import per_class_accuracy
from cnnlab.settings import CnnlabError
from cnnlab.ui.state import lab_id


def add_drawing_form(picture, classes: list[str], guess: str | None) -> None:
    """On Classify: give the drawing its true label and add it to the class set."""
    with st.container(border=True, key="class_set_box"):
        st.markdown(":material/groups: **Add this drawing to the class handwriting set**")
        st.caption("Everyone's drawings, with the label they really show, make a test set of the class's own "
                   "handwriting: Inspect and the Class board show how well each network reads it.")
        left, right = st.columns([1, 1], vertical_alignment="bottom")
        index = classes.index(guess) if guess in classes else None
        label = left.selectbox("What it really is", classes, index=index, key="class_set_label",
                               placeholder="Pick its true label")
        if right.button("Add to the class set", key="class_set_add", icon=":material/add_photo_alternate:",
                        disabled=label is None):
            try:
                handwriting.add_drawing(picture, label, lab_id())
            except CnnlabError as e:
                st.warning(str(e), icon=":material/warning:")
            else:
                count = len(handwriting.list_drawings())
                st.success(f"Added as a {label}. The class set now holds {count} drawing"
                           f"{'s' if count != 1 else ''}.", icon=":material/check_circle:")


@st.cache_data(max_entries=64, show_spinner="Reading the class's drawings...")
def _score(run_id: str, model_saved_at: float, set_signature: int) -> handwriting.ClassSetScore:
    """Cached by run, model file and class set, so every page view after the first is instant."""
    from cnnlab.ui.models import classifier_for

    return handwriting.score_model(classifier_for(run_id, model_saved_at))


def class_set_score(run) -> handwriting.ClassSetScore | None:
    if not run.has_model:
        return None
    return _score(run.run_id, run.model_path.stat().st_mtime, handwriting.signature())


def class_set_section(run, key: str) -> None:
    """The model's accuracy on the class set next to its test accuracy, and the set's confusion matrix."""
    try:
        drawings = handwriting.list_drawings()
        score = class_set_score(run) if drawings else None
    except CnnlabError as e:
        st.warning(str(e), icon=":material/warning:")
        return
    if not drawings:
        st.info("The class handwriting set is empty. On **Classify**, draw a digit and add it with its true "
                "label; every drawing the class adds appears here.", icon=":material/info:")
        return
    if score is None or score.accuracy is None:
        st.info(f"None of the {len(drawings)} drawings in the class set has a label this network knows "
                f"({', '.join(map(str, (score.classes if score else [])[:10]))}).", icon=":material/info:")
        return
    cols = st.columns(3)
    cols[0].metric("Test accuracy", f"{run.test_accuracy:.1%}" if run.test_accuracy is not None else "–",
                   help="On the dataset's own test pictures.")
    drop = (score.accuracy - run.test_accuracy) * 100 if run.test_accuracy is not None else None
    cols[1].metric("Class handwriting set", f"{score.accuracy:.1%}",
                   delta=f"{drop:+.1f} points" if drop is not None else None,
                   help="On the drawings the class added, each prepared as Classify prepares it.")
    cols[2].metric("Drawings read", f"{score.used}", help=f"{score.skipped} with labels this network does not know"
                   if score.skipped else "All the drawings in the class set.")
    st.caption("A network is only as good as the pictures it is tested on. When the class's drawings score much "
               "lower than the test pictures, they differ from the training pictures (drawn with a mouse, "
               "thicker or thinner, off-centre): that is **distribution shift**.")
    matrix_col, table_col = st.columns([3, 2])
    accuracy = per_class_accuracy(score.matrix)
    matrix_col.plotly_chart(confusion_heatmap(score.matrix, score.classes, accuracy,
                                              title="Confusion matrix (class handwriting set)"),
                            key=f"{key}_class_set_matrix", width="stretch")
    with table_col:
        st.dataframe([{"true label": d.label, "read as": read, "sure": sure}
                      for d, read, sure in score.predictions],
                     hide_index=True, width="stretch", height=360,
                     column_config={"sure": st.column_config.NumberColumn(format="percent")})
        st.caption("Each drawing, what the network read, and how sure it was. Rows of the matrix are the true "
                   "labels, columns what the network answered; the diagonal is right.")


def drawings_gallery(limit: int = 48) -> list[handwriting.Drawing]:
    """The newest drawings as small pictures with their labels (for the teacher)."""
    from PIL import Image

    from cnnlab.images import enlarge

    drawings = handwriting.list_drawings()[-limit:][::-1]
    columns = st.columns(8)
    for i, drawing in enumerate(drawings):
        try:
            picture = np.asarray(Image.fromarray(handwriting.load_picture(drawing)).resize((56, 56)))
        except CnnlabError:
            continue
        columns[i % 8].image(enlarge(picture, 56), caption=f"{drawing.label} ({drawing.id[-4:]})")
    return drawings
