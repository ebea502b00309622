"""Loads the live step library, and this example's one step of its own (nginx may be absent)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

if importlib.util.find_spec("living_checklist") is None:  # run from this folder without an install
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

pytest_plugins = ["living_checklist.steps", "tool_steps"]
