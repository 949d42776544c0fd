"""Scenario 21 (issue 12): download a run's export zip from the Runs page, and see the same button
on Inspect. The zip holds the model, a plain-Keras train.py, its notebook and run.json."""
import io
import json
import zipfile

from .helpers import open_with_a_model


def _download(lab, key: str) -> zipfile.ZipFile:
    button = lab.wait_for(lab.widget(key).locator("button"), f"the {key} download button")
    button.scroll_into_view_if_needed()
    lab.check(button.is_enabled(), f"the {key} button is disabled", key)
    with lab.page.expect_download(timeout=60_000) as download:
        button.click()
    data = open(download.value.path(), "rb").read()
    lab.check(download.value.suggested_filename.endswith(".zip"),
              f"the download is called {download.value.suggested_filename!r}, not a .zip", key)
    return zipfile.ZipFile(io.BytesIO(data))


def test_21_export_download(lab):
    open_with_a_model(lab, "Runs")
    if not lab.button_enabled("export_run_button"):  # the newest run may still be training: pick an ended one
        box = lab.wait_for(lab.widget("run_choice"), "the run selectbox")
        lab._open_list(box, "run_choice")
        options = lab.page.locator('[role="listbox"] [role="option"]')
        for i in range(options.count()):
            options.nth(i).click()
            lab.wait_idle()
            if lab.button_enabled("export_run_button"):
                break
            lab._open_list(box, "run_choice")
            options = lab.page.locator('[role="listbox"] [role="option"]')
    lab.wait_for(lab.widget("export_run_button"), "the export button on Runs").scroll_into_view_if_needed()
    lab.shot("runs-export-button")
    archive = _download(lab, "export_run_button")
    names = {name.split("/", 1)[1] for name in archive.namelist()}
    lab.check({"model.keras", "train.py", "train.ipynb", "run.json", "README.md"} <= names,
              f"the zip holds {sorted(names)}", "zip-contents")
    record = json.loads(archive.read(next(n for n in archive.namelist() if n.endswith("/run.json"))))
    script = archive.read(next(n for n in archive.namelist() if n.endswith("/train.py"))).decode()
    lab.check(record["history"] and "import cnnlab" not in script and "keras.Model(inputs, outputs" in script,
              "run.json has no history, or train.py is not a plain Keras script", "zip-files")
    lab.assert_healthy("runs-export")

    # The same run as the current model: Inspect offers the same download beside the model's name.
    if lab.button_enabled("use_run_button"):
        lab.click("use_run_button")
    lab.goto("Inspect")
    lab.wait_for(lab.widget("export_inspect_button"), "the export button on Inspect")
    lab.shot("inspect-export-button")
    archive = _download(lab, "export_inspect_button")
    lab.check(any(n.endswith("/train.py") for n in archive.namelist()), "Inspect's zip has no train.py", "inspect-zip")
    lab.assert_healthy("inspect-export")
