"""What decides a requirement besides its steps: manual evidence and suspect imports. Pure, no pytest.

The run (``core.status.aggregate``) and the dry run (``dryrun.decided``) both call
``decide`` with the status their cases gave, so they cannot disagree:

1. a manual evidence record that cannot count (unreadable, artifact changed) is an ``error``;
2. otherwise a failing or error case stays so (a person's pass does not undo a failed check);
3. otherwise a current record decides (``verified``/``failing``), an expired one is ``pending``
   (``expired``);
4. then a slot whose source text changed since it was reviewed is ``pending`` (``suspect``), unless
   it is failing or an error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from living_checklist.core import evidence, imports
from living_checklist.core.lint import Finding


@dataclass(frozen=True)
class Decisions:
    suspect: Mapping[str, str] = field(default_factory=dict)
    evidence: Mapping[str, evidence.Verdict] = field(default_factory=dict)

    def decide(self, requirement_id: str, status: str, reason: str, message: str) -> tuple[str, str, str]:
        record = self.evidence.get(requirement_id)
        if record is not None and _record_decides(record, status):
            status, reason, message = record.status, record.reason, record.message
        suspect = self.suspect.get(requirement_id)
        if suspect is not None and status not in ("error", "failing"):
            status, reason, message = "pending", "suspect", suspect
        return status, reason, message


def _record_decides(record: evidence.Verdict, status: str) -> bool:
    """An evidence record decides unless the run erred or failed; an unusable record always does."""
    return record.status == "error" or status not in ("error", "failing")


def load(
    seeds_dir: Path, evidence_dir: Path, rootdir: Path, today: dt.date | None = None
) -> tuple[Decisions, list[Finding]]:
    """Read the import states and the evidence records; a state file that cannot be read is a finding."""
    findings = []
    try:
        states = imports.load_states(seeds_dir)
    except imports.StateError as exc:
        states = []
        findings.append(Finding(str(exc).partition(":")[0], 1, 1, str(exc), rule="import-state"))
    return Decisions(suspect=imports.suspects(states), evidence=evidence.load(evidence_dir, rootdir, today)), findings


def unknown_records(decided: Decisions, requirement_ids: Collection[str]) -> list[Finding]:
    """A record for a requirement no feature file holds decides nothing: a failing finding naming it."""
    return [
        Finding(record.record, 1, 1, f"evidence record for {rid}, which no scenario is tagged with", rule="evidence")
        for rid, record in sorted(decided.evidence.items())
        if rid not in requirement_ids
    ]


def decide_before_running(
    decisions: Decisions, requirement_id: str, status: str, reason: str, message: str
) -> tuple[str, str, str]:
    """``decide`` as the dry run can know it (``status`` is ``error``, ``pending`` or ``ready``).

    A ready requirement is decided as if its steps pass: an expired record or a suspect text makes
    it pending, as the run does unless a step fails (a failure wins over both; only running can
    tell). A record that decides it (pass or fail) leaves it ready: the run says verified or failing.
    """
    decided = decisions.decide(requirement_id, "verified" if status == "ready" else status, reason, message)
    if decided[0] in ("verified", "failing", "skipped"):
        return "ready", "", decided[2] if decided[2] != message else ""
    return decided
