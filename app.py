"""cnnlab: start with `./lab app` (or `streamlit run app.py`)."""
import streamlit as st

from cnnlab.ui.state import remember_choices

st.set_page_config(page_title="cnnlab", page_icon=":material/neurology:", layout="wide")

page = st.navigation([
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/data.py", title="Data", icon=":material/photo_library:"),
    st.Page("pages/model.py", title="Model", icon=":material/account_tree:"),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
    st.Page("pages/runs.py", title="Runs", icon=":material/history:"),
    st.Page("pages/inspect.py", title="Inspect", icon=":material/visibility:"),
    st.Page("pages/classify.py", title="Classify", icon=":material/draw:"),
])
try:
    page.run()
finally:  # also when a page stops or reruns early: whatever it changed is on disk before the next run
    remember_choices()
