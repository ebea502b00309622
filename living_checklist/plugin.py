"""The pytest plugin (entry point ``living_checklist``): options, and one plugin object per run.

It acts only in a project whose pytest configuration sets ``checklist_features``; anywhere else
it registers its options and changes nothing. There, ``pytest_configure`` registers the run's
``run.session.ChecklistSession``, which holds every hook of the run (and ``run.xdist.XdistHooks``
where pytest-xdist is installed). The data path: ``core`` (pure), ``run`` (pytest and pytest-bdd),
``reports``.
"""

from __future__ import annotations

import pytest

from living_checklist import reports
from living_checklist.reports import JSON_OPTION as JSON_OPTION
from living_checklist.run import settings
from living_checklist.run.session import CHECKLIST_KEY, ChecklistSession
from living_checklist.run.settings import INI_FEATURES
from living_checklist.run.xdist import XdistHooks


def pytest_addoption(parser: pytest.Parser) -> None:
    reports.add_options(parser)
    settings.add_ini(parser)


def pytest_configure(config: pytest.Config) -> None:
    reports.check_two_word_paths(config)
    current = settings.of(config)
    if not current.active:
        requested = reports.requested(config)
        if requested:
            raise pytest.UsageError(
                f"{requested[0]} needs a checklist: set {INI_FEATURES} (the folder of the requirement "
                "feature files) in [tool.pytest.ini_options], or run `living-checklist init`"
            )
        return
    state = config.stash[CHECKLIST_KEY] = ChecklistSession(config, current)
    config.pluginmanager.register(state, "checklist-session")
    reports.validate(config)
    state.carry_matches = reports.wants_messages(config)
    state.terminate.install()
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(XdistHooks(config), "checklist-xdist")


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(CHECKLIST_KEY, None)
    if state is not None:
        state.terminate.uninstall()
        config.pluginmanager.unregister(state)
        del config.stash[CHECKLIST_KEY]
