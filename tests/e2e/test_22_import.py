"""Scenario 22 (issue 12): import a good .keras file on the Runs page, classify with it; a file with a
Lambda layer is refused with a message saying so."""
from .helpers import ERROR_BOX, EXCEPTION


def _model_files(folder):
    import keras
    from keras import layers

    good = keras.Sequential([keras.Input((28, 28, 1)), layers.Rescaling(1 / 255), layers.Conv2D(4, 3,
                                                                                                activation="relu"),
                             layers.MaxPooling2D(), layers.Flatten(), layers.Dense(10, activation="softmax")])
    good.save(folder / "from-a-notebook.keras")
    bad = keras.Sequential([keras.Input((28, 28, 1)), layers.Lambda(lambda x: x * 2), layers.Flatten(),
                            layers.Dense(10, activation="softmax")])
    bad.save(folder / "with-lambda.keras")
    return folder / "from-a-notebook.keras", folder / "with-lambda.keras"


def _upload(lab, path):
    expander = lab.page.get_by_text("Import a model trained elsewhere")
    if not lab.widget("import_model_file").is_visible():
        expander.first.click()
    field = lab.wait_for(lab.widget("import_model_file").locator('input[type="file"]'), "the model file picker",
                         state="attached")
    field.set_input_files(str(path))
    lab.wait_idle(timeout=60)


def test_22_import_good_and_lambda(lab, tmp_path):
    good, lambda_file = _model_files(tmp_path)
    lab.open("Home")
    lab.goto("Runs")
    _upload(lab, good)
    lab.wait_until(lambda: "6,810 parameters" in lab.text(), "the checked file's summary (6,810 parameters)", 60)
    lab.widget("import_model_file").scroll_into_view_if_needed()
    lab.shot("good-file-checked")
    lab.click("import_model_button")
    lab.wait_until(lambda: "Imported from-a-notebook.keras as a new run" in lab.text(),
                   "the notice that the file was imported", 60)
    lab.shot("imported")
    lab.assert_healthy("imported")
    lab.wait_for(lab.widget("export_run_button"), "the imported run's section").scroll_into_view_if_needed()
    lab.shot("imported-run-section")

    lab.goto("Classify")
    lab.wait_until(lambda: "from-a-notebook.keras (imported) on mnist-sample" in lab.text(),
                   "the imported model on Classify", 60)
    lab.shot("classify-with-imported")
    lab.check(not lab.page.locator(EXCEPTION).count(), "an exception on Classify with the imported model", "classify")

    lab.goto("Runs")
    _upload(lab, lambda_file)
    error = lab.wait_for(lab.page.locator(ERROR_BOX), "the refusal of the Lambda file", timeout=60)
    lab.check("Lambda layer" in error.inner_text(), f"the refusal does not name the Lambda layer: "
                                                    f"{error.inner_text()!r}", "lambda-message")
    error.scroll_into_view_if_needed()
    lab.shot("lambda-refused")
    lab.check(not lab.page.locator(EXCEPTION).count(), "an exception box after the Lambda file", "lambda")
