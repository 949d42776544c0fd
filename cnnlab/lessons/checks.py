"""Lesson checks: plain functions that decide, from what a student did, whether a step is done.

What a student did is `Evidence`: the lab's training runs, the drawings it classified (with the
probabilities the network gave and the preparation steps switched off), and its answers to
questions. A check is a small dict read from a lesson file's [check] table; `kind` picks the rule:

run       a run meeting every condition given:
          dataset, architecture, status ("diverged", or a list), min_val_accuracy, max_val_accuracy,
          min_test_accuracy, min_gap / max_gap (final training minus validation accuracy, as a
          fraction: 0.1 = 10 points), max_params, max_params_fraction with of_preset (e.g. half of
          lenet5's parameters on the run's pictures), uses (all of) / uses_any (one of):
          "dropout", "batchnorm", "augmentation", "schedule"; min_learning_rate, max_learning_rate,
          min_epochs (epochs done)
drawing   a classified drawing: label, min_confidence / max_confidence (the probability the
          network gave `label`), steps_off (preparation steps that were switched off)
choice    a multiple-choice question: question, options = [{text, correct, feedback}, ...]
number    a number question: question, answer, tolerance, unit, feedback_low, feedback_high

`evaluate(check, evidence, answer)` returns a CheckResult: passed or not, and a sentence saying
what is still missing (or, for questions, the feedback to the answer given).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

from cnnlab.settings import CnnlabError

USES = ("dropout", "batchnorm", "augmentation", "schedule")
PREPARATION_STEPS = ("grayscale", "invert", "contrast", "crop", "fit", "centre")

_FIELDS = {
    "run": {"dataset": str, "architecture": str, "status": (str, list), "min_val_accuracy": float,
            "max_val_accuracy": float, "min_test_accuracy": float, "min_gap": float, "max_gap": float,
            "max_params": int, "max_params_fraction": float, "of_preset": str, "uses": list, "uses_any": list,
            "min_learning_rate": float, "max_learning_rate": float, "min_epochs": int},
    "drawing": {"label": str, "min_confidence": float, "max_confidence": float, "steps_off": list},
    "choice": {"question": str, "options": list},
    "number": {"question": str, "answer": float, "tolerance": float, "unit": str,
               "feedback_low": str, "feedback_high": str, "feedback_right": str},
}
_COMMON = {"kind", "description"}


class CheckError(CnnlabError):
    """A [check] table that cannot be evaluated (unknown kind or field, wrong type)."""


@dataclass
class Evidence:
    runs: list = field(default_factory=list)  # cnnlab.runs.Run objects (or anything shaped like them)
    drawings: list[dict] = field(default_factory=list)  # see drawing_record()


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    message: str  # what is missing when not passed; feedback or what counted when passed


def drawing_record(probabilities: dict[str, float], switches: dict[str, Any], dataset: str = "") -> dict:
    """What a classified drawing leaves as evidence: each class's probability, and the preparation
    steps that were switched off (a switch set to False; "invert" counts as off when set to never)."""
    off = sorted(name for name, value in switches.items() if value is False and name in PREPARATION_STEPS)
    return {"probabilities": {str(k): float(v) for k, v in probabilities.items()}, "steps_off": off,
            "dataset": dataset}


# ---------------------------------------------------------------------------------------------
# Validation: run when a lesson loads, so a typo fails a test, not a class.

def validate_check(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict) or raw.get("kind") not in _FIELDS:
        raise CheckError(f"[check] needs kind = one of {', '.join(_FIELDS)}.")
    kind = raw["kind"]
    fields = _FIELDS[kind]
    unknown = set(raw) - set(fields) - _COMMON
    if unknown:
        raise CheckError(f"a {kind} check has no fields {sorted(unknown)}; it takes {', '.join(fields)}.")
    check = dict(raw)
    for name, kinds in fields.items():
        if name not in check:
            continue
        value = check[name]
        if kinds is float and isinstance(value, int) and not isinstance(value, bool):
            check[name] = value = float(value)
        if not isinstance(value, kinds) or isinstance(value, bool):
            raise CheckError(f"{kind} check: {name} = {value!r} has the wrong type.")
    if kind == "run":
        for name in ("uses", "uses_any"):
            bad = [u for u in check.get(name, []) if u not in USES]
            if bad:
                raise CheckError(f"run check: {name} may hold {', '.join(USES)}, not {bad}.")
        if ("max_params_fraction" in check) != ("of_preset" in check):
            raise CheckError("run check: max_params_fraction and of_preset go together.")
        from cnnlab.presets import PRESETS

        if check.get("of_preset", "lenet5") not in PRESETS:
            raise CheckError(f"run check: of_preset {check['of_preset']!r} is not a preset.")
        if len(set(check) - _COMMON) == 0:
            raise CheckError("a run check needs at least one condition.")
    elif kind == "drawing":
        if "label" not in check:
            raise CheckError("a drawing check needs the label to draw.")
        bad = [s for s in check.get("steps_off", []) if s not in PREPARATION_STEPS]
        if bad:
            raise CheckError(f"drawing check: steps_off may hold {', '.join(PREPARATION_STEPS)}, not {bad}.")
    elif kind == "choice":
        options = check.get("options")
        if "question" not in check or not options:
            raise CheckError("a choice check needs a question and options.")
        for option in options:
            if not isinstance(option, dict) or not isinstance(option.get("text"), str) \
                    or not isinstance(option.get("feedback"), str) or set(option) - {"text", "correct", "feedback"}:
                raise CheckError("each option is {text = '...', feedback = '...', correct = true/false}.")
        if not any(option.get("correct") is True for option in options):
            raise CheckError("a choice check needs at least one option with correct = true.")
    elif kind == "number":
        if "question" not in check or "answer" not in check:
            raise CheckError("a number check needs a question and its answer.")
    return check


# ---------------------------------------------------------------------------------------------
# Runs

def _final(run, key: str) -> float | None:
    value = run.history[-1].get(key) if run.history else None
    return None if value is None or not math.isfinite(value) else float(value)


def _layer_stack(run) -> list[dict]:
    from cnnlab.presets import PRESETS

    layers = run.config.get("layers")
    if layers is not None:
        return layers
    preset = PRESETS.get(run.config.get("architecture"))
    return preset.layers if preset else []


def run_uses(run) -> set[str]:
    """Which of USES a run's network and settings have."""
    used = {layer.get("type") for layer in _layer_stack(run)} & {"dropout", "batchnorm"}
    if (run.config.get("augment_shift") or 0) > 0 or run.config.get("augment_flip"):
        used.add("augmentation")
    if run.config.get("lr_schedule", "constant") != "constant":
        used.add("schedule")
    return used


def preset_parameters(preset_id: str, image_shape, num_classes: int) -> int:
    """A preset's parameter count on pictures of `image_shape` (no TensorFlow needed)."""
    from cnnlab.network import check_stack
    from cnnlab.presets import PRESETS

    return check_stack(PRESETS[preset_id].layers, tuple(image_shape), num_classes).total_params


def _percent(x: float) -> str:
    return f"{x * 100:.1f}%"


def _points(x: float) -> str:
    return f"{x * 100:.1f} points"


def _run_shortfalls(check: dict, run) -> list[str]:
    """Every condition of `check` this run does not meet, in words (empty: the run passes)."""
    missing = []
    config = run.config
    if "status" in check:
        wanted = [check["status"]] if isinstance(check["status"], str) else check["status"]
        if run.status not in wanted:
            missing.append(f"it ended {run.status}, not {' or '.join(wanted)}")
    val = _final(run, "val_accuracy")
    train_acc = _final(run, "accuracy")
    if "min_val_accuracy" in check and (val is None or val < check["min_val_accuracy"]):
        missing.append(f"validation accuracy {_percent(val) if val is not None else 'unknown'}, "
                       f"needs at least {_percent(check['min_val_accuracy'])}")
    if "max_val_accuracy" in check and (val is None or val > check["max_val_accuracy"]):
        missing.append(f"validation accuracy {_percent(val) if val is not None else 'unknown'}, "
                       f"needs at most {_percent(check['max_val_accuracy'])}")
    if "min_test_accuracy" in check and (run.test_accuracy is None or run.test_accuracy < check["min_test_accuracy"]):
        got = _percent(run.test_accuracy) if run.test_accuracy is not None else "not measured"
        missing.append(f"test accuracy {got}, needs at least {_percent(check['min_test_accuracy'])}")
    if "min_gap" in check or "max_gap" in check:
        gap = None if val is None or train_acc is None else train_acc - val
        if gap is None:
            missing.append("no finished epoch with validation accuracy, so no gap to measure")
        elif "min_gap" in check and gap < check["min_gap"]:
            missing.append(f"training accuracy is {_points(gap)} above validation, needs at least "
                           f"{_points(check['min_gap'])}")
        elif "max_gap" in check and gap > check["max_gap"]:
            missing.append(f"training accuracy is {_points(gap)} above validation, needs at most "
                           f"{_points(check['max_gap'])}")
    if "max_params" in check and not (0 < run.parameters <= check["max_params"]):
        missing.append(f"{run.parameters:,} parameters, needs at most {check['max_params']:,}")
    if "max_params_fraction" in check:
        limit = check["max_params_fraction"] * preset_parameters(check["of_preset"], run.image_shape or (28, 28, 1),
                                                                 len(run.classes) or 10)
        if not (0 < run.parameters <= limit):
            missing.append(f"{run.parameters:,} parameters, needs at most {int(limit):,} "
                           f"({check['max_params_fraction']:.0%} of {check['of_preset']})")
    used = run_uses(run)
    lacking = [u for u in check.get("uses", []) if u not in used]
    if lacking:
        missing.append(f"it does not use {' or '.join(lacking)}")
    if check.get("uses_any") and not used & set(check["uses_any"]):
        missing.append(f"it uses none of {', '.join(check['uses_any'])}")
    lr = config.get("learning_rate")
    if "min_learning_rate" in check and not (lr is not None and lr >= check["min_learning_rate"]):
        missing.append(f"learning rate {lr:g}, needs at least {check['min_learning_rate']:g}")
    if "max_learning_rate" in check and not (lr is not None and lr <= check["max_learning_rate"]):
        missing.append(f"learning rate {lr:g}, needs at most {check['max_learning_rate']:g}")
    if "min_epochs" in check and run.epochs_done < check["min_epochs"]:
        missing.append(f"{run.epochs_done} epoch(s) done, needs at least {check['min_epochs']}")
    return missing


def _identity(check: dict) -> str:
    parts = []
    if "architecture" in check:
        parts.append(f"with {check['architecture']}")
    if "dataset" in check:
        parts.append(f"on {check['dataset']}")
    return " ".join(parts)


def check_run(check: dict, evidence: Evidence) -> CheckResult:
    candidates = [run for run in evidence.runs
                  if check.get("dataset") in (None, run.config.get("dataset"))
                  and check.get("architecture") in (None, run.config.get("architecture"))]
    if not candidates:
        which = _identity(check)
        return CheckResult(False, f"No run {which} yet: train one." if which else "No run yet: train one.")
    shortfalls = [(run, _run_shortfalls(check, run)) for run in candidates]
    for run, missing in shortfalls:
        if not missing:
            return CheckResult(True, f"Run #{run.run_id[-4:]} does it.")
    # The run closest to passing (fewest unmet conditions; the newest among those) says what is left.
    run, missing = min(shortfalls, key=lambda pair: (len(pair[1]), -pair[0].created))
    return CheckResult(False, f"Your closest run (#{run.run_id[-4:]}) has " + "; ".join(missing) + ".")


# ---------------------------------------------------------------------------------------------
# Drawings and questions

def check_drawing(check: dict, evidence: Evidence) -> CheckResult:
    label = check["label"]
    low, high = check.get("min_confidence", 0.0), check.get("max_confidence", 1.0)
    needed_off = set(check.get("steps_off", []))
    best = None
    for drawing in evidence.drawings:
        p = drawing["probabilities"].get(label)
        if p is None or not needed_off <= set(drawing.get("steps_off", [])):
            continue
        if low <= p <= high:
            return CheckResult(True, f"A drawing got {_percent(p)} for {label}.")
        best = p if best is None or abs(p - (low if p < low else high)) < abs(best - (low if best < low else high)) \
            else best
    steps = f" with {', '.join(sorted(needed_off))} switched off" if needed_off else ""
    wanted = (f"at least {_percent(low)}" if low > 0 else "") + (" and " if low > 0 and high < 1 else "") \
        + (f"at most {_percent(high)}" if high < 1 else "")
    if best is None:
        return CheckResult(False, f"Classify a drawing of {label}{steps} on the Classify page.")
    return CheckResult(False, f"The network needs to give {label} {wanted}{steps}; your closest "
                              f"drawing got {_percent(best)}.")


def check_choice(check: dict, answer: Any) -> CheckResult:
    options = check["options"]
    if not isinstance(answer, int) or isinstance(answer, bool) or not 0 <= answer < len(options):
        return CheckResult(False, "Pick an answer.")
    option = options[answer]
    return CheckResult(option.get("correct") is True, option["feedback"])


def check_number(check: dict, answer: Any) -> CheckResult:
    if answer is None or isinstance(answer, bool):
        return CheckResult(False, "Type a number.")
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return CheckResult(False, f"{answer!r} is not a number.")
    target, tolerance = check["answer"], check.get("tolerance", 0.0)
    if abs(value - target) <= tolerance + 1e-9:
        return CheckResult(True, check.get("feedback_right", f"Right: {target:g}{check.get('unit', '')}."))
    if value < target:
        return CheckResult(False, check.get("feedback_low", "Too low: try again."))
    return CheckResult(False, check.get("feedback_high", "Too high: try again."))


_RUNS_AND_DRAWINGS: dict[str, Callable[[dict, Evidence], CheckResult]] = {"run": check_run, "drawing": check_drawing}
_QUESTIONS: dict[str, Callable[[dict, Any], CheckResult]] = {"choice": check_choice, "number": check_number}


def is_question(check: dict | None) -> bool:
    return bool(check) and check["kind"] in _QUESTIONS


def evaluate(check: dict, evidence: Evidence, answer: Any = None) -> CheckResult:
    """Whether what the student did (evidence) or answered meets the check."""
    if check["kind"] in _QUESTIONS:
        return _QUESTIONS[check["kind"]](check, answer)
    return _RUNS_AND_DRAWINGS[check["kind"]](check, evidence)


# How `describe` says each numeric condition of a run check, in the order it lists them.
_RUN_CONDITIONS: tuple[tuple[str, str, Callable[[Any], str]], ...] = (
    ("min_val_accuracy", "with validation accuracy of at least {}", _percent),
    ("max_val_accuracy", "with validation accuracy of at most {}", _percent),
    ("min_test_accuracy", "with test accuracy of at least {}", _percent),
    ("min_gap", "whose training accuracy ends at least {} above validation", _points),
    ("max_gap", "whose training accuracy ends at most {} above validation", _points),
    ("max_params", "with at most {} parameters", "{:,}".format),
    ("min_learning_rate", "with a learning rate of at least {}", "{:g}".format),
    ("max_learning_rate", "with a learning rate of at most {}", "{:g}".format),
    ("min_epochs", "of at least {} epochs", str),
)


def describe(check: dict | None) -> str:
    """What the check asks, in one sentence for the student (the lesson's own words if it has them)."""
    if not check:
        return ""
    if check.get("description"):
        return check["description"]
    kind = check["kind"]
    if kind in _QUESTIONS:
        return check["question"]
    if kind == "drawing":
        wanted = []
        if "min_confidence" in check:
            wanted.append(f"at least {_percent(check['min_confidence'])}")
        if "max_confidence" in check:
            wanted.append(f"at most {_percent(check['max_confidence'])}")
        steps = f", with {', '.join(check['steps_off'])} switched off" if check.get("steps_off") else ""
        return f"Classify a drawing of {check['label']}" + (f" that gets {' and '.join(wanted)}" if wanted else "") + steps + "."  # noqa: E501
    conditions = []
    if "status" in check:
        conditions.append(f"that ended {check['status'] if isinstance(check['status'], str) else ' or '.join(check['status'])}")  # noqa: E501
    conditions += [words.format(show(check[key])) for key, words, show in _RUN_CONDITIONS if key in check]
    if "max_params_fraction" in check:
        conditions.append(f"with at most {check['max_params_fraction']:.0%} of {check['of_preset']}'s parameters")
    if check.get("uses"):
        conditions.append("using " + " and ".join(check["uses"]))
    if check.get("uses_any"):
        conditions.append("using " + " or ".join(check["uses_any"]))
    which = _identity(check)
    return "Train a run" + (f" {which}" if which else "") + (" " + ", ".join(conditions) if conditions else "") + "."
