"""Teaching text: the longer explanations the pages show, kept as Markdown files beside this module.

`text("convolution")` is the content of convolution.md. A file starts with a "# Title" line when
the page shows it as an expander under that title (cnnlab.ui.widgets.explainer). Editing a lesson
is editing a text file: no page code changes.
"""
from __future__ import annotations

import functools
from pathlib import Path

FOLDER = Path(__file__).resolve().parent


@functools.cache
def text(name: str) -> str:
    """The Markdown text called `name` (its file name without .md)."""
    path = FOLDER / f"{name}.md"
    if not path.is_file():
        raise KeyError(f"no teaching text called {name!r} in {FOLDER}")
    return path.read_text(encoding="utf-8").strip()


def title_and_body(name: str) -> tuple[str, str]:
    """A text split into its "# Title" line (without the #) and the rest; ("", text) without a title."""
    content = text(name)
    first, _, rest = content.partition("\n")
    if first.startswith("# "):
        return first[2:].strip(), rest.strip()
    return "", content
