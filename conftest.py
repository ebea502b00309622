"""Loads the step libraries for the checklist and chooses the Hypothesis profile.

The plugin itself (``living_checklist.plugin``) is registered by the installed package's pytest11
entry point, so plain ``pytest`` picks it up; it acts because pyproject.toml sets checklist_features.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# The step modules import each other; rewrite asserts in all of them, whichever loads first.
pytest.register_assert_rewrite("steps")

pytest_plugins = [
    "pytester",
    "living_checklist.steps.hardware",
    "living_checklist.steps.system",
    "living_checklist.steps.robustness",
    "steps.placeholders",
]

# CI must be deterministic and bounded; locally, explore more and remember failures.
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
