"""SIGTERM ends a run the way Ctrl-C does: the session finishes, reports say ``complete: false``.

A CI runner that cancels a job sends SIGTERM, and Python's default is to die on the spot: no
report, and a system under test left running. Turned into ``Terminated`` (a ``KeyboardInterrupt``),
pytest stops the test that is running (the runner stops its system on the way out), runs
``pytest_sessionfinish`` and exits with status 2. One that arrives while the reports are being
written lets them be written. After the first, SIGTERM has its default effect again: a second one
ends the process at once.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any


class Terminated(KeyboardInterrupt):
    """The run received SIGTERM."""


class TerminateHandler:
    """Installed for one pytest process (controller or xdist worker) from configure to unconfigure."""

    def __init__(self) -> None:
        self.previous: Any = None
        self.installed = False
        self.received = False
        self.finishing = False

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be set from the main thread
        self.previous = signal.signal(signal.SIGTERM, self._handle)
        self.installed = True

    def uninstall(self) -> None:
        if self.installed:
            signal.signal(signal.SIGTERM, self.previous)
            self.installed = False

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.received = True
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if not self.finishing:
            raise Terminated("received SIGTERM: the run was stopped; the reports say complete: false")
