"""The process-wide store of lab choices (cnnlab.ui.state): one LabChoices per browser lab."""
from __future__ import annotations

import uuid

from cnnlab.ui import state


def test_a_lab_idle_for_a_day_is_forgotten_and_a_visited_one_kept():
    idle, visited = (f"lab{uuid.uuid4().hex[:8]}" for _ in range(2))
    old = state.choices_for(idle)
    old.dataset = "fashion-sample"
    old.last_seen -= state.IDLE_LIMIT_S + 1
    kept = state.choices_for(visited)
    kept.last_seen -= state.IDLE_LIMIT_S - 60  # visited a minute within the limit
    state.choices_for(f"lab{uuid.uuid4().hex[:8]}")  # any visit sweeps the idle ones out
    again = state.choices_for(idle)
    assert again is not old and again.dataset == state.DEFAULT_DATASET
    assert state.choices_for(visited) is kept
