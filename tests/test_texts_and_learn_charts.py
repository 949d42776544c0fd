"""Teaching texts are read by name, and every Learn chart is a valid Plotly figure."""
from __future__ import annotations

import numpy as np
import pytest
from support import validated

from cnnlab.charts import learn as charts
from cnnlab.charts.cells import clicked_customdata
from cnnlab.explain.activation import curve
from cnnlab.texts import sections, text

EXPLORERS = ("convolution", "pooling", "activation", "flatten_dense", "softmax_loss", "receptive_field", "augmentation")


@pytest.mark.parametrize("name", EXPLORERS)
def test_every_explorer_has_its_two_sentences_a_prompt_and_more(name):
    parts = sections(f"learn/{name}")
    assert {"Look", "Try this", "More"} <= set(parts)
    look = text(f"learn/{name}", "Look")
    assert 1 <= look.count(". ") + look.endswith(".") <= 3 and len(look) < 500  # two sentences, short
    assert text(f"learn/{name}", "Try this") and len(text(f"learn/{name}", "More")) > 400
    assert text(f"learn/{name}").startswith("#")


def test_every_text_a_page_or_ui_module_names_exists():
    """Pages read their prose by name (cnnlab/texts/pages/*.md): a renamed heading fails here, not in class."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    named = [(str(path.relative_to(root)), found[1], found[2])
             for path in [*root.glob("pages/*.py"), *root.glob("cnnlab/ui/*.py")]
             for found in re.finditer(r'\btext\("([^"]+)"(?:, "([^"]+)")?\)', path.read_text())]
    assert len(named) >= 25  # every page's introduction at least
    for where, name, section in named:
        assert text(name, section or None), f"{where}: the text {name!r} {section!r} is empty"


def test_unknown_texts_and_sections_say_what_exists():
    with pytest.raises(KeyError, match="no text called"):
        text("learn/nothing")
    with pytest.raises(KeyError, match="has no section 'Nope'.*Look"):
        text("learn/convolution", "Nope")
    with pytest.raises(KeyError, match="not a text name"):
        text("../settings")


def test_learn_charts_are_valid_plotly_figures():
    rng = np.random.default_rng(0)
    maps = charts.panels_figure([
        charts.Panel(rng.random((6, 5)), "picture", "picture", row0=-1, col0=-1, boxes=[charts.Box(0, 2, 0, 2)],
                     marks=[(0, 0), (2, 2)]),
        charts.Panel(np.where(rng.random((4, 4)) > 0.5, rng.normal(size=(4, 4)), np.nan), "out", "signed",
                     clickable=True, colorbar=True, numbers=".2f"),
        charts.Panel((rng.random((4, 4, 3)) * 255).astype(np.uint8), "rgb", "rgb", clickable=True),
        charts.Panel(rng.random((4, 4)), "red", "red"),
    ])
    figure = validated(maps)
    kinds = [trace.type for trace in figure.data]
    assert kinds.count("heatmap") == 3 and kinds.count("image") == 1 and len(figure.layout.shapes) == 1
    cells = [t for t in maps.data if t.name == "cells"]
    assert len(cells) == 2 and np.shape(cells[0].customdata) == (16, 3) and np.shape(cells[1].customdata) == (16, 2)
    assert [list(row) for row in np.asarray(cells[0].customdata)[:2, :2]] == [[0, 0], [0, 1]]  # [row, column]
    assert figure.layout.xaxis.range == (-1.5, 3.5)  # coordinates include the padding
    for fig in (charts.activation_curves({n: curve(n) for n in ("relu", "tanh")}, "relu"),
                charts.strip_figure(rng.normal(size=30), [str(i) for i in range(30)], chosen=3),
                charts.score_bars(list("abc"), np.array([1.0, -2.0, 0.5])),
                charts.probability_bars(list("abc"), np.array([0.2, 0.3, 0.5]), np.array([0, 0, 1.0])),
                charts.dead_unit_bars(["conv1", "dense1"], [0.0, 0.25], ["0 of 4", "32 of 128"]),
                charts.panels_figure(charts.kernel_panels(rng.random((3, 3)), rng.normal(size=(3, 3)),
                                                          rng.normal(size=(3, 3))))):
        assert validated(fig).data


def test_a_clicked_cell_is_read_back_from_the_selection_event():
    assert clicked_customdata(None) is None and clicked_customdata({"selection": {"points": []}}) is None
    event = {"selection": {"points": [{"customdata": [1, 2, 0.5]}, {"customdata": {"0": 3, "1": 4, "2": 0.1}}]}}
    assert clicked_customdata(event) == [3, 4, 0.1]  # the last one; typed arrays arrive as dicts
