"""The Lessons page: progress per lab, a step's set-up applied when it opens, checks shown as pass
or not yet with what is missing, and hidden/locked controls really hidden/locked on Train."""
from __future__ import annotations

import uuid

from streamlit.testing.v1 import AppTest
from support import open_app_page, page_text

from cnnlab.runs import Run
from cnnlab.ui.state import choices_for


def new_lab() -> str:
    return uuid.uuid4().hex[:12]


def start(lesson_id: str) -> tuple[str, AppTest]:
    lab = new_lab()
    at = open_app_page("pages/lessons.py", lab)
    at.selectbox(key="lesson_choice").set_value(lesson_id).run()
    if "start_lesson" in [b.key for b in at.button]:  # the first lesson was already chosen: start it
        at.button(key="start_lesson").click().run()
    assert not at.exception, at.exception
    return lab, at


def test_the_page_lists_every_lesson_with_no_progress_yet():
    at = open_app_page("pages/lessons.py", new_lab())
    table = at.dataframe[0].value
    assert list(table["lesson"]) == ["1. What a convolution does", "2. Your first CNN", "3. Overfitting",
                                     "4. The learning rate", "5. Why drawn digits fail"]
    assert list(table["checks passed"]) == ["0 of 3", "0 of 3", "0 of 3", "0 of 4", "0 of 4"]
    assert at.button(key="start_lesson")


def test_opening_a_step_applies_its_set_up_and_a_question_is_checked_with_feedback():
    lab, at = start("convolution")
    assert "Step 1: Slide a kernel over a digit" in [h.value for h in at.subheader]
    assert any(link.proto.page.endswith("learn_convolution.py") or "Convolution explorer" in link.proto.label
               for link in at.get("page_link"))
    assert choices_for(lab).dataset == "mnist-sample" and choices_for(lab).architecture == "lenet5"
    at.button(key="next_step").click().run()
    radio = at.radio(key="answer_convolution_2")
    radio.set_value(0).run()
    assert "Not yet." in page_text(at) and "cancel out" in page_text(at)
    at.radio(key="answer_convolution_2").set_value(1).run()
    assert "Passed." in page_text(at) and "vertical-edge detector" in page_text(at)
    at.button(key="next_step").click().run()
    at.number_input(key="answer_convolution_3").set_value(28)
    at.button[[b.label for b in at.button].index("Check my answer")].click().run()
    assert "Too big" in page_text(at)
    at.number_input(key="answer_convolution_3").set_value(24)
    at.button[[b.label for b in at.button].index("Check my answer")].click().run()
    assert "Right: o = (N - K + 2P) / S + 1" in page_text(at)
    assert at.dataframe[0].value["checks passed"][0] == "2 of 3"


def test_progress_survives_a_reload_of_the_page():
    lab, at = start("convolution")
    at.button(key="next_step").click().run()
    at.radio(key="answer_convolution_2").set_value(1).run()
    again = open_app_page("pages/lessons.py", lab)  # a fresh browser session of the same lab
    assert again.dataframe[0].value["checks passed"][0] == "1 of 3"
    assert "Step 2: Which kernel finds edges?" in [h.value for h in again.subheader]
    assert "Passed." in page_text(again)


def test_a_run_check_says_what_is_missing_then_passes_on_the_labs_own_run():
    lab, at = start("first-cnn")
    at.segmented_control(key="lesson_step_choice").set_value(2).run()
    chosen = choices_for(lab)
    assert chosen.train_settings["epochs"] == 3
    assert "Not yet." in page_text(at) and "No run with lenet5 on mnist-sample yet" in page_text(at)
    run = Run("20261203-000000-lenet5-mnist-sample-aaaa",
              {"dataset": "mnist-sample", "architecture": "lenet5", "learning_rate": 0.001},
              status="finished", history=[{"accuracy": 0.9, "val_accuracy": 0.86, "loss": 0.3, "val_loss": 0.4}],
              lab=lab)
    run.save()
    other_lab_run = Run("20261203-000000-lenet5-mnist-sample-bbbb", dict(run.config), status="finished",
                        history=[{"accuracy": 0.99, "val_accuracy": 0.98, "loss": 0.1, "val_loss": 0.1}],
                        lab="someone-else")
    other_lab_run.save()  # another lab's run does not count
    at.button(key="check_again").click().run()
    assert "86.0%" in page_text(at) and "at least 90.0%" in page_text(at)
    assert page_text(at).count("Not yet") == 1  # said once, not "Not yet. Not yet: ..."
    run.history.append({"accuracy": 0.95, "val_accuracy": 0.93, "loss": 0.2, "val_loss": 0.2})
    run.save()
    at.button(key="check_again").click().run()
    assert "Passed." in page_text(at) and "#aaaa" in page_text(at)


def test_hidden_controls_are_not_drawn_and_locked_ones_cannot_change():
    lab, at = start("overfitting")  # step 1 locks the validation split
    train = open_app_page("pages/train.py", lab)
    assert train.slider(key="validation_split_input").disabled
    assert train.slider(key="validation_split_input").value == 50
    assert train.number_input(key="epochs_input").value == 12
    lab, at = start("first-cnn")
    at.segmented_control(key="lesson_step_choice").set_value(2).run()
    train = open_app_page("pages/train.py", lab)
    keys = {w.key for w in train.selectbox} | {w.key for w in train.slider} | {w.key for w in train.number_input}
    assert "lr_schedule_input" not in keys and "augment_shift_input" not in keys and "seed_input" not in keys
    assert "optimizer_input" in keys and "epochs_input" in keys
    at.button(key="leave_lesson").click().run()
    train = open_app_page("pages/train.py", lab)
    assert train.selectbox(key="lr_schedule_input") and not train.slider(key="validation_split_input").disabled


def test_the_sidebar_shows_the_open_step_on_other_pages():
    lab, at = start("learning-rate")
    model = open_app_page("pages/model.py", lab)
    assert any("Lesson: The learning rate, step 1 of 4" in str(link.proto.label) for link in model.get("page_link"))
