"""Hooks that exist only when pytest-xdist is installed (registered then, like pytest-randomly's
``XdistHooks``): which cases the workers collected, what they deselected, which worker died."""

from __future__ import annotations

from typing import Any

import pytest

from living_checklist.core.gherkin_files import is_feature_file
from living_checklist.run.session import CHECKLIST_KEY, ChecklistSession


class XdistHooks:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def _state(self) -> ChecklistSession:
        return self.config.stash[CHECKLIST_KEY]

    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self._state().expected.update(i for i in ids if "::" in i and is_feature_file(i.partition("::")[0]))

    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        output = getattr(node, "workeroutput", {})
        self._state().merge_static(output.get("checklist_static", []))
        self._state().merge_definitions(output.get("checklist_definitions", []))
        if error:
            self._state().crashed.append(str(node.gateway.id))
