"""What a person does in the browser, as short calls: open a page from the sidebar, pick an option,
type a number, draw, and look (a screenshot at every step; a failed check names its screenshot).

Widgets are found by their stable `st-key-<key>` CSS class (see the team notes); Streamlit's own
parts by their `data-testid`. Streamlit redraws a page by rerunning its script, so after each
action `wait_idle` waits until the script has finished (the app root's `data-test-script-state`).
"""
from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, urlparse

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
TABLET_VIEWPORTS = ({"width": 768, "height": 1024}, {"width": 820, "height": 1180})
APP = '[data-testid="stApp"]'
EXCEPTION = '[data-testid="stException"]'
ERROR_BOX = '[data-testid="stAlertContentError"]'
MAIN = '[data-testid="stMain"]'
SIDEBAR = '[data-testid="stSidebar"]'
# The URL path of each page: st.Page derives it from the file name (the default page is "/").
PAGE_PATHS = {"Home": "", "Data": "data", "Model": "model", "Train": "train", "Runs": "runs",
              "Inspect": "inspect", "Classify": "classify", "Lessons": "lessons", "Class board": "board",
              "Convolution": "learn_convolution", "Pooling": "learn_pooling", "Activation": "learn_activation",
              "Flatten and dense": "learn_flatten_dense", "Softmax and loss": "learn_softmax",
              "Receptive field": "learn_receptive_field", "Augmentation": "learn_augmentation"}
# What each page shows as its title (st.title), to know the page has been drawn.
PAGE_TITLES = {"Home": "cnnlab", "Data": "Data", "Model": "Model", "Train": "Train", "Runs": "Runs",
               "Inspect": "Inspect", "Classify": "Classify", "Lessons": "Lessons", "Class board": "Class board",
               "Convolution": "Convolution", "Pooling": "Pooling", "Activation": "Activation",
               "Flatten and dense": "Flatten and dense", "Softmax and loss": "Softmax, one-hot and loss",
               "Receptive field": "Receptive field", "Augmentation": "Augmentation"}


# Installed in every tab before the app loads: notes each new state of every progress bar, so a test
# can tell afterwards that a bar moved even when it moved between two looks, and every exception box
# that was ever shown, even one that a later rerun (a training's live view) replaced at once.
PAGE_RECORDER = """
window.cnnlabProgress = [];
window.cnnlabExceptions = [];
new MutationObserver(() => {
    for (const el of document.querySelectorAll('[data-testid="stProgress"]')) {
        const bar = el.querySelector('[role="progressbar"]');
        const seen = {value: bar ? Number(bar.getAttribute('aria-valuenow')) : null, text: el.innerText};
        const last = window.cnnlabProgress[window.cnnlabProgress.length - 1];
        if (!last || last.value !== seen.value || last.text !== seen.text) window.cnnlabProgress.push(seen);
    }
    for (const el of document.querySelectorAll('[data-testid="stException"]')) {
        const text = el.innerText.slice(0, 600);
        if (!window.cnnlabExceptions.includes(text)) window.cnnlabExceptions.push(text);
    }
}).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""


class Lab:
    """One person in one browser tab, in one lab session of the app."""

    def __init__(self, page, base_url: str, node):
        self.page = page
        self.base_url = base_url
        found = re.match(r"test_(\d+)_([a-z0-9]+)", node.name)
        self.number, self.scenario = (f"{int(found[1]):02d}", found[2]) if found else ("00", node.name)
        self.lab_id: str | None = None  # the app gives each browser its own lab; read from the address
        self.steps = 0
        self.idle_timeout = 30.0  # seconds wait_idle waits by default; pages with many charts ask for more
        self.script_errors: list[str] = []  # uncaught JavaScript exceptions in the tab
        page.on("pageerror", lambda error: self.script_errors.append(str(error)))

    # --- Looking ----------------------------------------------------------------------------------

    def shot(self, step: str) -> Path:
        """Screenshot of the browser window: <nn>-<scenario>-<step>.png (steps are numbered in order)."""
        self.steps += 1
        name = re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-")
        path = SCREENSHOTS / f"{self.number}-{self.scenario}-{self.steps:02d}-{name}.png"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path))
        return path

    def fail(self, message: str, step: str = "failed"):
        """Raise AssertionError naming a screenshot of the moment."""
        try:
            path = self.shot(f"FAILED-{step}")
        except Exception as error:  # the tab may have crashed: say so, and still fail with the message
            path = f"(no screenshot: {error})"
        raise AssertionError(f"{message} [screenshot: {path}]")

    def check(self, condition: bool, message: str, step: str = "check") -> None:
        if not condition:
            self.fail(message, step)

    def wait_for(self, locator, what: str, timeout: float = 20, state: str = "visible"):
        """Wait until `locator` is visible (or `state`); fail with `what` and a screenshot otherwise."""
        try:
            locator.first.wait_for(state=state, timeout=timeout * 1000)
        except Exception:
            self.fail(f"{what}: not seen within {timeout:g} s", re.sub(r"\W+", "-", what)[:40])
        return locator.first

    def wait_until(self, condition: Callable[[], object], what: str | Callable[[], str], timeout: float = 20,
                   every: float = 0.25):
        """Poll `condition` until it returns something true; fail with `what` (a text, or a function
        giving one, to describe the page as it is at the end) and a screenshot otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                said = what() if callable(what) else what
                self.fail(f"{said}: not true within {timeout:g} s", re.sub(r"\W+", "-", said)[:40])
            time.sleep(every)

    def text(self, selector: str = MAIN) -> str:
        return self.page.locator(selector).first.inner_text()

    def script_state(self) -> str | None:
        """The app's script state, or None when the browser did not answer in time (on a machine busy
        with other work a page can stall for seconds; wait_idle then simply asks again)."""
        try:
            return self.page.locator(APP).first.get_attribute("data-test-script-state", timeout=5000)
        except Exception as error:  # playwright's TimeoutError; anything else is a real problem
            if type(error).__name__ != "TimeoutError":
                raise
            return None

    def wait_idle(self, timeout: float | None = None, quiet: float = 0.5) -> None:
        """Wait until the page's script has finished running and stayed finished for `quiet` seconds
        (an action's rerun may start a moment after the click). Not for pages that poll (training)."""
        timeout = self.idle_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        quiet_since = None
        while True:
            state = self.script_state()
            now = time.monotonic()
            if state == "notRunning" and self._drawn():
                quiet_since = quiet_since or now
                if now - quiet_since >= quiet:
                    return
            else:
                quiet_since = None
            if now > deadline:
                self.fail(f"the app was still busy after {timeout:g} s (script state {state!r}; "
                          f"{self._still_drawing() or 'all drawn'})", "busy")
            time.sleep(0.1)

    def _drawn(self) -> bool:
        """Nothing stale or still loading: the browser draws elements a moment after the script ends."""
        return not self._still_drawing()

    def _still_drawing(self) -> str:
        """What the browser is still drawing (stale elements, skeletons, pictures loading), or ''."""
        return self.page.evaluate("""() => {
            const stale = document.querySelectorAll('[data-stale="true"]').length;
            const skeletons = document.querySelectorAll('[data-testid="stSkeleton"]').length;
            const loading = [...document.querySelectorAll('[data-testid="stMain"] img')]
                .filter(img => !img.complete).length;
            return [stale && `${stale} stale elements`, skeletons && `${skeletons} skeletons`,
                    loading && `${loading} pictures loading`].filter(Boolean).join(', ');
        }""")

    def exceptions_seen(self) -> list[str]:
        """Every exception box this tab has shown so far, even for a moment."""
        return self.page.evaluate("() => window.cnnlabExceptions || []")

    def assert_healthy(self, step: str) -> None:
        """No exception box (now or at any moment before), no error message and no uncaught
        JavaScript exception on the page."""
        exceptions = self.page.locator(EXCEPTION)
        if exceptions.count():
            self.fail(f"exception box on the page: {exceptions.first.inner_text()[:600]!r}", step)
        if self.exceptions_seen():
            self.fail(f"an exception box was shown for a moment: {self.exceptions_seen()[:2]!r}", step)
        errors = self.page.locator(ERROR_BOX)
        if errors.count():
            self.fail(f"error message on the page: {errors.first.inner_text()[:600]!r}", step)
        shown = self.text(APP)
        found = re.search(r".{0,80}\bError\b.{0,80}", shown)
        if found:
            self.fail(f"the word 'Error' is on the page: {found[0]!r}", step)
        if self.script_errors:
            self.fail(f"JavaScript exceptions in the page: {self.script_errors[:3]}", step)

    # --- Going places -----------------------------------------------------------------------------

    def open(self, page: str = "Home", timeout: float = 60) -> None:
        """Load a page by its address, in this tab's lab (`?lab=`; the first time, the app makes a new
        lab and puts it in the address, and this browser's cookie says the lab is its own)."""
        query = f"?lab={self.lab_id}" if self.lab_id else ""
        self.page.goto(f"{self.base_url}/{PAGE_PATHS[page]}{query}", wait_until="domcontentloaded")
        self._wait_for_page(page, timeout)
        if self.lab_id is None:
            self.lab_id = self.wait_until(self.address_lab, "the new lab's id in the page address", timeout=10)

    def address_lab(self) -> str | None:
        """The lab named in the page's address now."""
        return parse_qs(urlparse(self.page.url).query).get("lab", [None])[0]

    def goto(self, page: str, timeout: float = 60, idle: bool = True) -> None:
        """Open a page by clicking its link in the sidebar's navigation, as a person would."""
        self.wait_for(self.sidebar_link(page), f"the sidebar link to {page}").click()
        self._wait_for_page(page, timeout, idle)

    def sidebar_link(self, page: str):
        """The link to `page` (its title in the menu) in the sidebar's navigation."""
        return self.page.locator(f'{SIDEBAR} [data-testid="stSidebarNav"] a').filter(
            has=self.page.get_by_text(page, exact=True))

    def _wait_for_page(self, page: str, timeout: float, idle: bool = True) -> None:
        heading = self.page.locator(f'{MAIN} h1').filter(has_text=re.compile(rf"^\s*{PAGE_TITLES[page]}\s*$"))
        self.wait_for(heading, f"the {page} page's title", timeout=timeout)
        if idle:
            self.wait_idle(timeout=timeout)

    # --- Widgets ------------------------------------------------------------------------------

    def widget(self, key: str):
        """The element Streamlit draws for the widget with `key=` (its `st-key-<key>` class)."""
        return self.page.locator(f".st-key-{key}")

    def select(self, key: str, option: str | re.Pattern, idle: bool = True) -> None:
        """Pick `option` (its shown text, or a pattern) in the selectbox `key`."""
        box = self.wait_for(self.widget(key), f"the {key} selectbox")
        shown = self.selected(key)
        if (option.search(shown) if isinstance(option, re.Pattern) else option in shown):
            return  # already chosen
        self._open_list(box, key)
        choice = self.page.locator('[role="listbox"] [role="option"]').filter(has_text=option)
        self.wait_for(choice, f"the option {option!r} in {key}", timeout=10).click()
        if idle:
            self.wait_idle()

    def _open_list(self, box, key: str, must_have_options: bool = True) -> bool:
        """Open a selectbox's or multiselect's list with its arrow button; True once it shows options.
        Right after a rerun the first click can land while React is still re-attaching the widget,
        so try a few times."""
        opener = box.locator('button[aria-haspopup="listbox"]').first
        for _ in range(5):
            opener.click()
            try:
                self.page.locator('[role="listbox"] [role="option"]').first.wait_for(timeout=2000)
                return True
            except Exception:
                opened = opener.get_attribute("aria-expanded") == "true"
                self.page.keyboard.press("Escape")
                if opened and not must_have_options:
                    return False  # it opened: there is simply nothing (left) to choose
        if must_have_options:
            self.fail(f"the {key} list did not open", f"{key}-list")
        return False

    def add_to_multiselect(self, key: str) -> str | None:
        """Add the first option not yet chosen in the multiselect `key`; its text, or None if none is left."""
        box = self.wait_for(self.widget(key), f"the {key} multiselect")
        opener = box.locator('button[aria-haspopup="listbox"]')
        # A rerun that lands while the list is open closes it (seen in CI between counting the
        # options and clicking one): then open it again, as a person would.
        for attempt in range(3):
            if not opener.count() or not self._open_list(box, key, must_have_options=False):
                return None
            # Chosen runs leave the list; an empty list shows a single "No results" entry.
            options = self.page.locator('[role="listbox"] [role="option"]:not([aria-disabled="true"])'
                                        ':not([aria-selected="true"])').filter(has_not_text="No results")
            if not options.count():
                self.page.keyboard.press("Escape")
                return None
            try:
                text = options.first.inner_text(timeout=5000).strip()
                options.first.click(timeout=5000)
            except Exception:
                if attempt == 2:
                    raise
                self.page.keyboard.press("Escape")
                self.wait_idle()
                continue
            self.page.keyboard.press("Escape")
            self.wait_idle()
            return text
        return None

    def selected(self, key: str) -> str:
        """The text a selectbox shows as its current choice."""
        return self.widget(key).locator('[role="combobox"]').first.input_value().strip()

    def type_number(self, key: str, value, idle: bool = True) -> None:
        """Type a value into the number input `key` and confirm it with Enter."""
        field = self.wait_for(self.widget(key).locator("input"), f"the {key} number input")
        field.fill(str(value))
        field.press("Enter")
        if idle:
            self.wait_idle()

    def click(self, key: str, idle: bool = True) -> None:
        button = self.wait_for(self.widget(key).locator("button"), f"the {key} button")
        button.click()
        if idle:
            self.wait_idle()

    def button_enabled(self, key: str) -> bool:
        return self.widget(key).locator("button").first.is_enabled()

    def progress_seen(self) -> list[dict]:
        """Every state of a progress bar this tab has shown: [{value: 0..100, text}, ...]."""
        return self.page.evaluate("() => window.cnnlabProgress || []")

    def metric(self, label: str) -> str | None:
        """The value shown by the st.metric labelled `label` (the first one), or None."""
        metric = self.page.locator('[data-testid="stMetric"]').filter(
            has=self.page.locator('[data-testid="stMetricLabel"]').filter(has_text=label))
        if not metric.count():
            return None
        return metric.first.locator('[data-testid="stMetricValue"]').inner_text().strip()

    def chart_traces(self, within: str = MAIN) -> list[dict]:
        """Each Plotly chart drawn in `within`: how many traces, points, legend groups and its title."""
        return self.page.evaluate("""(within) => [...document.querySelectorAll(within + ' .js-plotly-plot')].map(p => ({
            traces: (p.data || []).length,
            points: (p.data || []).reduce((n, t) => n + ((t.x || t.y || []).length || 0), 0),
            groups: [...new Set((p.data || []).map(t => t.legendgroup).filter(Boolean))],
            title: ((p.layout || {}).title || {}).text || '',
            legend: p.querySelectorAll('.legend .traces').length,
        }))""", within)

    def click_cell(self, chart_key: str, row: int, col: int, panel: int = 1) -> None:
        """Click the cell (row, col) of a heatmap: panel 1 is the chart's first map (its x/y axes),
        2 the second... Where the cell is on screen comes from Plotly's own axes."""
        chart = self.wait_for(self.widget(chart_key).locator(".js-plotly-plot"), f"the chart {chart_key}")
        chart.scroll_into_view_if_needed()
        suffix = "" if panel == 1 else str(panel)
        x, y = self.page.evaluate("""([key, suffix, row, col]) => {
            const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
            const xa = gd._fullLayout['xaxis' + suffix], ya = gd._fullLayout['yaxis' + suffix];
            const box = gd.getBoundingClientRect();
            return [box.left + xa._offset + xa.l2p(col), box.top + ya._offset + ya.l2p(row)];
        }""", [chart_key, suffix, row, col])
        self.page.mouse.click(x, y)

    def click_slider(self, key: str, fraction: float) -> None:
        """Click a slider's track at `fraction` (0..1) of its width, as a person scrubbing with the mouse."""
        track = self.wait_for(self.widget(key).locator('[role="group"] > [data-orientation="horizontal"]'),
                              f"the {key} slider")
        track.scroll_into_view_if_needed()
        box = track.bounding_box()
        self.page.mouse.click(box["x"] + fraction * box["width"], box["y"] + box["height"] / 2)

    def tab_to(self, key: str, selector: str = "input, button", backwards: bool = False, presses: int = 150) -> None:
        """Press Tab (or Shift+Tab) until the keyboard focus is inside the widget `key`, on an element
        matching `selector` (not its help icon), as a person using only the keyboard; fail if it never
        gets there."""
        for _ in range(presses):
            if self.page.evaluate("""([key, selector]) => { const e = document.activeElement;
                    return !!(e && e.closest(`.st-key-${key}`) && e.matches(selector)
                              && !(e.getAttribute('aria-label') || '').startsWith('Help for')); }""", [key, selector]):
                return
            self.page.keyboard.press("Shift+Tab" if backwards else "Tab")
        self.fail(f"{presses} presses of Tab never reached the widget {key}", f"tab-{key}")

    def sidebar_text(self) -> str:
        return self.text(SIDEBAR)

    def touch_draw(self, canvas_box: dict, points: list[tuple[float, float]]) -> None:
        """One stroke with a finger: real touch events (touchStart, touchMoves, touchEnd) sent through the
        DevTools protocol, as a touch screen sends them. Points are fractions of the canvas's size."""
        cdp = getattr(self, "cdp", None) or self.page.context.new_cdp_session(self.page)
        x0, y0, width, height = canvas_box["x"], canvas_box["y"], canvas_box["width"], canvas_box["height"]

        def finger(x: float, y: float) -> list[dict]:
            return [{"x": x0 + x * width, "y": y0 + y * height, "id": 1, "radiusX": 6, "radiusY": 6, "force": 1}]

        first, *rest = points
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": finger(*first)})
        for x, y in rest:
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": finger(x, y)})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

    def draw(self, canvas_box: dict, points: list[tuple[float, float]]) -> None:
        """One stroke with real mouse events: press at the first point, move through the others, release.
        Points are fractions (0..1) of the canvas's width and height."""
        mouse = self.page.mouse
        x0, y0, width, height = canvas_box["x"], canvas_box["y"], canvas_box["width"], canvas_box["height"]
        first, *rest = points
        mouse.move(x0 + first[0] * width, y0 + first[1] * height)
        mouse.down()
        for x, y in rest:
            mouse.move(x0 + x * width, y0 + y * height, steps=2)
        mouse.up()


# --- Training, as a person does it on the Train page ---------------------------------------------

RUN_TITLE = re.compile(r"\S+ on \S+, lr [\d.e-]+, batch \d+ \(#[0-9a-z]{4}\)")


def last_training_line(lab: Lab) -> str | None:
    line = re.search(r"Last training: [^\n]*", lab.sidebar_text())
    return line[0] if line else None


def training_problem(lab: Lab, stale: str | None = None) -> str | None:
    """What the page says went wrong with this lab's training (failed, diverged), or None.
    `stale`: the sidebar's line about the lab's previous training, which is not this one's problem."""
    line = last_training_line(lab)
    if line is None or line == stale or not line.startswith(("Last training: failed", "Last training: diverged")):
        return None
    boxes = lab.page.locator(ERROR_BOX).all_inner_texts()
    return f"{line!r}; the page says: {' | '.join(boxes)[:700]!r}" if boxes else repr(line)


def until_trained(lab: Lab, condition: Callable[[], object], what: str | Callable[[], str],
                  timeout: float, stale: str | None = None) -> object:
    """`lab.wait_until`, but failing at once (with the page's message) if the training fails."""
    def check():
        problem = training_problem(lab, stale)
        if problem:
            said = what() if callable(what) else what
            lab.fail(f"while waiting for {said}, the training ended badly: {problem}", "training-failed")
        return condition()
    return lab.wait_until(check, what, timeout=timeout, every=0.5)


def press_train(lab: Lab, epochs: int | None = None, batch_size: int | None = None) -> str:
    """On the Train page: set the epochs and batch size, press Train, wait until the job has begun.
    Returns the run's title as the page shows it (e.g. 'lenet5 on mnist-sample, lr 0.001, batch 16 (#3f2a)')."""
    if epochs is not None:
        lab.type_number("epochs_input", epochs)
    if batch_size is not None:
        lab.select("batch_size_input", re.compile(rf"^{batch_size}$"))
    lab.wait_until(lambda: lab.button_enabled("train_button"), "the Train button is enabled", timeout=10)
    # Until the new job shows, the page and the sidebar still tell of the lab's last training (its
    # title, its test accuracy, Train enabled): wait for the new run's title first.
    before = last_training_line(lab)
    old = RUN_TITLE.search(lab.text())
    old_title = old[0] if old else None
    lab.click("train_button", idle=False)

    def new_title():
        found = RUN_TITLE.search(lab.text())
        return found[0] if found and found[0] != old_title else None

    title = until_trained(lab, new_title, "the new run's title on the Train page after pressing Train",
                          timeout=30, stale=before)
    # The job has begun when Stop is on (or, for a very short one, when it has already ended).
    until_trained(lab, lambda: lab.button_enabled("stop_button") or lab.metric("Test accuracy"),
                  "the training to start (Stop enabled) after pressing Train", timeout=30, stale=before)
    return title


def batches_counted(lab: Lab) -> list[float]:
    """The progress bar's values while it counted batches ('Epoch 1 of 1, batch 32 of 900 ...')."""
    return [seen["value"] for seen in lab.progress_seen() if "batch" in seen["text"]]


def wait_training_ended(lab: Lab, timeout: float = 240) -> None:
    """Wait on the Train page until the job has ended and the page shows the Train button again."""
    until_trained(lab, lambda: lab.button_enabled("train_button") and not lab.button_enabled("stop_button"),
                  "the training to end (Train enabled again)", timeout=timeout)
    lab.wait_idle(timeout=60)
    problem = training_problem(lab)
    if problem:
        lab.fail(f"the training ended badly: {problem}", "training-failed")


def train_run(lab: Lab, preset: str | None = None, epochs: int = 1, batch_size: int | None = None,
              learning_rate: float | None = None) -> str:
    """Choose a preset on Model (if given), press Train, and wait on the Home page (whose sidebar
    tells how the training is doing) until it has finished. Returns the run's title.

    Waiting away from the Train page is what a student does anyway; scenarios 4 and 5 watch the
    Train page itself."""
    if preset is not None:
        lab.goto("Model")
        lab.select("preset_choice", f"({preset})")
    lab.goto("Train")
    if learning_rate is not None:
        lab.type_number("learning_rate_input", learning_rate)
    title = press_train(lab, epochs=epochs, batch_size=batch_size)
    lab.goto("Home", idle=False)
    line = until_trained(lab, lambda: re.search(r"Last training: [^\n]*", lab.sidebar_text()),
                         lambda: f"the sidebar saying the training of {title} has ended (it says "
                                 f"{lab.sidebar_text().splitlines()[-1]!r})", timeout=300)[0]
    if not line.startswith("Last training: finished"):
        lab.fail(f"the training of {title} did not finish: the sidebar says {line!r}", "training-ended")
    lab.wait_idle(timeout=60)
    return title


def open_with_a_model(lab: Lab, page: str) -> None:
    """Open `page`; if this lab has no trained network yet (the scenario runs alone), train a quick one first."""
    lab.open("Home")
    lab.goto(page)
    if "There is no trained model yet" in lab.text() or "No saved runs yet" in lab.text():
        train_run(lab, epochs=1, batch_size=128)
        lab.goto(page)
