"""Lesson files: every shipped lesson loads, makes sense for cnnlab, and typos fail loudly."""
from __future__ import annotations

import json

import pytest

from cnnlab.config import TrainConfig
from cnnlab.datasets import dataset_info
from cnnlab.lessons import LESSONS_DIR, LessonError, get_lesson, load_lessons, parse_lesson
from cnnlab.lessons.checks import describe
from cnnlab.network import check_stack
from cnnlab.presets import PRESETS

LESSON_IDS = ["convolution", "first-cnn", "overfitting", "learning-rate", "drawn-digits"]


def test_the_five_lessons_load_in_order_with_their_steps():
    lessons = load_lessons()
    assert [lesson.id for lesson in lessons] == LESSON_IDS
    for lesson in lessons:
        assert lesson.title and lesson.summary and lesson.minutes > 0
        assert len(lesson.steps) >= 3
        assert lesson.checked_steps, f"{lesson.id} checks nothing"
        for step in lesson.steps:
            assert step.text.strip()
            assert "```step" not in step.text  # the step block is data, not shown text
            if step.check:
                assert describe(step.check)


def test_each_lesson_uses_the_kinds_of_check_its_topic_needs():
    kinds = {lesson.id: {step.check_kind for step in lesson.checked_steps} for lesson in load_lessons()}
    assert kinds["convolution"] >= {"choice", "number"}
    assert "run" in kinds["first-cnn"] and "number" in kinds["first-cnn"]
    assert "run" in kinds["overfitting"]
    assert "run" in kinds["learning-rate"]
    assert "drawing" in kinds["drawn-digits"]


def _effective(lesson_id: str):
    """Each step's set-up as it lands on a lab that followed the lesson from its first step."""
    dataset, architecture, layers, settings = "mnist-sample", "lenet5", None, {}
    for step in get_lesson(lesson_id).steps:
        setup = step.setup
        if setup.architecture and setup.architecture != architecture or setup.layers is not None:
            settings = {}  # a new network starts from its own settings (as on the Train page)
        dataset = setup.dataset or dataset
        architecture = setup.architecture or architecture
        layers = setup.layers if setup.architecture == "custom" else (None if setup.architecture else layers)
        settings = {**settings, **setup.settings}
        yield step, dataset, architecture, layers, settings


@pytest.mark.parametrize("lesson_id", LESSON_IDS)
def test_every_set_up_can_really_be_trained(lesson_id):
    for step, dataset, architecture, layers, settings in _effective(lesson_id):
        if architecture == "custom":
            config = TrainConfig(dataset=dataset, architecture="custom", layers=layers, **settings)
        else:
            config = TrainConfig.from_preset(architecture, dataset, **settings)
        config.check()
        info = dataset_info(dataset)
        assert check_stack(config.layer_stack(), info.image_shape, len(info.classes)).ok, (lesson_id, step.title)


def test_run_checks_name_datasets_and_presets_that_exist():
    for lesson in load_lessons():
        for step in lesson.checked_steps:
            if step.check_kind == "run":
                assert step.check.get("dataset", "mnist-sample") in ("mnist-sample", "fashion-sample")
                assert step.check.get("architecture", "lenet5") in PRESETS


def test_the_overfitting_lesson_network_is_big_and_has_no_dropout():
    step = get_lesson("overfitting").step(1)
    info = dataset_info("fashion-sample")
    check = check_stack(step.setup.layers, info.image_shape, len(info.classes))
    assert check.total_params > 1_000_000 and "dropout" not in {layer["type"] for layer in step.setup.layers}
    assert step.setup.settings["validation_split"] == 0.5 and "validation_split" in step.setup.lock


GOOD = """+++
title = "T"
level = "beginner"
minutes = 5
summary = "S"
+++
Intro.

## One
```step
[setup]
page = "pages/train.py"
settings = { epochs = 2 }
hide = ["optimizer"]

[check]
kind = "run"
min_val_accuracy = 0.5
```
Text one.

## Two
Just text.
"""


def test_a_lesson_file_is_parsed_into_steps_with_set_ups_and_checks():
    lesson = parse_lesson(GOOD, "07-test-lesson.md")
    assert (lesson.id, lesson.order, lesson.intro) == ("test-lesson", 7, "Intro.")
    one, two = lesson.steps
    assert one.title == "One" and one.text == "Text one."
    assert one.setup.page == "pages/train.py" and one.setup.settings == {"epochs": 2}
    assert one.setup.hide == ("optimizer",) and one.check == {"kind": "run", "min_val_accuracy": 0.5}
    assert two.check is None and two.setup.empty and two.text == "Just text."


@pytest.mark.parametrize("change, message", [
    (("+++\ntitle", "title"), "starts with a '+++'"),
    (('minutes = 5', 'minutes = "five"'), "minutes"),
    (('level = "beginner"', 'level = "easy"'), "level"),
    (('page = "pages/train.py"', 'page = "pages/nowhere.py"'), "no page pages/nowhere.py"),
    (('hide = ["optimizer"]', 'hide = ["optimiser"]'), "unknown controls"),
    (('settings = { epochs = 2 }', 'settings = { epochs = "2" }'), "wrong type"),
    (('settings = { epochs = 2 }', 'settings = { epoch = 2 }'), "unknown training setting"),
    (('kind = "run"', 'kind = "quiz"'), "kind = one of"),
    (('min_val_accuracy = 0.5', 'min_val_acc = 0.5'), "has no fields"),
    (("[setup]", "[setp]"), "holds [setup] and [check]"),
    (("kind = \"run\"\n", "kind = \"run\"\nuses = [\"magic\"]\n"), "uses may hold"),
    (("Text one.", ""), "has no text"),
])
def test_mistakes_in_a_lesson_file_are_named(change, message):
    with pytest.raises(LessonError, match="07-test-lesson.md") as error:
        parse_lesson(GOOD.replace(*change, 1), "07-test-lesson.md")
    assert message in str(error.value)


def test_lesson_files_are_named_with_an_order_number():
    with pytest.raises(LessonError, match="named like"):
        parse_lesson(GOOD, "test.md")


def test_an_edited_lesson_file_is_read_again(tmp_path):
    (tmp_path / "01-a.md").write_text(GOOD, encoding="utf-8")
    assert load_lessons(tmp_path)[0].title == "T"
    (tmp_path / "01-a.md").write_text(GOOD.replace('title = "T"', 'title = "New"'), encoding="utf-8")
    import os
    os.utime(tmp_path / "01-a.md", ns=(1, 10**18))
    assert load_lessons(tmp_path)[0].title == "New"
    with pytest.raises(LessonError, match="no lesson 'b'"):
        get_lesson("b", tmp_path)


def test_the_lessons_folder_holds_only_lesson_files_and_code():
    assert {p.suffix for p in LESSONS_DIR.iterdir() if p.is_file()} <= {".md", ".py"}


def test_cli_lists_lessons_with_steps_and_check_types(capsys):
    from cnnlab.cli import main

    assert main(["lessons", "--json"]) == 0
    lessons = json.loads(capsys.readouterr().out)
    assert [lesson["id"] for lesson in lessons] == LESSON_IDS
    first_cnn = lessons[1]
    assert [step["check"] for step in first_cnn["steps"]] == [None, "run", "number", "choice"]
    assert "90.0%" in first_cnn["steps"][1]["asks"]
    assert main(["lessons"]) == 0
    out = capsys.readouterr().out
    assert "2. Your first CNN (first-cnn)" in out and "[drawing check]" in out
