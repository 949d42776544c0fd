"""Teacher links: a set-up (or a lesson step) written into a page address, and read back.

A teacher prepares an exercise and shares one address; every student who opens it gets a fresh
lab with exactly that set-up. The address names a page and carries, as query parameters:

    lesson=overfitting&step=1                 a lesson step (its own set-up applies), or
    dataset=mnist-sample                      the pictures
    arch=lenet5                               a preset, or arch=custom&layers=<compact stack>
    epochs=3&learning_rate=0.01&...           training settings (TrainConfig's names)
    optimizer_hide=1&seed_hide=1              controls hidden, like TensorFlow Playground's *_hide
    validation_split_lock=1                   controls shown but fixed
    projector=1                               projector mode (large type, sidebar collapsed)

A custom stack travels as `layers=conv-6-5-1-same-relu~avgpool-2-n-valid~...` (see
`encode_layers`), validated layer by layer when read. Reading never trusts the address: every value
is checked, and a bad one is a
CnnlabError naming the parameter, so the page can say which part of the link is broken.
"""
from __future__ import annotations

import io
import ipaddress
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlencode, urlsplit

from cnnlab.lessons import CONTROLS, SETTING_TYPES, LessonError, Setup, get_lesson, parse_setup
from cnnlab.settings import CnnlabError

MAX_LAYERS_PARAM = 2000  # characters: about a hundred layers, far more than cnnlab trains
PAGES = {"home": "", "data": "data", "model": "model", "train": "train", "runs": "runs", "inspect": "inspect",
         "classify": "classify", "lessons": "lessons"}
SETUP_PARAMS = ("lesson", "step", "dataset", "arch", "layers", "projector", *SETTING_TYPES,
                *(f"{c}_hide" for c in CONTROLS), *(f"{c}_lock" for c in CONTROLS))


class LinkError(CnnlabError):
    pass


@dataclass(frozen=True)
class SharedSetup:
    setup: Setup
    lesson: str | None = None
    step: int | None = None
    projector: bool | None = None  # None: the link does not say


def encode_layers(layers: list[dict]) -> str:
    """A stack as one short, readable token per layer: its type, then its settings in the editor's
    order, joined by "-"; layers joined by "~" (both left as they are in an address). Example:
    conv-6-5-1-same-relu~avgpool-2-n-valid~flatten~dense-120-relu ("n": none)."""
    from cnnlab.layers import LAYER_TYPES

    tokens = []
    for spec in layers:
        fields = [spec["type"]]
        for param in LAYER_TYPES[spec["type"]].params:
            value = spec.get(param.key, param.default)
            fields.append("n" if value is None else f"{value:g}" if isinstance(value, float) else str(value))
        tokens.append("-".join(fields))
    return "~".join(tokens)


def decode_layers(text: str) -> list[dict]:
    """The stack `encode_layers` wrote, each layer validated (LinkError naming a broken one)."""
    from cnnlab.layers import LAYER_TYPES, validate_layer

    if len(text) > MAX_LAYERS_PARAM:
        raise LinkError("The link's layers are too long to be a network cnnlab can train.")
    layers = []
    for number, token in enumerate(text.split("~") if text else [], 1):
        kind, *values = token.split("-")
        if kind not in LAYER_TYPES or len(values) > len(LAYER_TYPES[kind].params):
            raise LinkError(f"Layer {number} of the link ({token!r}) is damaged (the address was probably cut "
                            "short): ask for the link again.")
        spec: dict = {"type": kind}
        for param, value in zip(LAYER_TYPES[kind].params, values):
            try:
                spec[param.key] = None if value == "n" else int(value) if param.kind == "int" \
                    else float(value) if param.kind == "float" else value
            except ValueError:
                raise LinkError(f"Layer {number} of the link has {param.key}={value!r}, which is not a number.") \
                    from None
        try:
            layers.append(validate_layer(spec))
        except CnnlabError as e:
            raise LinkError(f"Layer {number} of the link: {e}") from None
    return layers


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def has_setup(params: Mapping[str, str]) -> bool:
    return any(name in params for name in SETUP_PARAMS)


def _setting(name: str, value: str):
    kind = SETTING_TYPES[name]
    try:
        if kind is bool:
            return _flag(value)
        if kind is int:
            return int(value)
        if kind is str:
            return value
        return float(value)
    except ValueError:
        raise LinkError(f"The link's {name}={value!r} is not a number.") from None


def read_link(params: Mapping[str, str]) -> SharedSetup:
    """The set-up an address carries (LinkError naming the bad part otherwise)."""
    projector = _flag(params["projector"]) if "projector" in params else None
    if "lesson" in params:
        try:
            lesson = get_lesson(params["lesson"])
            number = int(params.get("step", "1"))
            step = lesson.step(number)
        except (LessonError, ValueError):
            raise LinkError(f"The link names lesson {params.get('lesson')!r} step {params.get('step', '1')!r}, "
                            "which does not exist here.") from None
        return SharedSetup(step.setup, lesson.id, number, projector)
    raw: dict = {}
    if "dataset" in params:
        raw["dataset"] = params["dataset"]
    if "arch" in params:
        raw["architecture"] = params["arch"]
        if params["arch"] == "custom":
            if "layers" not in params:
                raise LinkError("The link asks for a custom network but carries no layers.")
            raw["layers"] = decode_layers(params["layers"])
    settings = {name: _setting(name, params[name]) for name in SETTING_TYPES if name in params}
    if settings:
        raw["settings"] = settings
    hide = [c for c in CONTROLS if _flag(params.get(f"{c}_hide", "0"))]
    lock = [c for c in CONTROLS if _flag(params.get(f"{c}_lock", "0"))]
    if hide:
        raw["hide"] = hide
    if lock:
        raw["lock"] = lock
    try:
        setup = parse_setup(raw, "The link")
    except LessonError as e:
        raise LinkError(str(e)) from None
    return SharedSetup(setup, projector=projector)


def link_params(setup: Setup | None = None, *, lesson: str | None = None, step: int | None = None,
                projector: bool = False) -> dict[str, str]:
    """The query parameters for a set-up, or for a lesson step."""
    params: dict[str, str] = {}
    if lesson:
        params["lesson"] = lesson
        params["step"] = str(step or 1)
    elif setup is not None:
        if setup.dataset:
            params["dataset"] = setup.dataset
        if setup.architecture:
            params["arch"] = setup.architecture
            if setup.architecture == "custom":
                params["layers"] = encode_layers(setup.layers or [])
        for name, value in setup.settings.items():
            params[name] = ("1" if value else "0") if isinstance(value, bool) else f"{value:g}" \
                if isinstance(value, float) else str(value)
        params.update({f"{c}_hide": "1" for c in setup.hide})
        params.update({f"{c}_lock": "1" for c in setup.lock})
    if projector:
        params["projector"] = "1"
    return params


def link(base_url: str, page: str, params: Mapping[str, str]) -> str:
    """`base_url` (the app's address, e.g. http://10.0.0.5:8501) + page + query."""
    if page not in PAGES:
        raise LinkError(f"There is no page {page!r} to link to.")
    path = PAGES[page]
    query = urlencode(params)
    return f"{base_url.rstrip('/')}/{path}" + (f"?{query}" if query else "")


def only_this_computer(url: str) -> bool:
    """True when `url`'s host is this computer's own name for itself (localhost, 127.x, ::1, 0.0.0.0):
    a student's laptop that opens it reaches its own computer, not the teacher's."""
    host = (urlsplit(url).hostname or "").lower()
    if host in ("", "localhost") or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name such as lab.school.org: reachable as far as this computer can tell
    return address.is_loopback or address.is_unspecified


def qr_png(text: str, scale: int = 8) -> bytes:
    """A QR code of `text` as a PNG (black on white, with the standard quiet zone)."""
    import segno

    image = io.BytesIO()
    # Error correction M: still reads when a projector blurs or a student's camera is at an angle.
    segno.make(text, error="m", micro=False).save(image, kind="png", scale=scale, border=4)
    return image.getvalue()
