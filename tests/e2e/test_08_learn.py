"""Scenario 8: the Learn explorers in a real browser. Scrub the convolution, change its kernel and
click a cell of its output; click a pooled cell, a receptive-field cell, a strip position; pick
another true class and another epoch, each time checking the numbers the page shows against
cnnlab.explain's (the page's picture is mnist-sample's first test picture). One explorer is driven
with the keyboard alone, and a trained network's kernels and maps are checked at 1920x1080."""
import re

import numpy as np

from cnnlab.datasets import load_dataset
from cnnlab.explain import HAND_MADE_KERNELS, convolve, cross_entropy, patch_of_cell, pool, softmax
from cnnlab.explain.pictures import as_network_view
from cnnlab.explain.receptive_field import field_layers
from cnnlab.presets import PRESETS

from .helpers import EXCEPTION, train_run

POSITION = re.compile(r"Position (\d+) of (\d+) \(output row (\d+), column (\d+)\): the sum of the (\d+) products"
                      r"[^\n]*? is (-?[\d.]+)")
LEARN_PAGES = ("Convolution", "Pooling", "Activation", "Flatten and dense", "Softmax and loss", "Receptive field",
               "Augmentation")


def patient(lab) -> None:
    """The Learn pages are the app's first pages with several Plotly charts: the first one in a tab loads
    Plotly's script (megabytes), which on a busy machine keeps the tab busy well past the suite's
    usual 20 s per action, and a whole-page redraw of one can take half a minute."""
    lab.page.set_default_timeout(90_000)
    lab.idle_timeout = 90


def picture() -> np.ndarray:
    return as_network_view(load_dataset("mnist-sample").x_test[0])


def shown_position(lab):
    """(position, row, col, sum) as the convolution page says them."""
    found = lab.wait_until(lambda: POSITION.search(lab.text()), "the convolution page's 'Position ...' line")
    return int(found[1]), int(found[3]), int(found[4]), float(found[6])


def play_label(lab) -> str:
    """The Play/Pause button's text now ("" while a redraw has it out of the page for a moment)."""
    return lab.page.evaluate("() => document.querySelector('.st-key-learn_conv_position_play button')?.innerText || ''")


def check_sum(lab, conv, step: str) -> tuple[int, int, int]:
    position, row, col, total = shown_position(lab)
    lab.check(conv.position(position - 1) == (row, col), f"position {position} is not cell ({row}, {col})", step)
    lab.check(abs(total - conv.total(row, col)) < 1e-3,
              f"at ({row}, {col}) the page says the sum is {total}, cnnlab.explain says "
              f"{conv.total(row, col):.3f}", step)
    return position, row, col


def test_08_learn_explorers_with_the_mouse(lab):
    patient(lab)
    lab.open("Home")
    lab.goto("Convolution")
    view = picture()
    sobel = convolve(view, HAND_MADE_KERNELS["Sobel x"].array)
    start, _, _ = check_sum(lab, sobel, "start")
    lab.shot("convolution")

    lab.click_slider("learn_conv_position", 0.2)  # scrub with the mouse
    lab.wait_until(lambda: shown_position(lab)[0] != start, "the position to move after clicking the slider")
    lab.wait_idle()
    check_sum(lab, sobel, "scrubbed")
    lab.shot("convolution-scrubbed")

    lab.select("learn_conv_kernel", "identity")  # another kernel: each sum is the pixel under the centre
    identity = convolve(view, HAND_MADE_KERNELS["identity"].array)
    _, row, col = check_sum(lab, identity, "identity")
    lab.check(abs(shown_position(lab)[3] - view[row + 1, col + 1, 0]) < 1e-3, "identity does not copy the pixel")
    lab.check("The kernel, identity" in lab.text(), "the kernel's caption does not name identity")

    lab.click_cell("learn_conv_maps", 5, 7, panel=2)  # a click on the output map moves the kernel there
    lab.wait_until(lambda: shown_position(lab)[1:3] == (5, 7), "the kernel at output cell (5, 7) after clicking it")
    lab.wait_idle()
    check_sum(lab, identity, "clicked")
    lab.shot("convolution-clicked-cell")
    lab.assert_healthy("convolution")

    lab.goto("Pooling")
    pooled = pool(view, 2, 2, "max")
    lab.click_cell("learn_pool_maps", 6, 7, panel=2)
    found = lab.wait_until(lambda: re.search(r"Window 92 of 196 \(rows 12–13, columns 14–15\): the largest of "
                                             r"[^\n]* is (-?[\d.]+)", lab.text()),
                           "window 92 (pooled cell 6, 7) after clicking it")
    lab.check(abs(float(found[1]) - pooled.map()[6, 7]) < 1e-3, f"max pooling says {found[1]}", "pool-max")
    lab.widget("learn_pool_kind").get_by_text("average", exact=True).click()
    lab.wait_idle()
    lab.check("They are identical" in lab.text(), "average pooling is not shown equal to the average convolution")
    lab.shot("pooling")
    lab.assert_healthy("pooling")

    lab.goto("Activation")
    before = convolve(view, HAND_MADE_KERNELS["Sobel x"].array, padding="same").map()
    lab.check(f"{int((before < 0).sum())} of the 784 cells" in lab.text(), "the count of negative cells is wrong")
    lab.widget("learn_act_function").get_by_text("tanh", exact=True).click()
    lab.wait_idle()
    lab.check(f"after: {np.tanh(before).min():.3f} to {np.tanh(before).max():.3f}" in lab.text(), "tanh's range")
    lab.shot("activation")

    lab.goto("Flatten and dense")
    lab.click_slider("learn_dense_index", 0.5)
    origin = re.compile(r"Number (\d+) of the strip is (-?[\d.]+): map (\d+), row (\d+), column (\d+)")
    found = lab.wait_until(lambda: (m := origin.search(lab.text())) and int(m[1]) > 0 and m,
                           "the origin of the strip's number in the middle, after clicking its slider")
    index, (r, q, k) = int(found[1]), np.unravel_index(int(found[1]), (14, 14, 3))
    lab.check(index > 0 and (int(found[4]), int(found[5]), int(found[3])) == (r, q, k + 1),
              f"number {index} of the strip is said to come from {found[0]}", "strip")
    lab.shot("flatten")

    lab.goto("Softmax and loss")
    lab.select("learn_softmax_true_None_10", re.compile(r"^8$"))
    scores = np.array([1.0, -2.0, 0.5, 3.0, -1.0, 0.0, -0.5, 2.0, -3.0, 1.5])
    expected = f"{cross_entropy(softmax(scores), 8):.3f}"
    lab.wait_until(lambda: lab.metric("Cross-entropy loss") == expected, f"the loss {expected} for true class 8")
    lab.shot("softmax")

    lab.goto("Receptive field")
    stack = field_layers(PRESETS["lenet5"].layers, (28, 28, 1))
    patch = patch_of_cell(stack, 3, 0, 6)
    lab.click_cell("learn_rf_map", 0, 6)
    lab.wait_until(lambda: f"Cell (row 0, column 6) of pool2 sees rows {patch.top}–{patch.bottom} and columns "
                           f"{patch.left}–{patch.right}" in lab.text(), "the patch of pool2's cell (0, 6)")
    lab.wait_idle()
    lab.check(lab.widget("learn_rf_pool2_row").locator("input").input_value() == "0", "the row input did not follow")
    lab.widget("learn_rf_picture").scroll_into_view_if_needed()
    lab.shot("receptive-field-clicked")

    lab.goto("Augmentation")
    lab.click("learn_aug_next")
    lab.wait_until(lambda: "Epoch 4: what the network sees" in lab.text(), "epoch 4 after pressing Next epoch")
    lab.shot("augmentation")
    lab.check(not lab.page.locator(EXCEPTION).count(), "an exception box on a Learn page")


def test_08_learn_convolution_and_receptive_field_with_the_keyboard_alone(lab):
    patient(lab)
    lab.open("Home")
    lab.goto("Convolution")
    sobel = convolve(picture(), HAND_MADE_KERNELS["Sobel x"].array)
    start = shown_position(lab)[0]
    lab.tab_to("learn_conv_position", 'input[type="range"]')
    for _ in range(3):
        lab.page.keyboard.press("ArrowRight")
    lab.wait_until(lambda: shown_position(lab)[0] == start + 3, f"position {start + 3} after three right arrows")
    lab.wait_idle()
    check_sum(lab, sobel, "arrows")
    lab.shot("keyboard-arrows")

    lab.tab_to("learn_conv_position_play", backwards=True)  # Play, then Pause, with Enter
    lab.page.keyboard.press("Enter")
    # Wait until it has really moved on (and says Pause): a second Enter sent before the first one's
    # rerun has begun is folded into the same click by Streamlit, and playing would never pause.
    lab.wait_until(lambda: shown_position(lab)[0] > start + 3 and "Pause" in play_label(lab),
                   "Play to move the kernel on by itself", timeout=60)
    lab.tab_to("learn_conv_position_play", backwards=True)
    lab.page.keyboard.press("Enter")
    lab.wait_until(lambda: "Play" in play_label(lab), "Pause to stop it (the button to say Play again)", timeout=90)
    lab.wait_idle()
    stopped = shown_position(lab)[0]
    lab.page.wait_for_timeout(2000)
    lab.check(shown_position(lab)[0] == stopped, "the kernel still moves after Pause", "paused")
    check_sum(lab, sobel, "paused")

    lab.tab_to("learn_conv_kernel", backwards=True)  # the kernel: type its name, Enter
    lab.page.keyboard.type("outline")
    lab.page.keyboard.press("Enter")
    lab.wait_until(lambda: "The kernel, outline" in lab.text(), "the outline kernel chosen with the keyboard")
    lab.wait_idle()
    check_sum(lab, convolve(picture(), HAND_MADE_KERNELS["outline"].array), "outline")
    lab.shot("keyboard-kernel")

    lab.goto("Receptive field")  # a cell chosen by typing its row and column
    lab.tab_to("learn_rf_pool2_row")
    lab.page.keyboard.press("Control+A")
    lab.page.keyboard.type("6")
    lab.page.keyboard.press("Enter")
    lab.wait_idle()
    lab.tab_to("learn_rf_pool2_col")
    lab.page.keyboard.press("Control+A")
    lab.page.keyboard.type("0")
    lab.page.keyboard.press("Enter")
    lab.wait_until(lambda: "Cell (row 6, column 0) of pool2 sees rows 18–27 and columns 0–9" in lab.text(),
                   "the patch of pool2's cell (6, 0) typed with the keyboard")
    lab.wait_idle()  # mid-redraw the old chart and the new one are both in the page
    lab.widget("learn_rf_picture").scroll_into_view_if_needed()
    lab.shot("keyboard-receptive-field")
    lab.assert_healthy("keyboard")


def test_08_learn_with_a_trained_network_at_1920(lab):
    patient(lab)
    lab.page.set_viewport_size({"width": 1920, "height": 1080})
    lab.open("Home")
    train_run(lab, preset="mnist-basic", epochs=1, batch_size=128)
    lab.goto("Convolution")
    lab.select("learn_conv_kernel", "learned filter 1 of conv1")
    lab.wait_until(lambda: "The network then applies ReLU" in lab.text(), "the learned kernel's ReLU step", timeout=90)
    lab.check("learned by the trained network: filter 1 of its 28, 3x3 over 1 channel(s)" in lab.text(),
              "the learned kernel's caption")
    lab.shot("learned-kernel")
    lab.goto("Activation", timeout=120)
    lab.wait_until(lambda: "conv1, filter 1: its sums" in lab.text(), "the network's pre-activation map", timeout=90)
    lab.wait_until(lambda: "Dead ReLU units of the trained network" in lab.text(), "the dead units chart", timeout=90)
    lab.wait_idle(timeout=120)
    lab.shot("network-activation")
    for page in LEARN_PAGES:
        lab.goto(page, timeout=120)
        lab.shot(f"{page}-1920")
        lab.assert_healthy(f"{page}-1920")
    lab.goto("Flatten and dense", timeout=120)
    lab.check("13 x 13 x 28 → Flatten → 4,732 numbers" in lab.text(), "the network's last maps are not 13x13x28")


def test_08_learn_pooling_activation_dense_softmax_augmentation_with_the_keyboard_alone(lab):
    """The five explorers the test above leaves out, each changed with Tab, arrows, typing and Enter."""
    patient(lab)
    lab.open("Home")
    view = picture()

    lab.goto("Pooling")  # max -> average with an arrow key in the radio group
    lab.tab_to("learn_pool_kind", 'input[type="radio"]')
    lab.page.keyboard.press("ArrowRight")
    lab.wait_until(lambda: "They are identical" in lab.text(), "average pooling chosen with an arrow key")
    lab.shot("keyboard-pooling")

    lab.goto("Activation")  # ReLU -> Leaky ReLU -> tanh
    before = convolve(view, HAND_MADE_KERNELS["Sobel x"].array, padding="same").map()
    lab.tab_to("learn_act_function", 'input[type="radio"]')
    lab.page.keyboard.press("ArrowRight")
    lab.page.keyboard.press("ArrowRight")
    lab.wait_until(lambda: f"after: {np.tanh(before).min():.3f} to {np.tanh(before).max():.3f}" in lab.text(),
                   "tanh chosen with two arrow keys")
    lab.shot("keyboard-activation")

    lab.goto("Flatten and dense")  # the strip's number 0 -> 5
    origin = re.compile(r"Number (\d+) of the strip is")
    lab.tab_to("learn_dense_index", 'input[type="range"]')
    for _ in range(5):
        lab.page.keyboard.press("ArrowRight")
    lab.wait_until(lambda: (m := origin.search(lab.text())) and int(m[1]) == 5, "number 5 after five right arrows")
    lab.shot("keyboard-flatten")

    lab.goto("Softmax and loss")  # the true class typed into its menu
    lab.tab_to("learn_softmax_true_None_10", "input")
    lab.page.keyboard.type("8")
    lab.page.keyboard.press("Enter")
    scores = np.array([1.0, -2.0, 0.5, 3.0, -1.0, 0.0, -0.5, 2.0, -3.0, 1.5])
    expected = f"{cross_entropy(softmax(scores), 8):.3f}"
    lab.wait_until(lambda: lab.metric("Cross-entropy loss") == expected, f"the loss {expected} for true class 8")
    lab.shot("keyboard-softmax")

    lab.goto("Augmentation")  # the next epoch's pictures with Enter
    lab.tab_to("learn_aug_next", "button")
    lab.page.keyboard.press("Enter")
    lab.wait_until(lambda: "Epoch 4: what the network sees" in lab.text(), "epoch 4 after Enter on Next epoch")
    lab.shot("keyboard-augmentation")
    lab.assert_healthy("keyboard-five")
