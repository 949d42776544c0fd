"""The process-wide store of lab choices (cnnlab.ui.state): labs nobody visits leave memory."""
from __future__ import annotations

from cnnlab import labs
from cnnlab.ui import state


def test_a_lab_idle_for_a_day_leaves_memory_but_keeps_its_choices_on_disk():
    idle, visited = labs.new_lab_id(), labs.new_lab_id()
    old = state.choices_for(idle)
    old.dataset = "fashion-sample"  # changed, and not yet written to disk
    old.last_seen -= state.IDLE_LIMIT_S + 1
    kept = state.choices_for(visited)
    kept.last_seen -= state.IDLE_LIMIT_S - 60  # visited a minute within the limit
    state.choices_for(labs.new_lab_id())  # any visit sweeps the idle ones out
    store, _, _ = state._lab_store()
    assert idle not in store and visited in store
    again = state.choices_for(idle)  # back a day later: read from the labs folder
    assert again is not old and again.dataset == "fashion-sample"
    assert state.choices_for(visited) is kept
