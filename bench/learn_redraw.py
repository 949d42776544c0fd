"""How quickly does the Convolution explorer redraw when the student moves the scrubber or changes
the kernel? Server time, p50 and p95.

The page runs in Streamlit's AppTest (the real app.py, navigation and sidebar included), in this
process, so the server's own work can be timed from inside:

- moving the scrubber reruns only its fragment in the browser: the time of the fragment's body
  (the window, the products, their sum, three charts and their tables, all sent), measured by
  wrapping `st.fragment`;
- changing the kernel reruns the whole page: the time of the whole script run, measured by
  wrapping Streamlit's ScriptRunner.

Two pictures: a 28x28 grey one (mnist-sample's first test picture; target < 150 ms) and a
32x32x3 colour one (the "colour blocks" test picture; target < 400 ms), with the Sobel x kernel,
stride 1, valid padding.

    .venv/bin/python bench/learn_redraw.py            # 60 scrubber moves and 30 kernel changes per picture
    .venv/bin/python bench/learn_redraw.py --quick    # smoke test: 10 and 6
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import common

KERNELS = ("identity", "blur", "sharpen", "Sobel x", "Sobel y", "outline")
TARGETS_MS = {"28x28 grey": 150, "32x32x3 colour": 400}


def instrument():
    """Wrap st.fragment and the script runner so that each run records its seconds."""
    import streamlit as st
    from streamlit.runtime.scriptrunner import script_runner

    # Wall-clock seconds, and the CPU seconds of the thread that ran it: on a shared, busy machine the
    # wall clock includes waiting for a core; the thread's CPU time does not.
    times = {"fragment": [], "script": [], "fragment_cpu": [], "script_cpu": []}
    real_fragment = st.fragment

    def timed_fragment(func=None, **options):
        def wrap(body):
            def timed(*args, **kwargs):
                start, cpu = time.perf_counter(), time.thread_time()
                try:
                    return body(*args, **kwargs)
                finally:
                    times["fragment"].append(time.perf_counter() - start)
                    times["fragment_cpu"].append(time.thread_time() - cpu)
            timed.__name__, timed.__qualname__, timed.__module__ = body.__name__, body.__qualname__, body.__module__
            return real_fragment(timed, **options)
        return wrap(func) if func is not None else wrap

    st.fragment = timed_fragment
    real_run = script_runner.ScriptRunner._run_script

    def timed_run(self, rerun_data):
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            return real_run(self, rerun_data)
        finally:
            times["script"].append(time.perf_counter() - start)
            times["script_cpu"].append(time.thread_time() - cpu)

    script_runner.ScriptRunner._run_script = timed_run
    return times


def open_page(lab: str, colour: bool):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(common.REPO / "app.py"), default_timeout=120)
    at.session_state["lab_id"] = lab
    at.run()
    at.switch_page("pages/learn_convolution.py").run()
    if colour:
        at.radio(key="learn_picture_source").set_value("test").run()
        at.selectbox(key="learn_test_picture").set_value("colour blocks").run()
    assert not at.exception, at.exception
    return at


def measure(case: str, moves: int, changes: int, times: dict) -> dict:
    at = open_page(f"bench{case.split()[0].replace('x', '')}", colour="colour" in case)
    positions = int(at.slider(key="learn_conv_position").max)
    for name in times:
        times[name].clear()
    for step in range(moves):  # scrub: a different position each time, as a dragged slider sends them
        at.slider(key="learn_conv_position").set_value(1 + (step * 37) % positions).run()
    scrub, scrub_cpu = list(times["fragment"]), list(times["fragment_cpu"])
    for name in times:
        times[name].clear()
    for step in range(changes):
        at.selectbox(key="learn_conv_kernel").set_value(KERNELS[step % len(KERNELS)]).run()
    change, change_cpu = list(times["script"]), list(times["script_cpu"])
    assert not at.exception, at.exception
    ms = lambda values: [round(v * 1000, 2) for v in values]  # noqa: E731
    return {"case": case, "scrubber_ms": ms(scrub), "scrubber_cpu_ms": ms(scrub_cpu),
            "kernel_change_ms": ms(change), "kernel_change_cpu_ms": ms(change_cpu)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke test: few repetitions")
    args = parser.parse_args()
    moves, changes = (10, 6) if args.quick else (60, 30)
    common.use_private_runs_dir()
    os.environ.setdefault("CNNLAB_OFFLINE", "1")
    sys.path.insert(0, str(common.REPO))
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    times = instrument()
    load_before = common.load_average()
    results = []
    for case in TARGETS_MS:
        common.say(f"{case}: {moves} scrubber moves, {changes} kernel changes...")
        results.append(measure(case, moves, changes, times))
    load_after = common.load_average()
    rows = []
    for result in results:
        for what, key in (("move the scrubber (fragment)", "scrubber_ms"), ("change the kernel (whole page)",
                                                                             "kernel_change_ms")):
            values, cpu = result[key], result[key.replace("_ms", "_cpu_ms")]
            rows.append([result["case"], what, len(values), f"{common.median(values):.0f}",
                         f"{common.percentile(values, 95):.0f}", f"{common.median(cpu):.0f}",
                         f"{common.percentile(cpu, 95):.0f}", f"< {TARGETS_MS[result['case']]}"])
    print(common.table(["picture", "redraw after", "runs", "p50 ms", "p95 ms", "CPU p50 ms", "CPU p95 ms",
                        "target ms"], rows))
    print(f"\nload average before {load_before}, after {load_after}")
    common.write_json("learn_redraw", {"machine": common.machine(), "load_before": load_before,
                                       "load_after": load_after, "results": results})


if __name__ == "__main__":
    main()
