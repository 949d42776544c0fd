"""README.md tells the truth about what a teacher needs to start cnnlab for a class: every setting
cnnlab reads is documented, and the server options it shows are real Streamlit options that
`./lab app` passes on."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_environment_setting_cnnlab_reads_is_documented():
    read = {name for path in (ROOT / "cnnlab").rglob("*.py")
            for name in re.findall(r"CNNLAB_[A-Z_]+", path.read_text(encoding="utf-8"))}
    assert read and not read - set(re.findall(r"CNNLAB_[A-Z_]+", README))


def test_the_port_address_and_class_server_are_explained_with_real_options():
    from streamlit import config

    shown = set(re.findall(r"\./lab app (--server\.[A-Za-z]+)", README))
    assert {"--server.port", "--server.address"} <= shown
    for option in shown:  # each is an option Streamlit knows: get_option raises for one it does not
        config.get_option(option[2:])
    assert '"$@"' in (ROOT / "lab").read_text().split("app)")[1].split(";;")[0]  # ./lab app passes them on
    classroom = README.split("## In a classroom")[1].split("\n## ")[0]
    assert "Network URL" in classroom and "firewall" in classroom and "768" in classroom
