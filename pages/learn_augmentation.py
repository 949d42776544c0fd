"""Learn: augmentation. What the network sees in an epoch: the same pictures with the training
run's random shifts and flips applied, regenerated on demand, beside the settings that cause them."""
import numpy as np
import pandas as pd
import streamlit as st

from cnnlab.architectures import PRESETS
from cnnlab.datasets import availability, load_dataset
from cnnlab.explain import ExplainError
from cnnlab.explain.augmentation import augment
from cnnlab.settings import CnnlabError
from cnnlab.training import TrainConfig
from cnnlab.ui import learn
from cnnlab.ui.state import choices
from cnnlab.ui.widgets import image_grid, show_error

PICTURES = 8
EPOCHS = 3
DEMO_SHIFT = 0.1


def settings_source() -> tuple[float, bool, str]:
    """The shift and flip the current run trained with, else the chosen preset's, and where they come from."""
    run = learn.trained_run()
    if run is not None:
        config = TrainConfig.from_json(run.config)
        return config.augment_shift, config.augment_flip, f"the trained run {run.title}"
    chosen = choices()
    if chosen.architecture in PRESETS:
        config = TrainConfig.from_preset(chosen.architecture, chosen.dataset)
        return config.augment_shift, config.augment_flip, f"the preset {chosen.architecture} on {chosen.dataset}"
    return 0.0, False, "no augmentation (a custom network trains without it unless you switch it on)"


def pictures_to_show(picture: learn.Picture) -> tuple[np.ndarray, list[str]]:
    """The chosen picture and the next test pictures of its dataset; or the one picture, several times."""
    number = st.session_state.get("learn_picture_number", 1)
    name = choices().dataset
    if picture.classes is not None and availability(name)[0] and not name.startswith("folder:"):
        data = load_dataset(name)
        indices = [(number - 1 + i) % len(data.y_test) for i in range(PICTURES)]
        return data.x_test[indices], [f"#{i + 1}: {data.classes[data.y_test[i]]}" for i in indices]
    return np.stack([picture.pixels] * PICTURES), [f"copy {i + 1}" for i in range(PICTURES)]


learn.explorer_header("Augmentation", "augmentation")
picture_col, settings_col = st.columns([1, 1], gap="medium")
with picture_col:
    picture = learn.pick_picture()
shift_default, flip_default, source = settings_source()
with settings_col:
    st.markdown(f"Settings of {source}: **shift {shift_default:.0%}**, **flips {'on' if flip_default else 'off'}**. "
                "Change them here to see what they would do:")
    none = not shift_default and not flip_default
    if st.session_state.get("learn_aug_source") != source:  # a new run or preset: start from its settings
        st.session_state["learn_aug_source"] = source
        # Nothing to see without augmentation: start from the shift the photo presets train with.
        st.session_state["learn_aug_shift"] = DEMO_SHIFT if none else float(round(shift_default, 2))
        st.session_state["learn_aug_flip"] = bool(flip_default)
    if none:
        st.caption(f"It trains without augmentation, so the sliders started at a {DEMO_SHIFT:.0%} shift, the "
                   "setting of the fast-cnn-wide preset.")
    shift = st.slider("Shift: up to this share of the width and height, each way", 0.0, 0.45, step=0.05,
                      key="learn_aug_shift", format="%.2f", persist_state="session")
    flip = st.toggle("Flip: mirror half of the pictures left to right", key="learn_aug_flip",
                     persist_state="session")
    epoch = st.session_state.setdefault("learn_aug_epoch", 1)
    if st.button("Next epoch", icon=":material/refresh:", key="learn_aug_next",
                 help="Draw new random shifts and flips, as the next epoch of training would."):
        st.session_state["learn_aug_epoch"] = epoch = epoch + 1
try:
    originals, labels = pictures_to_show(picture)
    epochs = [augment(originals, shift, flip, seed=e) for e in range(epoch, epoch + EPOCHS)]
except (ExplainError, CnnlabError) as error:
    show_error(error)
    st.stop()

st.markdown("**The pictures as they are** (validation and test pictures are always shown like this):")
image_grid(list(originals), labels, columns=PICTURES, min_side=96)
for number, (shown, changes) in zip(range(epoch, epoch + EPOCHS), epochs):
    st.markdown(f"**Epoch {number}**: what the network sees while training")
    image_grid(list(shown), [change.describe() for change in changes], columns=PICTURES, min_side=96)
st.caption(f"Each row is one epoch: every picture gets its own random shift (up to {shift:.0%} of its size each way, "
           "black where the picture moved away)" + (" and, half of the time, a mirror image" if flip else "")
           + ". These are the same kinds of changes as training makes, drawn with other random numbers.")
learn.table_expander("what was done to each picture", {"": pd.DataFrame(
    [{"epoch": number, "picture": label, "moved right (px)": round(c.dx, 2), "moved down (px)": round(c.dy, 2),
      "mirrored": "yes" if c.flipped else "no"}
     for number, (_, changes) in zip(range(epoch, epoch + EPOCHS), epochs) for label, c in zip(labels, changes)])})
learn.more_about("augmentation", "More about data augmentation")
