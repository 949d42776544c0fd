"""Teacher links in the app: opening one, making one (with its QR code), and projector mode.

`open_link` runs first on every page: when the address carries a set-up (cnnlab.sharing), it is
put in place for this lab, once, and then taken out of the address, so a reload keeps what the
student has done since. `share_panel` builds the link for the lab's current set-up (or a lesson
step) with the controls to hide, and shows it with a copy button and a QR code for the projector.
"""
from __future__ import annotations

import html
import json
from urllib.parse import urlsplit

import streamlit as st

from cnnlab.lessons import CONTROLS, Setup
from cnnlab.sharing import SETUP_PARAMS, LinkError, has_setup, link, link_params, only_this_computer, qr_png, read_link
from cnnlab.ui.setups import apply_setup, restricted_controls
from cnnlab.ui.state import choices

PROJECTOR_ZOOM = 1.35  # type and charts about a third bigger: readable from the back of a classroom
_NOTICE = "link_notice"


def open_link() -> None:
    """Put the set-up an address carries in place for this lab, then drop it from the address."""
    params = st.query_params.to_dict()
    if not has_setup(params):
        return
    try:
        shared = read_link(params)
    except LinkError as e:
        st.session_state[_NOTICE] = ("warning", f"{e} The lab opened with its usual settings.")
    else:
        if shared.lesson:
            from cnnlab.ui.lessons import open_step

            open_step(shared.lesson, shared.step)
            what = "the lesson step your teacher chose"
        else:
            apply_setup(shared.setup)
            what = "your teacher's set-up"
        if shared.projector is not None:
            choices().projector = shared.projector
        hidden = " Some settings are fixed for this exercise." if shared.setup.hide or shared.setup.lock else ""
        st.session_state[_NOTICE] = ("success", f"This lab opened with {what}.{hidden}")
    for name in SETUP_PARAMS:
        if name in st.query_params:
            del st.query_params[name]


def link_notice() -> None:
    """Say once, at the top of the page, what the link did."""
    notice = st.session_state.pop(_NOTICE, None)
    if notice:
        kind, text = notice
        (st.success if kind == "success" else st.warning)(text, icon=":material/link:")


def base_url() -> str:
    """The address students reach this app at: the one this browser used."""
    parts = urlsplit(st.context.url or "http://localhost:8501/")
    return f"{parts.scheme}://{parts.netloc}"


def projector_on() -> bool:
    return choices().projector


def _toggle_projector() -> None:
    choices().projector = bool(st.session_state["projector_toggle"])


def projector_toggle() -> None:
    st.session_state["projector_toggle"] = projector_on()
    st.toggle("Projector mode", key="projector_toggle", on_change=_toggle_projector,
              help="Bigger type and charts, the sidebar folded away: for showing the lab on a projector.")


def projector_mode() -> None:
    """Larger type and charts and the sidebar collapsed, while projector mode is on."""
    # The browser moves the sidebar only when this state changes, so it is said every time, on or
    # off: otherwise turning projector mode on a second time leaves the sidebar open.
    if not projector_on():
        st.set_page_config(initial_sidebar_state="auto")
        return
    st.set_page_config(initial_sidebar_state="collapsed")
    st.html(f"""<style>
        [data-testid="stMainBlockContainer"] {{ zoom: {PROJECTOR_ZOOM}; max-width: 100%;
            padding-left: 2rem; padding-right: 2rem; padding-top: 2.5rem; }}
    </style>""")
    st.button("Leave projector mode", key="leave_projector", icon=":material/fit_screen:",
              on_click=lambda: setattr(choices(), "projector", False))


# --- Making a link --------------------------------------------------------------------------------

def current_setup(hide: list[str], lock: list[str]) -> tuple[Setup, list[str]]:
    """This lab's set-up as a Setup, and what could not be put in a link."""
    from cnnlab.config import SETTINGS, TRAIN_PAGE_SETTINGS

    chosen = choices()
    left_out = []
    dataset = chosen.dataset
    if dataset.startswith("folder:"):
        left_out.append("your own image folder (students do not have it): they get the MNIST sample")
        dataset = None
    stored = chosen.train_settings
    # The Train page's widgets hold the newest values (the sidebar is drawn before the page saves them).
    settings = {name: SETTINGS[name].from_widget(st.session_state[SETTINGS[name].key])
                if SETTINGS[name].key in st.session_state else stored[name]
                for name in TRAIN_PAGE_SETTINGS if SETTINGS[name].key in st.session_state or name in stored}
    layers = chosen.custom_layers if chosen.architecture == "custom" else None
    return Setup(dataset=dataset, architecture=chosen.architecture, layers=layers, settings=settings,
                 hide=tuple(hide), lock=tuple(lock)), left_out


def copy_button(url: str, key: str) -> None:
    """A "Copy link for the class" button; falls back to selecting the text where the clipboard is not
    allowed (a plain-http classroom address)."""
    st.html(f"""
    <div class="cnnlab-copy">
      <button type="button" id="copy-{key}" data-url="{html.escape(url, quote=True)}"
        style="font: inherit; padding: 0.4rem 0.9rem; border-radius: 0.5rem; border: 1px solid rgba(49,51,63,0.3);
               background: white; cursor: pointer;">Copy link for the class</button>
      <span id="copied-{key}" style="margin-left: 0.6rem; color: #2e7d32;"></span>
    </div>
    <script>
    (() => {{
      const button = document.getElementById({json.dumps("copy-" + key)});
      const said = document.getElementById({json.dumps("copied-" + key)});
      button.onclick = async () => {{
        const url = button.dataset.url;
        try {{ await navigator.clipboard.writeText(url); }}
        catch (e) {{
          const area = document.createElement("textarea");
          area.value = url; document.body.appendChild(area); area.select();
          document.execCommand("copy"); area.remove();
        }}
        said.textContent = "Copied: paste it in the class chat, or show the QR code.";
      }};
    }})();
    </script>""", unsafe_allow_javascript=True)


def show_link(url: str, key: str) -> None:
    if only_this_computer(url):
        st.warning("This address only works on this computer: on a student's laptop, *localhost* is the "
                   "laptop itself. Open cnnlab at its **Network URL** (printed in the terminal when it starts; "
                   "e.g. http://192.168.1.20:8501) and make the link there.", icon=":material/wifi_off:")
    st.code(url, language=None, wrap_lines=True)
    copy_button(url, key)
    st.image(qr_png(url), caption="Students point a phone or laptop camera here to open the same set-up.",
             width=260)


def share_panel(page: str = "train", key: str = "share") -> None:
    """Choose what the link carries, then the link, its copy button and its QR code."""
    hide_now, lock_now = restricted_controls()
    from cnnlab.ui.lessons import CONTROL_NAMES

    hide = st.multiselect("Hide these controls", CONTROLS, default=hide_now, key=f"{key}_hide",
                          format_func=CONTROL_NAMES.get, help="Students do not see them: they cannot change them.")
    lock = st.multiselect("Show but fix these", [c for c in CONTROLS if c not in hide], key=f"{key}_lock",
                          default=[c for c in lock_now if c not in hide], format_func=CONTROL_NAMES.get)
    page = st.selectbox("Students start on", ["home", "data", "model", "train", "runs", "inspect", "classify"],
                        index=["home", "data", "model", "train", "runs", "inspect", "classify"].index(page),
                        key=f"{key}_page", format_func=str.title)
    projector = st.checkbox("Open in projector mode", key=f"{key}_projector")
    setup, left_out = current_setup(hide, lock)
    for note in left_out:
        st.caption(f":material/info: Not in the link: {note}.")
    try:
        url = link(base_url(), page, link_params(setup, projector=projector))
    except LinkError as e:
        st.warning(str(e), icon=":material/warning:")
        return
    show_link(url, key)
