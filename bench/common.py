"""What every benchmark shares: setting up, describing the machine, timing, tables, JSON output.

Each script in bench/ runs on its own (`.venv/bin/python bench/<name>.py`), prints a table and
writes its raw figures to bench/output/<name>.json. Datasets come from the usual places
(CNNLAB_DATA_DIR, ~/.cnnlab/data, Keras's cache); runs go to CNNLAB_RUNS_DIR, or to a temporary
folder deleted at exit, so benchmarks never fill a user's run list.

Timings on a shared machine are noisy: scripts alternate the things they compare, repeat them,
quote medians, and record the load average before and after, so a reader can judge the figures.
"""
from __future__ import annotations

import atexit
import datetime
import json
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUTPUT = REPO / "bench" / "output"
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # run from a checkout, without installing cnnlab

# Before TensorFlow is imported anywhere: hide its start-up chatter (not oneDNN itself).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def use_private_runs_dir() -> Path:
    """Runs go to CNNLAB_RUNS_DIR if set, else to a temporary folder removed at exit."""
    if os.environ.get("CNNLAB_RUNS_DIR"):
        return Path(os.environ["CNNLAB_RUNS_DIR"])
    folder = Path(tempfile.mkdtemp(prefix="cnnlab-bench-runs-"))
    os.environ["CNNLAB_RUNS_DIR"] = str(folder)
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def cpu_model() -> str:
    from cnnlab.precision import cpu_info

    return cpu_info().get("model name") or platform.processor() or "unknown"


def peak_flops() -> tuple[float, str]:
    """(floating-point operations per second the CPU could do at most in float32, how that was
    worked out): cores x clock x operations per cycle per core. A core with AVX-512 does two
    16-wide fused multiply-adds per cycle (64 operations), with AVX2 and FMA two 8-wide ones (32),
    else assume 8. The clock is what /proc/cpuinfo says now (a virtual machine often reports the
    base clock; turbo would make the true peak higher and our fraction of it lower)."""
    from cnnlab.precision import cpu_info

    info = cpu_info()
    flags = set(info.get("flags", "").split())
    try:
        mhz = float(info.get("cpu MHz", 0))
    except ValueError:
        mhz = 0.0
    per_cycle = 64 if "avx512f" in flags else 32 if {"avx2", "fma"} <= flags else 8
    cores = os.cpu_count() or 1
    how = f"{cores} cores x {mhz / 1000:.2f} GHz x {per_cycle} float32 operations per cycle"
    return cores * mhz * 1e6 * per_cycle, how


def machine(with_tensorflow: bool = False) -> dict:
    """Where and when the figures were taken."""
    info = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "cpu": cpu_model(), "cores": os.cpu_count(), "python": platform.python_version(),
        "load_average": load_average(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
    }
    if with_tensorflow:
        import keras
        import numpy
        import tensorflow as tf

        info.update(tensorflow=tf.__version__, keras=keras.__version__, numpy=numpy.__version__)
    return info


class Stopwatch:
    """Wall-clock and this process's CPU seconds (all threads) since start.

    CPU seconds divided by the cores used estimate what the wall time would be on an idle
    machine, which helps when other people's jobs share the cores."""

    def __init__(self):
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()

    @property
    def wall(self) -> float:
        return time.perf_counter() - self.wall0

    @property
    def cpu(self) -> float:
        return time.process_time() - self.cpu0


def peak_rss_mb() -> float:
    """This process's peak resident memory (Linux reports ru_maxrss in kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median(values) -> float:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def percentile(values, q: float) -> float:
    """q in 0..100, linear interpolation between closest ranks (as numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def table(headers: list[str], rows: list[list]) -> str:
    """A Markdown table (readable in a terminal, pasteable into RESULTS.md)."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = lambda row: "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |"  # noqa: E731
    return "\n".join([line(headers), "| " + " | ".join("-" * w for w in widths) + " |", *map(line, cells)])


def write_json(name: str, data: dict) -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return path


def say(*parts) -> None:
    """Progress lines go to stderr (stdout keeps the table), flushed at once."""
    print(*parts, file=sys.stderr, flush=True)


def arguments(parser, quick: str, cut_data: bool = True):
    """Add --quick to `parser` (`quick` says what the smoke test does), parse the command line and
    set up: with --quick every dataset is cut to its first images (unless `cut_data` is False);
    runs go to a private folder (use_private_runs_dir)."""
    parser.add_argument("--quick", action="store_true", help=f"smoke test: {quick}")
    args = parser.parse_args()
    if args.quick and cut_data:
        quick_subset()
    use_private_runs_dir()
    return args


def quick_subset(train_size: int = 2048, test_size: int = 512) -> None:
    """Smoke-test mode: every dataset cnnlab loads is cut to its first images.

    Only for checking that a script runs end to end (--quick); never for figures."""
    import dataclasses

    import cnnlab.datasets as datasets

    original = datasets.load_dataset
    if getattr(original, "_quick", False):
        return

    def load_dataset(name, **kwargs):
        full = original(name, **kwargs)
        info = dataclasses.replace(full.info, train_size=min(train_size, len(full.y_train)),
                                   test_size=min(test_size, len(full.y_test)))
        return dataclasses.replace(full, info=info, x_train=full.x_train[:train_size],
                                   y_train=full.y_train[:train_size], x_test=full.x_test[:test_size],
                                   y_test=full.y_test[:test_size])

    load_dataset._quick = True
    datasets.load_dataset = load_dataset


def _quiet_tensorflow_logger() -> None:
    # Each benchmark builds many models on purpose; TensorFlow's "retracing" advice is noise here.
    import logging

    logging.getLogger("tensorflow").setLevel(logging.ERROR)


_quiet_tensorflow_logger()
