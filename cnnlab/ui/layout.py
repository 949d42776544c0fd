"""Pieces every page shares: its header, and the sidebar that says what is selected."""
from __future__ import annotations

import gc
import sys
from pathlib import Path

import streamlit as st

from cnnlab.ui.state import choices, remember_choices, remember_lab_in_browser

LAYOUT_CSS = Path(__file__).with_name("layout.css")  # narrow screens and touch: see the file


def page_header(title: str, intro: str) -> None:
    from cnnlab.ui.sharing import link_notice

    st.title(title)
    link_notice()  # what a teacher's link just set up, said once
    st.markdown(intro)


def _leave_folder_page_mode() -> None:
    """Make a page opened by its address on a fresh server run through app.py's navigation.

    Streamlit still treats a folder named pages/ beside the entry script the old (v1) way until
    some session has called st.navigation: the first request of a new server for /train would run
    pages/train.py alone, with a menu of file names and no page settings. Switching the flag off
    and rerunning sends this session through app.py like every other.
    """
    from streamlit.runtime.pages_manager import PagesManager

    first_run = not st.session_state.get("_ran_before", False)
    st.session_state["_ran_before"] = True
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        if first_run:  # later runs may carry a click, which a rerun would lose
            st.rerun()


_modules_when_frozen = 0


def _freeze_imported_objects() -> None:
    """TensorFlow leaves ~350k long-lived objects behind; moving them out of the garbage
    collector's sight keeps every later rerun fast (measured: 1.19 s -> 0.14 s per rerun).

    Frozen again whenever more modules have been imported since, because TensorFlow may still be
    importing (in a training thread) the first time a page sees it."""
    global _modules_when_frozen
    if "tensorflow" in sys.modules and len(sys.modules) > _modules_when_frozen:
        gc.freeze()
        _modules_when_frozen = len(sys.modules)


def _model_line(run_id: str | None) -> str:
    """The trained model Inspect and Classify use, which may differ from the choices above."""
    if not run_id:
        return "no trained model yet"
    from cnnlab.runs import RunNotFound, load_run
    from cnnlab.settings import CnnlabError

    try:
        run = load_run(run_id)
    except RunNotFound:
        return "the chosen model was deleted"
    except CnnlabError:
        return "the chosen model's files are damaged"
    accuracy = f", {run.test_accuracy:.1%}" if run.test_accuracy is not None else ""
    # "#1111": the same short name the Runs page and chart legends use (Run.title).
    return f"model: {run.config.get('architecture')} on {run.config.get('dataset')}{accuracy} (#{run_id[-4:]})"


def sidebar_status() -> None:
    """Show compactly which dataset, network and run the pages are working with, and how this
    lab's training is doing."""
    _leave_folder_page_mode()
    _freeze_imported_objects()
    # Imported here so that importing this module stays cheap.
    from cnnlab.ui.lessons import note_trained_run, sidebar_lesson_line
    from cnnlab.ui.sharing import open_link, projector_mode, projector_toggle, share_panel
    from cnnlab.ui.training import adopt_latest_run, sidebar_job_line

    st.html(LAYOUT_CSS)  # style only: Streamlit puts it where it takes no room on the page
    open_link()  # a teacher's link: its set-up first, so everything below sees it
    projector_mode()

    adopt_latest_run()  # a training that ended while another page was open is the current model now
    note_trained_run()  # the lesson checks read this lab's own runs
    # app.py saves the lab's choices after every run; this also covers a page run on its own (AppTest)
    # and what the callbacks of this run's click changed, before anything can go wrong.
    remember_choices()
    chosen = choices()
    with st.sidebar:
        st.markdown("**Working with**")
        arch = "custom stack" if chosen.architecture == "custom" else chosen.architecture
        st.markdown(f":material/photo_library: {chosen.dataset}  \n"
                    f":material/account_tree: {arch}  \n"
                    f":material/neurology: {_model_line(chosen.run_id)}")
        sidebar_job_line()
        sidebar_lesson_line()
        projector_toggle()
        share = st.popover("Share with the class", icon=":material/share:", key="share_popover", width="stretch",
                           on_change="rerun")
        if share.open:  # built only when looked at: it makes a QR code
            with share:
                st.markdown("A link that opens a fresh lab with this set-up for each student.")
                share_panel()
        remember_lab_in_browser()
    if st.session_state.pop("lab_copied_from_link", False):
        st.info("You opened a link to someone else's lab, so this is **your own lab**, set up like theirs (the "
                "same pictures, network and training settings). What you change and train here is yours; their "
                "lab, runs and trainings stay as they were. The page address now points to your lab.",
                icon=":material/content_copy:")
