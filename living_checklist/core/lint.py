"""Lint rules of the checklist: ids, seed citations, and Gherkin smells. Pure functions."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from living_checklist.core.inventory import Inventory, Requirement

# A tag that looks meant as an id (letters, a separator, digits) but fails the configured pattern.
_ID_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9]*([-_][A-Za-z0-9]+)*[-_]?\d+$")


@dataclass(frozen=True)
class Finding:
    """One lint problem; ``fails`` ones make the run fail, the others are warnings."""

    path: str
    line: int
    column: int
    message: str
    fails: bool = True
    rule: str = ""

    def __str__(self) -> str:
        kind = "" if self.fails else "warning: "
        return f"{self.path}:{self.line}:{self.column}: {kind}{self.message}"


def lint(
    inventory: Inventory,
    *,
    require_ids: bool,
    id_pattern: str,
    seed_ids: Collection[str] | None = None,
) -> list[Finding]:
    """Every lint finding of the inventory, in file and line order."""
    id_re = re.compile(id_pattern)
    findings: list[Finding] = []
    first_seen: dict[str, Requirement] = {}
    for req in inventory.requirements:
        findings.extend(_ids(req, id_re, id_pattern, require_ids))
        findings.extend(_duplicate_id(req, first_seen))
        if seed_ids is not None:
            findings.extend(_unknown_seeds(req, seed_ids))
        findings.extend(_examples(req))
    findings.extend(_shared_names(inventory))
    return sorted(findings, key=lambda f: (f.path, f.line, f.column, f.message))


def _duplicate_id(req: Requirement, first_seen: dict[str, Requirement]) -> list[Finding]:
    """A finding when an earlier requirement (noted in ``first_seen``) has the same id."""
    if not req.has_id:
        return []
    first = first_seen.setdefault(req.id, req)
    if first is req:
        return []
    return [
        Finding(
            req.feature,
            req.line,
            req.column,
            f"duplicate requirement id {req.id} (first at {first.location}); give each scenario its own id",
            rule="duplicate-id",
        )
    ]


def _unknown_seeds(req: Requirement, seed_ids: Collection[str]) -> list[Finding]:
    out = []
    for seed in req.seeds:
        if seed not in seed_ids:
            known = ", ".join(sorted(seed_ids)) or "none"
            out.append(
                Finding(
                    req.feature,
                    req.line,
                    req.column,
                    f"@seed-{seed} cites a seed that is not in the seeds manifest (known: {known})",
                    rule="unknown-seed",
                )
            )
    return out


def _ids(req: Requirement, id_re: re.Pattern[str], id_pattern: str, require_ids: bool) -> list[Finding]:
    out = []
    if len(req.id_tags) > 1:
        tags = " ".join(f"@{t}" for t in req.id_tags)
        out.append(
            Finding(
                req.feature,
                req.line,
                req.column,
                f"scenario has several id tags ({tags}); keep one",
                rule="several-ids",
            )
        )
    if not req.has_id and require_ids:
        # Only when ids are required: then a near-miss tag is the likely id, and saying so helps.
        out.extend(_near_misses(req, id_re, id_pattern))
        if not out:
            name = req.name or "(unnamed)"
            out.append(
                Finding(
                    req.feature,
                    req.line,
                    req.column,
                    f"scenario {name!r} has no id tag; add one matching {id_pattern}, e.g. @PERF-003 "
                    "(or set checklist_require_ids = false)",
                    rule="missing-id",
                )
            )
    return out


def _near_misses(req: Requirement, id_re: re.Pattern[str], id_pattern: str) -> list[Finding]:
    """The scenario's own tags that look like requirement ids but do not match the pattern."""
    own = [t for t in req.own_tags if _ID_LIKE.match(t) and not t.startswith("seed-")]
    return [
        Finding(
            req.feature,
            req.line,
            req.column,
            f"tag @{tag} looks like a requirement id but does not match checklist_id_pattern "
            f"{id_pattern} (e.g. @PERF-003)",
            rule="id-pattern",
        )
        for tag in own
        if not id_re.search(tag)
    ]


def _examples(req: Requirement) -> list[Finding]:
    out = []
    for examples in req.examples:
        if examples.rows == 0:
            out.append(
                Finding(
                    req.feature,
                    examples.line,
                    examples.column,
                    "Examples has no rows: the requirement has no cases and stays pending",
                    fails=False,
                    rule="empty-examples",
                )
            )
        for column in examples.header:
            if column not in req.parameters:
                out.append(
                    Finding(
                        req.feature,
                        examples.line,
                        examples.column,
                        f"Examples column {column!r} is not used as <{column}> in the scenario",
                        fails=False,
                        rule="unused-column",
                    )
                )
    return out


def _shared_names(inventory: Inventory) -> list[Finding]:
    out = []
    for doc in inventory.features:
        seen: dict[str, Requirement] = {}
        for req in doc.requirements:
            if not req.name:
                continue
            first = seen.setdefault(req.name, req)
            if first is not req:
                out.append(
                    Finding(
                        req.feature,
                        req.line,
                        req.column,
                        f"scenario name {req.name!r} is also used at line {first.line} of this feature",
                        fails=False,
                        rule="shared-name",
                    )
                )
    return out
