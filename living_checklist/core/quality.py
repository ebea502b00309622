"""Quality model coverage: which ISO/IEC 25010:2023 sub-characteristics have a slot. Pure, no pytest.

A slot names what it is about with ``@q-<sub-characteristic>`` tags (the standard's names in lower
case, spaces as dashes: ``@q-time-behaviour``, ``@q-co-existence``). A sub-characteristic with no
slot is waived (``checklist_waivers``, lines ``name: reason``) or missing; a missing one is a lint
finding. ``checklist_quality_model = none`` turns the model off, for teams that use another one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from living_checklist.core.inventory import Requirement
from living_checklist.core.lint import Finding

MODEL = "iso25010"  # ISO/IEC 25010:2023
MODELS = (MODEL, "none")
TAG_PREFIX = "q-"

# ISO/IEC 25010:2023, product quality model: 9 characteristics, 40 sub-characteristics.
CHARACTERISTICS: Mapping[str, tuple[str, ...]] = {
    "functional suitability": ("functional completeness", "functional correctness", "functional appropriateness"),
    "performance efficiency": ("time behaviour", "resource utilization", "capacity"),
    "compatibility": ("co-existence", "interoperability"),
    "interaction capability": (
        "appropriateness recognizability",
        "learnability",
        "operability",
        "user error protection",
        "user engagement",
        "inclusivity",
        "user assistance",
        "self-descriptiveness",
    ),
    "reliability": ("faultlessness", "availability", "fault tolerance", "recoverability"),
    "security": ("confidentiality", "integrity", "non-repudiation", "accountability", "authenticity", "resistance"),
    "maintainability": ("modularity", "reusability", "analysability", "modifiability", "testability"),
    "flexibility": ("adaptability", "scalability", "installability", "replaceability"),
    "safety": ("operational constraint", "risk identification", "fail safe", "hazard warning", "safe integration"),
}


def tag_name(name: str) -> str:
    """``user error protection`` → ``user-error-protection`` (what follows ``@q-``)."""
    return name.lower().replace(" ", "-")


SUB_CHARACTERISTICS: tuple[str, ...] = tuple(tag_name(s) for subs in CHARACTERISTICS.values() for s in subs)
CHARACTERISTIC_OF: Mapping[str, str] = {
    tag_name(s): characteristic for characteristic, subs in CHARACTERISTICS.items() for s in subs
}


class WaiverError(ValueError):
    """A waiver line that cannot be read: the message names the line and what is wrong."""


def parse_waivers(text: str) -> dict[str, str]:
    """``name: reason`` lines (``q-`` optional, blank lines and ``#`` comments skipped) → {name: reason}."""
    waivers: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, colon, reason = line.partition(":")
        name = tag_name(name.strip()).removeprefix(TAG_PREFIX)
        if not colon or not reason.strip():
            raise WaiverError(f"{line!r}: expected 'name: reason' (a waiver says why)")
        if name not in CHARACTERISTIC_OF:
            raise WaiverError(f"{line!r}: {name!r} is not an ISO/IEC 25010:2023 sub-characteristic")
        waivers[name] = reason.strip()
    return waivers


@dataclass(frozen=True)
class Quality:
    model: str
    covered: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    waived: Mapping[str, str] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    unknown: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # @q- tags of no sub-characteristic

    def data(self) -> dict[str, object]:
        return {
            "model": self.model,
            "covered": {name: list(ids) for name, ids in self.covered.items()},
            "waived": dict(self.waived),
            "missing": list(self.missing),
        }

    @property
    def active(self) -> bool:
        return self.model != "none"

    @property
    def in_use(self) -> bool:
        """Whether the project uses the model: some slot carries a ``@q-`` tag, or something is waived.

        A project that never tagged a slot (one that adopted the checklist over an existing suite)
        is not given 40 lint warnings; its reports still say, with ``-v``, that nothing is covered.
        """
        return self.active and bool(self.covered or self.waived or self.unknown)


def coverage(requirements: Iterable[Requirement], model: str, waivers: Mapping[str, str]) -> Quality:
    if model == "none":
        return Quality("none")
    covered, unknown = _tagged(requirements)
    ordered = {name: tuple(dict.fromkeys(covered[name])) for name in SUB_CHARACTERISTICS if name in covered}
    waived = {name: waivers[name] for name in SUB_CHARACTERISTICS if name in waivers and name not in ordered}
    missing = tuple(name for name in SUB_CHARACTERISTICS if name not in ordered and name not in waived)
    return Quality(model, ordered, waived, missing, {k: tuple(v) for k, v in unknown.items()})


def _tagged(requirements: Iterable[Requirement]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The ids under each ``@q-`` tag: the sub-characteristics known, and the names that are not one."""
    covered: dict[str, list[str]] = {}
    unknown: dict[str, list[str]] = {}
    for req in requirements:
        for tag in req.tags:
            if not tag.startswith(TAG_PREFIX):
                continue
            name = tag.removeprefix(TAG_PREFIX)
            (covered if name in CHARACTERISTIC_OF else unknown).setdefault(name, []).append(req.id)
    return covered, unknown


def findings(quality: Quality, where: str) -> list[Finding]:
    """A warning per sub-characteristic with neither a slot nor a waiver, and per unknown ``@q-`` tag."""
    out: list[Finding] = []
    if not quality.in_use:
        return out
    for name in quality.missing:
        out.append(
            Finding(
                where,
                1,
                1,
                f"quality model {quality.model}: no slot for {name} ({CHARACTERISTIC_OF[name]}): tag one "
                f"@q-{name}, or waive it in checklist_waivers ('{name}: reason')",
                fails=False,
                rule="quality-gap",
            )
        )
    for name, ids in quality.unknown.items():
        out.append(
            Finding(
                where,
                1,
                1,
                f"@q-{name} (on {', '.join(ids)}) is not an ISO/IEC 25010:2023 sub-characteristic",
                fails=False,
                rule="quality-tag",
            )
        )
    return out


def summary_lines(quality: Quality, *, verbose: bool) -> list[str]:
    """``quality (iso25010): 40 sub-characteristics: covered 33, waived 0, uncovered 7`` and, verbose, each."""
    if not (quality.in_use or (verbose and quality.active)):
        return []
    total = len(SUB_CHARACTERISTICS)
    lines = [
        f"quality ({quality.model}): {total} sub-characteristics: covered {len(quality.covered)}, "
        f"waived {len(quality.waived)}, uncovered {len(quality.missing)}"
    ]
    if quality.missing:
        lines.append(f"  uncovered: {', '.join(quality.missing)}")
    return lines + _each(quality) if verbose else lines


def _each(quality: Quality) -> list[str]:
    """A line per sub-characteristic covered or waived, in the standard's order."""
    lines = []
    for name in SUB_CHARACTERISTICS:
        if name in quality.covered:
            lines.append(f"  covered {name}: {', '.join(quality.covered[name])}")
        elif name in quality.waived:
            lines.append(f"  waived  {name}: {quality.waived[name]}")
    return lines


def rows(quality: Quality) -> Sequence[tuple[str, str, str, str]]:
    """(characteristic, sub-characteristic, state, detail) in the standard's order, for tables."""
    out = []
    for name in SUB_CHARACTERISTICS:
        if name in quality.covered:
            state, detail = "covered", ", ".join(quality.covered[name])
        elif name in quality.waived:
            state, detail = "waived", quality.waived[name]
        else:
            state, detail = "missing", ""
        out.append((CHARACTERISTIC_OF[name], name, state, detail))
    return out
