"""Teaching text as data: Markdown files in this package, read by name.

    text("learn/convolution")              # the whole file
    text("learn/convolution", "Try this")  # only the part under its "## Try this" heading

Names are paths inside this folder without ".md". Pages, lessons and the command line all read
their prose from here, so a teacher can improve a sentence without touching any code.
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

_NAME = re.compile(r"^[a-z0-9_-]+(/[a-z0-9_-]+)*$")


@lru_cache(maxsize=None)
def _read(name: str) -> str:
    if not _NAME.match(name):
        raise KeyError(f"{name!r} is not a text name (lower-case words separated by '/', without '.md')")
    path = resources.files(__name__).joinpath(*f"{name}.md".split("/"))
    if not path.is_file():
        raise KeyError(f"there is no text called {name!r} (no file cnnlab/texts/{name}.md)")
    return path.read_text(encoding="utf-8").strip()


def sections(name: str) -> dict[str, str]:
    """The text's parts under its "## " headings, by heading ("" for anything before the first)."""
    found: dict[str, str] = {}
    heading, lines = "", []
    for line in _read(name).splitlines():
        if line.startswith("## "):
            found[heading] = "\n".join(lines).strip()
            heading, lines = line[3:].strip(), []
        else:
            lines.append(line)
    found[heading] = "\n".join(lines).strip()
    return {key: value for key, value in found.items() if key or value}


def text(name: str, section: str | None = None) -> str:
    """The Markdown text called `name`, or only its part under "## <section>"."""
    if section is None:
        return _read(name)
    parts = sections(name)
    if section not in parts:
        raise KeyError(f"the text {name!r} has no section {section!r} (it has: {', '.join(parts) or 'none'})")
    return parts[section]
