"""Scenario 3: Model. LeNet-5's table shows its 107,786 parameters; an impossible stack (too many
pooling layers) names the layer at fault, and the Train page will not train it."""
import re

from .helpers import ERROR_BOX, MAIN

LENET5_PARAMETERS = "107,786"  # both convolutions with 'same' padding, as in the tutorial


def test_03_model_parameters_and_impossible_stack(lab):
    lab.open("Home")
    lab.goto("Model")
    lab.select("preset_choice", "(lenet5)")
    table = lab.page.locator(f'{MAIN} [data-testid="stDataFrame"]').filter(has_text="Total parameters")
    lab.wait_for(table, "the layer table with its total")
    table.first.scroll_into_view_if_needed()
    lab.shot("lenet5-table")
    # st.dataframe draws its cells on a <canvas>; the same cells are in the DOM for screen readers.
    cells = table.first.text_content()
    lab.check(LENET5_PARAMETERS in cells,
              f"the layer table does not show {LENET5_PARAMETERS} parameters: {cells[-300:]!r}")
    lab.check(f"Total parameters: {LENET5_PARAMETERS}" in lab.text(), "no 'Total parameters: 107,786' line")

    # Copy LeNet-5 into the editor and pile up pooling layers before Flatten (layer 5): the 7x7
    # feature maps become 3x3, then 1x1, and the third pooling layer has nothing left to pool.
    lab.click("edit_preset")
    lab.wait_for(lab.widget("add_layer"), "the layer editor's Add layer button")
    for _ in range(3):
        lab.select("add_layer_type", "Max pooling")
        lab.select("add_layer_position", "before layer 5")
        lab.click("add_layer")
    error = lab.wait_for(lab.page.locator(ERROR_BOX).filter(has_text=re.compile("layer 7", re.I)),
                         "an error naming layer 7 (the third pooling layer)")
    message = error.inner_text()
    error.scroll_into_view_if_needed()
    lab.shot("impossible-stack")
    lab.check(re.search(r"pool", message, re.I) is not None, f"the error does not name the pooling layer: {message!r}")

    lab.goto("Train")
    lab.shot("train-says-why")
    lab.check(lab.page.locator(ERROR_BOX).count() > 0, "the Train page does not say why it cannot train")
    button = lab.wait_for(lab.widget("train_button").locator("button"), "the Train button")
    button.scroll_into_view_if_needed()
    lab.shot("train-disabled")
    lab.check(button.is_disabled(), "Train is enabled although the network cannot be built")
