"""Loads the step libraries for the living checklist and chooses the Hypothesis profile.

The checklist plugin is registered by the installed ``living-checklist`` package and acts
because the pytest settings set ``checklist_features``. Step definitions are ordinary
pytest-bdd definitions: the live library ``living_checklist.steps`` (the machine, a
command-line system, robustness) and this project's own modules under ``steps/``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# This repository's own steps/ modules import each other; rewrite asserts in all of them.
pytest.register_assert_rewrite("steps")

# The project's own steps are found from wherever pytest starts (a subfolder, another rootdir),
# and a conftest.py copied without steps/ still loads the library.
HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
pytest_plugins = ["living_checklist.steps"]
if (HERE / "steps" / "placeholders.py").is_file():
    pytest_plugins.append("steps.placeholders")
pytest_plugins.insert(0, "pytester")  # for the harness's own tests in tests/

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
