"""How much memory and time does one uploaded picture cost on its way to the network?

The Classify page and `python -m cnnlab predict` both read a file with `read_image`, prepare it
for a digit model and a photo model (`prepare`), and the page also makes the previews it sends
to the browser. Each case runs in a fresh Python process: the figure is the peak resident memory
(the kernel's VmHWM) above what the process held once its modules were imported, so Pillow's and
NumPy's C allocations count too (tracemalloc would miss Pillow's). VmHWM rather than ru_maxrss:
ru_maxrss survives exec, so a child would inherit the peak of the parent that made the files. The
files are made here: a 165 KB
6300 x 6300 PNG that is mostly see-through, and other big or odd pictures.

    .venv/bin/python bench/upload_memory.py
    .venv/bin/python bench/upload_memory.py --cases transparent-png-6300
"""
from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common

TARGET_MB = 300  # the most one upload may add to a process (issue 16)


def _digit_on_transparent(mode: str, size: int):
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    ImageDraw.Draw(img).line([(size // 2, size // 8), (size // 2, size * 7 // 8)], fill=(20, 20, 20, 255),
                             width=size // 12)
    if mode == "P":
        return img.convert("P")  # Pillow keeps the see-through colour as the palette's transparency
    return img.convert(mode)


def make_files(folder: Path) -> dict[str, Path]:
    """The pictures the cases read, written once by the parent process."""
    import numpy as np
    from PIL import Image, ImageDraw

    files = {}

    def save(name: str, img, fmt: str, **options) -> None:
        path = folder / name
        img.save(path, fmt, **options)
        files[path.stem] = path

    save("transparent-png-6300.png", _digit_on_transparent("RGBA", 6300), "PNG", optimize=True)
    save("palette-transparent-png-6300.png", _digit_on_transparent("P", 6300), "PNG", optimize=True)
    save("grey-alpha-png-6300.png", _digit_on_transparent("LA", 6300), "PNG", optimize=True)
    paper = Image.new("RGB", (6300, 6300), (235, 232, 225))
    ImageDraw.Draw(paper).line([(3150, 800), (3150, 5500)], fill=(30, 30, 40), width=500)
    save("rgb-png-6300.png", paper, "PNG", optimize=True)
    save("photo-jpeg-6300.jpg", paper, "JPEG", quality=85)
    deep = np.zeros((6300, 6300), np.uint16)
    deep[800:5500, 2900:3400] = 60000
    save("16bit-png-6300.png", Image.fromarray(deep), "PNG")
    save("webp-alpha-4000.webp", _digit_on_transparent("RGBA", 4000), "WEBP", lossless=True)  # the largest taken
    save("webp-alpha-6300.webp", _digit_on_transparent("RGBA", 6300), "WEBP", lossless=True)
    strip = Image.new("L", (39000, 1), 255)
    save("strip-png-39000x1.png", strip, "PNG")
    return files


def child(path: str) -> None:
    """Runs in the fresh process: the page's path for one file, then one JSON line."""
    import numpy as np  # noqa: F401  (imported before the baseline, as in a running app)

    from cnnlab.imagefiles import ImageError, read_image
    from cnnlab.preprocess import prepare
    from cnnlab.ui import classify as ui

    baseline_mb = _status_mb("VmRSS")
    data = Path(path).read_bytes()
    started = time.perf_counter()
    try:
        loaded = read_image(io.BytesIO(data))
    except ImageError as refused:
        print(json.dumps({"baseline_mb": baseline_mb, "peak_mb": _status_mb("VmHWM"), "read_s": 0.0,
                          "seconds": time.perf_counter() - started, "file_kb": len(data) / 1000,
                          "refused": str(refused)}), flush=True)
        return
    read_s = time.perf_counter() - started
    ui.preview(loaded.image)
    for shape, style in (((28, 28, 1), "digit"), ((32, 32, 3), "photo")):
        prepared = prepare(loaded, shape, style=style)
        for step in prepared.steps:
            ui._for_display(step.image)
    seconds = time.perf_counter() - started
    print(json.dumps({"baseline_mb": baseline_mb, "peak_mb": _status_mb("VmHWM"), "read_s": read_s,
                      "seconds": seconds, "file_kb": len(data) / 1000, "size": list(loaded.image.size),
                      "mode": loaded.image.mode}), flush=True)


def _status_mb(field: str) -> float:
    """VmRSS (resident now) or VmHWM (peak resident) of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", nargs="+", help="file stems (default: all)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    result = {"machine": common.machine(), "cases": {}}
    rows = []
    with tempfile.TemporaryDirectory(prefix="cnnlab-bench-uploads-") as folder:
        common.say("making the pictures ...")
        files = make_files(Path(folder))
        for name, path in files.items():
            if args.cases and name not in args.cases:
                continue
            common.say(f"{name} ...")
            done = subprocess.run([sys.executable, __file__, "--child", str(path)], capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"{name} failed:\n{done.stderr}")
            out = json.loads(done.stdout.strip().splitlines()[-1])
            added = out["peak_mb"] - out["baseline_mb"]
            result["cases"][name] = {**out, "added_mb": added}
            rows.append([name, f"{out['file_kb']:,.0f}", f"{added:,.0f}", "yes" if added < TARGET_MB else "no",
                         f"{out['read_s']:.2f}", f"{out['seconds']:.2f}",
                         "refused" if "refused" in out else f"{out['size'][0]} x {out['size'][1]} {out['mode']}"])
    result["load_after"] = common.load_average()
    path = common.write_json("upload_memory", result)
    print(common.table(["file", "kB", "peak MB added", f"under +{TARGET_MB} MB", "read s", "total s",
                        "picture kept"], rows))
    print(f"\nEach file in a fresh process: read_image, the page's preview, prepare for a 28x28x1 digit model "
          f"and a 32x32x3 photo model, every step's preview. Peak RSS (VmHWM) minus the RSS after imports. "
          f"Raw figures: {path}")


if __name__ == "__main__":
    sys.exit(main())
