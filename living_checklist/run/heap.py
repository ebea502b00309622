"""A big session's long-lived heap kept out of the cyclic garbage collector's way (``gc.freeze``).

Collected items, and the reports of the cases that ran, live until the session ends. CPython
starts a collection of its oldest generation whenever that generation has grown by a quarter,
and each one scans all of it: over a session the scans add up to several times the final heap,
and the bigger the heap the slower each object's visit (W100k, 1,000 files x 100 scenarios every
step undefined: 6.9 s of 36.8 s CPU in the collector, against 0.55 s of 4.5 s at W10k; one full
collection took 0.06 s at W10k, 0.2-0.3 s at W100k). From ``FREEZE_AT`` cases on, every
``FREEZE_AT`` cases collected or run, between two files, the garbage is collected and what is
alive is frozen: each later collection only scans what came since the last freeze.

Safe for the session: the garbage is collected before each freeze, so none is frozen, and
reference counting still frees frozen objects. One cost: an object alive at a freeze that only
later becomes part of a garbage cycle stays until the process ends (a case deselected after
collection, a session fixture's value). Freezes happen between files, once the last file's
fixtures are torn down and before the next one's are set up, so module fixtures are not among
them. Sessions of fewer cases never freeze anything.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Generator

import pytest

FREEZE_AT = 1000  # cases from which, and per how many, the live heap is frozen


class HeapFreezer:
    """Plugin object (``checklist-heap``); ``counts`` says whether an item is one of our cases."""

    def __init__(self, counts: Callable[[object], bool]) -> None:
        self.counts = counts
        self.unfrozen = 0  # cases collected, or items run, since the last freeze
        self.frozen = False
        self._file_ends = False  # the item running is the last of its file

    def freeze(self) -> None:
        gc.collect()
        gc.freeze()
        self.unfrozen = 0
        self.frozen = True

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        self.unfrozen += sum(1 for node in report.result if self.counts(node))
        if self.unfrozen >= FREEZE_AT:
            self.freeze()  # a file's items are collected, the next file's not yet

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if self.frozen or sum(1 for item in session.items if self.counts(item)) >= FREEZE_AT:
            self.freeze()

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_protocol(
        self, item: pytest.Item, nextitem: pytest.Item | None
    ) -> Generator[None, object, object]:
        if self.frozen:
            if self._file_ends and self.unfrozen >= FREEZE_AT:
                self.freeze()  # the last file's fixtures are torn down, this one's not set up yet
            self.unfrozen += 1
            self._file_ends = nextitem is None or _file_of(nextitem) is not _file_of(item)
        return (yield)


def _file_of(item: pytest.Item) -> pytest.Collector | None:
    """The file an item is in (its module, or its feature file)."""
    node = item.parent
    while node is not None and not isinstance(node, pytest.File):
        node = node.parent
    return node
