"""The class handwriting set on Classify and Inspect, and the class board: nicknames, the table,
a run's details, and the teacher's passcode guarding clear, hide and delete."""
from __future__ import annotations

import time

from streamlit.testing.v1 import AppTest
from support import open_app_page, page_text
from test_page_classify import saved_one

from cnnlab import board, handwriting
from cnnlab.runs import Run, list_runs
from cnnlab.ui.state import choices_for


def test_a_drawing_is_added_to_the_class_set_with_its_true_label(trained_run):
    at = open_app_page("pages/classify.py", "classsetlab", run_id=trained_run.run_id,
                       drawing=saved_one())
    assert at.selectbox(key="class_set_label").value == "1"  # the network's answer, to confirm or correct
    at.button(key="class_set_add").click().run()
    assert "The class set now holds 1 drawing." in page_text(at)
    (drawing,) = handwriting.list_drawings()
    assert (drawing.label, drawing.lab) == ("1", "classsetlab")
    at.selectbox(key="class_set_label").set_value("7").run()
    at.button(key="class_set_add").click().run()
    assert [d.label for d in handwriting.list_drawings()] == ["1", "7"]
    # The lesson checks saw the drawing too.
    assert choices_for("classsetlab").lesson_drawings[-1]["probabilities"]["1"] > 0.5


def test_inspect_shows_accuracy_on_the_class_set_beside_test_accuracy(trained_run):
    picture = saved_one()["image"][..., :3]
    handwriting.add_drawing(picture, "1", "a")
    handwriting.add_drawing(picture, "7", "b")  # a 1 labelled 7: the network cannot get it right
    at = open_app_page("pages/inspect.py", "inspectclassset", run_id=trained_run.run_id)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Class handwriting set"] == "50.0%" and metrics["Drawings read"] == "2"
    assert "distribution shift" in page_text(at)
    assert any("class handwriting set" in chart.proto.spec for chart in at.get("plotly_chart"))


def fake_run(name: str, lab: str, accuracy: float, parameters: int = 5000) -> Run:
    run = Run(f"20261203-000000-{name}", {"dataset": "mnist-sample", "architecture": "lenet5", "epochs": 1},
              status="finished", history=[{"accuracy": accuracy, "val_accuracy": accuracy, "loss": 1.0,
                                           "val_loss": 1.0, "seconds": 1.0}],
              test_accuracy=accuracy, parameters=parameters, created=time.time(), lab=lab)
    run.save()
    board.note_lesson(run.run_id, "first-cnn")
    return run


def open_board(lab: str) -> AppTest:
    return open_app_page("pages/board.py", lab)


def test_two_students_appear_under_their_nicknames(monkeypatch):
    monkeypatch.delenv("CNNLAB_TEACHER_CODE", raising=False)
    fake_run("ada", "lab-ada", 0.95)
    fake_run("bob", "lab-bob", 0.80, parameters=500_000)
    ada = open_board("lab-ada")
    ada.text_input(key="nickname_input").set_value("Ada")
    ada.button(key="nickname_save").click().run()
    assert "You are **Ada** on the board." in page_text(ada)
    bob = open_board("lab-bob")
    bob.text_input(key="nickname_input").set_value("ada")
    bob.button(key="nickname_save").click().run()
    assert "already is 'ada'" in page_text(bob)
    bob.text_input(key="nickname_input").set_value("Bob")
    bob.button(key="nickname_save").click().run()
    table = bob.dataframe[0].value
    assert sorted(table["student"]) == ["Ada", "Bob (you)"]
    assert set(table["lesson"]) == {"Your first CNN"}
    assert "CNNLAB_TEACHER_CODE" in page_text(bob)  # no passcode set: nobody is a teacher
    assert not [b for b in bob.button if (b.key or "").startswith("board_")]


def test_only_the_passcode_unlocks_deleting_another_students_runs(monkeypatch):
    monkeypatch.setenv("CNNLAB_TEACHER_CODE", "owl-42")
    fake_run("ada", "lab-ada", 0.95)
    keep = fake_run("bob", "lab-bob", 0.80)
    board.set_nickname("lab-ada", "Ada")
    at = open_board("lab-teacher")
    assert not [b for b in at.button if (b.key or "").startswith("board_")]
    at.text_input(key="teacher_input").set_value("owl-41")
    at.button(key="teacher_unlock").click().run()
    assert "not the passcode" in page_text(at)
    at.text_input(key="teacher_input").set_value("owl-42")
    at.button(key="teacher_unlock").click().run()
    assert "Teacher controls unlocked" in page_text(at)
    at.selectbox(key="board_delete_lab").set_value("lab-ada").run()
    at.button(key="board_delete").click().run()
    assert "Deleted 1 run(s) of Ada." in page_text(at)
    assert [r.run_id for r in list_runs()] == [keep.run_id]
    at.button(key="board_clear").click().run()
    assert "No runs on the board yet" in page_text(at)


def test_clicking_a_row_shows_its_curves_and_what_differs_and_the_teacher_can_hide_it(monkeypatch):
    monkeypatch.setenv("CNNLAB_TEACHER_CODE", "owl-42")
    slow = fake_run("slow", "lab-ada", 0.95)
    slow.seconds, slow.config = 65.0, {**slow.config, "learning_rate": 0.01}
    slow.save()
    fast = fake_run("fast", "lab-bob", 0.80)
    fast.seconds = 9.0
    fast.save()
    at = open_board("lab-teacher")
    table = at.dataframe[0].value
    # A number of seconds, so that sorting by it puts 9 s before 65 s (as text "1 min 5 s" came first).
    assert table["training time"].dtype.kind in "if" and sorted(table["training time"]) == [9, 65]
    assert {"pictures", "network"} <= set(table.columns)
    assert "board_curves" not in [chart.key for chart in at.get("plotly_chart")]

    at.session_state["board_table"] = {"selection": {"rows": [list(table["run"]).index("#slow")], "columns": []}}
    at.run()
    assert not at.exception, at.exception
    assert "board_curves" in [chart.key for chart in at.get("plotly_chart")]
    at.selectbox(key="board_compare").set_value(fast.run_id).run()
    assert "**What was different**" in page_text(at, "markdown")
    assert "learning rate" in at.dataframe[-1].value.columns

    at.text_input(key="teacher_input").set_value("owl-42")
    at.button(key="teacher_unlock").click().run()
    at.button(key="board_hide").click().run()
    assert board.state()["hidden_runs"] == [slow.run_id]
    assert list(open_board("lab-bob").dataframe[0].value["run"]) == ["#fast"]  # hidden from the class
    shown = at.dataframe[0].value
    assert "finished (hidden)" in list(shown["status"])  # the teacher still sees it, marked


def test_the_lesson_filter_shows_only_that_lessons_runs_and_nicknameless_students_can_be_told_apart():
    fake_run("ada", "lab-ada", 0.95)
    fake_run("bob", "lab-bob", 0.80)
    other = Run("20261203-000000-cyan", {"dataset": "mnist-sample", "architecture": "lenet5", "epochs": 1},
                status="finished", test_accuracy=0.5, parameters=10, created=time.time(), lab="lab-cy")
    other.save()
    board.note_lesson(other.run_id, "overfitting")
    at = open_board("lab-ada")
    assert len(at.dataframe[0].value) == 3
    at.selectbox(key="board_lesson").set_value("overfitting").run()
    assert list(at.dataframe[0].value["run"]) == ["#cyan"]
    at.selectbox(key="board_lesson").set_value("learning-rate").run()
    assert "No runs on the board yet for this lesson" in page_text(at)
    names = board.students(board.board_rows())
    assert len(set(names.values())) == 3
    assert all(name.startswith("(no nickname): 1 run(s), newest #") for name in names.values())
