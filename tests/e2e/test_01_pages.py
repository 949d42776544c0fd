"""Scenario 1: every page opens, in a fresh lab, with no exception box and no error."""
import pytest

from .helpers import PAGE_PATHS, PAGE_TITLES, SIDEBAR


def test_01_direct_address_on_a_fresh_server(lab):
    """A page's own address (a shared link, a reload after the app restarted) opens the cnnlab app
    with its navigation, even as the very first visit to a freshly started server."""
    if not lab.server_was_fresh:
        pytest.skip("only meaningful as the first visit to a fresh server (run the whole e2e suite)")
    lab.open("Classify")
    lab.shot("classify-first-visit")
    links = lab.page.locator(f'{SIDEBAR} [data-testid="stSidebarNav"] a').all_inner_texts()
    shown = [text.strip() for text in links]  # each link is its icon's name, then the page's title
    # The lab's and the class's pages come first, in this order; the Learn explorers follow them.
    lab.check(len(shown) >= len(PAGE_TITLES) and all(text.endswith(title) for text, title in zip(shown, PAGE_TITLES)),
              f"opened as the first visit, /classify shows the sidebar pages {shown}, not {list(PAGE_TITLES)}: "
              "Streamlit ran pages/classify.py on its own (its old 'pages/ folder' mode) instead of app.py",
              "navigation")


def test_01_pages_open_without_errors(lab):
    """Visit every page from the sidebar; collect every page's problems, then report them all."""
    lab.open("Home")
    problems = []
    for page in PAGE_PATHS:
        try:
            if page != "Home":
                lab.goto(page)
            lab.shot(page)
            lab.assert_healthy(page)
        except AssertionError as problem:
            problems.append(f"{page}: {problem}")
            lab.open("Home")  # start the next page from a clean tab state
    assert not problems, "pages with problems:\n" + "\n".join(problems)
