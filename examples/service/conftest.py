"""Loads the live step libraries of the repository this example lives in."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

if importlib.util.find_spec("steps") is None:  # run from this folder: the libraries are two levels up
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

pytest_plugins = ["living_checklist.steps"]
