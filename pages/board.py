"""Class board: every run the class trained today, under nicknames; the teacher's controls behind a passcode."""
import datetime as dt
import time

import streamlit as st

from cnnlab import board, handwriting
from cnnlab.charts.board import accuracy_vs_parameters
from cnnlab.charts.training import training_curves
from cnnlab.config import setting_label
from cnnlab.lessons import load_lessons
from cnnlab.runs import load_run
from cnnlab.settings import CnnlabError
from cnnlab.texts import text
from cnnlab.ui.handwriting import class_set_section, drawings_gallery
from cnnlab.ui.layout import page_header, sidebar_status
from cnnlab.ui.runs import TIME, time_column, what_differs
from cnnlab.ui.state import lab_id
from cnnlab.ui.widgets import show_error

TEACHER = "teacher_passcode"  # kept in this browser session only: another tab of the lab is not a teacher

sidebar_status()
page_header("Class board", text("pages/board", "Intro"))
lab = lab_id()

# ---- Nickname --------------------------------------------------------------------------------
mine = board.nickname(lab)
with st.form("nickname_form", border=True):
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    typed = left.text_input("Your nickname on the board", value=mine or "", max_chars=board.MAX_NICKNAME,
                            key="nickname_input", placeholder="e.g. Blue Owl",
                            help="Pick a made-up name: the board shows it beside your runs.")
    if right.form_submit_button("Save nickname", key="nickname_save", width="stretch"):
        try:
            mine = board.set_nickname(lab, typed)
            st.success(f"You are **{mine}** on the board.", icon=":material/badge:")
        except CnnlabError as e:
            st.warning(str(e), icon=":material/warning:")
if not mine:
    st.caption("Your runs show as *(no nickname)* until you choose one.")

passcode = st.session_state.get(TEACHER)
teacher = bool(passcode) and board.teacher_code_ok(passcode)

# ---- Filters ---------------------------------------------------------------------------------
lessons = {lesson.id: lesson.title for lesson in load_lessons()}
since_col, lesson_col = st.columns(2)
since_day = since_col.date_input("Runs since", value=dt.date.today(), key="board_since",
                                 help="Only runs trained on or after this day.")
lesson = lesson_col.selectbox("Lesson", [None, *lessons], key="board_lesson",
                              format_func=lambda i: "All runs" if i is None else lessons[i],
                              help="Only runs trained while this lesson was open.")
since = time.mktime(since_day.timetuple()) if since_day else 0.0
try:
    rows = board.board_rows(since=since, lesson=lesson, include_hidden=teacher)
except CnnlabError as e:  # the runs folder itself is wrong (a file, unreadable)
    show_error(e)
    st.stop()
if not rows:
    st.info("No runs on the board yet" + (" for this lesson" if lesson else "") + ". Runs appear here as soon as "
            "someone starts training.", icon=":material/info:")
else:
    # ---- The table and the chart -----------------------------------------------------------------
    table = [{
        "student": row.nickname + (" (you)" if row.lab == lab else ""),
        setting_label("dataset"): row.dataset,
        setting_label("architecture"): row.architecture,
        "parameters": row.parameters,
        "epochs": row.epochs,
        TIME: round(row.seconds),
        "test accuracy": row.test_accuracy,
        "status": row.status + (" (hidden)" if row.hidden else ""),
        "lesson": lessons.get(row.lesson, "") if row.lesson else "",
        "run": f"#{row.run_id[-4:]}",
    } for row in rows]
    event = st.dataframe(
        table, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key="board_table",
        column_config={
            "parameters": st.column_config.NumberColumn(format="localized", help="weights the training adjusted"),
            "test accuracy": st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0),
            TIME: time_column("seconds of training"),
            "run": st.column_config.TextColumn(pinned=True, help="The run's short name, as on the Runs page."),
        })
    st.caption(f"{len(rows)} run(s), newest first. Click a column's name to sort by it; click a row to look at "
               "that run below.")
    picked_rows = event.selection.rows if event is not None else []
    chosen = rows[picked_rows[0]] if picked_rows else None
    st.plotly_chart(accuracy_vs_parameters(rows, chosen.run_id if chosen else None), key="board_scatter")
    st.caption(text("pages/board", "Scatter"))

    # ---- One run -------------------------------------------------------------------------------
    if chosen is not None:
        try:
            run = load_run(chosen.run_id)
        except CnnlabError as e:
            show_error(e)
        else:
            st.subheader(f"{chosen.nickname}: {run.title}")
            if run.history:
                st.plotly_chart(training_curves(run.history, test_loss=run.test_loss,
                                                test_accuracy=run.test_accuracy), key="board_curves")
            others = [r for r in rows if r.run_id != run.run_id and r.epochs]
            if others:
                other_id = st.selectbox("Compare its settings with", [r.run_id for r in others], index=None,
                                        key="board_compare", placeholder="another run on the board",
                                        format_func=lambda i: next(f"{r.nickname}: {r.architecture} on {r.dataset} "
                                                                   f"(#{i[-4:]})" for r in others if r.run_id == i))
                if other_id:
                    try:
                        what_differs([run, load_run(other_id)])
                    except CnnlabError as e:
                        show_error(e)
            with st.expander("On the class's own handwriting", expanded=True):
                class_set_section(run, key="board")
            if teacher:
                hidden = chosen.hidden
                if st.button("Show this run again" if hidden else "Hide this run from the board", key="board_hide",
                             icon=":material/visibility:" if hidden else ":material/visibility_off:"):
                    board.hide_run(run.run_id, passcode, hide=not hidden)
                    st.rerun()

# ---- The teacher ------------------------------------------------------------------------------
st.divider()
st.subheader("Teacher")
if not board.teacher_code():
    st.caption(text("pages/board", "No passcode"))
elif not teacher:
    with st.form("teacher_form", border=False):
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        attempt = left.text_input("Teacher passcode", type="password", key="teacher_input")
        if right.form_submit_button("Unlock", key="teacher_unlock", width="stretch"):
            if board.teacher_code_ok(attempt):
                st.session_state[TEACHER] = attempt
                st.rerun()
            st.warning("That is not the passcode.", icon=":material/lock:")
else:
    st.success("Teacher controls unlocked in this browser tab.", icon=":material/lock_open:")
    clear_col, delete_col = st.columns(2)
    with clear_col:
        st.markdown("**Clear the board**")
        st.caption(text("pages/board", "Clear the board"))
        if st.button("Clear the board", key="board_clear", icon=":material/clear_all:"):
            board.clear_board(passcode)
            st.rerun()
    with delete_col:
        st.markdown("**Delete a student's runs**")
        students = board.students(rows)
        victim = st.selectbox("Student", list(students), index=None, format_func=students.get,
                              key="board_delete_lab", placeholder="Pick a nickname")
        if victim and st.button("Delete every run of this student", key="board_delete", type="primary",
                                icon=":material/delete:"):
            count = board.delete_lab_runs(victim, passcode)
            name = board.nickname(victim) or "a student without a nickname"
            st.session_state["board_notice"] = f"Deleted {count} run(s) of {name}."
            st.rerun()
    notice = st.session_state.pop("board_notice", None)
    if notice:
        st.success(notice, icon=":material/check_circle:")

    st.markdown("**The class handwriting set**")
    try:
        drawings = drawings_gallery()
    except CnnlabError as e:
        show_error(e)
        drawings = []
    if drawings:
        st.caption(f"The newest {len(drawings)} of {len(handwriting.list_drawings())} drawings, with their labels.")
        remove = st.multiselect("Remove drawings", [d.id for d in drawings], key="board_remove_drawings",
                                format_func=lambda i: next(f"{d.label} ({i[-4:]})" for d in drawings if d.id == i))
        if remove and st.button(f"Remove {len(remove)} drawing(s)", key="board_remove", icon=":material/delete:"):
            handwriting.remove_drawings(remove)
            st.session_state.pop("board_remove_drawings", None)
            st.rerun()
        folder = st.text_input("Export as a folder of PNGs (one subfolder per label) to", key="board_export_path",
                               placeholder="/home/teacher/class-digits")
        if folder and st.button("Export", key="board_export", icon=":material/download:"):
            try:
                where = handwriting.export_folder(folder)
                st.success(f"Exported to {where}. Load it on the Data page as your own folder (`folder:{where}`) "
                           "to train on the class's handwriting.", icon=":material/check_circle:")
            except CnnlabError as e:
                show_error(e)
    else:
        st.caption("No drawings yet: students add them on the Classify page.")
