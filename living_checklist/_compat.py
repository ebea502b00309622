"""The one door to pytest's and pytest-bdd's internals.

Every use of something neither project documents as public sits here, so a change in either
shows up in one place (and in ``tests/test_compat.py``), never as a silent fallback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_bdd.compat import get_fixture_names, inject_fixture
from pytest_bdd.steps import step_function_context_registry

from living_checklist.registry import STEPDEF_PREFIX, StepDef

__all__ = ["cache_subdir", "fixture_count", "inject_fixture", "stepdefs_visible_from"]


def fixture_count(config: pytest.Config) -> int:
    """How many fixture names pytest knows: it grows when a conftest loads more definitions."""
    fm = config.pluginmanager.get_plugin("funcmanage")
    return len(getattr(fm, "_arg2node2fixturedefs", getattr(fm, "_arg2fixturedefs", ())))


def stepdefs_visible_from(node: pytest.Collector) -> list[StepDef]:
    """Every pytest-bdd step definition visible from ``node``, with where it was registered."""
    fm = node.config.pluginmanager.get_plugin("funcmanage")
    if fm is None:
        return []
    found = []
    for name in get_fixture_names(fm):
        if not name.startswith(STEPDEF_PREFIX):
            continue
        for fixturedef in fm.getfixturedefs(name, node) or ():
            context = step_function_context_registry.get(fixturedef.func)
            if context is not None:
                found.append(StepDef(context, fixturedef.baseid))
    return found


def cache_subdir(config: pytest.Config, name: str) -> Path | None:
    """The folder ``config.cache.mkdir(name)`` makes, found without creating anything (a dry run
    only reads it); None when pytest's cache provider is off (``-p no:cacheprovider``)."""
    cache = getattr(config, "cache", None)
    if cache is None:
        return None
    return Path(cache._cachedir, cache._CACHE_PREFIX_DIRS, name)
