"""Lesson checks: every kind and every condition shown passing when it holds and failing when it
does not, and every check of the shipped lessons shown both ways on evidence made to match it."""
from __future__ import annotations

import pytest

from cnnlab.lessons import get_lesson
from cnnlab.lessons.checks import CheckError, Evidence, drawing_record, evaluate, run_uses, validate_check
from cnnlab.runs import Run

_counter = iter(range(1000, 9999))


def make_run(dataset="mnist-sample", architecture="lenet5", status="finished", train_acc=0.95, val_acc=0.93,
             test_acc=0.92, epochs=3, parameters=107_786, **config) -> Run:
    history = [{"loss": 0.3, "accuracy": train_acc - 0.1 * (epochs - i - 1) / max(epochs, 1),
                "val_loss": 0.3, "val_accuracy": val_acc, "seconds": 1.0} for i in range(epochs)]
    base = {"dataset": dataset, "architecture": architecture, "layers": None, "optimizer": "adam",
            "learning_rate": 0.001, "batch_size": 32, "epochs": epochs, "validation_split": 0.1,
            "augment_shift": 0.0, "augment_flip": False, "lr_schedule": "constant"}
    n = next(_counter)
    return Run(f"20261203-000000-test-{n}", {**base, **config}, status=status, history=history,
               test_accuracy=test_acc, parameters=parameters, classes=list("0123456789"), image_shape=[28, 28, 1],
               created=float(n))


def passes(check: dict, *runs, drawings=(), answer=None) -> bool:
    return evaluate(validate_check(check), Evidence(list(runs), list(drawings)), answer).passed


# --- run checks, one condition at a time ------------------------------------------------------

@pytest.mark.parametrize("check, good, bad", [
    ({"min_val_accuracy": 0.9}, {"val_acc": 0.91}, {"val_acc": 0.89}),
    ({"max_val_accuracy": 0.5}, {"val_acc": 0.4}, {"val_acc": 0.6}),
    ({"min_test_accuracy": 0.9}, {"test_acc": 0.95}, {"test_acc": None}),
    ({"min_gap": 0.1}, {"train_acc": 0.99, "val_acc": 0.85}, {"train_acc": 0.95, "val_acc": 0.9}),
    ({"max_gap": 0.03}, {"train_acc": 0.93, "val_acc": 0.92}, {"train_acc": 0.99, "val_acc": 0.9}),
    ({"status": "diverged"}, {"status": "diverged"}, {"status": "finished"}),
    ({"status": ["finished", "stopped"]}, {"status": "stopped"}, {"status": "failed"}),
    ({"dataset": "fashion-sample", "min_epochs": 1}, {"dataset": "fashion-sample"}, {"dataset": "mnist-sample"}),
    ({"architecture": "fast-cnn"}, {"architecture": "fast-cnn"}, {"architecture": "lenet5"}),
    ({"max_params": 50_000}, {"parameters": 40_000}, {"parameters": 60_000}),
    ({"max_params_fraction": 0.5, "of_preset": "lenet5"}, {"parameters": 53_000}, {"parameters": 54_000}),
    ({"uses": ["augmentation"]}, {"augment_shift": 0.1}, {"augment_shift": 0.0}),
    ({"uses": ["schedule"]}, {"lr_schedule": "cosine"}, {"lr_schedule": "constant"}),
    ({"uses_any": ["dropout", "augmentation"]}, {"architecture": "mnist-basic"}, {"architecture": "lenet5"}),
    ({"uses": ["dropout"]}, {"architecture": "custom", "layers": [{"type": "dropout", "rate": 0.5}]},
     {"architecture": "custom", "layers": [{"type": "flatten"}]}),
    ({"min_learning_rate": 1.0}, {"learning_rate": 5.0}, {"learning_rate": 0.1}),
    ({"max_learning_rate": 0.0001}, {"learning_rate": 0.0001}, {"learning_rate": 0.001}),
    ({"min_epochs": 3}, {"epochs": 3}, {"epochs": 2}),
])
def test_each_run_condition_passes_only_when_it_holds(check, good, bad):
    check = {"kind": "run", **check}
    assert passes(check, make_run(**good))
    assert not passes(check, make_run(**bad))


def test_lenet5_parameter_count_on_digits_is_the_reference_for_half_of_it():
    from cnnlab.lessons.checks import preset_parameters

    assert preset_parameters("lenet5", (28, 28, 1), 10) == 107_786


def test_all_conditions_must_hold_in_one_run():
    check = {"kind": "run", "min_val_accuracy": 0.9, "uses": ["augmentation"]}
    accurate, augmented = make_run(val_acc=0.95), make_run(val_acc=0.5, augment_shift=0.1)
    assert not passes(check, accurate, augmented)
    assert passes(check, accurate, augmented, make_run(val_acc=0.95, augment_shift=0.1))


def test_a_run_check_says_what_is_missing_from_the_closest_run():
    check = validate_check({"kind": "run", "dataset": "mnist-sample", "min_val_accuracy": 0.9, "min_epochs": 3})
    result = evaluate(check, Evidence([]))
    assert not result.passed and "No run on mnist-sample yet" in result.message
    close, far = make_run(val_acc=0.8, epochs=3), make_run(val_acc=0.5, epochs=1)
    result = evaluate(check, Evidence([far, close]))
    assert not result.passed
    assert f"#{close.run_id[-4:]}" in result.message and "80.0%" in result.message and "90.0%" in result.message


def test_a_run_without_curves_has_no_gap_and_no_validation_accuracy():
    run = make_run(epochs=0)
    assert not passes({"kind": "run", "min_gap": 0.0}, run)
    assert not passes({"kind": "run", "min_val_accuracy": 0.0}, run)


def test_run_uses_reads_preset_and_custom_stacks():
    assert run_uses(make_run(architecture="fashion-bn")) == {"dropout", "batchnorm"}
    assert run_uses(make_run(architecture="fast-cnn-wide", augment_flip=True, lr_schedule="cosine")) == \
        {"dropout", "batchnorm", "augmentation", "schedule"}
    assert run_uses(make_run()) == set()


# --- drawings -------------------------------------------------------------------------------------

def seven(p, **switches):
    others = (1 - p) / 9
    return drawing_record({c: (p if c == "7" else others) for c in "0123456789"}, switches, "mnist-sample")


def test_a_drawing_check_needs_the_label_with_enough_probability():
    check = {"kind": "drawing", "label": "7", "min_confidence": 0.8}
    assert passes(check, drawings=[seven(0.85)])
    assert not passes(check, drawings=[seven(0.6)])
    result = evaluate(validate_check(check), Evidence([], [seven(0.6)]))
    assert "60.0%" in result.message and "at least 80.0%" in result.message
    assert "Classify a drawing of 7" in evaluate(validate_check(check), Evidence()).message


def test_a_drawing_check_can_ask_for_steps_switched_off_and_a_low_probability():
    check = {"kind": "drawing", "label": "7", "max_confidence": 0.5, "steps_off": ["crop", "centre"]}
    assert passes(check, drawings=[seven(0.2, crop=False, centre=False, fit=True)])
    assert not passes(check, drawings=[seven(0.2, crop=False, centre=True)])  # centre was on
    assert not passes(check, drawings=[seven(0.7, crop=False, centre=False)])  # still sure of 7


def test_drawing_record_keeps_switched_off_steps_only():
    record = seven(0.5, crop=False, fit=True, invert=False, centre="auto")
    assert record["steps_off"] == ["crop", "invert"]


# --- questions ------------------------------------------------------------------------------------

CHOICE = {"kind": "choice", "question": "Q?", "options": [
    {"text": "a", "feedback": "no, a"}, {"text": "b", "correct": True, "feedback": "yes, b"}]}


def test_a_choice_passes_on_a_correct_option_with_its_feedback():
    check = validate_check(CHOICE)
    assert evaluate(check, Evidence(), 1) .passed and evaluate(check, Evidence(), 1).message == "yes, b"
    wrong = evaluate(check, Evidence(), 0)
    assert not wrong.passed and wrong.message == "no, a"
    assert not evaluate(check, Evidence(), None).passed and not evaluate(check, Evidence(), 5).passed


def test_a_number_question_has_a_tolerance_and_feedback_for_low_and_high():
    check = validate_check({"kind": "number", "question": "Q?", "answer": 24, "tolerance": 0.5,
                            "feedback_low": "low", "feedback_high": "high"})
    assert evaluate(check, Evidence(), 24.4).passed and evaluate(check, Evidence(), "24").passed
    assert evaluate(check, Evidence(), 23).message == "low" and evaluate(check, Evidence(), 26).message == "high"
    assert not evaluate(check, Evidence(), None).passed and not evaluate(check, Evidence(), "x").passed


@pytest.mark.parametrize("raw", [
    {"kind": "run"},
    {"kind": "choice", "question": "Q", "options": [{"text": "a", "feedback": "f"}]},
    {"kind": "drawing", "min_confidence": 0.5},
    {"kind": "drawing", "label": "7", "steps_off": ["rotate"]},
    {"kind": "run", "max_params_fraction": 0.5},
    {"kind": "number", "question": "Q"},
    {"kind": "run", "min_val_accuracy": "high"},
])
def test_impossible_checks_are_refused(raw):
    with pytest.raises(CheckError):
        validate_check(raw)


# --- the shipped lessons' checks, each passing and failing ------------------------------------------

SHIPPED = {
    ("convolution", 2): ({"answer": 1}, {"answer": 0}),
    ("convolution", 3): ({"answer": 24}, {"answer": 28}),
    ("convolution", 4): ({"answer": "14"}, {"answer": 13}),
    ("first-cnn", 2): ({"runs": [make_run(val_acc=0.95)]}, {"runs": [make_run(val_acc=0.95, architecture="fast-cnn")]}),
    ("first-cnn", 3): ({"answer": 225}, {"answer": 250}),
    ("first-cnn", 4): ({"answer": 1}, {"answer": 0}),
    ("overfitting", 1): ({"runs": [make_run(dataset="fashion-sample", train_acc=0.97, val_acc=0.9)]},
                         {"runs": [make_run(dataset="fashion-sample", train_acc=0.93, val_acc=0.88)]}),
    ("overfitting", 2): ({"answer": 1}, {"answer": 2}),
    ("overfitting", 3): ({"runs": [make_run(dataset="fashion-sample", train_acc=0.9, val_acc=0.88, augment_shift=0.1,
                                            epochs=10)]},
                         {"runs": [make_run(dataset="fashion-sample", train_acc=0.97, val_acc=0.87, augment_shift=0.1,
                                            epochs=10)]}),
    ("learning-rate", 1): ({"runs": [make_run(learning_rate=0.00001, epochs=2, val_acc=0.3)]},
                           {"runs": [make_run(learning_rate=0.0001, epochs=2)]}),
    ("learning-rate", 2): ({"runs": [make_run(status="diverged", learning_rate=10.0)]},
                           {"runs": [make_run(status="finished", learning_rate=10.0)]}),
    ("learning-rate", 3): ({"runs": [make_run(lr_schedule="cosine", val_acc=0.97)]},
                           {"runs": [make_run(lr_schedule="constant", val_acc=0.97)]}),
    ("learning-rate", 4): ({"answer": 0}, {"answer": 2}),
    ("drawn-digits", 1): ({"runs": [make_run(architecture="fast-cnn", test_acc=0.97)]},
                          {"runs": [make_run(architecture="fast-cnn", test_acc=0.5)]}),
    ("drawn-digits", 2): ({"drawings": [seven(0.9)]}, {"drawings": [seven(0.3)]}),
    ("drawn-digits", 3): ({"drawings": [seven(0.1, crop=False, fit=False, centre=False)]},
                          {"drawings": [seven(0.1, crop=False, fit=True, centre=False)]}),
    ("drawn-digits", 4): ({"answer": 0}, {"answer": 1}),
}


def test_every_shipped_check_is_shown_passing_and_failing():
    from cnnlab.lessons import load_lessons

    checked = {(lesson.id, step.number) for lesson in load_lessons() for step in lesson.checked_steps}
    assert checked == set(SHIPPED)
    for (lesson_id, number), cases in SHIPPED.items():
        check = get_lesson(lesson_id).step(number).check
        for case, expected in zip(cases, (True, False)):
            evidence = Evidence(case.get("runs", []), case.get("drawings", []))
            result = evaluate(check, evidence, case.get("answer"))
            assert result.passed is expected, (lesson_id, number, expected, result.message)
            assert result.message
