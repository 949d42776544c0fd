"""How long does a page rerun take with an image folder of many classes chosen?

The Model and Train pages ask for the chosen dataset's description (`dataset_info`) on every
rerun, that is on every click. For a folder that means its listing: every class folder, every
file name and, to tell grey from colour, every picture's header. This builds a folder of
10,000 classes (2 small PNG files each), then times `dataset_info` (first call, then repeated)
and real reruns of the Model and Train pages (Streamlit's AppTest), and prints medians.

    .venv/bin/python bench/folder_listing.py
    .venv/bin/python bench/folder_listing.py --classes 2000 --repeats 3
"""
from __future__ import annotations

import argparse
import io
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import common


def make_folder(root: Path, classes: int, per_class: int) -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (8, 8), 128).save(buffer, "PNG")
    picture = buffer.getvalue()
    for c in range(classes):
        folder = root / f"class{c:05d}"
        folder.mkdir(parents=True)
        for i in range(per_class):
            (folder / f"{i}.png").write_bytes(picture)


def timed(what, repeats: int) -> list[float]:
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        what()
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--classes", type=int, default=10_000)
    parser.add_argument("--per-class", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    result = {"machine": common.machine(), "classes": args.classes, "per_class": args.per_class}
    with tempfile.TemporaryDirectory(prefix="cnnlab-bench-folder-") as tmp:
        os.environ["CNNLAB_RUNS_DIR"] = str(Path(tmp) / "runs")
        root = Path(tmp) / "many-classes"
        common.say(f"making {args.classes:,} class folders ...")
        make_folder(root, args.classes, args.per_class)
        name = f"folder:{root}"

        from streamlit.testing.v1 import AppTest

        from cnnlab.datasets import dataset_info
        from cnnlab.ui.state import choices_for

        first = timed(lambda: dataset_info(name), 1)[0]
        again = timed(lambda: dataset_info(name), args.repeats)
        rows = [["dataset_info, first call", f"{first:.3f}"],
                ["dataset_info, again (median)", f"{common.median(again):.3f}"]]
        result.update(dataset_info_first_s=first, dataset_info_again_s=again)
        for page in ("pages/model.py", "pages/train.py"):
            lab = f"bench{page.split('/')[1][:-3]}"
            choices_for(lab).dataset = name
            app = AppTest.from_file(str(common.REPO / "app.py"), default_timeout=300)
            app.session_state["lab_id"] = lab
            app.run()
            app.switch_page(page).run()
            if app.exception:
                raise SystemExit(f"{page}: {app.exception}")
            reruns = timed(app.run, args.repeats)
            result[f"{page}_rerun_s"] = reruns
            rows.append([f"{page} rerun (median)", f"{common.median(reruns):.3f}"])
    result["load_after"] = common.load_average()
    path = common.write_json("folder_listing", result)
    print(common.table(["what", "seconds"], rows))
    print(f"\n{args.classes:,} classes x {args.per_class} files; load average before/after "
          f"{result['machine']['load_average']} / {result['load_after']}. Raw figures: {path}")


if __name__ == "__main__":
    sys.exit(main())
