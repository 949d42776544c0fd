"""The Lessons page's pieces: a lab's progress, the evidence its checks read, and one step's view.

A lab's progress lives in its choices (choices().lessons), so it survives reloads and
page switches:

    {"open": {"lesson": id, "step": n} or None,   the step the lab is on (its set-up applied)
     "passed": {"lesson/step": message},          steps whose check passed once (they stay passed)
     "answers": {"lesson/step": value}}           the last answer given to each question

Evidence for the checks: the runs this lab trained, and the drawings it classified on Classify
(recorded by `record_drawing`).
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from cnnlab.config import SETTINGS
from cnnlab.lessons import Lesson, Step, get_lesson, load_lessons
from cnnlab.lessons.checks import CheckResult, Evidence, describe, evaluate, is_question
from cnnlab.settings import CnnlabError
from cnnlab.ui.setups import apply_setup, clear_controls
from cnnlab.ui.state import choices, lab_id

MAX_DRAWINGS_KEPT = 30
PAGE_NAMES = {"pages/data.py": "Data", "pages/model.py": "Model", "pages/train.py": "Train",
              "pages/runs.py": "Runs", "pages/inspect.py": "Inspect", "pages/classify.py": "Classify"}
PAGE_ICONS = {"pages/data.py": ":material/photo_library:", "pages/model.py": ":material/account_tree:",
              "pages/train.py": ":material/model_training:", "pages/runs.py": ":material/history:",
              "pages/inspect.py": ":material/visibility:", "pages/classify.py": ":material/draw:"}
# What each control is called on the page (the training settings as the Runs page names them).
SETTING_LABELS = {name: setting.label for name, setting in SETTINGS.items()}
CONTROL_NAMES = {**SETTING_LABELS, "dataset": "the dataset", "architecture": "the network", "layers": "the layers",
                 "epochs": "epochs"}


def step_key(lesson: Lesson, step: Step) -> str:
    return f"{lesson.id}/{step.number}"


def progress() -> dict[str, Any]:
    stored = choices().lessons
    stored.setdefault("open", None)
    stored.setdefault("passed", {})
    stored.setdefault("answers", {})
    return stored


# --- Evidence ----------------------------------------------------------------------------------

def note_trained_run() -> None:
    """Tag this lab's newest run with the lesson open when it was started (the board filters by it)."""
    from cnnlab.backends import job_registry
    from cnnlab.board import note_lesson

    job = job_registry().latest(lab_id())
    # Only while it trains: a run finished before the lesson was opened is not the lesson's.
    if job is None or job.done or st.session_state.get("lesson_tagged_run") == job.run_id:
        return
    st.session_state["lesson_tagged_run"] = job.run_id
    current = open_lesson_step()
    if current is not None:
        note_lesson(job.run_id, current[0].id)


def lab_runs(lab: str | None = None) -> list:
    """The runs this lab trained, newest first."""
    from cnnlab.runs import list_runs

    lab = lab or lab_id()
    return [run for run in list_runs() if run.lab == lab]


def record_drawing(record: dict) -> None:
    """Keep what the network made of a drawing on Classify (for the drawing checks)."""
    drawings = choices().lesson_drawings
    if not drawings or drawings[-1] != record:
        drawings.append(record)
        del drawings[:-MAX_DRAWINGS_KEPT]


def evidence() -> Evidence:
    return Evidence(lab_runs(), list(choices().lesson_drawings))


def result_for(lesson: Lesson, step: Step, found: Evidence | None = None) -> CheckResult | None:
    """The step's check on what this lab did; a pass is remembered, so it stays passed."""
    if not step.check:
        return None
    stored = progress()
    key = step_key(lesson, step)
    if key in stored["passed"]:
        return CheckResult(True, stored["passed"][key])
    try:
        found = found or evidence()
    except CnnlabError as e:  # the runs folder itself is wrong: the check says so instead of failing the page
        return CheckResult(False, str(e))
    result = evaluate(step.check, found, stored["answers"].get(key))
    if result.passed:
        stored["passed"][key] = result.message
    return result


def lesson_progress(lesson: Lesson) -> tuple[int, int]:
    """(checks passed, checks in all) for a lesson, from what is remembered."""
    passed = progress()["passed"]
    return sum(step_key(lesson, s) in passed for s in lesson.checked_steps), len(lesson.checked_steps)


# --- Opening steps -------------------------------------------------------------------------------

def open_step(lesson_id: str, number: int) -> None:
    """Make this the lab's current step and put its set-up in place (callback)."""
    lesson = get_lesson(lesson_id)
    step = lesson.step(number)
    progress()["open"] = {"lesson": lesson.id, "step": step.number}
    # A step with a set-up states all it needs, hidden and locked controls included; a step without
    # one (a question) leaves the lab as the step before left it.
    if not step.setup.empty:
        apply_setup(step.setup)
    st.session_state["lesson_step_choice"] = step.number


def leave_lesson() -> None:
    progress()["open"] = None
    clear_controls()


def open_lesson_step() -> tuple[Lesson, Step] | None:
    stored = progress()["open"]
    if not stored:
        return None
    try:
        lesson = get_lesson(stored["lesson"])
        return lesson, lesson.step(stored["step"])
    except CnnlabError:  # the lesson file changed under us
        return None


def sidebar_lesson_line() -> None:
    """The open step in the sidebar, with the way back to it."""
    current = open_lesson_step()
    if current is None:
        return
    lesson, step = current
    st.page_link("pages/lessons.py", label=f"Lesson: {lesson.title}, step {step.number} of {len(lesson.steps)}",
                 icon=":material/school:")


# --- One step --------------------------------------------------------------------------------------

def page_name(page: str) -> str:
    """'pages/train.py' -> 'Train'; 'pages/learn_convolution.py' -> 'the Convolution explorer'."""
    if page in PAGE_NAMES:
        return PAGE_NAMES[page]
    stem = page.removeprefix("pages/").removesuffix(".py")
    if stem.startswith("learn_"):
        return f"the {stem.removeprefix('learn_').replace('_', ' ').capitalize()} explorer"
    return stem.replace("_", " ").capitalize()


def describe_setup(step: Step) -> str:
    """What opening the step changed, in one line."""
    setup = step.setup
    parts = []
    if setup.dataset:
        parts.append(f"pictures **{setup.dataset}**")
    if setup.architecture:
        parts.append("network **your own stack**" if setup.architecture == "custom"
                     else f"network **{setup.architecture}**")
    if setup.settings:
        parts.append("settings " + ", ".join(f"{CONTROL_NAMES.get(k, k)} {v:g}" if isinstance(v, float)
                                             else f"{CONTROL_NAMES.get(k, k)} {v}" for k, v in setup.settings.items()))
    if setup.hide:
        parts.append("hidden: " + ", ".join(CONTROL_NAMES[c] for c in setup.hide))
    if setup.lock:
        parts.append("fixed: " + ", ".join(CONTROL_NAMES[c] for c in setup.lock))
    return "; ".join(parts)


def _set_answer(key: str, widget: str) -> None:
    progress()["answers"][key] = st.session_state.get(widget)


def answer_widget_key(lesson: Lesson, step: Step) -> str:
    """The answer widget's key: letters, digits, - and _ only, so a browser test can find it by its CSS class."""
    return f"answer_{lesson.id}_{step.number}"


def _question(lesson: Lesson, step: Step) -> None:
    check = step.check
    key = step_key(lesson, step)
    answers = progress()["answers"]
    st.markdown(f"**{check['question']}**")
    if check["kind"] == "choice":
        options = list(range(len(check["options"])))
        widget = answer_widget_key(lesson, step)
        if widget not in st.session_state and key in answers:
            st.session_state[widget] = answers[key]
        st.radio("Your answer", options, key=widget, index=None, format_func=lambda i: check["options"][i]["text"],
                 on_change=_set_answer, args=(key, widget), label_visibility="collapsed")
    else:
        widget = answer_widget_key(lesson, step)
        if widget not in st.session_state and key in answers:
            st.session_state[widget] = answers[key]
        with st.form(key=f"form_{widget}", border=False, enter_to_submit=True):
            left, right = st.columns([2, 1], vertical_alignment="bottom")
            left.number_input("Your answer" + (f" ({check['unit'].strip()})" if check.get("unit") else ""),
                              key=widget, value=None, step=1.0, format="%g")
            right.form_submit_button("Check my answer", key=f"submit_{widget}", on_click=_set_answer,
                                     args=(key, widget))


def check_box(lesson: Lesson, step: Step, found: Evidence | None = None) -> CheckResult | None:
    """The step's check: what it asks, then pass or not yet with what is missing."""
    if not step.check:
        return None
    with st.container(border=True, key="lesson_check"):
        if is_question(step.check):
            _question(lesson, step)
            answered = step_key(lesson, step) in progress()["answers"]
        else:
            st.markdown(f":material/task_alt: **To pass this step:** {describe(step.check)}")
            answered = True
        result = result_for(lesson, step, found)
        if result.passed:
            st.success(f"**Passed.** {result.message}", icon=":material/check_circle:")
        elif answered:
            st.warning(f"**Not yet.** {result.message}", icon=":material/pending:")
        else:
            st.caption("Pick or type your answer: it is checked at once.")
        if not result.passed and not is_question(step.check):
            st.button("Check again", key="check_again", icon=":material/refresh:",
                      help="Checks run each time this page is drawn; press to check now after training or drawing.")
    return result


def lessons_table() -> list[dict]:
    rows = []
    for lesson in load_lessons():
        done, total = lesson_progress(lesson)
        rows.append({"lesson": f"{lesson.order}. {lesson.title}", "level": lesson.level,
                     "minutes": lesson.minutes, "steps": len(lesson.steps),
                     "checks passed": f"{done} of {total}", "progress": round(100 * done / total) if total else 0,
                     "what you learn": lesson.summary})
    return rows
