"""Scenario 9: the class board. Two students in two browsers choose nicknames, train, and add drawings
to the class handwriting set; both runs appear on the board with the class set's accuracy; a student
cannot delete the other's run; the teacher, with the passcode, can."""

from .conftest import TEACHER_CODE
from .helpers import train_run
from .test_06_classify import ONE, ZERO, _draw_and_read


def choose_nickname(lab, nickname: str) -> None:
    lab.goto("Class board")
    field = lab.wait_for(lab.widget("nickname_input").locator("input"), "the nickname field")
    field.fill(nickname)
    lab.click("nickname_save")
    lab.wait_until(lambda: f"You are {nickname} on the board." in lab.text(), f"the board greeting {nickname}")


def add_to_class_set(lab, name: str, stroke, label: str) -> None:
    lab.goto("Classify")
    _draw_and_read(lab, name, stroke, label)
    lab.wait_for(lab.widget("class_set_add").locator("button"), "the 'Add to the class set' button")
    lab.widget("class_set_add").scroll_into_view_if_needed()
    lab.click("class_set_add")
    lab.wait_until(lambda: "The class set now holds" in lab.text(), "the drawing added to the class set")
    lab.shot(f"added-{name}")


def _column(lab, name: str) -> str | None:
    """The aria-colindex of the board table's column `name` (Glide data grid's accessible table)."""
    return lab.page.evaluate("""(name) => { const h = [...document.querySelectorAll(
        '.st-key-board_table [role="columnheader"]')].find(c => c.innerText.trim() === name);
        return h ? h.getAttribute('aria-colindex') : null; }""", name)


def board_column(lab, name: str) -> list[str]:
    """The column `name` of the board's table, top to bottom, as shown."""
    lab.wait_for(lab.widget("board_table"), "the board's table")
    column = _column(lab, name)
    return lab.page.evaluate("""(col) => [...document.querySelectorAll('.st-key-board_table [role="gridcell"]')]
        .filter(c => c.getAttribute('aria-colindex') === col).map(c => c.innerText.trim())""", column)


def board_students(lab) -> list[str]:
    return board_column(lab, "student")


def click_board_row(lab, row: int) -> None:
    """Tick the row's selection box (the grid is drawn on a canvas: click where row `row` is)."""
    box = lab.widget("board_table").locator("canvas").first.bounding_box()
    header = row_height = 35
    lab.page.mouse.click(box["x"] + 16, box["y"] + header + row * row_height + row_height / 2)
    lab.wait_idle()


def test_09_board_two_students_and_the_teacher(lab, another_lab):
    ada = lab
    ada.open("Home")
    choose_nickname(ada, "Ada")
    train_run(ada, preset="mnist-basic", epochs=1)
    add_to_class_set(ada, "one", ONE, "1")

    bob = another_lab("bob")
    bob.open("Home")
    choose_nickname(bob, "Bob")
    train_run(bob, preset="mnist-basic", epochs=1, batch_size=64)
    add_to_class_set(bob, "zero", ZERO, "0")

    bob.goto("Class board")
    # The browser tests share one server: labs of earlier scenarios are on the board too (without nicknames).
    students = bob.wait_until(lambda: {"Ada", "Bob (you)"} <= set(board_students(bob)) and board_students(bob),
                              lambda: f"both students on the board (it shows {board_students(bob)})", timeout=30)
    bob.shot("board")
    bob.check(not bob.widget("board_delete").count() and not bob.widget("board_clear").count(),
              "a student sees the teacher's delete or clear buttons")
    # Ada's run on Bob's Runs page: he can look at it, but not stop or delete it.
    adas_run = board_column(bob, "run")[students.index("Ada")]
    bob.goto("Runs")
    bob.select("run_choice", f"({adas_run})")
    bob.wait_until(lambda: "Another lab trained this run" in bob.text(), "Ada's run shown as another lab's")
    bob.check(not bob.button_enabled("delete_run_button") and not bob.button_enabled("stop_run_button"),
              "Bob can press Delete or Stop on Ada's run", "adas-run")
    bob.widget("delete_run_button").scroll_into_view_if_needed()
    bob.shot("adas-run-read-only")
    bob.goto("Class board")
    # Bob's own run, clicked: its curves and its accuracy on the class set (two drawings).
    click_board_row(bob, students.index("Bob (you)"))
    bob.wait_until(lambda: bob.metric("Class handwriting set"), "the class set's accuracy for the clicked run",
                   timeout=60)
    bob.check(bob.metric("Drawings read") == "2", f"the class set should hold 2 drawings, the board read "
              f"{bob.metric('Drawings read')!r}")
    bob.page.locator('[data-testid="stMetric"]').filter(has_text="Class handwriting set").first.scroll_into_view_if_needed()  # noqa: E501
    bob.shot("class-set-on-board")
    bob.assert_healthy("board")

    teacher = another_lab("teacher")
    teacher.open("Class board")
    field = teacher.wait_for(teacher.widget("teacher_input").locator("input"), "the passcode field")
    field.fill("guess")
    teacher.click("teacher_unlock")
    teacher.check("not the passcode" in teacher.text(), "a wrong passcode was not refused")
    field.fill(TEACHER_CODE)
    teacher.click("teacher_unlock")
    teacher.wait_for(teacher.widget("board_delete_lab"), "the teacher's 'delete a student's runs' control")
    teacher.select("board_delete_lab", "Ada")
    teacher.click("board_delete")
    teacher.wait_until(lambda: "Deleted 1 run(s) of Ada." in teacher.text(), "Ada's run deleted by the teacher")
    teacher.widget("board_delete_lab").scroll_into_view_if_needed()
    teacher.shot("teacher-deleted-ada")
    teacher.check("Ada" not in board_students(teacher) and "Bob" in board_students(teacher),
                  f"after deleting Ada's runs the board shows "
                  f"{board_students(teacher)}")
    teacher.assert_healthy("teacher")
