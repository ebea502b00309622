"""Loads the step libraries for the living checklist and chooses the Hypothesis profile.

The checklist plugin is registered by the installed ``living-checklist`` package and acts
because the pytest settings set ``checklist_features``. Step definitions are ordinary
pytest-bdd definitions: the live library ``living_checklist.steps`` (the machine, a
command-line system, robustness) and this project's own modules under ``steps/``.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# This repository's own steps/ modules import each other; rewrite asserts in all of them.
pytest.register_assert_rewrite("steps")

pytest_plugins = [
    "pytester",  # for the harness's own tests in tests/
    "living_checklist.steps",
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
