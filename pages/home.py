"""Home: what cnnlab is, what is available on this machine, and where to start."""
import streamlit as st

from cnnlab.datasets import catalogue
from cnnlab.presets import PRESETS
from cnnlab.ui.layout import page_header, sidebar_status
from cnnlab.ui.widgets import lesson

sidebar_status()
page_header(
    "cnnlab",
    "A lab for learning how convolutional neural networks (CNNs) read images. Pick a set of "
    "labelled pictures, pick or build a network, train it and watch it learn, then look inside "
    "it and test it with your own handwriting.",
)

lesson("how-to-use")

st.subheader("Datasets")
st.dataframe([{"dataset": row["name"], "what it is": row["title"],
               "images (train / test)": f"{row['train_size']:,} / {row['test_size']:,}",
               "size": "x".join(map(str, row["image_shape"])), "works offline now": "yes" if row["available"] else "no",
               "loads from": row["source"]} for row in catalogue()],
             hide_index=True, width="stretch")
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
