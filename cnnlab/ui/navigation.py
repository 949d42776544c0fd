"""The app's menu, read from navigation.toml: one list of pages per section, the first page the default."""
from __future__ import annotations

import tomllib
from pathlib import Path

import streamlit as st

MENU_FILE = Path(__file__).with_name("navigation.toml")


def menu() -> dict[str, list[st.Page]]:
    with open(MENU_FILE, "rb") as f:
        sections = tomllib.load(f)
    first = next(iter(sections.values()))[0]
    return {section: [st.Page(f"pages/{page['file']}.py", title=page["title"], icon=f":material/{page['icon']}:",
                              default=page is first) for page in pages]
            for section, pages in sections.items()}
