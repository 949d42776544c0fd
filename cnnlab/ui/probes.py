"""The Inspect page's "Move it" tab: sliders that change the picture as a hand or a camera
would, the probabilities updating at once, and a sweep chart showing where the network stops
recognising it (cnnlab.probes does the work)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st

from cnnlab import probes
from cnnlab.charts.probes import sweep_chart
from cnnlab.images import enlarge
from cnnlab.inference import DEFAULT_THRESHOLD, Classifier, verdict
from cnnlab.ui.classify import probability_chart

NOTE = Path(__file__).resolve().parents[1] / "texts" / "invariance.md"
# Slider key -> (label, minimum, maximum, step, neutral value, help)
SLIDERS = {
    "shift_x": ("Shift right (pixels)", -10.0, 10.0, 1.0, 0.0, "negative: to the left"),
    "shift_y": ("Shift down (pixels)", -10.0, 10.0, 1.0, 0.0, "negative: up"),
    "rotation": ("Rotate (degrees)", -90.0, 90.0, 5.0, 0.0, "anticlockwise; negative: clockwise"),
    "scale": ("Size (times)", 0.4, 1.6, 0.05, 1.0, "below 1 shrinks the picture, above 1 enlarges it"),
    "thickness": ("Stroke thickness (pixels)", -1.0, 1.0, 0.25, 0.0, "added to each side of every stroke; "
                  "negative thins them"),
    "noise": ("Noise", 0.0, 0.5, 0.05, 0.0, "random brightness changes, as a share of full brightness"),
}
SWEEP_LABELS = {key: f"{label} ({unit})" for key, (label, unit, _) in probes.SWEEPS.items()}


def _key(what: str) -> str:
    return f"probe_{what}"


def _reset() -> None:
    for what, spec in SLIDERS.items():
        st.session_state[_key(what)] = spec[4]


@st.fragment
def show_probes(clf: Classifier, image: np.ndarray, label: str) -> None:
    """Sliders, the changed picture and its probabilities, then the sweep chart with its table.
    A fragment: moving a slider reruns only this part of the page."""
    st.markdown(f"Change the picture chosen on the **Feature maps** tab ({label}) the way a hand or a camera "
                "would, and watch whether the network still reads it.")
    sliders, picture_col, chart_col = st.columns([1.2, 0.8, 1.4], gap="medium")
    with sliders:
        values = {what: st.slider(spec[0], spec[1], spec[2], spec[4], step=spec[3], key=_key(what), help=spec[5],
                                  format="%d" if spec[3] >= 1 else "%.2f")
                  for what, spec in SLIDERS.items()}
        st.button("Reset", key="probe_reset", icon=":material/restart_alt:", on_click=_reset)
    change = probes.Change(**values)
    changed = probes.transform(image, change)
    probabilities = clf.probabilities(np.stack([image, changed]))
    original, now = probabilities
    first = int(np.argmax(original))
    answer = verdict(now, clf.classes, DEFAULT_THRESHOLD)
    with picture_col:
        st.image(enlarge(image, 140), caption="unchanged", width=140)
        st.image(enlarge(changed, 140), caption="changed", width=140)
    with chart_col:
        st.markdown(f"**{'Prediction: ' + answer.label if answer.sure else 'Not sure'}** — "
                    f"{clf.classes[first]} has {now[first]:.0%} (it had {original[first]:.0%} unchanged)")
        st.plotly_chart(probability_chart(now, clf.classes, answer.best, answer.sure, DEFAULT_THRESHOLD),
                        config={"displayModeBar": False}, key="probe_probabilities")

    st.markdown("#### Sweep: where does it stop recognising it?")
    what = st.segmented_control("Change step by step", list(SWEEP_LABELS), default="rotation", required=True,
                                format_func=lambda k: probes.SWEEPS[k][0], key="probe_sweep")
    base = probes.Change(**{k: v for k, v in values.items() if k != what})
    xs, probs = probes.sweep(clf.probabilities, image, what, base)
    neutral = SLIDERS[what][4]
    kept = probes.recognised_range(xs, probs, first, 0.5, centre=neutral)
    chart_col, table_col = st.columns([3, 2], gap="small")
    with chart_col:
        st.plotly_chart(sweep_chart(xs, probs, clf.classes, first, SWEEP_LABELS[what], kept, values[what]),
                        config={"displayModeBar": False}, key="probe_sweep_chart")
        unit = probes.SWEEPS[what][1]
        if kept is None:
            st.caption(f"Even unchanged (with the other sliders as they are), the network does not give "
                       f"{clf.classes[first]} half of the probability.")
        else:
            st.caption(f"The network still reads **{clf.classes[first]}** (on top, with at least 50%) from "
                       f"{kept[0]:g} to {kept[1]:g} {unit} (green band); the dotted line is the slider's value. "
                       "Each line is one class; the other sliders stay as they are.")
    with table_col:
        top = probs.argmax(axis=1)
        st.dataframe([{probes.SWEEPS[what][0]: f"{x:g}", "top class": clf.classes[t], "its P": p[t],
                       f"P({clf.classes[first]})": p[first]} for x, t, p in zip(xs, top, probs)],
                     hide_index=True, height=340,
                     column_config={"its P": st.column_config.NumberColumn(format="percent",
                                                                           help="the top class's probability"),
                                    f"P({clf.classes[first]})": st.column_config.NumberColumn(format="percent")})
    with st.expander("Why pooling gives only a little shift tolerance", icon=":material/school:"):
        st.markdown(NOTE.read_text(encoding="utf-8"))
