"""Import a network trained elsewhere (a .keras file) on the Runs page: the file is checked
(cnnlab.model_import says why one is refused), then saved as a new run that becomes the current
model, so Classify and Inspect use it at once."""
from __future__ import annotations

import streamlit as st

from cnnlab.model_import import CheckedModel, ImportRefused, check_model_file, save_as_run
from cnnlab.settings import CnnlabError
from cnnlab.ui.state import choices, lab_id
from cnnlab.ui.widgets import show_error

_CHECKED = "import_checked"  # session key: (file id, CheckedModel or the error)
_IMPORTED = "import_done"  # session key: {file id: run id} of files already imported


def _checked(upload) -> CheckedModel | CnnlabError:
    """Check an uploaded file once; reruns (a dataset picked) reuse the result."""
    file_id = getattr(upload, "file_id", None) or id(upload)
    cached = st.session_state.get(_CHECKED)
    if cached is None or cached[0] != file_id:
        with st.spinner(f"Checking {upload.name}..."):
            try:
                result: CheckedModel | CnnlabError = check_model_file(upload.getvalue(), name=upload.name)
            except CnnlabError as e:
                result = e
        cached = (file_id, result)
        st.session_state[_CHECKED] = cached
    return cached[1]


def import_section() -> None:
    """An expander with the file picker, what the file holds, and the Import button."""
    with st.expander("Import a model trained elsewhere (.keras file)", icon=":material/upload_file:",
                     expanded=bool(st.session_state.get("import_model_file"))):
        st.caption("A network saved with Keras's `model.save('name.keras')` — in a notebook, or exported from "
                   "cnnlab — becomes a run here, to classify pictures with it and look inside it. Files are "
                   "checked first: cnnlab never runs code from a file (no Lambda layers, no custom layers), and "
                   "the network must fit one of its datasets and the parameter limit.")
        upload = st.file_uploader("Model file", type=["keras", "h5"], key="import_model_file")
        if upload is None:
            return
        checked = _checked(upload)
        if isinstance(checked, CnnlabError):
            show_error(checked)
            st.caption("Nothing was imported, and nothing else changed.")
            return
        shape = "x".join(map(str, checked.input_shape))
        st.markdown(f"**{checked.name}**: pictures of {shape}, {checked.num_classes} classes, "
                    f"{checked.parameters:,} parameters.")
        for note in checked.added:
            st.caption(f":material/info: cnnlab will add {note}.")
        file_id = getattr(upload, "file_id", None) or id(upload)
        done = st.session_state.setdefault(_IMPORTED, {})
        if file_id in done:
            st.success(f"Imported as run #{done[file_id][-4:]}, now the current model.", icon=":material/check_circle:")
            return
        dataset = st.selectbox("It was trained on", checked.datasets, key="import_dataset",
                               help="Decides the class names and how pictures are prepared; only the datasets "
                                    "whose pictures and classes fit this network are offered.")
        if st.button("Import as a new run", key="import_model_button", icon=":material/upload:", type="primary"):
            try:
                with st.spinner("Saving the run and measuring it on the test pictures..."):
                    run = save_as_run(checked, dataset, lab=lab_id())
            except (ImportRefused, CnnlabError) as e:
                show_error(e)
                return
            done[file_id] = run.run_id
            choices().run_id = run.run_id
            accuracy = f" It gets {run.test_accuracy:.1%} of the test pictures right." \
                if run.test_accuracy is not None else ""
            st.session_state["runs_notice"] = (f"Imported {checked.name} as a new run, now the current model: "
                                               f"try it on Classify or Inspect.{accuracy}")
            st.session_state["run_choice"] = run.run_id
            st.rerun()
