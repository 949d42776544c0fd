"""A class on one server: N students each start a small training at once and keep switching pages.

    .venv/bin/python bench/classroom.py --students 10                 # the local backend
    .venv/bin/python bench/classroom.py --students 30
    .venv/bin/python bench/classroom.py --students 10 --backend ray   # a private local Ray cluster

It starts the app (`streamlit run app.py`, empty runs folder, no network) and drives N browser
sessions over Streamlit's own websocket protocol, as a browser does: each session has its own
lab (`?lab=...`), opens the Train page, sets 1 epoch (LeNet-5 on the bundled MNIST sample,
batch size 128) and a learning rate of its own, presses
Train, then switches between Home, Data, Model, Train and Runs every few seconds, answering the
page's live-refresh requests (the Train page's panel and the sidebar poll every 1-2 s) until its
training has ended or the class is over (--minutes). Printed:
  - trainings finished / failed / still training / still queued / lost (a student whose Train page
    no longer shows their training), the highest place in line seen;
  - page response while training: p50 / p95 / max of the time from asking for a page to the
    server having sent all of it (what a student waits for);
  - cross-talk: a session that ever sees another session's run (every session's learning rate
    is unique, and run titles show it) or no run of its own;
  - the web process's memory (resident, MB): at the start and at its peak.
Raw figures go to bench/output/classroom-<backend>-<N>.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402  (bench/common.py: paths, machine description, tables)
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

from cnnlab import launcher  # noqa: E402

PAGES = ("", "data", "model", "train", "runs")  # url paths of the pages a student wanders through
BASE_LEARNING_RATE = 0.001
THINK_SECONDS = (2.0, 5.0)
PAGE_TIMEOUT = 60.0  # a student looks at a page this long before switching
FINISHED = ForwardMsg.DESCRIPTOR.fields_by_name["script_finished"].enum_type.values_by_name


def start_app(backend: str, runs_dir: Path, log_path: Path) -> tuple[subprocess.Popen, int]:
    port = launcher.free_port()
    home = Path(tempfile.mkdtemp(prefix="cnnlab-classroom-"))
    env = dict(CNNLAB_BACKEND=backend, CNNLAB_RUNS_DIR=str(runs_dir), HOME=str(home),
               CNNLAB_DATA_DIR=str(home / "data"), CNNLAB_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="2",
               CNNLAB_MAX_QUEUE="100")
    if backend == "ray":
        env["CNNLAB_RAY_ADDRESS"] = os.environ.get("CNNLAB_RAY_ADDRESS", "local")
    process = launcher.start_app(port, env, log=open(log_path, "w"), watch_files=False)
    if not launcher.answers(f"http://127.0.0.1:{port}/_stcore/health", time.perf_counter() + 120, process):
        launcher.stop_app(process)
        raise RuntimeError("the app did not start:\n" + log_path.read_text()[-2000:])
    return process, port


def resident_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0.0


class Student:
    """One browser session, speaking Streamlit's websocket protocol."""

    def __init__(self, number: int, port: int, results: dict, deadline: float):
        self.deadline = deadline
        self.number = number
        self.lab = f"student{number:03d}"
        self.learning_rate = round(BASE_LEARNING_RATE + number * 1e-5, 6)
        self.url = f"ws://127.0.0.1:{port}/_stcore/stream"
        self.results = results
        self.pages: dict[str, str] = {}  # url path -> page script hash
        self.widgets: dict[str, str] = {}  # user key -> widget id
        self.text = ""  # everything the last full run of a page showed
        self.fragments: dict[str, float] = {}  # live-refresh fragment id -> interval
        self.finished = asyncio.Event()
        self.page = ""
        self.running = ""  # the page script hash of the run the server is sending now
        self.ended = False
        self.seen_titles: set[str] = set()

    async def send_rerun(self, page: str, widget_states=(), fragment_id: str = "") -> None:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = f"lab={self.lab}"
        state.page_script_hash = self.pages.get(page, "")
        state.widget_states.widgets.extend(widget_states)
        if fragment_id:
            state.fragment_id = fragment_id
            state.is_auto_rerun = True
        await self.ws.send(msg.SerializeToString())

    def _mine(self) -> bool:
        """Whether what arrives belongs to the page asked for last (not to a run of the page before,
        which the server may still be finishing, e.g. one a live panel asked for as its training ended)."""
        return self.pages.get(self.page, "") in ("", self.running)

    async def open_page(self, page: str, widget_states=()) -> float:
        """Ask for a whole page; seconds until the server has sent all of it (PAGE_TIMEOUT, counted
        as a timeout, when it has not by then: the student gives up waiting and goes on)."""
        self.page, self.fragments, self.text = page, {}, ""
        self.finished.clear()
        asked = time.perf_counter()
        await self.send_rerun(page, widget_states)
        try:
            await asyncio.wait_for(self.finished.wait(), timeout=PAGE_TIMEOUT)
        except asyncio.TimeoutError:
            self.results["page_timeouts"] += 1
        return time.perf_counter() - asked

    async def listen(self) -> None:
        async for raw in self.ws:
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "navigation":  # sent at the start of every run of a whole page
                self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
                self.running = msg.navigation.page_script_hash
            elif not self._mine():
                continue
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                widget = getattr(element, element.WhichOneof("type") or "", None)
                widget_id = getattr(widget, "id", "") if widget is not None else ""
                if widget_id:
                    self.widgets[widget_id.rsplit("-", 1)[-1]] = widget_id
                self.text += str(element)
                self._check_titles(str(element))
            elif kind == "auto_rerun":
                self.fragments[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
            elif kind == "script_finished":
                if msg.script_finished == FINISHED["FINISHED_SUCCESSFULLY"].number:
                    self.finished.set()

    def _check_titles(self, text: str) -> None:
        # Run titles read '... on mnist-sample, lr 0.00101, batch 32 (#3f2a)'.
        for rate in re.findall(r"on mnist-sample, lr ([0-9.e-]+), batch", text):
            self.seen_titles.add(rate)
            if float(rate) != self.learning_rate and self.page == "train":
                self.results["cross_talk"].append(f"{self.lab} saw a run with lr {rate} on its Train page")

    async def poll_fragments(self) -> None:
        """What the browser does for `st.fragment(run_every=...)`: ask for the fragment again; not
        while a whole page is on its way (the browser drops a page's timers when it asks for
        another, and a fragment of the page before would only be refused)."""
        last: dict[str, float] = {}
        while not self.ended:
            now = time.monotonic()
            for fragment, interval in list(self.fragments.items()):
                if not self.finished.is_set() or fragment not in self.fragments:
                    break
                if now - last.get(fragment, 0) >= interval:
                    last[fragment] = now
                    await self.send_rerun(self.page, fragment_id=fragment)
            await asyncio.sleep(0.25)

    async def attend(self, start_together: asyncio.Event) -> None:
        import websockets

        async with websockets.connect(self.url, subprotocols=["streamlit"], max_size=None,
                                      open_timeout=120, ping_interval=None) as self.ws:
            listener = asyncio.create_task(self.listen())
            poller = asyncio.create_task(self.poll_fragments())
            await self.open_page("")
            await self.open_page("train")
            await start_together.wait()
            keys = ("epochs_input", "learning_rate_input", "batch_size_input", "train_button")
            epochs, rate, batch, train = (self.widgets.get(k) for k in keys)
            if not (epochs and rate and batch and train):
                self.results["errors"].append(f"{self.lab}: the Train page lacks one of the widgets {keys}")
                self.ended = True
                return
            # What a student types: 1 epoch, batch size 128, and a learning rate nobody else uses.
            states = [WidgetState(id=epochs, double_value=1), WidgetState(id=rate, double_value=self.learning_rate),
                      WidgetState(id=batch, string_value="128"), WidgetState(id=train, trigger_value=True)]
            self.results["submitted_at"][self.lab] = time.time()
            await self.open_page("train", states)
            if "already has a training" in self.text or "server is full" in self.text:
                self.results["refused"].append(self.lab)
            while time.monotonic() < self.deadline:
                await asyncio.sleep(random.uniform(*THINK_SECONDS))
                page = random.choice(PAGES)
                self.results["page_seconds"].append(await self.open_page(page))
                queued = re.search(r"Queued: (\d+)", self.text)
                if queued:
                    self.results["queue_peak"] = max(self.results["queue_peak"], int(queued.group(1)))
                if re.search(r"Last training: (finished|stopped|failed|diverged)", self.text):
                    break
            await self.open_page("train")
            # Where its training is now, as its own Train page says.
            state = re.search(r"Last training: (\w+)|Training: (epoch|loading|stopping)|Queued: (\d+)", self.text)
            self.results["states"][self.lab] = (
                "not shown" if not state else state.group(1) or ("queued" if state.group(3) else "training"))
            if str(self.learning_rate) not in self.seen_titles:
                self.results["cross_talk"].append(f"{self.lab} never saw its own run")
            self.ended = True
            poller.cancel()
            listener.cancel()


async def classroom(students: int, port: int, app_pid: int, minutes: float) -> dict:
    results = {"page_seconds": [], "page_timeouts": 0, "cross_talk": [], "errors": [], "refused": [], "queue_peak": 0,
               "submitted_at": {}, "states": {}, "memory_mb": [resident_mb(app_pid)]}
    start_together = asyncio.Event()
    deadline = time.monotonic() + minutes * 60
    crowd = [Student(i + 1, port, results, deadline) for i in range(students)]
    tasks = [asyncio.create_task(s.attend(start_together)) for s in crowd]

    async def sample_memory():
        while True:
            results["memory_mb"].append(resident_mb(app_pid))
            await asyncio.sleep(1)

    sampler = asyncio.create_task(sample_memory())
    while sum(1 for s in crowd if "train_button" in s.widgets) + sum(t.done() for t in tasks) < students:
        await asyncio.sleep(0.2)
    results["opened_at"] = time.time()
    start_together.set()
    for task in asyncio.as_completed(tasks):
        try:
            await task
        except Exception as e:  # noqa: BLE001 - one student's failure is a figure, not the end
            results["errors"].append(f"{type(e).__name__}: {e}")
    sampler.cancel()
    results["ended_at"] = time.time()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--backend", default="local", choices=("local", "threads", "ray"))
    parser.add_argument("--minutes", type=float, default=6.0,
                        help="the class lasts this long: trainings not ended by then are counted as still queued or "
                             "training (as each student's Train page shows them), not as lost")
    args = parser.parse_args()

    runs_dir = Path(tempfile.mkdtemp(prefix="cnnlab-classroom-runs-"))
    log_path = runs_dir.parent / f"classroom-{args.backend}-{args.students}.log"
    common.say(f"starting the app ({args.backend} backend), {args.students} students; log: {log_path}")
    before = common.load_average()
    app, port = start_app(args.backend, runs_dir, log_path)
    try:
        results = asyncio.run(classroom(args.students, port, app.pid, args.minutes))
    finally:
        launcher.stop_app(app)
    statuses = []
    for folder in runs_dir.iterdir():
        try:
            statuses.append(json.loads((folder / "run.json").read_text())["status"])
        except (OSError, ValueError, KeyError):
            continue
    states = list(results["states"].values())
    seconds = results["page_seconds"]
    figures = {
        "backend": args.backend, "students": args.students,
        "finished": statuses.count("finished"), "failed": statuses.count("failed"),
        "training": states.count("training"), "queued": states.count("queued"),
        # Lost: a student whose Train page shows no training of theirs at the end.
        "lost": args.students - len([s for s in states if s != "not shown"]), "refused": len(results["refused"]),
        "queue_peak": results["queue_peak"], "page_requests": len(seconds),
        "page_p50_s": round(common.percentile(seconds, 50), 3) if seconds else None,
        "page_p95_s": round(common.percentile(seconds, 95), 3) if seconds else None,
        "page_max_s": round(max(seconds), 3) if seconds else None,
        "page_timeouts_60s": results["page_timeouts"],
        "cross_talk": len(results["cross_talk"]), "errors": len(results["errors"]),
        "web_memory_start_mb": round(results["memory_mb"][0]), "web_memory_peak_mb": round(max(results["memory_mb"])),
        "minutes": round((results["ended_at"] - results["opened_at"]) / 60, 1),
        "load_average": common.load_average()[0],
    }
    print(common.table(list(figures), [list(figures.values())]))
    for line in results["cross_talk"] + results["errors"]:
        print(" -", line)
    path = common.write_json(f"classroom-{args.backend}-{args.students}",
                             {"machine": common.machine(), "load_before": before, "load_after": common.load_average(),
                              "figures": figures, "cross_talk": results["cross_talk"], "errors": results["errors"],
                              "page_seconds": seconds, "memory_mb": results["memory_mb"]})
    common.say(f"raw figures: {path}")


if __name__ == "__main__":
    main()
