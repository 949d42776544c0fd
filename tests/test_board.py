"""The class board's store: nicknames, which lab trained a run, lesson filter, and the teacher's
passcode guarding clear, hide and delete."""
from __future__ import annotations

import time

import pytest

from cnnlab import board
from cnnlab.board import BoardError
from cnnlab.runs import Run, list_runs


def saved_run(name: str, lab: str, lesson: str | None = None, accuracy: float = 0.9, created: float | None = None,
              status: str = "finished") -> Run:
    run = Run(f"20261203-000000-{name}", {"dataset": "mnist-sample", "architecture": "lenet5"}, status=status,
              history=[{"accuracy": accuracy, "val_accuracy": accuracy}], test_accuracy=accuracy,
              parameters=1000, created=created or time.time(), lab=lab)
    run.save()
    if lesson:
        board.note_lesson(run.run_id, lesson)
    return run


@pytest.fixture
def teacher(monkeypatch):
    monkeypatch.setenv("CNNLAB_TEACHER_CODE", "owl-42")
    return "owl-42"


def test_nicknames_are_checked_and_unique_per_class():
    assert board.set_nickname("lab-a", "  Ada   L. ") == "Ada L."
    assert board.nickname("lab-a") == "Ada L."
    assert board.set_nickname("lab-a", "Ada") == "Ada"  # a lab may change its own
    with pytest.raises(BoardError, match="already"):
        board.set_nickname("lab-b", "ada")
    for bad in ("", "x" * 25, "<b>bold</b>"):
        with pytest.raises(BoardError):
            board.set_nickname("lab-b", bad)


def test_the_board_shows_runs_with_nicknames_newest_first_and_filters_by_lesson():
    board.set_nickname("lab-a", "Ada")
    first = saved_run("one", "lab-a", "overfitting", created=time.time() - 10)
    second = saved_run("two", "lab-b", None)
    rows = board.board_rows()
    assert [r.run_id for r in rows] == [second.run_id, first.run_id]
    assert [r.nickname for r in rows] == ["(no nickname)", "Ada"]
    assert [r.run_id for r in board.board_rows(lesson="overfitting")] == [first.run_id]
    assert board.board_rows(since=time.time() + 60) == []


def test_without_the_passcode_nobody_can_hide_clear_or_delete(monkeypatch):
    run = saved_run("one", "lab-a")
    monkeypatch.delenv("CNNLAB_TEACHER_CODE", raising=False)
    for action in (lambda: board.hide_run(run.run_id, ""), lambda: board.clear_board("anything"),
                   lambda: board.delete_lab_runs("lab-a", "")):
        with pytest.raises(BoardError, match="Only the teacher"):
            action()
    monkeypatch.setenv("CNNLAB_TEACHER_CODE", "owl-42")
    with pytest.raises(BoardError, match="Only the teacher"):
        board.delete_lab_runs("lab-a", "owl-43")
    assert [r.run_id for r in list_runs()] == [run.run_id]


def test_the_teacher_hides_a_run_clears_the_board_and_deletes_a_students_runs(teacher):
    _a1, _a2, b1 = saved_run("a1", "lab-a"), saved_run("a2", "lab-a"), saved_run("b1", "lab-b")
    board.hide_run(b1.run_id, teacher)
    assert b1.run_id not in [r.run_id for r in board.board_rows()]
    assert [r.hidden for r in board.board_rows(include_hidden=True) if r.run_id == b1.run_id] == [True]
    board.hide_run(b1.run_id, teacher, hide=False)
    assert b1.run_id in [r.run_id for r in board.board_rows()]
    running = saved_run("a3", "lab-a", status="running")  # this process owns it: still training
    assert board.delete_lab_runs("lab-a", teacher) == 2
    assert sorted(r.run_id for r in list_runs()) == sorted([b1.run_id, running.run_id])
    board.clear_board(teacher)
    assert board.board_rows() == []
    assert len(list_runs()) == 2  # clearing hides, it does not delete


def test_a_damaged_board_file_starts_again_without_touching_runs():
    run = saved_run("one", "lab-a")
    board._path().write_text("{broken")
    assert [r.run_id for r in board.board_rows()] == [run.run_id]
    assert board.board_rows()[0].lab == "lab-a" and board.board_rows()[0].nickname == "(no nickname)"
