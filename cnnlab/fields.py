"""Checking values that come from outside (a JSON file, a notebook, a hostile test) against the
kinds a dataclass's fields are annotated with, and showing any value safely in a message.

Generic on purpose: a field added to `Run` or `TrainConfig` is checked as soon as it is annotated.
"""
from __future__ import annotations

import reprlib
import types
import typing
from dataclasses import fields
from typing import Any

_SHORT = reprlib.Repr()  # Python 3.11's takes no arguments: set the limits one by one
_SHORT.maxstring = _SHORT.maxother = 40
_SHORT.maxlist = _SHORT.maxdict = _SHORT.maxtuple = 4
_SHORT.maxlevel = 2


def shown(value: Any) -> str:
    """A value as a message shows it: short, and safe for anything (a 5,000-digit number cannot
    even be turned into text by Python, and a huge list would flood the message)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"a {'negative ' if value < 0 else ''}number with about {int(value.bit_length() * 0.30103) + 1:,} digits"
    try:
        return _SHORT.repr(value)
    except (ValueError, RecursionError):
        return f"a {type(value).__name__}"


_WORDS = {float: ("a number", "numbers"), int: ("a whole number", "whole numbers"), str: ("a text", "texts"),
          bool: ("true or false", "true/false values"), type(None): ("null", "nulls")}


def type_words(hint, plural: bool = False) -> str:
    """An annotation as a person says it: float -> "a number", list[str] -> "a list of texts"."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(type_words(a, plural) for a in args)
    if origin is list:
        inner = f" of {type_words(args[0], True)}" if args and args[0] is not Any else ""
        return ("lists" if plural else "a list") + inner
    if origin is dict or hint is dict:
        return "JSON objects" if plural else "a JSON object"
    words = _WORDS.get(hint, (getattr(hint, "__name__", str(hint)),) * 2)
    return words[1] if plural else words[0]


def fits(value: Any, hint) -> bool:
    """Whether a value (e.g. read from JSON) has the kind of a dataclass field's annotation."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(fits(value, a) for a in args)
    if hint is type(None):
        return value is None
    if hint in (int, float):  # True is not a number here; a whole number is a number
        return isinstance(value, int if hint is int else (int, float)) and not isinstance(value, bool)
    if origin is list:
        return isinstance(value, list) and all(fits(v, args[0]) for v in value) if args else isinstance(value, list)
    if origin is dict:
        return isinstance(value, dict) and (not args or all(fits(k, args[0]) and fits(v, args[1])
                                                             for k, v in value.items()))
    return isinstance(value, hint) if isinstance(hint, type) else True


def wrong_fields(data: dict, cls, where: str = "") -> list[str]:
    """"name should be a number, not 'high'" for each field of `cls` whose value has the wrong kind.
    Fields that are missing keep their defaults (older files lack newer fields); unknown ones are ignored."""
    hints = typing.get_type_hints(cls)
    return [f"{where}{f.name} should be {type_words(hints[f.name])}, not {shown(data[f.name])}"
            for f in fields(cls) if f.name in data and not fits(data[f.name], hints[f.name])]


