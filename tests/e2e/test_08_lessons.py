"""Scenario 8: a scripted student completes the five lessons in the browser: answers questions (a wrong
answer first, to see the feedback), trains the runs each step asks for, draws digits, and sees every
check go from "Not yet" to "Passed" only once its condition holds."""
import re

from .helpers import press_train, wait_training_ended
from .test_06_classify import _verdict

STEP_HEADING = re.compile(r"Step (\d+): ")
# Lessons 2 to 5 train real networks: about six minutes in all on a quiet 2-core machine.


def start_lesson(lab, title: str) -> None:
    lab.goto("Lessons")
    lab.select("lesson_choice", title)
    if lab.widget("start_lesson").count():
        lab.click("start_lesson")
    lab.wait_until(lambda: "Step 1: " in lab.text(), f"step 1 of {title!r} opened")


def on_step(lab, number: int) -> None:
    found = STEP_HEADING.search(lab.text())
    lab.check(found is not None and int(found[1]) == number,
              f"expected step {number}, the page shows {found[0] if found else 'no step'!r}")


def next_step(lab, number: int) -> None:
    lab.click("next_step")
    lab.wait_until(lambda: f"Step {number}: " in lab.text(), f"step {number} opened")


def check_text(lab) -> str:
    box = lab.widget("lesson_check")
    return box.inner_text() if box.count() else ""


def expect(lab, passed: bool, what: str, timeout: float = 30) -> str:
    """Wait until the step's check says Passed (or Not yet); press "Check again" while it does not."""
    wanted = "Passed." if passed else "Not yet."

    def looks():
        text = check_text(lab)
        if wanted not in text and lab.widget("check_again").count():
            lab.click("check_again")
            text = check_text(lab)
        return text if wanted in text else None

    text = lab.wait_until(looks, lambda: f"{what}: the check should say {wanted!r}, it says {check_text(lab)!r}",
                          timeout=timeout)
    lab.widget("lesson_check").scroll_into_view_if_needed()
    return text


def choose(lab, key: str, option: str) -> None:
    lab.wait_for(lab.widget(key), f"the answer choices {key}")
    lab.widget(key).get_by_text(option).first.click()
    lab.wait_idle()


def back_to_lesson(lab) -> None:
    lab.goto("Lessons")


def lesson_complete(lab, checks: int) -> None:
    lab.wait_until(lambda: f"Lesson complete: all {checks} checks passed." in lab.text(), "the lesson complete")
    lab.shot("complete")
    lab.assert_healthy("complete")


def train_here(lab, timeout: float = 600) -> str:
    title = press_train(lab)
    wait_training_ended(lab, timeout=timeout)
    return title


def test_08_lesson1_convolution(lab):
    lab.open("Home")
    start_lesson(lab, "1. What a convolution does")
    lab.shot("step1")
    next_step(lab, 2)
    choose(lab, "answer_convolution_2", "On flat areas of one colour")
    lab.check("cancel out" in expect(lab, False, "a wrong choice"), "no feedback for the wrong choice")
    lab.shot("wrong-choice")
    choose(lab, "answer_convolution_2", "Where the picture changes from dark")
    lab.check("vertical-edge detector" in expect(lab, True, "the right choice"), "no feedback for the right choice")
    next_step(lab, 3)
    lab.type_number("answer_convolution_3", 28)
    lab.check("Too big" in expect(lab, False, "28 for the output size"), "no 'too big' feedback")
    lab.type_number("answer_convolution_3", 24)
    expect(lab, True, "24 for the output size")
    lab.shot("number-right")
    next_step(lab, 4)
    lab.type_number("answer_convolution_4", 14)
    expect(lab, True, "14 for stride 2 with padding")
    lab.wait_until(lambda: "Lesson complete: all 3 checks passed." in lab.text(), "the lesson complete")
    lab.shot("complete")
    lab.page.reload()
    lab.wait_idle()
    lab.check("Lesson complete: all 3 checks passed." in lab.text(), "the progress was lost on reload")
    lab.assert_healthy("complete")


def test_08_lesson2_first_cnn(lab):
    lab.open("Home")
    start_lesson(lab, "2. Your first CNN")
    next_step(lab, 2)
    lab.check("No run with lenet5 on mnist-sample yet" in expect(lab, False, "before training"),
              "the check does not say which run is missing")
    lab.goto("Train")
    lab.check(not lab.widget("lr_schedule_input").count() and not lab.widget("seed_input").count(),
              "the controls this step hides are shown on Train", "hidden")
    lab.check(lab.widget("epochs_input").locator("input").input_value() == "3", "the step did not set 3 epochs")
    lab.shot("train-set-up")
    train_here(lab)
    back_to_lesson(lab)
    expect(lab, True, "after training LeNet-5")
    lab.shot("trained-passed")
    next_step(lab, 3)
    lab.type_number("answer_first-cnn_3", 250)
    expect(lab, False, "250 batches")
    lab.type_number("answer_first-cnn_3", 225)
    expect(lab, True, "225 batches")
    next_step(lab, 4)
    choose(lab, "answer_first-cnn_4", "It does about as well on new pictures")
    expect(lab, True, "reading the curves")
    lesson_complete(lab, 3)


def test_08_lesson3_overfitting(lab):
    lab.open("Home")
    start_lesson(lab, "3. Overfitting")
    lab.goto("Train")
    split = lab.widget("validation_split_input").get_by_role("slider")
    lab.check(split.is_disabled(), "the validation split is not locked", "locked")
    train_here(lab, timeout=900)
    lab.shot("overfitted")
    back_to_lesson(lab)
    expect(lab, True, "after 12 epochs without dropout on half the clothing pictures")
    next_step(lab, 2)
    choose(lab, "answer_overfitting_2", "Validation loss rises")
    expect(lab, True, "the overfitting question")
    next_step(lab, 3)
    message = expect(lab, False, "the cure, before training it")
    lab.check("it uses none of dropout, augmentation" in message, f"the cure's check does not say what is missing: "
              f"{message!r}")
    lab.shot("cure-not-yet")
    lab.goto("Train")
    shift = lab.widget("augment_shift_input").get_by_role("slider")
    shift.focus()
    shift.press("ArrowRight")
    shift.press("ArrowRight")
    lab.wait_idle()
    lab.check(shift.input_value() == "10", f"random shifts did not move to 10% ({shift.input_value()})", "shift")
    lab.type_number("epochs_input", 6)
    lab.shot("cure-set-up")
    title = train_here(lab, timeout=900)
    lab.shot("cured")
    lab.check("6 of 6" in lab.text(), f"the cure {title} did not train 6 epochs", "cured-epochs")
    back_to_lesson(lab)
    expect(lab, True, "after training with random shifts")
    lesson_complete(lab, 3)


def test_08_lesson4_learning_rate(lab):
    lab.open("Home")
    start_lesson(lab, "4. The learning rate")
    lab.goto("Train")
    lab.check(float(lab.widget("learning_rate_input").locator("input").input_value()) == 1e-5,
              "the step did not set the learning rate to 0.00001", "lr")
    train_here(lab)
    back_to_lesson(lab)
    expect(lab, True, "a tiny learning rate for 2 epochs")
    next_step(lab, 2)
    expect(lab, False, "before any run diverged")
    lab.goto("Train")
    lab.wait_until(lambda: lab.button_enabled("train_button"), "the Train button is enabled", timeout=10)
    lab.click("train_button", idle=False)
    lab.wait_until(lambda: "Last training: diverged" in lab.sidebar_text(), "the training diverging", timeout=300)
    lab.wait_idle(timeout=60)
    lab.shot("diverged")
    back_to_lesson(lab)
    expect(lab, True, "after the training diverged")
    next_step(lab, 3)
    lab.goto("Train")
    lab.check("Warm up" in lab.selected("lr_schedule_input"), "the step did not choose the cosine schedule")
    train_here(lab)
    back_to_lesson(lab)
    expect(lab, True, "a run with a schedule")
    next_step(lab, 4)
    choose(lab, "answer_learning-rate_4", "The steps were so big")
    lesson_complete(lab, 4)


# A 7: a bar along the top, then a long stroke down to the lower left, drawn in one go.
SEVEN = [(0.25 + 0.5 * i / 10, 0.2) for i in range(11)] + [(0.75 - 0.3 * i / 16, 0.2 + 0.65 * i / 16)
                                                           for i in range(1, 17)]
SMALL_SEVEN = [(0.04 + x * 0.22, 0.04 + y * 0.22) for x, y in SEVEN]  # the same, small, in the top-left corner


def draw(lab, stroke, what: str, sure: bool = True) -> str:
    """Draw `stroke`; with `sure`, wait for a prediction ("Not sure" is also what the empty canvas says)."""
    canvas = lab.wait_for(lab.page.locator(".st-key-canvas canvas"), "the drawing canvas")
    canvas.scroll_into_view_if_needed()
    box = lab.page.locator(".st-key-canvas canvas").last.bounding_box()
    lab.draw(box, stroke)
    verdict = lab.wait_until(lambda: (v := _verdict(lab)) and (v.startswith("Prediction") or not sure) and v,
                             lambda: f"a prediction after drawing {what} (the page says {_verdict(lab)!r})",
                             timeout=60)
    lab.wait_idle()
    return verdict


def switch_off(lab, step: str) -> None:
    """Switch a preparation step off, and make sure it is off: a click that lands while the page is
    being redrawn can be lost, and then the drawing is recorded with that step still on."""
    switch = lab.wait_for(lab.widget(f"step_{step}"), f"the {step} switch")

    def is_off():
        if switch.locator("input").first.is_checked():
            switch.locator("label").first.click()
            lab.wait_idle()
        return not switch.locator("input").first.is_checked()

    lab.wait_until(is_off, f"the {step} step switched off", every=1)
    lab.wait_idle()


def test_08_lesson5_drawn_digits(lab):
    lab.open("Home")
    start_lesson(lab, "5. Why drawn digits fail")
    lab.goto("Train")
    train_here(lab)
    back_to_lesson(lab)
    expect(lab, True, "the fast CNN trained")
    next_step(lab, 2)
    lab.goto("Classify")
    verdict = draw(lab, SEVEN, "a seven")
    lab.shot("seven")
    lab.check(verdict == "Prediction: 7", f"a big 7 in the middle was read as {verdict!r}", "seven")
    back_to_lesson(lab)
    expect(lab, True, "a 7 read with at least 80%")
    next_step(lab, 3)
    expect(lab, False, "before switching the steps off")
    lab.goto("Classify")
    lab.click("clear_canvas")
    draw(lab, SMALL_SEVEN, "a small seven in the corner", sure=False)
    for step in ("crop", "fit", "centre"):
        switch_off(lab, step)
    # The page records the drawing for the lesson when it has classified it with all three off:
    # wait for that answer before leaving, or leaving would stop the page before it records it.
    lab.wait_until(lambda: _verdict(lab), "an answer for the small seven with the steps off")
    lab.wait_idle(quiet=1.5)
    lab.shot("off-centre")
    back_to_lesson(lab)
    expect(lab, True, "a small 7 with crop, fit and centre off")
    next_step(lab, 4)
    choose(lab, "answer_drawn-digits_4", "Invert, so the ink becomes light")
    lesson_complete(lab, 4)
