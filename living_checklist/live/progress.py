"""Progress of long live checks (a series of runs, fuzzing), in pytest's manner.

With ``-v`` and a terminal, each run prints one line with its figures under the running test,
the way pytest's live logging writes during a test. Without ``-v``, or when the output is not a
terminal (CI logs, pipes, xdist workers), nothing is printed beyond pytest's own lines.
"""

from __future__ import annotations

from typing import Any

import pytest

from living_checklist.run import _compat, settings


class Progress:
    """Writes ``<nodeid> <what> i/n: figures`` lines while a long check runs, when wanted."""

    def __init__(self, item: pytest.Item, what: str, total: int) -> None:
        self.item = item
        self.what = what
        self.total = total
        config = item.config
        reporter: Any = config.pluginmanager.get_plugin("terminalreporter")
        self.reporter = reporter
        self.config = config
        self.enabled = bool(
            reporter is not None
            and not settings.is_worker(config)
            and config.get_verbosity() >= 1
            and reporter.isatty()
        )
        self._started = False

    def update(self, index: int, figures: str) -> None:
        """Report that run ``index`` (1-based) finished with these figures."""
        if not self.enabled:
            return
        line = f"    {self.what} {index}/{self.total}: {figures}"
        with _compat.uncaptured(self.config):
            self._write(line)

    def _write(self, line: str) -> None:
        if not self._started:
            self.reporter.ensure_newline()
            self._started = True
        self.reporter.write_line(line)
