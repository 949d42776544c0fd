"""cnnlab: start with `./lab app` (or `streamlit run app.py`)."""
import streamlit as st

st.set_page_config(page_title="cnnlab", page_icon=":material/neurology:", layout="wide")

st.navigation([
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
]).run()
