"""Scenario 8: a student on a tablet held upright (768 x 1024 and 820 x 1180, a finger, no mouse, no hover).

The sidebar folds away with a tap; every page fits the width (nothing wider than the page, no
label cut short); the layer editor's labels stay whole and its menus show their values; on Classify
the canvas is whole, the undo button is there without hovering, and a digit drawn with real touch
events is read (then undone with a tap)."""
from .helpers import MAIN, PAGE_PATHS, SIDEBAR, train_run
from .test_06_classify import ONE, _verdict

TOOLBAR_OPACITY = """() => {
    for (const el of document.querySelectorAll('.st-key-canvas *')) {
        const toolbar = el.shadowRoot && el.shadowRoot.querySelector('.dc-toolbar');
        if (toolbar) return getComputedStyle(toolbar).opacity;
    }
    return null;
}"""

# Words of the layer editor's labels that the browser split over two lines ("Filte|rs").
BROKEN_WORDS = """() => [...document.querySelectorAll('.st-key-layer_editor label p')].flatMap(p => {
    const broken = [];
    for (const node of p.childNodes) {
        if (node.nodeType !== Node.TEXT_NODE) continue;
        const text = node.textContent;
        for (const found of text.matchAll(/\\S+/g)) {
            const range = document.createRange();
            range.setStart(node, found.index);
            range.setEnd(node, found.index + found[0].length);
            const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            if (lines.size > 1) broken.push(found[0]);
        }
    }
    return broken;
})"""

# The layer editor's menus whose chosen value is empty or does not fit.
HIDDEN_VALUES = """() => [...document.querySelectorAll('.st-key-layer_editor [role="combobox"]')]
    .filter(box => !box.value || box.scrollWidth > box.clientWidth + 1)
    .map(box => box.value || '(empty)')"""

# Buttons of the Classify page's "Picture from" control whose label is cut short ("Cam...").
CUT_LABELS = """() => [...document.querySelectorAll('.st-key-input_source button')]
    .filter(button => [...button.querySelectorAll('*')].concat([button])
        .some(el => el.scrollWidth > el.clientWidth + 1))
    .map(button => button.innerText)"""

WIDER_THAN_THE_PAGE = """() => { const main = document.querySelector('[data-testid="stMain"]');
    return main.scrollWidth > main.clientWidth + 1 ? `${main.scrollWidth} > ${main.clientWidth}` : null; }"""


def _sidebar_folds_with_a_tap(tablet) -> None:
    sidebar = tablet.page.locator(SIDEBAR)
    collapse = tablet.page.locator('[data-testid="stSidebarCollapseButton"] button')
    if sidebar.get_attribute("data-collapsed") == "true":  # 768 wide: Streamlit starts with it folded
        tablet.shot("sidebar-starts-folded")
        tablet.page.locator('[data-testid="stExpandSidebarButton"]').tap()
        tablet.wait_until(lambda: sidebar.get_attribute("data-collapsed") == "false",
                          "the folded sidebar opened by a tap on its arrow", timeout=10)
    tablet.check(collapse.is_visible(), "no visible button to fold the sidebar away (it shows only on hover)",
                 "collapse-button")
    collapse.tap()
    tablet.wait_until(lambda: sidebar.get_attribute("data-collapsed") == "true",
                      "the sidebar folded away after a tap on its arrow", timeout=10)
    tablet.shot("sidebar-folded")
    tablet.page.locator('[data-testid="stExpandSidebarButton"]').tap()
    tablet.wait_until(lambda: sidebar.get_attribute("data-collapsed") == "false",
                      "the sidebar open again after a tap on its arrow", timeout=10)


def _every_page_fits(tablet) -> None:
    problems = []
    for page in PAGE_PATHS:
        tablet.goto(page, timeout=120)
        tablet.shot(page)
        too_wide = tablet.page.evaluate(WIDER_THAN_THE_PAGE)
        if too_wide:
            problems.append(f"{page}: the page is wider than the screen ({too_wide} pixels)")
        try:
            tablet.assert_healthy(page)
        except AssertionError as problem:
            problems.append(f"{page}: {problem}")
    tablet.check(not problems, "pages that do not fit a tablet:\n" + "\n".join(problems), "pages")


def _layer_editor_is_readable(tablet) -> None:
    tablet.goto("Model")
    tablet.click("edit_preset")
    tablet.wait_for(tablet.page.locator(".st-key-layer_editor label"), "the layer editor")
    tablet.shot("layer-editor")
    broken = tablet.page.evaluate(BROKEN_WORDS)
    tablet.check(not broken, f"layer editor labels broken in the middle of a word: {broken}", "broken-labels")
    hidden = tablet.page.evaluate(HIDDEN_VALUES)
    tablet.check(not hidden, f"layer editor menus that do not show their value: {hidden}", "menu-values")


def _draw_with_a_finger(tablet) -> None:
    tablet.goto("Classify")
    cut = tablet.page.evaluate(CUT_LABELS)
    tablet.check(not cut, f"'Picture from' choices cut short: {cut}", "cut-labels")
    canvas = tablet.wait_for(tablet.page.locator(".st-key-canvas canvas"), "the drawing canvas")
    canvas.scroll_into_view_if_needed()
    box = tablet.page.locator(".st-key-canvas canvas").last.bounding_box()
    main = tablet.page.locator(MAIN).bounding_box()
    tablet.check(box is not None and box["width"] >= 280 and box["x"] >= main["x"]
                 and box["x"] + box["width"] <= main["x"] + main["width"],
                 f"the canvas {box} is not whole inside the page {main}", "canvas-cut")
    shown = tablet.page.evaluate("""() => { for (const el of document.querySelectorAll('.st-key-canvas *')) {
        const scroller = el.shadowRoot && el.shadowRoot.querySelector('.dc-scroll');
        if (scroller) return scroller.clientWidth; } return null; }""")
    tablet.check(shown is not None and shown >= 280, f"only {shown} of the canvas's 280 pixels are shown", "canvas-cut")
    tablet.check(tablet.page.evaluate(TOOLBAR_OPACITY) == "1",
                 "the canvas's undo/redo toolbar is hidden until a mouse hovers over it", "toolbar")

    tablet.touch_draw(box, ONE)
    tablet.wait_until(lambda: (_verdict(tablet) or "").startswith("Prediction"),
                      lambda: f"a prediction after drawing a one with a finger (the page says {_verdict(tablet)!r})",
                      timeout=60)
    tablet.wait_idle()
    tablet.page.locator(".st-key-canvas canvas").last.scroll_into_view_if_needed()
    tablet.shot("drew-one-with-a-finger")
    tablet.check(_verdict(tablet) == "Prediction: 1", f"drew a one with a finger: the page says {_verdict(tablet)!r}",
                 "touch-one")

    tablet.page.locator('.st-key-canvas button[aria-label="Undo"]').tap()
    tablet.wait_until(lambda: _verdict(tablet) == "Not sure",
                      lambda: f"'Not sure' after tapping Undo (the page says {_verdict(tablet)!r})", timeout=30)
    tablet.shot("undone-with-a-tap")


def test_08_tablet_with_touch(tablet):
    tablet.open("Home")
    _sidebar_folds_with_a_tap(tablet)
    train_run(tablet, preset="mnist-basic", epochs=1)
    _every_page_fits(tablet)
    _layer_editor_is_readable(tablet)
    _draw_with_a_finger(tablet)
