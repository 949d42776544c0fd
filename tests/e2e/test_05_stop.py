"""Scenario 5: a long training goes on while the person looks at another page; Stop ends it within
seconds and the run is saved as 'stopped'."""
import re
import time

from .helpers import batches_counted, press_train, until_trained, wait_training_ended

STOP_WITHIN = 10  # seconds; Keras stops after the current batch (well under a second on a quiet machine)


def test_05_switch_pages_then_stop(lab):
    lab.open("Home")
    lab.goto("Train")
    title = press_train(lab, epochs=20)
    until_trained(lab, lambda: batches_counted(lab), "the progress bar counting batches", timeout=120)
    lab.shot("running")

    # Look at the Data page meanwhile: the sidebar says the training goes on.
    lab.goto("Data", idle=False)
    line = lab.wait_until(lambda: re.search(r"(Training|Queued|Last training)[^\n]*", lab.sidebar_text()),
                          "the sidebar's training line on the Data page", timeout=30)[0]
    lab.shot("data-page-during-training")
    lab.check(line.startswith("Training"), f"on the Data page the sidebar says {line!r}, not that it is training")

    lab.goto("Train", idle=False)
    lab.wait_until(lambda: title in lab.text(), f"the running training {title} back on the Train page")
    before = len(lab.progress_seen())
    until_trained(lab, lambda: len(lab.progress_seen()) > before and batches_counted(lab),
                  "the progress bar moving again back on the Train page", timeout=60)
    lab.check(lab.button_enabled("stop_button"), "back on the Train page the training is no longer running")
    lab.page.locator('[data-testid="stProgress"]').last.scroll_into_view_if_needed()
    lab.shot("still-running")

    lab.click("stop_button", idle=False)
    pressed = time.monotonic()
    wait_training_ended(lab, timeout=120)
    took = time.monotonic() - pressed
    print(f"the training stopped {took:.1f} s after Stop was pressed")
    lab.shot("stopped")
    lab.check(took <= STOP_WITHIN, f"the training took {took:.1f} s to stop after Stop (at most {STOP_WITHIN} s)")
    lab.check("stopped" in lab.text().lower(), "the Train page does not say the training was stopped")
    lab.assert_healthy("stopped")

    lab.goto("Runs")
    lab.select("run_choice", title)
    lab.page.locator('[data-testid="stMetric"]').filter(has_text="Status").first.scroll_into_view_if_needed()
    lab.shot("runs-stopped")
    status = lab.metric("Status")
    lab.check(status == "stopped", f"the Runs page shows the stopped run as {status!r}, not 'stopped'")
    table = lab.page.locator('[data-testid="stDataFrame"]').first.text_content()
    lab.check("stopped" in table, "the runs table does not list a stopped run")
