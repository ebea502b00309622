"""The attempts of the Cucumber Messages: every attempt of a case (pytest-rerunfailures' reruns) in
the order they began, their envelopes merged by time, and the hook steps a case's attempts share."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from living_checklist.core.status import CaseOutcome, CaseResult
from living_checklist.reports.results import HookStep

T = TypeVar("T")


def in_order(
    running: Sequence[T],
    case_of: Callable[[T], CaseResult],
    retried: Mapping[str, Sequence[CaseOutcome]],
    started: float,
) -> list[tuple[int, T, CaseOutcome]]:
    """Every attempt of every case that ran (a rerun's earlier ones too), in the order they began."""
    found = []
    for index, item in enumerate(running):
        case = case_of(item)
        for attempt, outcome in enumerate([*retried.get(case.nodeid, ()), case.outcome]):
            found.append(((outcome.started or started, index, attempt), (attempt, item, outcome)))
    found.sort(key=lambda pair: pair[0])
    return [attempt for _, attempt in found]


_Timed = tuple[int, int, dict[str, Any], Iterator[tuple[int, dict[str, Any]]]]


def in_time_order(blocks: Iterable[Iterator[dict[str, Any]]]) -> Iterator[dict[str, Any]]:
    """The attempts' envelopes merged by timestamp: one after another when they ran one after
    another, interleaved where xdist's workers ran them at the same time; never back in time."""
    # The blocks come in the order they began: a block joins the merge only when its time comes, so a
    # serial run holds one at a time (heapq.merge would start every block at once).
    heap: list[_Timed] = []
    for order, block in enumerate(blocks):
        timed = _timed(block)
        first = next(timed, None)
        if first is None:
            continue
        while heap and heap[0][0] <= first[0]:
            yield _next_in_time(heap)
        heapq.heappush(heap, (first[0], order, first[1], timed))
    while heap:
        yield _next_in_time(heap)


def _next_in_time(heap: list[_Timed]) -> dict[str, Any]:
    _, order, envelope, timed = heap[0]
    following = next(timed, None)
    if following is None:
        heapq.heappop(heap)
    else:
        heapq.heapreplace(heap, (following[0], order, following[1], timed))
    return envelope


def _timed(block: Iterator[dict[str, Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
    clock = 0
    for envelope in block:
        stamp = next(iter(envelope.values())).get("timestamp")
        if stamp is not None:  # a suggestion has none: it goes with its step
            clock = max(clock, int(stamp["seconds"]) * 1_000_000_000 + int(stamp["nanos"]))
        yield clock, envelope


def hook_key(hook: HookStep) -> Any:
    return hook.run.key if hook.run is not None else hook.side


def union(sides: Sequence[tuple[HookStep, ...]]) -> tuple[HookStep, ...]:
    """The hook steps of the attempt with the most, then those only another attempt had."""
    longest: tuple[HookStep, ...] = max([(), *sides], key=len)  # the first of the longest
    out = list(longest)
    keys = {hook_key(hook) for hook in out}
    for hooks in sides:
        for hook in hooks:
            if hook_key(hook) not in keys:
                keys.add(hook_key(hook))
                out.append(hook)
    return tuple(out)


def aligned(hooks: tuple[HookStep, ...], template: tuple[HookStep, ...]) -> tuple[HookStep, ...]:
    """An attempt's hook steps in its test case's order; one that this attempt did not record passed."""
    mine = {hook_key(hook): hook for hook in hooks}
    return tuple(mine.get(hook_key(t), HookStep(t.side, "passed", "")) for t in template)
