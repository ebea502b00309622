"""Every pytester project of these tests is a checklist project unless a test says otherwise.

The plugin acts only where ``checklist_features`` is set; the projects the tests write are
checklist projects, so each starts with that one setting and its (empty) folder (a test's own ``makeini`` replaces it
and states it again; ``tests/test_adoption.py`` checks projects without it).
"""

from __future__ import annotations

# Loaded here, once, so pytester's in-process runs (which drop modules first imported inside them)
# never pair a fresh httpcore with an httpx that cached the old one's exception classes.
import httpcore  # noqa: F401
import httpx  # noqa: F401
import pytest

CHECKLIST_INI = "[pytest]\nchecklist_features = features\n"


@pytest.fixture(autouse=True)
def _checklist_project(request: pytest.FixtureRequest) -> None:
    if "pytester" in request.fixturenames:
        pytester: pytest.Pytester = request.getfixturevalue("pytester")
        pytester.makeini(CHECKLIST_INI)
        pytester.mkdir("features")  # a features folder that does not exist is a usage error
