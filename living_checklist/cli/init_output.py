"""What ``living-checklist init`` tells: its actions as JSON, or a line each with the feature files
folded into a count, and what to do next."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from living_checklist.cli._common import SCHEMA_VERSION

if TYPE_CHECKING:
    from living_checklist.cli.init import Action

# What each verb says it did (index 0) or would do (index 1, a dry run).
DONE: dict[str, tuple[str, str]] = {
    "write": ("wrote", "would write"),
    "merge": ("merged", "would merge"),
    "keep": ("left alone", "left alone"),
}


def init_data(target: Path, actions: list[Action], dry_run: bool) -> dict[str, Any]:
    return {
        "schema": SCHEMA_VERSION,
        "command": "init",
        "dir": str(target),
        "dry_run": dry_run,
        "actions": [{k: v for k, v in asdict(a).items() if k != "text"} for a in actions],
    }


def print_actions(actions: list[Action], dry_run: bool, verbose: bool) -> None:
    """One line per action, the feature files folded into a count per verb unless ``verbose``."""
    features = [a for a in actions if _is_slot(a.path)]
    for verb in ("write", "keep"):
        for line in _verb_lines(actions, verb, _folded(features, verb, verbose), dry_run):
            print(line)


def _verb_lines(actions: list[Action], verb: str, folded: list[Action], dry_run: bool) -> list[str]:
    """A line per action with ``verb``, the ``folded`` ones as one count."""
    lines = [a.line(dry_run) for a in actions if a.verb == verb and a not in folded]
    if folded:
        count = len({a.path.split("/")[1] for a in folded})
        lines.append(
            f"{DONE[verb][dry_run]}: {len(folded)} feature files in {count} areas under features/ (-v lists them)"
        )
    return lines


def _folded(features: list[Action], verb: str, verbose: bool) -> list[Action]:
    """The feature files told as one count for ``verb``: none when ``verbose``, nor for ``keep`` when
    only some feature files were there already (each one left alone is named)."""
    folded = [a for a in features if a.verb == verb]
    if verbose or (verb == "keep" and len(folded) < len(features)):
        return []
    return folded


def _is_slot(rel: str) -> bool:
    return rel.startswith("features/") and rel.endswith(".feature")


def print_summary(target: Path, actions: list[Action], dry_run: bool) -> None:
    verbs = Counter(a.verb for a in actions)
    print(f"init: {verbs['write']} {'to write' if dry_run else 'written'}, {verbs['keep']} left alone")
    closing = _closing_line(target, actions, dry_run)
    if closing:
        print(closing)


def _closing_line(target: Path, actions: list[Action], dry_run: bool) -> str:
    """The steps to take by hand, else (not a dry run) what to run next."""
    manual = [a for a in actions if a.manual]
    if manual:
        return "to do by hand: " + "; ".join(f"{a.path}: {a.note}" for a in manual)
    if dry_run:
        return ""
    where = "" if str(target) in ("", ".") else f"cd {target} && "
    return f"next: {where}pytest   (every requirement is pending until its TBD is filled in)"
