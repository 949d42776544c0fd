"""The Data page: choosing a dataset, the sample grid and its class filter, and clear messages for
data that is not there (nothing here touches the network: conftest gives an empty data folder)."""
from __future__ import annotations

import logging
import subprocess
import sys
import urllib.error
from pathlib import Path

from streamlit.testing.v1 import AppTest

from cnnlab import datasets
from cnnlab.datasets import DIGIT_CLASSES, FASHION_CLASSES
from cnnlab.ui.state import choices_for as lab_choices

import fixtures_data as fx

logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(logging.ERROR)
ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "data.py")
MODEL_PAGE = str(ROOT / "pages" / "model.py")


def open_page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    assert not at.exception, at.exception
    return at


def captions(at: AppTest) -> list[str]:
    """The class names under the sample grid's pictures (and under the picture picked below it)."""
    return [caption for image in at.get("image") for caption in image.captions]


def sidebar_text(at: AppTest) -> str:
    return " ".join(m.value for m in at.sidebar.markdown)


def test_default_shows_the_mnist_sample_with_its_charts():
    at = open_page()
    assert at.selectbox(key="dataset_choice").value == "mnist-sample"
    names = captions(at)
    assert len(names) == 33 and set(names) <= set(DIGIT_CLASSES)  # 32 in the grid + the picked one
    charts = at.get("plotly_chart")
    assert len(charts) == 4  # class distribution, pixel histogram, one-hot label, pixel heatmap
    text = " ".join(c.value for c in at.caption)
    assert "of the pixels are exactly 0" in text and "Balanced classes" in text


def test_choosing_fashion_shows_its_pictures_and_keeps_the_other_choices():
    at = open_page()
    at.selectbox(key="dataset_choice").set_value("fashion-sample").run()
    assert not at.exception
    names = captions(at)
    assert len(names) == 33 and set(names) <= set(FASHION_CLASSES)
    assert "fashion-sample" in sidebar_text(at) and "lenet5" in sidebar_text(at)


def test_class_filter_and_reshuffle():
    at = open_page()
    first = [url for image in at.get("image") for url in image.value]
    at.multiselect(key="class_filter:mnist-sample").set_value(["3", "7"]).run()
    assert not at.exception
    assert set(captions(at)) == {"3", "7"} and len(captions(at)) == 33
    filtered = [url for image in at.get("image") for url in image.value]
    at.button(key="reshuffle").click().run()
    assert not at.exception
    assert set(captions(at)) == {"3", "7"}  # the filter stays
    reshuffled = [url for image in at.get("image") for url in image.value]
    assert reshuffled != filtered != first


def test_cifar10_not_on_this_computer_offers_a_download_and_explains_the_failure(monkeypatch):
    def offline(url, dest, progress=None, *, sha256=None):
        raise urllib.error.URLError("no network in tests")

    monkeypatch.setattr(datasets, "_download", offline)
    monkeypatch.delenv("CNNLAB_OFFLINE")  # downloads allowed (the network itself is not there)
    at = open_page()
    at.selectbox(key="dataset_choice").set_value("cifar10").run()
    assert not at.exception and not at.error  # nothing downloaded unasked
    assert "mnist-sample" in sidebar_text(at)  # the lab keeps its dataset until CIFAR-10 is here
    download = at.button(key="download_dataset")
    assert download.label == "Download CIFAR-10 (small colour photos) (170 MB)"
    download.click().run()
    assert not at.exception
    message = at.error[0].value
    assert "cifar-10-python.tar.gz" in message and str(datasets.settings.data_dir() / "cifar10") in message
    assert not at.get("image")
    # The message stays until another try, and the bundled samples still work.
    at.run()
    assert "cifar-10-python.tar.gz" in at.error[0].value
    at.selectbox(key="dataset_choice").set_value("mnist-sample").run()
    assert not at.exception and not at.error and len(captions(at)) == 33


def test_download_button_fetches_the_dataset_with_a_progress_bar(tmp_path, monkeypatch):
    remote = tmp_path / "remote" / "mnist.npz"
    fx.write_keras_mnist_npz(remote, n_train=40, n_test=10)
    reports = []

    def download(url, dest, progress=None, *, sha256=None):  # "fetches" the file from a local folder
        data = remote.read_bytes()
        for done in (len(data) // 2, len(data)):
            progress(done, len(data), f"Downloading {dest.name}")  # draws the page's progress bar
            reports.append(done)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)

    monkeypatch.setattr(datasets, "_download", download)
    monkeypatch.delenv("CNNLAB_OFFLINE")
    datasets.clear_cache()  # this test's tiny "mnist" must neither come from nor stay in the cache
    try:
        at = open_page()
        assert "(download (11 MB))" in at.selectbox(key="dataset_choice").format_func("mnist")
        at.selectbox(key="dataset_choice").set_value("mnist").run()
        assert not at.get("image")  # nothing is downloaded unasked
        assert lab_choices(at.session_state["lab_id"]).dataset == "mnist-sample"  # not before it is here
        at.button(key="download_dataset").click().run()
        assert not at.exception and not at.error
        assert len(reports) == 2
        assert lab_choices(at.session_state["lab_id"]).dataset == "mnist"  # here now: the lab switches
        assert "mnist" in sidebar_text(at) and "mnist-sample" not in sidebar_text(at)
        assert len(captions(at)) == 33 and set(captions(at)) <= set(DIGIT_CLASSES)
        assert "Loads from:** data folder" in " ".join(c.value for c in at.caption)
    finally:
        datasets.clear_cache()


def test_offline_a_full_dataset_that_is_not_here_is_refused_at_once_and_the_lab_keeps_its_dataset():
    """CNNLAB_OFFLINE=1 (as in a classroom without internet; conftest sets it): choosing the full MNIST
    says at once what is missing and where to put it; the lab and the menu stay on the dataset it had,
    so the Train page goes on working."""
    at = open_page()
    lab = at.session_state["lab_id"]
    at.selectbox(key="dataset_choice").set_value("fashion-sample").run()
    assert at.selectbox(key="dataset_choice").format_func("mnist").endswith("not on this computer")
    at.selectbox(key="dataset_choice").set_value("mnist").run()
    assert not at.exception, at.exception
    message = at.error[0].value
    assert "MNIST" in message and "not on this computer" in message
    assert str(datasets.settings.data_dir() / "mnist") in message and "keeps working with **fashion-sample**" in message
    assert at.selectbox(key="dataset_choice").value == "fashion-sample"
    assert lab_choices(lab).dataset == "fashion-sample" and "fashion-sample" in sidebar_text(at)
    assert set(captions(at)) <= set(FASHION_CLASSES)
    at.run()
    assert not at.error  # said once; nothing else changed


def test_own_image_folder_bad_path_then_good_one(tmp_path):
    at = open_page()
    at.selectbox(key="dataset_choice").set_value("folder").run()
    assert not at.exception and not at.error and at.info  # asks for a path
    at.text_input(key="folder_path").set_value(str(tmp_path / "nowhere")).run()
    assert not at.exception
    assert "does not exist" in at.error[0].value
    assert "mnist-sample" in sidebar_text(at)  # a bad folder does not replace the dataset in use

    fx.write_picture_folder(tmp_path / "shapes", {"circle": 6, "square": 5})
    at.text_input(key="folder_path").set_value(str(tmp_path / "shapes")).run()
    assert not at.exception and not at.error
    assert set(captions(at)) <= {"circle", "square"}
    assert f"folder:{tmp_path / 'shapes'}" in sidebar_text(at)
    assert at.radio(key="picked_channel").options == ["Red", "Green", "Blue"]  # colour pictures


def test_data_and_model_pages_open_without_tensorflow():
    """Data must open in about a second (importing TensorFlow alone takes ~3 s); Model needs it neither."""
    code = ("import sys; from streamlit.testing.v1 import AppTest; "
            f"pages = [AppTest.from_file(p, default_timeout=30).run() for p in {[PAGE, MODEL_PAGE]!r}]; "
            "sys.exit(any(at.exception for at in pages) or 'tensorflow' in sys.modules or 'keras' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT).returncode == 0


def test_a_zip_of_class_folders_can_be_uploaded_and_becomes_the_dataset(tmp_path):
    import io
    import zipfile

    folder = tmp_path / "pets"
    fx.write_picture_folder(folder, {"cat": 6, "dog": 5})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in folder.rglob("*.png"):
            archive.write(path, f"pets/{path.relative_to(folder)}")
    at = open_page()
    at.selectbox(key="dataset_choice").set_value("folder").run()
    at.file_uploader(key="folder_zip").set_value(("pets.zip", buffer.getvalue(), "application/zip")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    unpacked = datasets.settings.data_dir() / "uploads"
    assert "Unpacked pets.zip" in at.success[0].value and str(unpacked) in at.success[0].value
    assert set(captions(at)) <= {"cat", "dog"}
    dataset = lab_choices(at.session_state["lab_id"]).dataset
    assert dataset.startswith(f"folder:{unpacked}") and dataset.endswith("/pets")

    at.file_uploader(key="folder_zip").set_value(("evil.zip", b"PK\x03\x04 broken", "application/zip")).run()
    assert not at.exception and "not a zip file" in at.error[0].value
    assert lab_choices(at.session_state["lab_id"]).dataset == dataset  # nothing the student had is lost
