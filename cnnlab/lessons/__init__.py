"""Lessons: guided exercises kept as Markdown files beside this module, with automatic checks.

A lesson file (`NN-name.md`; NN orders the lessons, `name` is the lesson's id) is Markdown with a
TOML header between `+++` lines, then one `## ` heading per step. A step may open with a fenced
block whose info string is `step`: TOML giving what the step sets up and how it is checked.

    +++
    title = "Your first CNN"
    level = "beginner"          # beginner, intermediate or advanced
    minutes = 20
    summary = "Train LeNet-5 and read its curves."
    +++
    Text shown above the first step.

    ## Train it
    ```step
    [setup]                     # all optional
    page = "pages/train.py"     # the page the step opens
    dataset = "mnist-sample"
    architecture = "lenet5"     # a preset id, or "custom" with layers = [{...}, ...]
    settings = { epochs = 3 }   # training settings (names as in TrainConfig)
    hide = ["optimizer"]        # controls the step hides ...
    lock = ["batch_size"]       # ... or shows but does not let the student change

    [check]                     # see cnnlab.lessons.checks for every kind and its fields
    kind = "run"
    dataset = "mnist-sample"
    min_val_accuracy = 0.9
    ```
    What the student reads (Markdown).

Only the standard library reads these files (tomllib), and `load_lessons` checks every field, so a
typo in a lesson fails its test instead of a classroom.
"""
from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cnnlab.settings import CnnlabError

LESSONS_DIR = Path(__file__).parent
PROJECT_ROOT = Path(__file__).resolve().parents[2]
LEVELS = ("beginner", "intermediate", "advanced")

# Controls a step can hide or lock, by the name of what they set (the training settings use
# TrainConfig's names; "dataset" and "architecture" are the pickers on the Data and Model pages).
TRAINING_CONTROLS = ("optimizer", "learning_rate", "lr_schedule", "batch_size", "epochs", "validation_split",
                     "seed", "augment_shift", "augment_flip")
CONTROLS = ("dataset", "architecture", "layers") + TRAINING_CONTROLS
SETTING_TYPES = {"optimizer": str, "learning_rate": (int, float), "lr_schedule": str, "batch_size": int,
                 "epochs": int, "validation_split": (int, float), "seed": int, "augment_shift": (int, float),
                 "augment_flip": bool}


class LessonError(CnnlabError):
    """A lesson file that cannot be used; the message names the file and the step."""


@dataclass(frozen=True)
class Setup:
    """What opening a step does to the lab. Empty fields leave the student's choice alone."""

    page: str | None = None
    dataset: str | None = None
    architecture: str | None = None
    layers: list[dict] | None = None  # with architecture == "custom"
    settings: dict[str, Any] = field(default_factory=dict)
    hide: tuple[str, ...] = ()
    lock: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self == Setup()


@dataclass(frozen=True)
class Step:
    number: int  # 1-based
    title: str
    text: str  # Markdown
    setup: Setup = field(default_factory=Setup)
    check: dict[str, Any] | None = None  # validated by cnnlab.lessons.checks

    @property
    def check_kind(self) -> str | None:
        return self.check["kind"] if self.check else None


@dataclass(frozen=True)
class Lesson:
    id: str
    order: int
    title: str
    level: str
    minutes: int
    summary: str
    intro: str
    steps: tuple[Step, ...]

    def step(self, number: int) -> Step:
        if not 1 <= number <= len(self.steps):
            raise LessonError(f"Lesson {self.id!r} has steps 1 to {len(self.steps)}, not {number}.")
        return self.steps[number - 1]

    @property
    def checked_steps(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.check)


_FILE_NAME = re.compile(r"(\d+)-([a-z0-9-]+)\.md")
_STEP_BLOCK = re.compile(r"\A\s*```step[ \t]*\n(.*?)\n```[ \t]*(?:\n|\Z)", re.S)


def _split_front_matter(text: str, where: str) -> tuple[dict, str]:
    lines = text.lstrip("\ufeff").split("\n")
    if not lines or lines[0].strip() != "+++":
        raise LessonError(f"{where}: a lesson starts with a '+++' line, then its TOML header, then '+++'.")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "+++")
    except StopIteration:
        raise LessonError(f"{where}: the TOML header has no closing '+++' line.") from None
    try:
        header = tomllib.loads("\n".join(lines[1:end]))
    except tomllib.TOMLDecodeError as e:
        raise LessonError(f"{where}: its header is not valid TOML ({e}).") from None
    return header, "\n".join(lines[end + 1:])


def _check_page(page: Any, where: str) -> str:
    if not isinstance(page, str) or not re.fullmatch(r"pages/[a-z0-9_]+\.py", page):
        raise LessonError(f"{where}: page must be a page file such as 'pages/train.py', not {page!r}.")
    if not (PROJECT_ROOT / page).is_file():
        raise LessonError(f"{where}: there is no page {page}.")
    return page


def _check_controls(names: Any, what: str, where: str) -> tuple[str, ...]:
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise LessonError(f"{where}: {what} must be a list of control names.")
    unknown = [n for n in names if n not in CONTROLS]
    if unknown:
        raise LessonError(f"{where}: {what} names unknown controls {unknown}; known: {', '.join(CONTROLS)}.")
    return tuple(names)


def parse_setup(raw: Any, where: str) -> Setup:
    """A step's [setup] table as a Setup, every name checked against what cnnlab has."""
    from cnnlab.datasets import DATASET_NAMES
    from cnnlab.layers import validate_layer
    from cnnlab.presets import PRESETS

    if raw is None:
        return Setup()
    if not isinstance(raw, dict):
        raise LessonError(f"{where}: [setup] must be a table.")
    unknown = set(raw) - {"page", "dataset", "architecture", "layers", "settings", "hide", "lock"}
    if unknown:
        raise LessonError(f"{where}: [setup] has unknown fields {sorted(unknown)}.")
    dataset = raw.get("dataset")
    if dataset is not None and dataset not in DATASET_NAMES:
        raise LessonError(f"{where}: unknown dataset {dataset!r}; use one of {', '.join(DATASET_NAMES)}.")
    architecture = raw.get("architecture")
    layers = raw.get("layers")
    if architecture is not None and architecture != "custom" and architecture not in PRESETS:
        raise LessonError(f"{where}: unknown architecture {architecture!r}; use a preset id or 'custom'.")
    if (architecture == "custom") != (layers is not None):
        raise LessonError(f"{where}: give layers exactly when architecture = 'custom'.")
    if layers is not None:
        try:
            layers = [validate_layer(layer) for layer in layers]
        except CnnlabError as e:
            raise LessonError(f"{where}: {e}") from None
    settings = raw.get("settings", {})
    if not isinstance(settings, dict):
        raise LessonError(f"{where}: settings must be a table.")
    for name, value in settings.items():
        if name not in SETTING_TYPES:
            raise LessonError(f"{where}: unknown training setting {name!r}; known: {', '.join(SETTING_TYPES)}.")
        if not isinstance(value, SETTING_TYPES[name]) or (isinstance(value, bool) and SETTING_TYPES[name] is not bool):
            raise LessonError(f"{where}: setting {name} = {value!r} has the wrong type.")
    return Setup(page=_check_page(raw["page"], where) if "page" in raw else None,
                 dataset=dataset, architecture=architecture, layers=layers, settings=dict(settings),
                 hide=_check_controls(raw.get("hide", []), "hide", where),
                 lock=_check_controls(raw.get("lock", []), "lock", where))


def _parse_step(number: int, title: str, body: str, where: str) -> Step:
    from cnnlab.lessons.checks import validate_check

    where = f"{where}, step {number} ({title})"
    data: dict = {}
    found = _STEP_BLOCK.match(body)
    if found:
        try:
            data = tomllib.loads(found.group(1))
        except tomllib.TOMLDecodeError as e:
            raise LessonError(f"{where}: its step block is not valid TOML ({e}).") from None
        body = body[found.end():]
        unknown = set(data) - {"setup", "check"}
        if unknown:
            raise LessonError(f"{where}: a step block holds [setup] and [check], not {sorted(unknown)}.")
    check = data.get("check")
    if check is not None:
        try:
            check = validate_check(check)
        except CnnlabError as e:
            raise LessonError(f"{where}: {e}") from None
    text = body.strip()
    if not text:
        raise LessonError(f"{where}: the step has no text.")
    return Step(number, title, text, parse_setup(data.get("setup"), where), check)


def parse_lesson(text: str, file_name: str) -> Lesson:
    """One lesson file's text as a Lesson (LessonError naming the mistake otherwise)."""
    name = _FILE_NAME.fullmatch(file_name)
    if not name:
        raise LessonError(f"{file_name}: lesson files are named like '01-first-cnn.md'.")
    header, body = _split_front_matter(text, file_name)
    missing = {"title", "level", "minutes", "summary"} - set(header)
    if missing:
        raise LessonError(f"{file_name}: its header lacks {sorted(missing)}.")
    if header["level"] not in LEVELS:
        raise LessonError(f"{file_name}: level must be one of {', '.join(LEVELS)}.")
    if not isinstance(header["minutes"], int) or header["minutes"] < 1:
        raise LessonError(f"{file_name}: minutes must be a whole number of minutes.")
    parts = re.split(r"^## +(.+?)[ \t]*$", body, flags=re.M)
    intro, pairs = parts[0].strip(), list(zip(parts[1::2], parts[2::2]))
    if not pairs:
        raise LessonError(f"{file_name}: a lesson needs at least one '## ' step.")
    steps = tuple(_parse_step(i, title, step_body, file_name) for i, (title, step_body) in enumerate(pairs, 1))
    return Lesson(name.group(2), int(name.group(1)), header["title"], header["level"], header["minutes"],
                  header["summary"], intro, steps)


@functools.lru_cache(maxsize=4)
def _load(folder: Path, signature: tuple) -> tuple[Lesson, ...]:
    lessons = [parse_lesson(path.read_text(encoding="utf-8"), path.name) for path in sorted(folder.glob("*.md"))]
    ids = [lesson.id for lesson in lessons]
    if len(set(ids)) != len(ids):
        raise LessonError(f"Two lesson files in {folder} have the same name after the number.")
    return tuple(sorted(lessons, key=lambda lesson: lesson.order))


def load_lessons(folder: Path = LESSONS_DIR) -> tuple[Lesson, ...]:
    """Every lesson in `folder`, in order; re-read when a file changes (a teacher editing one)."""
    signature = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.md")))
    return _load(folder, signature)


def get_lesson(lesson_id: str, folder: Path = LESSONS_DIR) -> Lesson:
    for lesson in load_lessons(folder):
        if lesson.id == lesson_id:
            return lesson
    raise LessonError(f"There is no lesson {lesson_id!r}; `python -m cnnlab lessons` lists them.")
