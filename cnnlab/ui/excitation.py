"""The Inspect page's "Excites a filter" tab: pick a layer and a filter, see the 9 test
pictures that excite it most with its feature map laid over each (cnnlab.excitation)."""
from __future__ import annotations

import numpy as np
import streamlit as st

from cnnlab import excitation
from cnnlab.images import enlarge
from cnnlab.inference import Classifier
from cnnlab.settings import CnnlabError
from cnnlab.ui.widgets import show_error

COLUMNS = 3


@st.cache_data(max_entries=8, show_spinner="Running every test picture through this layer (once)...")
def cached_peaks(run_id: str, saved_at: float, dataset: str, layer: str, _model, _x) -> np.ndarray:
    """Every test picture's strongest response per filter; keyed by run, model file time and layer."""
    return excitation.layer_peaks(_model, _x, layer)


def show_excitation(run_id: str, saved_at: float, clf: Classifier, x_test: np.ndarray, y_test: np.ndarray,
                    dataset: str, descriptions: dict[str, str]) -> None:
    layers = excitation.filter_layers(clf.model)
    if not layers:
        st.info("This network has no convolution or pooling layers, so it has no filters to look at.",
                icon=":material/info:")
        return
    st.markdown("A filter deep in the network does not read pixels but other filters' maps, so its kernel says "
                "little. Ask the test pictures instead: which ones make it respond most?")
    channels = dict(layers)
    layer_col, filter_col = st.columns([2, 1])
    layer = layer_col.selectbox("Layer", list(channels), key="excite_layer",
                                format_func=lambda n: f"{n}: {descriptions.get(n, '')} ({channels[n]} filters)")
    number = filter_col.number_input("Filter", 1, channels[layer], 1, key=f"excite_filter_{layer}",
                                     help=f"1 to {channels[layer]}")
    try:
        peaks = cached_peaks(run_id, saved_at, dataset, layer, clf.model, x_test)
        chosen = excitation.strongest(peaks, int(number) - 1)
        maps = excitation.filter_maps(clf.model, x_test[chosen], layer, int(number) - 1)
    except CnnlabError as e:
        show_error(e)
        return
    top = float(maps.max()) if maps.size else 0.0
    for start in range(0, len(chosen), COLUMNS):
        for column, i, fmap in zip(st.columns(COLUMNS), chosen[start:start + COLUMNS], maps[start:start + COLUMNS]):
            overlay = excitation.map_over_picture(x_test[i], fmap, top)
            column.image(enlarge(overlay, 168), width="stretch",
                         caption=f"#{i + 1:,}, a {clf.classes[y_test[i]]}: strongest response {peaks[i, number - 1]:.2f}")  # noqa: E501
    share = float((peaks[:, number - 1] > 0).mean())
    st.caption(f"The {len(chosen)} test pictures (of {len(x_test):,}) where filter {number} of {layer} responds most, "
               f"strongest first. Bright yellow = where in the picture it responds (its feature map, enlarged, on one "
               f"scale for all nine); dark = not at all. It responds somewhere in {share:.0%} of the test pictures. "
               "Look for what the nine share: a stroke direction, a loop, an end of a line.")
