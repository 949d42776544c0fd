"""Home: what cnnlab is, what is available on this machine, and where to start."""
import streamlit as st

from cnnlab.architectures import PRESETS
from cnnlab.datasets import DATASET_NAMES, availability, dataset_info
from cnnlab.ui.layout import page_header, sidebar_status

sidebar_status()
page_header(
    "cnnlab",
    "A lab for learning how convolutional neural networks (CNNs) read images. Pick a set of "
    "labelled pictures, pick or build a network, train it and watch it learn, then look inside "
    "it and test it with your own handwriting.",
)

st.markdown(
    "**How to use it** (left menu, top to bottom): "
    "**Data**: look at the pictures and their labels; "
    "**Model**: choose a network and see how each layer changes the shape of the picture; "
    "**Train**: teach it, epoch by epoch; "
    "**Runs**: compare trainings; "
    "**Inspect**: see its filters, what each layer sees, and where it gets confused; "
    "**Classify**: draw or upload a picture and watch the network read it. "
    "**Learn**: one explorer per idea (convolution, pooling, activation, flatten and dense, softmax and "
    "loss, receptive field, augmentation), on your own pictures and your own trained network."
)

st.subheader("Datasets")
rows = []
for name in DATASET_NAMES:
    info = dataset_info(name)
    available, source = availability(name)
    rows.append({
        "dataset": name,
        "what it is": info.title,
        "images (train / test)": f"{info.train_size:,} / {info.test_size:,}",
        "size": "x".join(map(str, info.image_shape)),
        "works offline now": "yes" if available else "no",
        "loads from": source,
    })
st.dataframe(rows, hide_index=True, width="stretch")
st.caption(
    "The two *sample* datasets ship with cnnlab and always work offline. The full datasets load "
    "from your data folder (setting `CNNLAB_DATA_DIR`) or are downloaded once when you pick them."
)

st.subheader("Ready-made networks")
st.dataframe(
    [{"preset": p.id, "name": p.title, "made for": p.dataset, "epochs": p.epochs,
      "batch": p.batch_size, "optimizer": p.optimizer, "published result": p.published or ""}
     for p in PRESETS.values()],
    hide_index=True, width="stretch",
)
with st.expander("What each network is"):
    for p in PRESETS.values():
        st.markdown(f"**{p.title}** (`{p.id}`): {p.description}")
