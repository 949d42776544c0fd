"""Scenario 2: Home -> Data, pick a bundled sample; the grid shows its pictures with their labels."""
import re

from .helpers import MAIN

DIGITS = {str(d) for d in range(10)}
CLOTHES = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Bag", "Sneaker", "Ankle boot"}
GRID_SIZE = 32  # pages/data.py shows 32 random training pictures


def _grid(lab) -> list[str]:
    """The captions of the pictures that have loaded (the grid's, then the one picked below it)."""
    return lab.page.evaluate("""() => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stImage"]')]
        .filter(el => { const img = el.querySelector('img'); return img && img.complete && img.naturalWidth > 0; })
        .map(el => (el.querySelector('[data-testid="stImageCaption"]') || {}).innerText || '')""")


def _look_at_grid(lab, classes: set[str], what: str) -> None:
    captions = lab.wait_until(lambda: (c := _grid(lab)) and len(c) >= GRID_SIZE and set(c) <= classes and c,
                              f"{GRID_SIZE} {what} pictures captioned with their class", timeout=30)
    lab.check(len(set(captions)) >= 3, f"the {what} grid shows only the classes {set(captions)}", what)
    heading = lab.page.locator(f"{MAIN} h3").filter(has_text="Sample pictures")
    heading.first.scroll_into_view_if_needed()
    lab.shot(f"{what}-grid")


def test_02_data_sample_grid(lab):
    lab.open("Home")
    lab.shot("home")
    lab.goto("Data")
    lab.shot("data-page")

    lab.select("dataset_choice", re.compile(r"^Fashion-MNIST sample"))
    _look_at_grid(lab, CLOTHES, "fashion")
    lab.check("fashion-sample" in lab.sidebar_text(), "the sidebar does not say fashion-sample is chosen")

    lab.select("dataset_choice", re.compile(r"^MNIST sample"))
    _look_at_grid(lab, DIGITS, "mnist")
    lab.check("mnist-sample" in lab.sidebar_text(), "the sidebar does not say mnist-sample is chosen")
    lab.assert_healthy("mnist-grid")
