"""The layout rules for narrow screens and touch (cnnlab/ui/layout.css) reach the page and the
containers they are written for (the browser checks what they do: tests/e2e/test_08_tablet.py)."""
from __future__ import annotations

import re
from pathlib import Path

from cnnlab.ui.layout import LAYOUT_CSS

ROOT = Path(__file__).resolve().parents[1]


def test_the_style_sheet_survives_streamlits_html_cleaner():
    # st.html cleans what it shows with DOMPurify, which drops a <style> whose text holds a "<"
    # followed by a letter (it looks like a tag): then no rule applies, silently.
    assert "<" not in LAYOUT_CSS.read_text(encoding="utf-8")


def test_every_container_the_rules_name_exists_in_the_pages():
    css = LAYOUT_CSS.read_text(encoding="utf-8")
    code = "\n".join(p.read_text(encoding="utf-8") for p in [*ROOT.glob("pages/*.py"), *ROOT.glob("cnnlab/ui/*.py")])
    for key in set(re.findall(r"\.st-key-([a-z_]+)", css)):
        assert f'key="{key}"' in code, key
    for prefix in set(re.findall(r'st-key-([a-z]+_)"', css)):  # [class*="st-key-wrap_"] and the like
        assert re.search(rf'key="{prefix}[a-z_]+"', code), prefix
