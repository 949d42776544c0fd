"""The class board: every run trained on this server, under the nickname its student chose.

Students pick a nickname; nothing else identifies them. What the board adds to the runs is kept
in `settings.class_dir() / "board.json"` (written atomically, under one lock):

    {"nicknames": {lab id: nickname},    (which lab trained a run, the run itself says: Run.lab)
     "run_lessons": {run id: lesson id}, the lesson open when it was trained (the board's filter)
     "hidden_runs": [run id, ...],       taken off the board by the teacher
     "cleared_at": time}                 the teacher cleared the board: older runs are not shown

The teacher's controls (clear, hide, delete a student's runs) need the passcode set on the server
as CNNLAB_TEACHER_CODE; `teacher_code_ok` compares in constant time. Without the setting nobody is
a teacher, so nobody can delete another lab's runs from the board.
"""
from __future__ import annotations

import hmac
import json
import os
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from cnnlab.files import write_bytes_atomically
from cnnlab.runs import delete_run, list_runs
from cnnlab.settings import CnnlabError, class_dir

MAX_NICKNAME = 24
_NICKNAME = re.compile(r"[\w][\w .'-]*")
_lock = threading.Lock()


class BoardError(CnnlabError):
    pass


def _path():
    return class_dir() / "board.json"


def _empty() -> dict[str, Any]:
    return {"nicknames": {}, "run_lessons": {}, "hidden_runs": [], "cleared_at": 0.0}


def _read() -> dict[str, Any]:
    try:
        data = json.loads(_path().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return _empty()
    except (OSError, ValueError):
        return _empty()  # a damaged board starts again; the runs themselves are untouched
    return {**_empty(), **data}


def _write(data: dict[str, Any]) -> None:
    _path().parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomically(_path(), json.dumps(data, indent=1).encode())


def _update(change) -> dict[str, Any]:
    with _lock:
        data = _read()
        change(data)
        _write(data)
        return data


def state() -> dict[str, Any]:
    with _lock:
        return _read()


# --- Students ------------------------------------------------------------------------------------

def check_nickname(nickname: str) -> str:
    nickname = " ".join((nickname or "").split())
    if not nickname:
        raise BoardError("Type a nickname first.")
    if len(nickname) > MAX_NICKNAME or not _NICKNAME.fullmatch(nickname):
        raise BoardError(f"A nickname is up to {MAX_NICKNAME} letters, digits, spaces, dots or dashes "
                         "(no real names needed).")
    return nickname


def set_nickname(lab: str, nickname: str) -> str:
    nickname = check_nickname(nickname)

    def change(data):
        taken = {n.casefold(): owner for owner, n in data["nicknames"].items()}
        if taken.get(nickname.casefold(), lab) != lab:
            raise BoardError(f"Someone in the class already is {nickname!r}: pick another nickname.")
        data["nicknames"][lab] = nickname

    _update(change)
    return nickname


def nickname(lab: str) -> str | None:
    return state()["nicknames"].get(lab)


def note_lesson(run_id: str, lesson: str) -> None:
    """Remember the lesson that was open when a run was trained (the board's lesson filter)."""
    if state()["run_lessons"].get(run_id) != lesson:
        _update(lambda data: data["run_lessons"].setdefault(run_id, lesson))


# --- The board -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BoardRow:
    run_id: str
    lab: str | None
    nickname: str
    dataset: str
    architecture: str
    parameters: int
    epochs: int
    seconds: float
    test_accuracy: float | None
    lesson: str | None
    status: str
    created: float
    hidden: bool


def board_rows(since: float = 0.0, lesson: str | None = None, include_hidden: bool = False) -> list[BoardRow]:
    """The runs on the board: trained since `since` and after the last clear, newest first;
    only those of `lesson` when given."""
    data = state()
    hidden = set(data["hidden_runs"])
    rows = []
    for run in list_runs():
        if run.created < max(since, data["cleared_at"]) or (run.run_id in hidden and not include_hidden):
            continue
        run_lesson = data["run_lessons"].get(run.run_id)
        if lesson and run_lesson != lesson:
            continue
        lab = run.lab
        rows.append(BoardRow(run.run_id, lab, data["nicknames"].get(lab, "(no nickname)") if lab else "(unknown)",
                             str(run.config.get("dataset", "?")), str(run.config.get("architecture", "?")),
                             run.parameters, run.epochs_done, run.seconds, run.test_accuracy, run_lesson,
                             run.status, run.created, run.run_id in hidden))
    return rows


def students(rows: list[BoardRow]) -> dict[str, str]:
    """Each lab on the board, named for the teacher's "delete a student's runs" list: its nickname,
    how many runs and its newest run's short name, so that two labs without a nickname (or with the
    same one after a clear) can be told apart without showing the lab's private id."""
    runs_of: dict[str, list[BoardRow]] = {}
    for row in rows:  # newest first
        if row.lab:
            runs_of.setdefault(row.lab, []).append(row)
    return {lab: f"{mine[0].nickname}: {len(mine)} run(s), newest #{mine[0].run_id[-4:]}"
            for lab, mine in runs_of.items()}


def start_of_today() -> float:
    now = time.localtime()
    return time.mktime((now.tm_year, now.tm_mon, now.tm_mday, 0, 0, 0, 0, 0, -1))


# --- The teacher ------------------------------------------------------------------------------------

def teacher_code() -> str | None:
    return os.environ.get("CNNLAB_TEACHER_CODE") or None


def teacher_code_ok(attempt: str) -> bool:
    code = teacher_code()
    return bool(code) and hmac.compare_digest(code.encode(), (attempt or "").encode())


def _require(attempt: str) -> None:
    if not teacher_code_ok(attempt):
        raise BoardError("Only the teacher can do that: the passcode is missing or wrong.")


def hide_run(run_id: str, passcode: str, hide: bool = True) -> None:
    _require(passcode)

    def change(data):
        hidden = [i for i in data["hidden_runs"] if i != run_id]
        data["hidden_runs"] = hidden + ([run_id] if hide else [])

    _update(change)


def clear_board(passcode: str) -> None:
    """Start a fresh board: runs trained before now are no longer shown (nor deleted)."""
    _require(passcode)
    _update(lambda data: data.update(cleared_at=time.time()))


def delete_lab_runs(lab: str, passcode: str) -> int:
    """Delete every finished run of one student's lab; returns how many (running ones are kept)."""
    _require(passcode)
    deleted = 0
    for run in list_runs():
        if run.lab == lab:
            try:
                delete_run(run.run_id, any_lab=True)  # the teacher may, whoever's run it is
                deleted += 1
            except CnnlabError:
                continue  # still training: the student's own Stop comes first
    return deleted
