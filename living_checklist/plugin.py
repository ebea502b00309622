"""The pytest plugin (entry point ``living_checklist``): options, and one plugin object per run.

It acts only in a project whose pytest configuration sets ``checklist_features``; anywhere else
it registers its options and changes nothing. There, ``pytest_configure`` registers the run's
``run.session.ChecklistSession``, which holds every hook of the run (and ``run.xdist.XdistHooks``
where pytest-xdist is installed). The data path: ``core`` (pure), ``run`` (pytest and pytest-bdd),
``reports``.
"""

from __future__ import annotations

import sys

import pytest

from living_checklist import reports
from living_checklist.reports import JSON_OPTION as JSON_OPTION
from living_checklist.run import settings
from living_checklist.run.settings import INI_FEATURES

# The run's session (living_checklist.run.session) is imported when a run starts one: a dry run
# (`living-checklist status`) and a project without a checklist never need it.


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
    if config.stash.get(settings.DRY_RUN_KEY, False):
        reports.validate(config)  # a bad option is the same usage error as in the run
        return
    from living_checklist.run.session import CHECKLIST_KEY, ChecklistSession

    state = config.stash[CHECKLIST_KEY] = ChecklistSession(config, current)
    config.pluginmanager.register(state, "checklist-session")
    reports.validate(config)
    state.carry_matches = reports.wants_messages(config)
    state.terminate.install()
    if config.pluginmanager.hasplugin("xdist"):
        from living_checklist.run.xdist import XdistHooks

        config.pluginmanager.register(XdistHooks(config), "checklist-xdist")


def pytest_unconfigure(config: pytest.Config) -> None:
    session = sys.modules.get("living_checklist.run.session")
    if session is None:
        return  # no run started a session
    key = session.CHECKLIST_KEY
    state = config.stash.get(key, None)
    if state is not None:
        state.terminate.uninstall()
        config.pluginmanager.unregister(state)
        del config.stash[key]
