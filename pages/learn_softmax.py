"""Learn: softmax, one-hot and loss. The network's raw scores for the current picture, a
temperature, the probabilities beside the one-hot vector of the true class, and the loss."""
import math
import re

import numpy as np
import pandas as pd
import streamlit as st

from cnnlab.charts.learn import probability_bars, score_bars
from cnnlab.datasets import dataset_info
from cnnlab.explain import ExplainError, cross_entropy, one_hot, softmax
from cnnlab.settings import CnnlabError
from cnnlab.ui import learn
from cnnlab.ui.state import choices
from cnnlab.ui.widgets import show_error

CHART = {"config": {"displayModeBar": False}, "width": "stretch"}
TEMPERATURES = [0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0]
MADE_UP = "1.0, -2.0, 0.5, 3.0, -1.0, 0.0, -0.5, 2.0, -3.0, 1.5"

learn.explorer_header("Softmax, one-hot and loss", "softmax_loss")
run = learn.trained_run()
picture_col, scores_col = st.columns([1, 1], gap="medium")
with picture_col:
    use_network = learn.use_network_toggle("learn_softmax_network", run)
if use_network:
    with picture_col:
        picture = learn.network_picture(learn.pick_picture(), run)
        learn.show_picture(picture)
    try:
        logits = learn.network_computes(run, "logits", picture.pixels)
    except ExplainError as error:
        show_error(error)
        st.stop()
    classes = [str(c) for c in run.classes]
    source = f"the trained network's scores for {picture.label}"
    known = picture.true_class
else:
    try:
        classes = [str(c) for c in dataset_info(choices().dataset).classes]
    except CnnlabError:
        classes = [str(i) for i in range(10)]
    with picture_col:
        typed = st.text_input(f"Made-up scores, one per class ({len(classes)}: {', '.join(classes)})",
                              value=", ".join(MADE_UP.split(", ")[:len(classes)]), key="learn_softmax_scores",
                              persist_state="session",
                              help="Without a trained network, type the raw scores a network could give.")
    try:
        logits = np.array([float(v) for v in re.split(r"[\s,;]+", typed.strip()) if v], dtype=np.float64)
        if logits.size != len(classes) or not np.isfinite(logits).all():
            raise ValueError
    except ValueError:
        st.error(f"Type {len(classes)} numbers separated by commas, one score per class.", icon=":material/error:")
        st.stop()
    source = "the made-up scores above"
    known = None

predicted = int(np.argmax(logits))
with scores_col:
    temperature = st.select_slider("Temperature T", TEMPERATURES, value=1.0, key="learn_softmax_temperature",
                                   persist_state="session",
                                   help="Softmax divides every score by T first. The network uses T = 1.")
    true_class = st.selectbox("True class (the label)", range(len(classes)), index=known if known is not None else
                              predicted, key=f"learn_softmax_true_{known}_{len(classes)}", persist_state="session",
                              format_func=lambda i: classes[i] + (" (the picture's label)" if i == known else ""))
probs = softmax(logits, temperature)
target = one_hot(int(true_class), len(classes))
loss = cross_entropy(probs, int(true_class))
p_true = probs[int(true_class)]

metric_col, formula_col = st.columns([1, 3], vertical_alignment="center")
metric_col.metric("Cross-entropy loss", f"{loss:.3f}", help="-log of the probability given to the true class")
formula_col.markdown(
    f"The true class **{classes[true_class]}** gets p = e^({logits[true_class]:.2f} / {temperature:g}) / Σ e^(z / "
    f"{temperature:g}) = **{p_true:.1%}**, so the loss is −log({p_true:.4f}) = **{loss:.3f}**. The network's answer "
    f"is **{classes[predicted]}** ({probs[predicted]:.1%})"
    + (", the right one." if predicted == true_class else f", not {classes[true_class]}: a mistake, and the loss "
       "says how bad."))

bars_height = max(260, 30 * len(classes) + 80)
scores_chart, probs_chart = st.columns(2, gap="medium")
with scores_chart:
    st.plotly_chart(score_bars(classes, logits, height=bars_height), key="learn_softmax_logits", **CHART)
    st.caption(f"The raw scores (logits): {source}, one per class, before softmax. They can be any numbers; only "
               "their differences matter.")
with probs_chart:
    st.plotly_chart(probability_bars(classes, probs, target, height=bars_height), key="learn_softmax_probs", **CHART)
    st.caption(f"Filled bars: softmax of the scores at temperature {temperature:g}; they add up to 100%. Outlined bar: "
               f"the one-hot vector of the true class ({classes[true_class]}: 100%, every other class 0%).")
learn.table_expander("scores, probabilities, one-hot and loss", {"": pd.DataFrame({
    "class": classes, "score z": logits.round(4), f"e^(z/{temperature:g})": np.exp(
        (logits - logits.max()) / temperature).round(6), "probability": probs.round(6), "one-hot y": target,
    "-y·log p": [round(-math.log(max(p, 1e-7)), 4) if y else 0.0 for p, y in zip(probs, target)]})})
st.caption("The e^(z/T) column is computed after subtracting the largest score from every score, as any careful "
           "softmax does to avoid overflow: it changes none of the probabilities.")
learn.more_about("softmax_loss", "More about softmax, one-hot vectors and the loss")
