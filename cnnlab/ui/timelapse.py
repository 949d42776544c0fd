"""The Inspect page's "Watch it learn" tab: the run's time-lapse snapshots (cnnlab.timelapse) with
an epoch slider and a Play button, beside the loss curve with the moment marked."""
from __future__ import annotations

import time

import numpy as np
import streamlit as st

from cnnlab.charts.timelapse import loss_with_marker
from cnnlab.inspection import kernel_pictures
from cnnlab.runs import Run
from cnnlab.timelapse import Snapshot, Timelapse, load_timelapse
from cnnlab.ui.widgets import image_grid

FRAME_SECONDS = 0.7
FRAME = "timelapse_frame"
PLAY = "timelapse_play"


@st.cache_data(max_entries=4, show_spinner=False)
def cached_timelapse(run_id: str, path: str, saved_at: float) -> Timelapse | None:
    from pathlib import Path

    return load_timelapse(Path(path))


def _play() -> None:
    st.session_state[PLAY] = True


@st.fragment
def show_timelapse(run: Run, saved_at: float) -> None:
    """A fragment: the slider and Play rerun only this tab's part of the page."""
    lapse = cached_timelapse(run.run_id, str(run.path), saved_at)
    if lapse is None:
        st.info("This run has no time-lapse: it was trained before cnnlab kept one, or imported, or stopped "
                "before its first snapshot. Train a network to watch it learn.", icon=":material/info:")
        return
    labels = [s.label for s in lapse.snapshots]
    playing = st.session_state.pop(PLAY, False)
    if playing or st.session_state.get(FRAME) not in labels:
        st.session_state[FRAME] = labels[-1]  # the slider ends where the film ends
    st.markdown("Snapshots taken while this network trained: before its first step, a few times during the first "
                "epoch (when it learns fastest) and after every epoch. Press **Play**, or drag the slider.")
    # While the film plays, a widget cannot move, so a bar in the slider's place shows where it is;
    # the slider comes back at the last frame when the film ends.
    controls = st.empty()
    names = [str(run.classes[int(y)]) for y in lapse.labels]
    which = None
    if lapse.snapshots[-1].maps is not None:
        which = st.segmented_control("Feature maps of the probe picture", names, default=names[0],
                                     key="timelapse_probe")
    probe = names.index(which) if which in names else 0
    last_epoch = max(lapse.snapshots[-1].epoch, len(run.history))
    slot = st.empty()
    if playing:
        for index, label in enumerate(labels):
            controls.progress((index + 1) / len(labels), text=f"Playing: {label} ({index + 1} of {len(labels)})")
            with slot.container():
                _frame(run, lapse, index, last_epoch, probe, f"play{index}")
            time.sleep(FRAME_SECONDS)
    with controls.container(horizontal=True, vertical_alignment="bottom"):
        st.button("Play", key="timelapse_play_button", icon=":material/play_arrow:", on_click=_play)
        chosen = st.select_slider("Moment", labels, key=FRAME, label_visibility="collapsed")
    with slot.container():
        _frame(run, lapse, labels.index(chosen), last_epoch, probe, "still")


def _frame(run: Run, lapse: Timelapse, index: int, last_epoch: float, probe: int, key: str) -> None:
    snap: Snapshot = lapse.snapshots[index]
    classes = run.classes
    st.markdown(f"**Showing: {snap.label}** ({index + 1} of {len(lapse.snapshots)})")
    curve_col, filters_col = st.columns([1, 1], gap="large")
    with curve_col:
        st.plotly_chart(loss_with_marker(run.history, snap.epoch, snap.label, last_epoch),
                        config={"displayModeBar": False}, key=f"timelapse_loss_{key}")
        right = [int(np.argmax(p)) == int(y) for p, y in zip(snap.probabilities, lapse.labels)]
        st.caption(f"The black line marks this moment on the loss curve. Of the {len(right)} probe pictures, "
                   f"{sum(right)} are read right here.")
    with filters_col:
        if snap.kernels is not None:
            st.markdown(f"**Kernels of {snap.layer}** (what each filter looks for)")
            pictures = kernel_pictures(snap.kernels)
            image_grid(pictures, [f"{i + 1}" for i in range(len(pictures))], columns=min(8, len(pictures)), min_side=48)
        else:
            st.caption("This network has no convolution layer: only its answers are shown.")
    st.markdown("**The probe pictures** (one test picture per class) and the probability the network gives "
                "the right class:")
    captions = [f"{classes[int(y)]}: {p[int(y)]:.0%}" for p, y in zip(snap.probabilities, lapse.labels)]
    image_grid(list(lapse.probes), captions, columns=len(lapse.probes), min_side=56)
    if snap.maps is not None:
        st.markdown(f"**Feature maps of the probe picture {classes[int(lapse.labels[probe])]}** (choose another "
                    "above)")
        maps = snap.maps[probe]
        image_grid([maps[:, :, c] for c in range(maps.shape[2])], [f"{c + 1}" for c in range(maps.shape[2])],
                   columns=8, min_side=56)
        st.caption(f"What {snap.layer}'s filters make of that picture at this moment (bright = strong response, "
                   "one scale for the whole snapshot). At first the maps are noisy copies of the picture; as "
                   "training goes on each filter picks out its own kind of stroke or edge.")
