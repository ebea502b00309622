"""Imported requirements: what each import wrote, and which slots are suspect. Pure, no pytest.

``living-checklist import`` keeps one state file per source under ``<seeds>/imports/<seed>.json``:
per external id, the slot's requirement id, the source's current text, the text last reviewed and
the steps the import wrote. A slot whose current text differs from its reviewed text is ``pending``
(``suspect``) until ``living-checklist review ID`` records the current text as reviewed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

IMPORTS_DIR = "imports"
STATE_SCHEMA = 1


class StateError(Exception):
    """A state file that cannot be read or does not have the expected shape (names the file)."""


@dataclass(frozen=True)
class Imported:
    """One requirement of a source, as the last import saw it."""

    external_id: str
    id: str
    text: str
    reviewed: str
    title: str = ""
    steps: tuple[str, ...] = ()
    removed: bool = False

    @property
    def suspect(self) -> bool:
        return not self.removed and self.text != self.reviewed

    def data(self) -> dict[str, Any]:
        return {
            "external_id": self.external_id,
            "id": self.id,
            "title": self.title,
            "text": self.text,
            "reviewed": self.reviewed,
            "steps": list(self.steps),
            "removed": self.removed,
        }


@dataclass(frozen=True)
class ImportState:
    """Everything one source's imports recorded (``seed`` names the state file and the seed)."""

    seed: str
    source: str
    format: str
    feature: str
    requirements: tuple[Imported, ...] = ()
    path: str = field(default="", compare=False)

    def data(self) -> dict[str, Any]:
        return {
            "schema": STATE_SCHEMA,
            "seed": self.seed,
            "source": self.source,
            "format": self.format,
            "feature": self.feature,
            "requirements": [r.data() for r in self.requirements],
        }

    def by_external_id(self) -> dict[str, Imported]:
        return {r.external_id: r for r in self.requirements}


def state_path(seeds_dir: Path, seed: str) -> Path:
    return seeds_dir / IMPORTS_DIR / f"{seed}.json"


def dumps(state: ImportState) -> str:
    return json.dumps(state.data(), indent=2, ensure_ascii=False) + "\n"


def _text(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str):
        raise StateError(f"{where}: {key!r} must be a string, found {type(value).__name__}")
    return value


def parse_state(text: str, where: str) -> ImportState:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StateError(f"{where}: not JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("requirements"), list):
        raise StateError(f"{where}: expected an object with a 'requirements' list")
    requirements = [
        _imported(entry, f"{where}: requirements[{index}]") for index, entry in enumerate(data["requirements"])
    ]
    return ImportState(
        seed=_text(data, "seed", where),
        source=_text(data, "source", where),
        format=_text(data, "format", where),
        feature=_text(data, "feature", where),
        requirements=tuple(requirements),
        path=where,
    )


def _imported(entry: object, at: str) -> Imported:
    """One entry of the state's ``requirements`` list, ``at`` naming it in errors."""
    if not isinstance(entry, dict):
        raise StateError(f"{at}: expected an object")
    steps = entry.get("steps", [])
    if not isinstance(steps, list) or not all(isinstance(s, str) for s in steps):
        raise StateError(f"{at}: 'steps' must be a list of strings")
    return Imported(
        external_id=_text(entry, "external_id", at),
        id=_text(entry, "id", at),
        text=_text(entry, "text", at),
        reviewed=_text(entry, "reviewed", at),
        title=_text(entry, "title", at),
        steps=tuple(steps),
        removed=bool(entry.get("removed", False)),
    )


def load_states(seeds_dir: Path) -> list[ImportState]:
    """Every import state under ``<seeds>/imports``; none when the folder does not exist."""
    folder = seeds_dir / IMPORTS_DIR
    if not folder.is_dir():
        return []
    states = []
    for path in sorted(folder.glob("*.json")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise StateError(f"{path}: cannot be read ({exc})") from None
        states.append(parse_state(text, str(path)))
    return states


def suspect_message(entry: Imported) -> str:
    return (
        f"suspect: the source text of {entry.external_id} changed since it was last reviewed\n"
        f"  old: {entry.reviewed}\n"
        f"  new: {entry.text}\n"
        f"Check that the slot still says what the new text asks, then run `living-checklist review {entry.id}`."
    )


def suspects(states: Iterable[ImportState]) -> dict[str, str]:
    """Requirement id → the suspect message, for every slot whose source text changed unreviewed."""
    return {r.id: suspect_message(r) for state in states for r in state.requirements if r.suspect}


def review(state: ImportState, ids: Iterable[str]) -> tuple[ImportState, list[str]]:
    """The state with the current text of ``ids`` recorded as reviewed, and those of ``ids`` that were
    suspect (each as given: a checklist id or an external id)."""
    wanted = set(ids)
    done: list[str] = []
    entries = []
    for entry in state.requirements:
        if entry.id in wanted or entry.external_id in wanted:
            if entry.suspect:
                done.append(entry.id if entry.id in wanted else entry.external_id)
            entry = replace(entry, reviewed=entry.text)
        entries.append(entry)
    return replace(state, requirements=tuple(entries)), done


def external_ids(states: Iterable[ImportState]) -> dict[str, str]:
    """Requirement id → external id, for export."""
    return {r.id: r.external_id for state in states for r in state.requirements}
