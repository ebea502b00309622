"""Baseline ratchet: compare this run's JSON report with an earlier one. Pure functions, no pytest.

A requirement that was defined (verified, failing or skipped) must stay defined, and one that was
verified must stay verified. Anything else that changed is progress and only counted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from living_checklist.core.status import DEFINED, STATUSES
from living_checklist.reports.json import READABLE_SCHEMAS, SCHEMA_VERSION

# The totals shown in the change line, in this order.
DELTA_KEYS: tuple[str, ...] = ("requirements", "defined", "verified", "failing", "skipped", "pending", "error")
MISSING = "missing"


class BaselineError(ValueError):
    """The baseline file cannot be used: it says what is wrong with it."""


@dataclass(frozen=True)
class Regression:
    """One requirement that went backwards since the baseline."""

    id: str
    name: str
    was: str
    now: str  # a status, or "missing"
    detail: str

    def describe(self) -> str:
        label = f"{self.id} {self.name}" if self.name else self.id
        text = f"{label}: was {self.was}, now {self.now}"
        return f"{text} ({self.detail})" if self.detail else text


@dataclass(frozen=True)
class Delta:
    """What changed between a baseline report and the current one."""

    regressions: tuple[Regression, ...]
    changes: Mapping[str, int]  # current total minus baseline total, per DELTA_KEYS
    newly_defined: tuple[str, ...] = ()
    newly_verified: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()  # ids whose status differs, including new and missing ones

    @property
    def ok(self) -> bool:
        return not self.regressions

    def summary(self) -> str:
        """``+3 defined, -1 verified since baseline`` (only what changed)."""
        parts = [f"{n:+d} {key}" for key, n in self.changes.items() if n]
        if parts:
            return f"{', '.join(parts)} since baseline"
        if self.changed:
            return f"no net change since baseline ({len(self.changed)} changed status)"
        return "no change since baseline"


def load(path: Path) -> dict[str, Any]:
    """Read and check a baseline report; ``BaselineError`` says why it cannot be used."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaselineError(f"{path}: no such file; write one first with --checklist-json {path}") from None
    except IsADirectoryError:
        raise BaselineError(f"{path}: is a directory, expected a JSON report written by --checklist-json") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: cannot be read ({exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(
            f"{path}: not a checklist report: not JSON (line {exc.lineno} column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:  # json.loads recurses once per level: hostile input must not crash pytest
        raise BaselineError(f"{path}: not a checklist report: its JSON is nested too deeply to read") from None
    try:
        problems = check(data)
    except RecursionError:
        raise BaselineError(f"{path}: not a checklist report: its JSON is nested too deeply to read") from None
    if problems:
        raise BaselineError(f"{path}: not a usable checklist report: {'; '.join(problems)}")
    return data  # type: ignore[no-any-return]


def check(data: object) -> list[str]:
    """What keeps ``data`` from being a checklist report (schema 1 or 2; empty when it is one)."""
    if not isinstance(data, dict):
        return [f"expected a JSON object at the top level, found {_kind(data)}"]
    if "schema" not in data:
        return ['no "schema" key: this is not a report written by --checklist-json']
    schema = data["schema"]
    if schema not in READABLE_SCHEMAS or isinstance(schema, bool):
        return [
            f'"schema" is {json.dumps(schema)}, this version reads schema 1 and {SCHEMA_VERSION}; '
            "write a new baseline with --checklist-json"
        ]
    problems = []
    totals = data.get("totals")
    if not isinstance(totals, dict):
        problems.append(f'"totals": expected an object, found {_kind(totals)}')
    else:
        for key in DELTA_KEYS:
            value = totals.get(key)
            if not isinstance(value, int) or isinstance(value, bool):
                problems.append(f'"totals.{key}": expected an integer, found {_kind(value)}')
    requirements = data.get("requirements")
    if not isinstance(requirements, list):
        problems.append(f'"requirements": expected a list, found {_kind(requirements)}')
        return problems
    for index, req in enumerate(requirements):
        where = f'"requirements[{index}]'
        if not isinstance(req, dict):
            problems.append(f'{where}": expected an object, found {_kind(req)}')
        elif not isinstance(req.get("id"), str) or not req["id"]:
            problems.append(f'{where}.id": expected a non-empty string, found {_kind(req.get("id"))}')
        elif req.get("status") not in STATUSES:
            problems.append(
                f'{where}.status": expected one of {", ".join(STATUSES)}, found {json.dumps(req.get("status"))}'
            )
        if len(problems) >= 5:  # enough to see the pattern
            break
    return problems


def _kind(value: object) -> str:
    if value is None:
        return "null"
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return f"{names.get(type(value), type(value).__name__)} {json.dumps(value)[:40]}"


def _keyed(requirements: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """Requirements by id; a repeated id (a lint error) gets ``#2``, ``#3`` in file order."""
    keyed: dict[str, Mapping[str, Any]] = {}
    for req in requirements:
        key = str(req["id"])
        n = 1
        while key in keyed:
            n += 1
            key = f"{req['id']}#{n}"
        keyed[key] = req
    return keyed


def _counts(data: Mapping[str, Any]) -> dict[str, int]:
    statuses = [str(req["status"]) for req in data["requirements"]]
    counts: dict[str, int] = {key: statuses.count(key) for key in STATUSES}
    counts["requirements"] = len(statuses)
    counts["defined"] = sum(counts[s] for s in DEFINED)
    return counts


def compare(baseline: Mapping[str, Any], current: Mapping[str, Any]) -> Delta:
    """Regressions (defined → pending/missing/error, verified → anything else) and the change in totals.

    Both arguments are checklist reports as written by ``--checklist-json`` (``report_json.to_data``).
    Totals are recounted from the requirements, so a hand-edited totals block cannot hide a change.
    """
    before = _keyed(baseline["requirements"])
    after = _keyed(current["requirements"])
    regressions = []
    for key, old in before.items():
        was = str(old["status"])
        new = after.get(key)
        now = str(new["status"]) if new is not None else MISSING
        lost_definition = was in DEFINED and now not in DEFINED
        lost_verification = was == "verified" and now != "verified"
        if not (lost_definition or lost_verification):
            continue
        if new is None:
            detail = "not in this run: deleted, renamed, or outside the files run"
            if ":" in key and not old.get("tags"):
                detail += "; give it an id tag so moving lines does not lose it"
        else:
            first = str(new.get("message") or "").strip().splitlines()
            detail = "; ".join(x for x in (str(new.get("reason") or ""), first[0] if first else "") if x)
        name = str((new or old).get("name") or "")
        regressions.append(Regression(str(old["id"]), name, was, now, detail))
    old_counts, new_counts = _counts(baseline), _counts(current)
    changes = {key: new_counts[key] - old_counts[key] for key in DELTA_KEYS}
    newly_defined = tuple(
        str(req["id"])
        for key, req in after.items()
        if req["status"] in DEFINED and (key not in before or before[key]["status"] not in DEFINED)
    )
    newly_verified = tuple(
        str(req["id"])
        for key, req in after.items()
        if req["status"] == "verified" and (key not in before or before[key]["status"] != "verified")
    )
    changed = tuple(
        str((after.get(key) or before[key])["id"])
        for key in dict.fromkeys([*before, *after])
        if key not in before or key not in after or before[key]["status"] != after[key]["status"]
    )
    return Delta(tuple(regressions), changes, newly_defined, newly_verified, changed)


def _ids(ids: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(ids[:limit])
    return f"{shown} and {len(ids) - limit} more" if len(ids) > limit else shown


def render(delta: Delta, path: str) -> list[str]:
    """Lines for the terminal section: the change line, then each regression by name."""
    lines = [f"baseline {path}: {delta.summary()}"]
    if delta.newly_verified:
        lines.append(f"  newly verified: {_ids(delta.newly_verified)}")
    newly_defined = [rid for rid in delta.newly_defined if rid not in delta.newly_verified]
    if newly_defined:
        lines.append(f"  newly defined: {_ids(newly_defined)}")
    if delta.regressions:
        lines.append(f"baseline regressions ({len(delta.regressions)}): the run fails until these are back")
        lines.extend(f"  {regression.describe()}" for regression in delta.regressions)
    return lines
