"""Pieces every page shares: its header, and the sidebar that says what is selected."""
from __future__ import annotations

import streamlit as st

from cnnlab.ui.state import choices


def page_header(title: str, intro: str) -> None:
    st.title(title)
    st.markdown(intro)


def sidebar_status() -> None:
    """Show compactly which dataset, network and run the pages are working with, and how this
    lab's training is doing."""
    # Imported here so that importing this module stays cheap.
    from cnnlab.ui.training import adopt_latest_run, sidebar_job_line

    adopt_latest_run()  # a training that ended while another page was open is the current model now
    chosen = choices()
    with st.sidebar:
        st.markdown("**Working with**")
        arch = "custom stack" if chosen.architecture == "custom" else chosen.architecture
        st.markdown(f":material/photo_library: {chosen.dataset}  \n"
                    f":material/account_tree: {arch}  \n"
                    f":material/neurology: {chosen.run_id or 'no trained model yet'}")
        sidebar_job_line()
