"""Streamlit widgets that several pages share."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import streamlit as st

from cnnlab.images import enlarge
from cnnlab.settings import CnnlabError


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
