"""Lessons: guided steps through cnnlab, each checked automatically on what the student did."""
import streamlit as st

from cnnlab.lessons import load_lessons
from cnnlab.settings import CnnlabError
from cnnlab.sharing import link, link_params
from cnnlab.texts import text
from cnnlab.ui import lessons as ui
from cnnlab.ui.layout import page_header, sidebar_status
from cnnlab.ui.sharing import base_url, show_link
from cnnlab.ui.widgets import show_error

sidebar_status()
page_header("Lessons", text("pages/lessons", "Intro"))

try:
    lessons = load_lessons()
except CnnlabError as e:
    show_error(e)
    st.stop()
by_id = {lesson.id: lesson for lesson in lessons}
progress = ui.progress()
current = ui.open_lesson_step()
if current is not None:
    ui.result_for(*current)  # a check that passes now counts in the progress table above it

st.dataframe(ui.lessons_table(), hide_index=True, width="stretch",
             column_config={"progress": st.column_config.ProgressColumn("progress", format="%d%%",
                                                                        min_value=0, max_value=100),
                            "minutes": st.column_config.NumberColumn("minutes", help="about how long it takes")})
st.caption(text("pages/lessons", "Progress"))


def _lesson_chosen() -> None:
    lesson = by_id[st.session_state["lesson_choice"]]
    passed = progress["passed"]
    # A new lesson starts at step 1; back to one begun before, continue at its first check not passed yet.
    begun = any(ui.step_key(lesson, s) in passed for s in lesson.steps)
    first_open = next((s.number for s in lesson.steps if s.check and ui.step_key(lesson, s) not in passed),
                      len(lesson.steps)) if begun else 1
    ui.open_step(lesson.id, first_open)


if "lesson_choice" not in st.session_state or st.session_state["lesson_choice"] not in by_id:
    st.session_state["lesson_choice"] = current[0].id if current else lessons[0].id
lesson = by_id[st.selectbox("Lesson", list(by_id), key="lesson_choice",
                            format_func=lambda i: f"{by_id[i].order}. {by_id[i].title}",
                            on_change=_lesson_chosen)]

if current is None or current[0].id != lesson.id:
    st.markdown(f"**{lesson.title}** ({lesson.level}, about {lesson.minutes} minutes): {lesson.summary}")
    if lesson.intro:
        st.markdown(lesson.intro)
    st.button("Start this lesson", key="start_lesson", type="primary", icon=":material/play_arrow:",
              on_click=_lesson_chosen)
    st.caption(text("pages/lessons", "Set-up of a step"))
    st.stop()

lesson, step = current
if lesson.intro:
    with st.expander("About this lesson", expanded=step.number == 1):
        st.markdown(lesson.intro)


def _step_label(number: int) -> str:
    s = lesson.step(number)
    mark = " ✓" if ui.step_key(lesson, s) in progress["passed"] else ""
    return f"{number}. {s.title}{mark}"


def _step_chosen() -> None:
    ui.open_step(lesson.id, st.session_state["lesson_step_choice"])


st.session_state["lesson_step_choice"] = step.number
st.segmented_control("Step", [s.number for s in lesson.steps], key="lesson_step_choice", required=True,
                     format_func=_step_label, on_change=_step_chosen)

st.subheader(f"Step {step.number}: {step.title}")
setup_line = ui.describe_setup(step)
if setup_line:
    st.caption(f":material/settings: This step set up: {setup_line}.")
st.markdown(step.text)
if step.setup.page:
    st.page_link(step.setup.page, label=f"Go to {ui.page_name(step.setup.page)}",
                 icon=ui.PAGE_ICONS.get(step.setup.page, ":material/school:"))

result = ui.check_box(lesson, step)

nav = st.columns([1, 1, 3])
if step.number > 1:
    nav[0].button("Previous step", key="previous_step", icon=":material/arrow_back:",
                  on_click=ui.open_step, args=(lesson.id, step.number - 1))
if step.number < len(lesson.steps):
    nav[1].button("Next step", key="next_step", icon=":material/arrow_forward:",
                  type="primary" if result is None or result.passed else "secondary",
                  on_click=ui.open_step, args=(lesson.id, step.number + 1))
else:
    done, total = ui.lesson_progress(lesson)
    if done == total:
        nav[2].success(f"Lesson complete: all {total} checks passed.", icon=":material/celebration:")
    else:
        nav[2].info(f"{done} of {total} checks passed: go back to the steps without a ✓.", icon=":material/info:")
with st.expander("Share this step with the class", icon=":material/share:"):
    st.caption(text("pages/lessons", "Share a step"))
    projector = st.checkbox("Open in projector mode", key="share_step_projector")
    show_link(link(base_url(), "lessons", link_params(lesson=lesson.id, step=step.number, projector=projector)),
              "share_step")
st.button("Leave the lesson", key="leave_lesson", icon=":material/logout:", on_click=ui.leave_lesson,
          help="Shows every control again; your progress is kept.")
