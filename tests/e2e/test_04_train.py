"""Scenario 4: train one epoch on the bundled MNIST sample and watch it: the progress bar moves,
the per-epoch chart fills in, and the test accuracy is shown at the end.
(Leaving the page during a training is scenario 5, on a training long enough to be sure it is still on.)"""
import re

from .helpers import MAIN, batches_counted, press_train, until_trained, wait_training_ended


def test_04_train_one_epoch(lab):
    lab.open("Home")
    lab.goto("Train")
    page_text = lab.text()
    lab.check("MNIST sample" in page_text and "LeNet-5" in page_text,
              "the Train page does not offer LeNet-5 on the MNIST sample (the defaults)", "defaults")
    # Batch size 8: 563 small steps, so the bar (redrawn every second) has time to move even on a
    # fast machine (a quiet Zen 4 did 282 steps of 16 in 3 s, and the bar was seen once); a slow one
    # takes about a minute.
    title = press_train(lab, epochs=1, batch_size=8)
    until_trained(lab, lambda: batches_counted(lab) or lab.metric("Test accuracy"),
                  "the progress bar counting batches", timeout=120)
    lab.page.locator('[data-testid="stProgress"]').last.scroll_into_view_if_needed()
    lab.shot("training")
    wait_training_ended(lab)
    lab.check(title in lab.text(), f"after training, the Train page does not show the run {title}")

    moved = sorted(set(batches_counted(lab)))
    lab.check(len(moved) >= 2, f"the progress bar did not move: it showed only {moved} "
              f"(states seen: {lab.progress_seen()[:6]})", "progress")

    accuracy = lab.metric("Test accuracy")
    lab.check(accuracy is not None and re.fullmatch(r"\d+(\.\d)?%", accuracy) is not None,
              f"no test accuracy shown (got {accuracy!r})", "test-accuracy")
    lab.check(float(accuracy[:-1]) > 50, f"test accuracy {accuracy} after one epoch: the training did not learn")
    lab.check(lab.metric("Epochs done") == "1 of 1", f"'Epochs done' shows {lab.metric('Epochs done')!r}")
    charts = lab.chart_traces()
    lab.check(any(chart["points"] > 0 for chart in charts), f"the per-epoch chart has no points: {charts}", "chart")
    lab.page.locator('[data-testid="stMetric"]').filter(has_text="Test accuracy").first.scroll_into_view_if_needed()
    lab.shot("finished")
    lab.page.locator(f"{MAIN} .js-plotly-plot").first.scroll_into_view_if_needed()
    lab.shot("per-epoch-chart")
    lab.assert_healthy("finished")
    lab.check("Last training: finished" in lab.sidebar_text(), "the sidebar does not say the training finished")
