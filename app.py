"""cnnlab: start with `./lab app` (or `streamlit run app.py`)."""
import streamlit as st

st.set_page_config(page_title="cnnlab", page_icon=":material/neurology:", layout="wide")

st.navigation([
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/data.py", title="Data", icon=":material/photo_library:"),
    st.Page("pages/model.py", title="Model", icon=":material/account_tree:"),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
    st.Page("pages/runs.py", title="Runs", icon=":material/history:"),
    st.Page("pages/inspect.py", title="Inspect", icon=":material/visibility:"),
    st.Page("pages/classify.py", title="Classify", icon=":material/draw:"),
    st.Page("pages/lessons.py", title="Lessons", icon=":material/school:"),
    st.Page("pages/board.py", title="Class board", icon=":material/leaderboard:"),
]).run()
