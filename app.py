"""cnnlab: start with `./lab app` (or `streamlit run app.py`)."""
import streamlit as st

from cnnlab.ui.state import remember_choices

st.set_page_config(page_title="cnnlab", page_icon=":material/neurology:", layout="wide")

page = st.navigation({
    "Lab": [
        st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("pages/data.py", title="Data", icon=":material/photo_library:"),
        st.Page("pages/model.py", title="Model", icon=":material/account_tree:"),
        st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
        st.Page("pages/runs.py", title="Runs", icon=":material/history:"),
        st.Page("pages/inspect.py", title="Inspect", icon=":material/visibility:"),
        st.Page("pages/classify.py", title="Classify", icon=":material/draw:"),
    ],
    # Guided lessons, and what the whole class did.
    "Class": [
        st.Page("pages/lessons.py", title="Lessons", icon=":material/school:"),
        st.Page("pages/board.py", title="Class board", icon=":material/leaderboard:"),
    ],
    # One explorer per idea, on the student's own pictures and network.
    "Learn": [
        st.Page("pages/learn_convolution.py", title="Convolution", icon=":material/filter_center_focus:"),
        st.Page("pages/learn_pooling.py", title="Pooling", icon=":material/grid_view:"),
        st.Page("pages/learn_activation.py", title="Activation", icon=":material/show_chart:"),
        st.Page("pages/learn_flatten_dense.py", title="Flatten and dense", icon=":material/view_week:"),
        st.Page("pages/learn_softmax.py", title="Softmax and loss", icon=":material/percent:"),
        st.Page("pages/learn_receptive_field.py", title="Receptive field", icon=":material/center_focus_strong:"),
        st.Page("pages/learn_augmentation.py", title="Augmentation", icon=":material/flip:"),
    ],
}, expanded=True)
try:
    page.run()
finally:  # also when a page stops or reruns early: whatever it changed is on disk before the next run
    remember_choices()
