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

from living_checklist.core.files import NotRegularFile, read_regular
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
    data = _parsed(path, _read(path))
    try:
        problems = check(data)
    except RecursionError:
        raise BaselineError(f"{path}: not a checklist report: its JSON is nested too deeply to read") from None
    if problems:
        raise BaselineError(f"{path}: not a usable checklist report: {'; '.join(problems)}")
    return data  # type: ignore[no-any-return]


def _read(path: Path) -> str:
    """The baseline file's text; ``BaselineError`` when it is missing, not a file, or unreadable."""
    try:
        return read_regular(path).decode("utf-8")
    except FileNotFoundError:
        raise BaselineError(f"{path}: no such file; write one first with --checklist-json {path}") from None
    except IsADirectoryError:
        raise BaselineError(f"{path}: is a directory, expected a JSON report written by --checklist-json") from None
    except NotRegularFile as exc:
        raise BaselineError(f"{path}: {exc.what}, expected a JSON report written by --checklist-json") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: cannot be read ({exc})") from None


def _parsed(path: Path, text: str) -> Any:
    """The JSON value of the text; ``BaselineError`` when it is no JSON this can read."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(
            f"{path}: not a checklist report: not JSON (line {exc.lineno} column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:  # json.loads recurses once per level: hostile input must not crash pytest
        raise BaselineError(f"{path}: not a checklist report: its JSON is nested too deeply to read") from None
    except ValueError as exc:  # an integer of more than 4,300 digits (sys.set_int_max_str_digits)
        raise BaselineError(f"{path}: not a checklist report: {exc}") from None


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
    problems = _totals_problems(data.get("totals"))
    requirements = data.get("requirements")
    if not isinstance(requirements, list):
        return [*problems, f'"requirements": expected a list, found {_kind(requirements)}']
    return problems + _requirement_problems(requirements, 5 - len(problems))


def _totals_problems(totals: object) -> list[str]:
    if not isinstance(totals, dict):
        return [f'"totals": expected an object, found {_kind(totals)}']
    return [
        f'"totals.{key}": expected an integer, found {_kind(totals.get(key))}'
        for key in DELTA_KEYS
        if not isinstance(totals.get(key), int) or isinstance(totals.get(key), bool)
    ]


def _requirement_problems(requirements: list[object], limit: int) -> list[str]:
    """The first problems (at least one, at most ``limit``: enough to see the pattern) of the list."""
    problems = []
    for index, req in enumerate(requirements):
        problem = _requirement_problem(f'"requirements[{index}]', req)
        if problem is not None:
            problems.append(problem)
        if len(problems) >= max(limit, 1):
            break
    return problems


def _requirement_problem(where: str, req: object) -> str | None:
    """What is wrong with one requirement (``where``: its place in the report), or None."""
    if not isinstance(req, dict):
        return f'{where}": expected an object, found {_kind(req)}'
    if not isinstance(req.get("id"), str) or not req["id"]:
        return f'{where}.id": expected a non-empty string, found {_kind(req.get("id"))}'
    if req.get("status") not in STATUSES:
        return f'{where}.status": expected one of {", ".join(STATUSES)}, found {json.dumps(req.get("status"))}'
    return None


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


def _regression(key: str, old: Mapping[str, Any], new: Mapping[str, Any] | None) -> Regression | None:
    """How the requirement at ``key`` went backwards (``new`` None: it is gone), or None."""
    was = str(old["status"])
    now = str(new["status"]) if new is not None else MISSING
    if not _went_back(was, now):
        return None
    name = str((new or old).get("name") or "")
    return Regression(str(old["id"]), name, was, now, _detail(key, old, new))


def _went_back(was: str, now: str) -> bool:
    """A defined requirement is no longer defined, or a verified one no longer verified."""
    lost_definition = was in DEFINED and now not in DEFINED
    lost_verification = was == "verified" and now != "verified"
    return lost_definition or lost_verification


def _detail(key: str, old: Mapping[str, Any], new: Mapping[str, Any] | None) -> str:
    """Why a regression happened: the reason and first message line, or where the requirement went."""
    if new is None:
        return _gone(key, old)
    first = next(iter(str(new.get("message") or "").strip().splitlines()), "")
    return "; ".join(x for x in (str(new.get("reason") or ""), first) if x)


def _gone(key: str, old: Mapping[str, Any]) -> str:
    """Where a requirement not in this run may have gone; a hint when its key is only its place."""
    detail = "not in this run: deleted, renamed, or outside the files run"
    if ":" in key and not old.get("tags"):
        detail += "; give it an id tag so moving lines does not lose it"
    return detail


def _newly(
    before: Mapping[str, Mapping[str, Any]], after: Mapping[str, Mapping[str, Any]], statuses: Sequence[str]
) -> tuple[str, ...]:
    """Ids now in one of ``statuses`` that were not (or did not exist) in the baseline."""
    return tuple(
        str(req["id"])
        for key, req in after.items()
        if req["status"] in statuses and (key not in before or before[key]["status"] not in statuses)
    )


def _changed(before: Mapping[str, Mapping[str, Any]], after: Mapping[str, Mapping[str, Any]]) -> tuple[str, ...]:
    """Ids whose status differs, new and missing ones included."""
    return tuple(
        str((after.get(key) or before[key])["id"])
        for key in dict.fromkeys([*before, *after])
        if key not in before or key not in after or before[key]["status"] != after[key]["status"]
    )


def compare(baseline: Mapping[str, Any], current: Mapping[str, Any]) -> Delta:
    """Regressions (defined → pending/missing/error, verified → anything else) and the change in totals.

    Both arguments are checklist reports as written by ``--checklist-json`` (``report_json.to_data``).
    Totals are recounted from the requirements, so a hand-edited totals block cannot hide a change.
    """
    before = _keyed(baseline["requirements"])
    after = _keyed(current["requirements"])
    found = (_regression(key, old, after.get(key)) for key, old in before.items())
    regressions = tuple(regression for regression in found if regression is not None)
    old_counts, new_counts = _counts(baseline), _counts(current)
    changes = {key: new_counts[key] - old_counts[key] for key in DELTA_KEYS}
    newly_defined = _newly(before, after, DEFINED)
    newly_verified = _newly(before, after, ("verified",))
    return Delta(regressions, changes, newly_defined, newly_verified, _changed(before, after))


def _ids(ids: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(ids[:limit])
    return f"{shown} and {len(ids) - limit} more" if len(ids) > limit else shown


def _newly_lines(delta: Delta) -> list[str]:
    """The ids newly verified, then those newly defined (and not verified too)."""
    lines = []
    if delta.newly_verified:
        lines.append(f"  newly verified: {_ids(delta.newly_verified)}")
    newly_defined = [rid for rid in delta.newly_defined if rid not in delta.newly_verified]
    if newly_defined:
        lines.append(f"  newly defined: {_ids(newly_defined)}")
    return lines


def render(delta: Delta, path: str) -> list[str]:
    """Lines for the terminal section: the change line, then each regression by name."""
    lines = [f"baseline {path}: {delta.summary()}", *_newly_lines(delta)]
    if delta.regressions:
        lines.append(f"baseline regressions ({len(delta.regressions)}): the run fails until these are back")
        lines.extend(f"  {regression.describe()}" for regression in delta.regressions)
    return lines
