"""The home page says what cnnlab is, which datasets work offline, and which presets exist."""
import sys
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def test_home_page_lists_datasets_and_presets():
    at = AppTest.from_file(str(ROOT / "pages" / "home.py"), default_timeout=30).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "convolutional neural networks" in text
    datasets, presets = at.dataframe[0].value, at.dataframe[1].value
    offline = dict(zip(datasets["dataset"], datasets["works offline now"]))
    assert offline["mnist-sample"] == "yes" and offline["cifar10"] == "no"
    assert {"lenet5", "mnist-basic", "cifar-basic", "tf-tutorial", "fashion-bn"} <= set(presets["preset"])


def test_the_modules_behind_home_and_data_do_not_import_tensorflow():
    """Home and Data must open in about a second; importing TensorFlow alone takes ~3 s."""
    import subprocess

    code = ("import sys, cnnlab.datasets, cnnlab.layers, cnnlab.network, cnnlab.presets, cnnlab.runs, cnnlab.training, "
            "cnnlab.preprocess, cnnlab.ui.state, cnnlab.ui.layout; "
            "sys.exit('tensorflow' in sys.modules or 'keras' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
