"""pytest-bdd's view of our cases: its Feature / Scenario / Step objects and its hooks.

Plugins built on pytest-bdd (allure-pytest-bdd, ``--cucumberjson``, a team's screenshot hook)
see our scenarios through ``pytest_bdd_*`` hooks called with the objects pytest-bdd's own parser
would build, in the order pytest-bdd calls them. The objects are built only for a feature file
some case of which runs while a hook has a listener; with none, nothing here costs anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from living_checklist.run import _compat

HOOK_NAMES = (
    "pytest_bdd_before_scenario",
    "pytest_bdd_after_scenario",
    "pytest_bdd_before_step",
    "pytest_bdd_before_step_call",
    "pytest_bdd_after_step",
    "pytest_bdd_step_error",
    "pytest_bdd_step_func_lookup_error",
)
SCENARIO_HOOKS = ("pytest_bdd_before_scenario", "pytest_bdd_after_scenario", "pytest_bdd_step_func_lookup_error")


@dataclass
class BddFeature:
    """One feature file as pytest-bdd's parser objects, scenario templates by line."""

    feature: Any
    templates: dict[int, Any]
    _rendered: dict[tuple[int, tuple[tuple[str, str], ...]], Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> BddFeature:
        feature, templates = _compat.parse_bdd_feature(path)
        return cls(feature, {template.line_number: template for template in templates})

    def scenario(self, line: int, example: tuple[tuple[str, str], ...]) -> Any:
        """The rendered scenario (pytest_bdd.parser.Scenario) of one case: the same object every call."""
        key = (line, example)
        rendered = self._rendered.get(key)
        if rendered is None:
            rendered = self._rendered[key] = self.templates[line].render(dict(example))
        return rendered


class BddHooks:
    """The pytest-bdd hooks that have a listener, decided once per session after collection.

    pytest-bdd's own implementations only feed its reporting registry, read by ``--cucumberjson``
    and ``--gherkin-terminal-reporter``; without those options they are left out, so a run with
    no other listener calls no hook and builds no pytest-bdd object.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.callers: dict[str, Any] = {}
        if not _compat.has_bdd_hooks(config):
            return
        pm = config.pluginmanager
        bdd_plugin = _compat.bdd_plugin(config)
        reporting = _compat.bdd_reporting_enabled(config)
        for name in HOOK_NAMES:
            caller = getattr(config.hook, name)
            impls = caller.get_hookimpls()
            if impls and (reporting or bdd_plugin is None):
                self.callers[name] = caller
            elif any(impl.plugin is not bdd_plugin for impl in impls):  # listeners besides pytest-bdd's own
                self.callers[name] = pm.subset_hook_caller(name, remove_plugins=[bdd_plugin])

    @property
    def active(self) -> bool:
        return bool(self.callers)

    @property
    def scenario_observed(self) -> bool:
        """Whether a pending case must still tell listeners that its scenario started and ended."""
        return any(name in self.callers for name in SCENARIO_HOOKS)

    def call(self, name: str, **kwargs: Any) -> None:
        caller = self.callers.get(name)
        if caller is not None:
            caller(**kwargs)
