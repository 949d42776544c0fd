"""Home: what cnnlab is, what is available on this machine, and where to start."""
import streamlit as st

from cnnlab.datasets import catalogue
from cnnlab.presets import PRESETS
from cnnlab.texts import text
from cnnlab.ui.layout import page_header, sidebar_status
from cnnlab.ui.widgets import lesson

sidebar_status()
page_header("cnnlab", text("pages/home", "Intro"))

lesson("how-to-use")

st.subheader("Datasets")
st.dataframe([{"dataset": row["name"], "what it is": row["title"],
               "images (train / test)": f"{row['train_size']:,} / {row['test_size']:,}",
               "size": "x".join(map(str, row["image_shape"])), "works offline now": "yes" if row["available"] else "no",
               "loads from": row["source"]} for row in catalogue()],
             hide_index=True, width="stretch")
st.caption(
    text("pages/home", "Offline samples")
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
