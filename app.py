"""cnnlab: start with `./lab app` (or `streamlit run app.py`)."""
import streamlit as st

from cnnlab.ui.navigation import menu
from cnnlab.ui.state import remember_choices

st.set_page_config(page_title="cnnlab", page_icon=":material/neurology:", layout="wide")

page = st.navigation(menu(), expanded=True)  # the pages, section by section: cnnlab/ui/navigation.toml
try:
    page.run()
finally:  # also when a page stops or reruns early: whatever it changed is on disk before the next run
    remember_choices()
