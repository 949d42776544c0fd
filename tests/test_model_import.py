"""Safe import of .keras files (issue 12, part 5): every refusal, named; a good file becomes a run."""
from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from cnnlab import runs
from cnnlab.cli import main
from cnnlab.inference import Classifier
from cnnlab.model_import import ImportRefused, check_model_file, import_model


def _save(model, folder, name):
    path = folder / name
    model.save(path)
    return path


def _sequential(*layers, shape=(28, 28, 1)):
    import keras

    return keras.Sequential([keras.Input(shape), *layers])


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Model files, good and bad, made once for the module."""
    import keras
    from keras import layers

    folder = tmp_path_factory.mktemp("models")
    marker = folder / "the-lambda-ran"

    def touch_then_pass(x):  # a Lambda's code: if it ever runs, the marker file appears
        marker.touch()
        return x

    @keras.saving.register_keras_serializable(package="classroom")
    class Doubler(layers.Layer):
        def call(self, x):
            return x * 2

    made = {
        "good": _save(_sequential(layers.Rescaling(1 / 255), layers.Conv2D(4, 3, activation="relu"),
                                  layers.MaxPooling2D(), layers.Flatten(), layers.Dense(10, activation="softmax")),
                      folder, "good.keras"),
        "logits": _save(_sequential(layers.Conv2D(4, 3, activation="relu"), layers.Flatten(), layers.Dense(10)),
                        folder, "logits.keras"),
        "lambda": _save(_sequential(layers.Lambda(touch_then_pass), layers.Flatten(),
                                    layers.Dense(10, activation="softmax")), folder, "lambda.keras"),
        "custom": _save(_sequential(Doubler(), layers.Flatten(), layers.Dense(10, activation="softmax")),
                        folder, "custom.keras"),
        "wrong-shape": _save(_sequential(layers.Flatten(), layers.Dense(10, activation="softmax"), shape=(64, 64, 3)),
                             folder, "wrong-shape.keras"),
        "five-classes": _save(_sequential(layers.Flatten(), layers.Dense(5, activation="softmax")),
                              folder, "five-classes.keras"),
        "colour": _save(_sequential(layers.Rescaling(1 / 255), layers.Flatten(), layers.Dense(10, activation="softmax"),
                                    shape=(32, 32, 3)), folder, "colour.keras"),
    }
    # A branching network (two paths added together) without a Rescaling layer: nothing can be put in front.
    inputs = keras.Input((28, 28, 1))
    a, b = layers.Conv2D(2, 3, padding="same")(inputs), layers.Conv2D(2, 1)(inputs)
    out = layers.Dense(10, activation="softmax")(layers.Flatten()(layers.Add()([a, b])))
    made["branching"] = _save(keras.Model(inputs, out), folder, "branching.keras")
    good = made["good"].read_bytes()
    (folder / "truncated.keras").write_bytes(good[:len(good) // 2])
    (folder / "text.keras").write_text("not a model")
    (folder / "empty.keras").write_bytes(b"")
    (folder / "old.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    with zipfile.ZipFile(made["good"]) as src, zipfile.ZipFile(folder / "no-weights.keras", "w") as dst:
        dst.writestr("config.json", src.read("config.json"))
        dst.writestr("metadata.json", src.read("metadata.json"))
    with zipfile.ZipFile(made["good"]) as src, zipfile.ZipFile(folder / "bad-config.keras", "w") as dst:
        for item in src.namelist():
            dst.writestr(item, b"{not json" if item == "config.json" else src.read(item))
    # The good file's layers with another network's weights (8 filters of 5x5, not 4 of 3x3): Keras's
    # own reason for refusing it must reach the student, not only the name of its error type.
    other = _save(_sequential(layers.Rescaling(1 / 255), layers.Conv2D(8, 5, activation="relu"),
                              layers.MaxPooling2D(), layers.Flatten(), layers.Dense(10, activation="softmax")),
                  folder, "other.keras")
    with zipfile.ZipFile(made["good"]) as src, zipfile.ZipFile(other) as weights, \
            zipfile.ZipFile(folder / "mixed-weights.keras", "w") as dst:
        for item in src.namelist():
            dst.writestr(item, weights.read(item) if item == "model.weights.h5" else src.read(item))
    for name in ("truncated", "text", "empty", "no-weights", "bad-config", "mixed-weights"):
        made[name] = folder / f"{name}.keras"
    made["old"] = folder / "old.h5"
    marker.unlink(missing_ok=True)  # saving built the model, which ran the Lambda once
    made["marker"] = marker
    return made


def test_a_good_file_becomes_a_run_that_classifies(files):
    run = import_model(files["good"])
    assert run.run_id in [r.run_id for r in runs.list_runs()]
    assert run.config["dataset"] == "mnist-sample" and run.config["imported"] is True
    assert run.classes == list("0123456789") and run.image_shape == [28, 28, 1]
    assert run.test_accuracy is not None and 0 <= run.test_accuracy <= 1  # measured on the sample's test set
    classifier = Classifier.from_run(run.run_id)
    probabilities = classifier.probabilities(np.zeros((28, 28, 1), np.uint8))
    assert probabilities.shape == (10,) and probabilities.sum() == pytest.approx(1.0, abs=1e-5)


def test_a_file_without_rescaling_or_softmax_gets_them_and_says_so(files):
    import keras

    run = import_model(files["logits"], dataset="fashion-mnist")
    assert "Rescaling" in run.message and "softmax" in run.message
    model = runs.load_model(run.run_id)
    assert isinstance(model.layers[1], keras.layers.Rescaling)  # after the input, first thing: 0-255 -> 0-1
    assert isinstance(model.layers[-1], keras.layers.Softmax)
    assert run.config["dataset"] == "fashion-mnist" and run.classes[0] == "T-shirt/top"


def test_a_lambda_layer_is_refused_and_its_code_never_runs(files):
    with pytest.raises(ImportRefused, match="Lambda layer"):
        import_model(files["lambda"])
    assert not files["marker"].exists()
    assert runs.list_runs() == []


@pytest.mark.parametrize("name, words", [
    ("custom", r"custom object \(classroom>Doubler\)"),
    ("wrong-shape", r"inputs of shape 64x64x3, which fits none of cnnlab's datasets"),
    ("five-classes", r"gives 5 outputs"),
    ("branching", r"one layer after another"),
    ("truncated", r"not a Keras model file \(.keras\), or it is damaged"),
    ("text", r"not a Keras model file \(.keras\), or it is damaged"),
    ("empty", r"is empty"),
    ("old", r"older HDF5 \(.h5\)"),
    ("no-weights", r"lacks model.weights.h5"),
    ("bad-config", r"not readable JSON"),
    ("mixed-weights", r"could not be loaded as a Keras model \(Keras says: .*could not be loaded"),
])
def test_each_bad_file_is_refused_saying_why(files, name, words):
    with pytest.raises(ImportRefused, match=words):
        check_model_file(files[name])
    assert runs.list_runs() == []


def test_over_the_parameter_limit_is_refused(files, monkeypatch):
    monkeypatch.setenv("CNNLAB_MAX_PARAMS", "500")
    with pytest.raises(ImportRefused, match=r"has 6,810 parameters, more than this machine's limit of 500"):
        check_model_file(files["good"])
    # A weights file far too big for the limit is refused before Keras loads anything.
    monkeypatch.setenv("CNNLAB_MAX_PARAMS", "1")
    monkeypatch.setattr("cnnlab.model_import.WEIGHTS_FILE_SLACK", 0)
    with pytest.raises(ImportRefused, match=r"MB of weights: far more than the limit of 1 parameters"):
        check_model_file(files["good"])


def test_a_dataset_that_does_not_fit_is_refused(files):
    with pytest.raises(ImportRefused, match="does not fit cifar10; it fits mnist-sample"):
        import_model(files["good"], dataset="cifar10")
    assert check_model_file(files["colour"]).datasets == ["cifar10"]


def test_a_run_trained_here_comes_back_unchanged(trained_run, tmp_path):
    import keras

    checked = check_model_file(trained_run.model_path)
    assert checked.added == [] and checked.parameters == trained_run.parameters
    original = keras.models.load_model(trained_run.model_path, compile=False)
    x = np.random.default_rng(0).integers(0, 256, (4, 28, 28, 1)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(checked.model(x)), np.asarray(original(x)), atol=1e-6)


def test_cli_import_prints_the_run_id_or_one_error_line(files, capsys):
    code = main(["import", str(files["good"])])
    out, err = capsys.readouterr()
    assert code == 0 and out.strip() == runs.list_runs()[0].run_id
    code = main(["import", str(files["lambda"])])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.startswith("error: ") and "Lambda" in err and err.count("\n") == 1
    code = main(["import", str(files["good"]), "--json"])
    out, _ = capsys.readouterr()
    assert code == 0 and json.loads(out)["dataset"] == "mnist-sample"
    code = main(["import", "/no/such/file.keras"])
    _, err = capsys.readouterr()
    assert code == 2 and "does not exist" in err


@pytest.mark.parametrize("page", ["pages/inspect.py", "pages/classify.py", "pages/runs.py"])
def test_the_pages_use_an_imported_run_like_any_other(files, page):
    from support import open_app_page

    run = import_model(files["logits"])
    at = open_app_page(page, f"import-{page[6:-3]}", run_id=run.run_id)
    assert not at.exception
    assert not [e.value for e in at.error]
    shown = " ".join(str(e.value) for e in [*at.markdown, *at.caption, *at.info])
    assert ("logits.keras (imported) on mnist-sample" in shown if page != "pages/runs.py" else
            "Imported from logits.keras" in shown)


def test_an_imported_run_says_it_was_trained_elsewhere_not_none_or_0_epochs(files):
    from support import open_app_page

    run = import_model(files["logits"])
    at = open_app_page("pages/classify.py", "import-elsewhere", run_id=run.run_id)
    shown = " ".join(str(e.value) for e in at.markdown)
    assert "trained elsewhere" in shown and "0 epoch" not in shown
    at = open_app_page("pages/runs.py", "import-elsewhere-runs", run_id=run.run_id)
    row = next(r for r in at.dataframe[0].value.to_dict("records") if r["run"].startswith(f"#{run.run_id[-4:]}"))
    assert row["optimizer"] == "(trained elsewhere)" and row["epochs"] == "-"
