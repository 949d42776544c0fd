"""Streamlit widgets that several pages share."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import streamlit as st

from cnnlab.datasets import Dataset, load_dataset
from cnnlab.images import enlarge
from cnnlab.settings import CnnlabError
from cnnlab.texts import text


def image_grid(images: Sequence[np.ndarray], captions: Sequence[str], columns: int = 8,
               min_side: int = 84) -> None:
    """Small images in rows of `columns`, each enlarged crisply and captioned."""
    for start in range(0, len(images), columns):
        cols = st.columns(columns)
        for col, image, caption in zip(cols, images[start:start + columns], captions[start:start + columns]):
            # At its own size: enlarged by a whole factor, so every pixel stays a crisp square.
            col.image(enlarge(image, min_side), caption=caption, width="content")


def show_error(error: Exception) -> None:
    """A user's mistake as a clear message; anything else as a short one (never a traceback)."""
    if isinstance(error, CnnlabError):
        st.error(str(error), icon=":material/error:")
    else:
        st.error(f"Something went wrong: {type(error).__name__}: {error}", icon=":material/error:")


def explainer(name: str, icon: str | None = None) -> None:
    """A teaching text (cnnlab/texts/ideas/<name>.md) in an expander titled by its "# Title" line."""
    first, _, body = text(f"ideas/{name}").partition("\n")
    with st.expander(first.removeprefix("# ").strip(), icon=icon):
        st.markdown(body.strip())


def explainers(heading: str | None, *names: str) -> None:
    """A subheading, then one expander per teaching text: the "ideas behind" section of a page."""
    if heading:
        st.subheader(heading)
    for name in names:
        explainer(name)


def lesson(name: str) -> None:
    """A teaching text (cnnlab/texts/ideas/<name>.md) shown as it is, without an expander."""
    st.markdown(text(f"ideas/{name}"))


def load_with_progress(name: str, spinner: str, note: str = "", **options) -> Dataset:
    """`load_dataset` behind a spinner, with a progress bar while it downloads or decodes pictures
    (a big dataset, the first time); the bar goes away when it is done. `note` ends the bar's text."""
    bar = st.empty()

    def progress(done: int, total: int | None, message: str) -> None:
        if message.startswith("Downloading") and total:
            message = f"{message}: {done / 1e6:.1f} of {total / 1e6:.1f} MB"
        bar.progress(min(1.0, done / total) if total else 0.0, text=message + note)

    try:
        with st.spinner(spinner):
            return load_dataset(name, progress=progress, **options)
    finally:
        bar.empty()
