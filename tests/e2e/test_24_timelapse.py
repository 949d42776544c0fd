"""Scenario 24 (issue 12): on Inspect, play the time-lapse of a network trained in the app and watch
the moments go by beside the loss curve."""
import re

from .helpers import open_with_a_model

SHOWING = re.compile(r"Showing: ([^(\n]+?) \((\d+) of (\d+)\)")


def test_24_timelapse_play(lab):
    open_with_a_model(lab, "Inspect")
    tab = lab.wait_for(lab.page.get_by_role("tab", name="Watch it learn"), "the Watch it learn tab")
    tab.click()
    lab.wait_idle(timeout=60)
    first = lab.wait_until(lambda: SHOWING.search(lab.text()), "the 'Showing: ...' line of the time-lapse", 30)
    total = int(first[3])
    lab.check(total >= 3, f"the time-lapse has only {total} snapshots (expected before training, some inside "
                          "epoch 1 and the end of each epoch)", "snapshots")
    lab.widget("timelapse_play_button").scroll_into_view_if_needed()
    lab.shot("timelapse-last")

    lab.click("timelapse_play_button", idle=False)
    seen, bar = [], []
    def moments():
        text = lab.text()
        found = SHOWING.search(text)
        if found and f"Playing: {found[1]} ({found[2]} of {found[3]})" in text:
            bar.append(found[1])  # the bar in the slider's place says which moment is showing
        if found and (not seen or seen[-1] != found[1]):
            seen.append(found[1])
            if len(seen) == 2:
                lab.shot("timelapse-playing")
        return len(seen) >= 3 and seen[-1] == first[1]
    lab.wait_until(moments, lambda: f"the film to play through to {first[1]!r} (seen: {seen})", timeout=60, every=0.1)
    lab.check("before training" in seen, f"the film did not start before training: {seen}", "start")
    lab.check(len(set(bar)) >= 2, f"while playing, the bar did not follow the moments shown: {bar}", "bar")
    lab.wait_idle(timeout=60)
    lab.page.locator(".st-key-timelapse_probe").first.scroll_into_view_if_needed()
    lab.shot("timelapse-probes")
    lab.assert_healthy("timelapse")
