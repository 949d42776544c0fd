"""The command line: `python -m cnnlab COMMAND ...`.

    datasets [--json]                 every dataset, and whether it is available offline now
    presets                           the ready-made architectures
    summary --arch A --dataset D      each layer's output shape and parameters (or what is wrong)
    train --dataset D --arch A ...    train, print each epoch, save the run (--backend ray: on a cluster)
    runs [--json]                     saved runs
    predict --run ID IMAGE...         each image's class ("blank" / "not sure" when the app would
                                      say so) and its three likeliest classes
    export --run ID --out DIR         the model, a plain-Keras train.py, its notebook and run.json
    import FILE [--dataset D]         a .keras model trained elsewhere, as a new run (prints its id)
    lessons [--json]                  the guided lessons, their steps and how each step is checked

Mistakes (unknown names, missing data, impossible models, unreadable images) print one line on
stderr and exit with status 2; they never print a traceback. `predict` answers for every image it
can read and prints one such line for each one it cannot.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import sys
import tempfile
import time
from typing import Any

from cnnlab.settings import BACKENDS, CnnlabError

EXIT_USER_ERROR = 2


def _print_json(obj: Any) -> None:
    print(json.dumps(obj), flush=True)


def _table(rows: list[list[Any]], header: list[str]) -> str:
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def cmd_datasets(args) -> None:
    from cnnlab.datasets import catalogue

    entries = catalogue()
    if args.json:
        _print_json(entries)
        return
    print(_table([[e["name"], "yes" if e["available"] else "no", e["train_size"], e["test_size"],
                   "x".join(map(str, e["image_shape"])), e["source"]] for e in entries],
                 ["dataset", "offline", "train", "test", "shape", "loads from"]))


def cmd_presets(args) -> None:
    from cnnlab.presets import PRESETS

    if args.json:
        _print_json([{"id": p.id, "title": p.title, "dataset": p.dataset, "optimizer": p.optimizer,
                      "learning_rate": p.learning_rate, "batch_size": p.batch_size, "epochs": p.epochs,
                      "validation_split": p.validation_split, "published": p.published,
                      "description": p.description} for p in PRESETS.values()])
        return
    print(_table([[p.id, p.dataset, p.optimizer, p.learning_rate, p.batch_size, p.epochs, p.published or ""]
                  for p in PRESETS.values()],
                 ["preset", "tutorial dataset", "optimizer", "lr", "batch", "epochs", "published"]))


def _dataset_shape(name: str) -> tuple[tuple[int, int, int], int]:
    """Image shape and class count, without loading pixels when the registry knows them."""
    from cnnlab.datasets import dataset_info

    info = dataset_info(name)
    return tuple(info.image_shape), len(info.classes)


def cmd_summary(args) -> None:
    from cnnlab.config import TrainConfig
    from cnnlab.network import check_stack

    config = TrainConfig.from_preset(args.arch, args.dataset)
    image_shape, num_classes = _dataset_shape(args.dataset)
    check = check_stack(config.layer_stack(), image_shape, num_classes)
    if args.json:
        _print_json({"ok": check.ok, "total_params": check.total_params,
                     "error": str(check.error) if check.error else None,
                     "layers": [{"index": r.index, "name": r.name, "description": r.description,
                                 "output_shape": list(r.output_shape) if r.output_shape else None,
                                 "params": r.params, "error": r.error} for r in check.rows]})
    else:
        print(_table([[r.index, r.name, r.description,
                       "x".join(map(str, r.output_shape)) if r.output_shape else "-", f"{r.params:,}"]
                      for r in check.rows], ["#", "layer", "what it is", "output shape", "parameters"]))
        print(f"Total parameters: {check.total_params:,}")
    if check.error is not None:
        raise check.error


def cmd_train(args) -> None:
    from cnnlab.backends import JobRegistry, make_backend
    from cnnlab.config import TrainConfig
    from cnnlab.runs import FAILED_STATUSES

    config = TrainConfig.from_preset(
        args.arch, args.dataset, epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.lr,
        optimizer=args.optimizer, seed=args.seed, validation_split=args.validation_split)

    def on_event(event: dict) -> None:
        kind = event["type"]
        if args.json:
            if kind == "epoch":
                _print_json(event)
            return
        if kind == "start":
            print(f"Training {config.architecture} ({event['parameters']:,} parameters) on {event['dataset']} "
                  f"from {event['source']}: {event['train_images']:,} training, "
                  f"{event['validation_images']:,} validation, {event['test_images']:,} test images.", flush=True)
        elif kind == "epoch":
            val = (f", val_loss {event['val_loss']:.4f}, val_accuracy {event['val_accuracy']:.4f}"
                   if event.get("val_loss") is not None else "")
            print(f"epoch {event['epoch']}/{event['epochs']}: loss {event['loss']:.4f}, "
                  f"accuracy {event['accuracy']:.4f}{val} ({event['seconds']:.1f} s, "
                  f"{event['images_per_second']:,.0f} images/s)", flush=True)

    def show_progress(download: tuple[int, int | None, str]) -> None:
        if args.json or not sys.stderr.isatty():  # a progress line is for a person watching, not a pipe
            return
        done, total, what = download
        # Downloads count bytes; reading an image folder counts images (its message says so).
        if what.startswith("Downloading"):
            what += f": {done / 1e6:.1f} MB" + (f" of {total / 1e6:.1f} MB" if total else "")
        print(f"\r{what}", end="", file=sys.stderr, flush=True)

    # The same job interface as the app; one training, so no queue to wait in.
    registry = JobRegistry(make_backend(args.backend), max_parallel=1)
    job = registry.submit("command-line", config, listener=on_event)
    shown, interrupted = None, False
    while not job.done:
        try:
            time.sleep(0.2)
        except KeyboardInterrupt:  # Ctrl-C: stop after the current batch, keep what was learned
            interrupted = True
            job.stop()
        if job.download != shown and not args.json:
            shown = job.download
            show_progress(shown)
    view = job.view()
    result = {"run_id": view.run_id, "status": view.status, "message": view.message,
              "test_accuracy": view.test_accuracy, "test_loss": view.test_loss,
              "seconds": round(view.seconds, 3), "epochs": view.epochs_done}
    if args.json:
        _print_json(result)
    else:
        if view.test_accuracy is not None:
            print(f"Test accuracy {view.test_accuracy:.4f}, test loss {view.test_loss:.4f}.")
        print(f"Run {view.run_id} saved ({view.status}). {view.message}".rstrip())
    if interrupted:
        raise KeyboardInterrupt
    if view.status in FAILED_STATUSES:
        raise CnnlabError(view.message)


def cmd_runs(args) -> None:
    from cnnlab.backends import JobView
    from cnnlab.runs import list_runs

    views = [JobView.from_run(run) for run in list_runs()]
    if args.json:
        _print_json([{"run_id": v.run_id, "status": v.status, "dataset": v.config.get("dataset"),
                      "architecture": v.config.get("architecture"), "epochs": v.epochs_done,
                      "test_accuracy": v.test_accuracy, "seconds": v.seconds, "message": v.message}
                     for v in views])
        return
    if not views:
        print("No saved runs yet: `python -m cnnlab train` makes one.")
        return
    print(_table([[v.run_id, v.status, v.config.get("dataset", "-"), v.config.get("architecture", "-"), v.epochs_done,
                   f"{v.test_accuracy:.4f}" if v.test_accuracy is not None else "-", f"{v.seconds:.0f} s"]
                  for v in views], ["run", "status", "dataset", "architecture", "epochs", "test acc", "time"]))
    for v in views:  # what is wrong with each damaged one, so it can be fixed or deleted
        if v.status == "damaged":
            print(f"{v.run_id} is damaged: {v.message}")


def cmd_predict(args) -> int:
    from cnnlab.imagefiles import read_image
    from cnnlab.inference import EMPTY_PICTURE_REASON, Classifier, verdict
    from cnnlab.preprocess import prepare, style_for_dataset

    if not 0.0 <= args.threshold <= 1.0:
        raise CnnlabError(f"--threshold must be between 0 and 1 (e.g. 0.6 for 60%), not {args.threshold}.")
    classifier = Classifier.from_run(args.run)
    style = style_for_dataset(classifier.dataset)  # e.g. Fashion-MNIST fills the frame, MNIST does not
    results = []
    for path in args.images:
        # One bad file is reported on its own line; the others still get their answers.
        try:
            # read_image names the file in its messages ("'x.png' is damaged ...") and refuses huge files unread.
            prepared = prepare(read_image(path), classifier.image_shape, style=style)
        except CnnlabError as e:
            results.append({"image": path, "error": str(e)})
            continue
        probabilities = classifier.probabilities(prepared.model_input)
        # The Classify page's rule: a blank picture or a weak best guess is not given a class.
        answer = verdict(probabilities, classifier.classes, args.threshold, prepared.is_empty,
                         empty_reason=EMPTY_PICTURE_REASON)
        top = classifier.top_k(probabilities, 3)
        results.append({"image": path, "verdict": answer.answer, "sure": answer.sure, "reason": answer.reason,
                        "top3": [{"class": c, "probability": round(p, 4)} for c, p in top]})
    if args.json:
        _print_json(results)
    else:
        for r in results:
            if "top3" not in r:
                continue
            guesses = ", ".join(f"{t['class']} {t['probability']:.1%}" for t in r["top3"])
            print(f"{r['image']}: {r['verdict']} ({guesses})" if r["sure"] else
                  f"{r['image']}: {r['verdict']} — {r['reason']}")
    failed = [r for r in results if "error" in r]
    for r in failed:
        print(f"error: {r['error']}", file=sys.stderr)
    return EXIT_USER_ERROR if failed else 0


def cmd_export(args) -> None:
    from cnnlab.export import export_to_folder

    for path in export_to_folder(args.run, args.out):
        print(path)


def cmd_import(args) -> None:
    from cnnlab.model_import import import_model

    run = import_model(args.file, dataset=args.dataset)
    if args.json:
        _print_json({"run_id": run.run_id, "dataset": run.config["dataset"], "parameters": run.parameters,
                     "test_accuracy": run.test_accuracy, "message": run.message})
        return
    print(run.run_id)
    print(run.message, file=sys.stderr)


def cmd_lessons(args) -> None:
    from cnnlab.lessons import load_lessons
    from cnnlab.lessons.checks import describe

    lessons = load_lessons()
    if args.json:
        _print_json([{"id": lesson.id, "title": lesson.title, "level": lesson.level, "minutes": lesson.minutes,
                      "summary": lesson.summary,
                      "steps": [{"number": step.number, "title": step.title, "check": step.check_kind,
                                 "asks": describe(step.check) or None, "page": step.setup.page}
                                for step in lesson.steps]} for lesson in lessons])
        return
    for lesson in lessons:
        print(f"{lesson.order}. {lesson.title} ({lesson.id}): {lesson.level}, about {lesson.minutes} min")
        for step in lesson.steps:
            print(f"   {step.number}. {step.title}" + (f"  [{step.check_kind} check]" if step.check else ""))


def build_parser() -> argparse.ArgumentParser:
    from cnnlab.datasets import DEFAULT_DATASET
    from cnnlab.inference import DEFAULT_THRESHOLD

    parser = argparse.ArgumentParser(prog="python -m cnnlab", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("datasets", help="list datasets and whether they are available offline")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_datasets)

    p = sub.add_parser("presets", help="list the ready-made architectures")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_presets)

    p = sub.add_parser("summary", help="layer-by-layer output shapes and parameter counts")
    p.add_argument("--arch", required=True)
    p.add_argument("--dataset", default=DEFAULT_DATASET)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("train", help="train a network and save the run (defaults come from the preset)")
    p.add_argument("--dataset", default=DEFAULT_DATASET)
    p.add_argument("--arch", required=True)
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float, help="learning rate")
    p.add_argument("--optimizer")
    p.add_argument("--validation-split", type=float)
    p.add_argument("--seed", type=int)
    p.add_argument("--backend", choices=BACKENDS, default="threads",
                   help="where to train: threads (in this program, the default), local (a worker process) "
                        "or ray (a Ray cluster: CNNLAB_RAY_ADDRESS)")
    p.add_argument("--json", action="store_true", help="one JSON object per epoch, then one for the result")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("runs", help="list saved runs")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_runs)

    p = sub.add_parser("predict", help="classify image files with a saved run's model")
    p.add_argument("--run", required=True, help="run id (see `runs`)")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                   help=f"say a class only when it has at least this probability (default {DEFAULT_THRESHOLD})")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("export", help="write a run's model, a plain-Keras train.py, a notebook and run.json")
    p.add_argument("--run", required=True, help="run id (see `runs`)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write them to (new or empty)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("import", help="check a .keras model file and save it as a new run")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--dataset", help="the dataset it was trained on (default: the first that fits its shape)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("lessons", help="list the guided lessons with their steps and check types")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_lessons)
    return parser


def quiet_tensorflow() -> None:
    """Before TensorFlow is imported: its C++ log (start-up notices, warnings, even errors, which
    cnnlab reports in its own words) and its Python loggers would print lines before cnnlab's one-line
    message. A TF_CPP_MIN_LOG_LEVEL the user set is kept."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    for name in ("tensorflow", "absl"):
        logging.getLogger(name).setLevel(logging.ERROR)


# A line of TensorFlow's C++ log: severity letter and date, time (absl writes seconds since 1970
# before it is set up), thread, file:line].
NATIVE_LOG_LINE = re.compile(r"([IWEF])\d{4} [\d:.]+ +\d+ \S+:\d+\] ")
ABSL_PREAMBLE = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"


@contextlib.contextmanager
def native_log_filtered():
    """TensorFlow 2.21 logs its start-up notices (e.g. "oneDNN custom operations are on", on CPUs
    with AVX512-VNNI/BF16 or AMX) through absl while it is imported, before TF_CPP_MIN_LOG_LEVEL is
    read, so the variable alone no longer keeps them off a user's screen. While the block runs, the
    process's stderr (file descriptor 2, which C++ writes to) goes to a file; afterwards every line
    the level would have hidden is dropped and the rest is passed on, so a real error still shows."""
    try:
        level = int(os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0"))
    except ValueError:  # a setting TensorFlow cannot read either: it shows everything, so do the same
        level = 0
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            for line in caught.read().decode("utf-8", "replace").splitlines(keepends=True):
                native = NATIVE_LOG_LINE.match(line)
                hidden = ("IWEF".index(native.group(1)) < level) if native else (
                    level >= 1 and line.strip() == ABSL_PREAMBLE)
                if not hidden:
                    sys.stderr.write(line)
            sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    quiet_tensorflow()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # a student trying it out: show what there is, not just "COMMAND is required"
        parser.print_help(sys.stderr)
        return 2
    if args.func in (cmd_train, cmd_predict, cmd_export, cmd_import):
        with native_log_filtered():  # these load TensorFlow anyway: do it now, with its notices kept back
            import tensorflow  # noqa: F401
    try:
        code = args.func(args) or 0
    except CnnlabError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("error: interrupted.", file=sys.stderr)
        return 130
    return code
