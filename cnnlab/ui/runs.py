"""The Runs page's pieces: whose run it is, and comparing a few runs' curves and settings (the class
board shows what differs too)."""
from __future__ import annotations

import streamlit as st

from cnnlab.charts.training import compare_runs
from cnnlab.config import setting_label, setting_text
from cnnlab.curves import settings_that_differ
from cnnlab.runs import NotYourRun, Run, check_lab_may_change
from cnnlab.ui.state import choices, lab_id

MAX_COMPARED = 4
TIME = "training time"  # a column of seconds: a number, so that clicking its name sorts 9 s before 1 min 5 s


def time_column(help: str) -> st.column_config.NumberColumn:
    return st.column_config.NumberColumn(format="%d s", help=help)


def use_as_current(run_id: str) -> None:
    choices().run_id = run_id


def trained_by(run: Run) -> str:
    """Whose run it is, in words that never name another lab."""
    if run.lab is None:
        return "no lab (command line)"
    return "this lab" if run.lab == lab_id() else "another lab"


def why_read_only(run: Run) -> str | None:
    """Why this lab may not stop or delete `run`, or None when it may."""
    try:
        check_lab_may_change(run, lab_id())
    except NotYourRun:
        return ("Another lab trained this run: you can look at it, compare it and use it as your model, "
                "but only that lab can stop or delete it." if run.lab is not None else
                "This run was trained outside the app (the command line, or an older cnnlab): you can look at "
                "it, compare it and use it, but no lab can stop or delete it here.")
    return None



def compare_section(runs: list[Run], by_id: dict[str, Run]) -> None:
    """Pick up to MAX_COMPARED runs; their curves overlaid, and the settings that tell them apart."""
    chosen = choices()
    with_curves = [run.run_id for run in runs if run.history]
    if len(with_curves) < 2:
        st.info("Comparing needs two runs that finished at least one epoch. Train another one, changing a "
                "single setting.", icon=":material/info:")
    else:
        stored = chosen.compare_runs
        if "compare_runs" in st.session_state:  # drop runs deleted since
            st.session_state["compare_runs"] = [i for i in st.session_state["compare_runs"] if i in with_curves]
        else:
            kept = [i for i in stored or [] if i in with_curves]
            st.session_state["compare_runs"] = kept if stored is not None else with_curves[:2]
        picked_ids = st.multiselect(f"Runs to compare (up to {MAX_COMPARED})", with_curves, key="compare_runs",
                                    max_selections=MAX_COMPARED, format_func=lambda i: by_id[i].title)
        chosen.compare_runs = picked_ids
        picked = [by_id[i] for i in picked_ids]
        left, right = st.columns(2)
        metric = left.segmented_control("Measure", ["accuracy", "loss"], default="accuracy", key="compare_metric",
                                        required=True)
        curves = right.segmented_control("Curves", ["validation", "training"], selection_mode="multi",
                                         default=["validation", "training"], key="compare_curves")
        st.plotly_chart(compare_runs(picked, metric or "accuracy", curves or ["validation"]))
        st.caption("One colour per run. Solid lines: validation pictures (never trained on), the fairer "
                   "measure; dashed lines: training pictures. The run whose solid line ends highest (for "
                   "accuracy) or lowest (for loss) does best on new pictures; a dashed line far above its "
                   "solid line means that run memorises (overfits).")
        if len(picked) >= 2:
            what_differs(picked)


def what_differs(runs: list[Run]) -> None:
    """A table of only the settings that differ between `runs`, then what came out."""
    differ = settings_that_differ([run.config for run in runs])
    if differ:
        st.markdown("**What was different**")
        st.dataframe(
            [{"run": run.title, **{setting_label(k): setting_text(k, run.config.get(k)) for k in differ},
              "test accuracy": run.test_accuracy} for run in runs],
            hide_index=True, width="stretch",
            column_config={"test accuracy": st.column_config.NumberColumn(format="percent")},
        )
        st.caption("Only the settings that differ between these runs, then what came out. When only "
                   "one setting differs, the difference in the curves is its effect (plus a little "
                   "chance).")
    else:
        st.caption("These runs used exactly the same settings, seed included: the same settings and "
                   "seed give the same first epoch, so any difference is chance in later epochs.")
