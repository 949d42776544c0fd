"""The project's layering rules, enforced: the core (everything in cnnlab except cnnlab.ui) never
imports Streamlit, and imports TensorFlow only when a model is built, trained or run."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Imports every core module in a fresh interpreter where `import streamlit` fails, then reports
# which modules could not be imported and whether TensorFlow or Keras came in along the way.
PROBE = r"""
import importlib, importlib.abc, json, pkgutil, sys

class NoStreamlit(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "streamlit" or name.startswith("streamlit."):
            raise ImportError(f"the core imported {name}")
        return None

sys.meta_path.insert(0, NoStreamlit())
import cnnlab
modules, failed = [], {}

def walk(package):
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        # cnnlab.ui may import Streamlit; __main__ runs the command line when imported (cnnlab.cli is checked).
        if info.name in ("cnnlab.ui", "cnnlab.__main__"):
            continue
        modules.append(info.name)
        try:
            module = importlib.import_module(info.name)
        except Exception as error:
            failed[info.name] = f"{type(error).__name__}: {error}"
            continue
        if info.ispkg:
            walk(module)

walk(cnnlab)
heavy = sorted(m for m in ("tensorflow", "keras") if m in sys.modules)
print(json.dumps({"modules": modules, "failed": failed, "heavy": heavy}))
"""


def probe() -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_every_core_module_imports_without_streamlit_and_without_tensorflow():
    found = probe()
    # The walk must see the whole core, or the rule would pass by checking nothing.
    assert {"cnnlab.cli", "cnnlab.datasets.loading", "cnnlab.training", "cnnlab.backends.scheduler", "cnnlab.network",
            "cnnlab.preprocess", "cnnlab.charts.training", "cnnlab.texts"} <= set(found["modules"])
    assert found["failed"] == {}, f"core modules that need Streamlit (only cnnlab.ui may): {found['failed']}"
    assert found["heavy"] == [], f"importing the core imported {found['heavy']}: import it inside the function"
