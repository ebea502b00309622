"""Hook runs: what ran outside the steps of a case, as Cucumber's hooks. Pure (standard library only).

A user's function-scoped fixture is a Before hook (its setup) and an After hook (its teardown), a
``pytest_bdd_before_scenario`` / ``pytest_bdd_after_scenario`` implementation a Before or After
hook; a session-scoped fixture is a BeforeAll / AfterAll (test-run) hook. Each run says which
hook (its type, file, line and name), how it went, when, how long, and what it attached; runs
travel with the case's outcome as built-in types, so they reach the controller under xdist.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from living_checklist.core.attach import Attachment

HookType = Literal["BEFORE_TEST_CASE", "AFTER_TEST_CASE", "BEFORE_TEST_RUN", "AFTER_TEST_RUN"]
HookStatus = Literal["passed", "failed", "skipped", "pending"]
HOOK_TYPES: tuple[HookType, ...] = ("BEFORE_TEST_CASE", "AFTER_TEST_CASE", "BEFORE_TEST_RUN", "AFTER_TEST_RUN")
_ORDER = {"passed": 0, "skipped": 1, "pending": 2, "failed": 3}


@dataclass(frozen=True, slots=True)
class HookRun:
    """One run of one hook."""

    type: HookType
    uri: str
    line: int
    name: str
    status: HookStatus
    message: str = ""
    exception: str = ""
    started: float = 0.0
    nanos: int = 0
    attachments: tuple[Attachment, ...] = ()

    @property
    def key(self) -> tuple[str, str, int, str]:
        """The hook this is a run of: the same key for every run of it."""
        return (self.type, self.uri, self.line, self.name)

    @property
    def before(self) -> bool:
        return self.type.startswith("BEFORE")

    @property
    def test_run(self) -> bool:
        return self.type.endswith("TEST_RUN")

    def to_data(self) -> list[object]:
        attached = [a.to_data() for a in self.attachments]
        return [self.type, self.uri, self.line, self.name, self.status, self.message, self.exception,
                self.started, self.nanos, attached]  # fmt: skip

    @classmethod
    def from_data(cls, data: list[object]) -> HookRun:
        kind, uri, line, name, status, message, exception, started, nanos, attached = data
        if kind not in HOOK_TYPES or status not in _ORDER:
            raise ValueError(f"not a hook run: {data!r}")
        return cls(
            kind,
            str(uri),
            int(line),  # type: ignore[call-overload]
            str(name),
            status,  # type: ignore[arg-type]
            str(message),
            str(exception),
            float(started),  # type: ignore[arg-type]
            int(nanos),  # type: ignore[call-overload]
            tuple(Attachment.from_data(a) for a in attached),  # type: ignore[attr-defined]
        )


def encode(runs: tuple[HookRun, ...]) -> str:
    return json.dumps([r.to_data() for r in runs], ensure_ascii=False, separators=(",", ":"))


def decode(text: str) -> tuple[HookRun, ...]:
    if not text:
        return ()
    try:
        return tuple(HookRun.from_data(row) for row in json.loads(text))
    except (ValueError, TypeError):
        return ()


def merged_runs(runs: list[HookRun]) -> list[HookRun]:
    """Test-run hooks once each, in the order first seen: under xdist every worker runs a session
    fixture; the stream shows it once, with the worst status of its runs (and that run's message)."""
    seen: dict[tuple[str, str, int, str], int] = {}
    out: list[HookRun] = []
    for run in runs:
        index = seen.get(run.key)
        if index is None:
            seen[run.key] = len(out)
            out.append(run)
        elif _ORDER[run.status] > _ORDER[out[index].status]:
            out[index] = run
    return out
