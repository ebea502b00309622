"""``living-checklist review ID...``: accept the changed source text of suspect slots as reviewed."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from living_checklist.cli._common import EXIT_BAD_INPUT, EXIT_OK, SCHEMA_VERSION, _emit_json
from living_checklist.core import imports
from living_checklist.core.escape import terminal_safe
from living_checklist.dryrun.run import load


def cmd_review(args: argparse.Namespace) -> int:
    project = load((), overrides=args.override_ini, steps=False)
    settings = project.settings
    seeds_dir = settings.rootdir / settings.seeds_dir
    try:
        states = imports.load_states(seeds_dir)
    except imports.StateError as exc:
        print(terminal_safe(str(exc)), file=sys.stderr)
        return EXIT_BAD_INPUT
    unknown = _unknown(states, args.ids)
    if unknown:
        print(
            f"not an imported requirement: {', '.join(unknown)} (review takes the ids of imported slots)",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    reviewed = _review(seeds_dir, states, args.ids)
    left = [i for i in args.ids if i not in reviewed]
    if args.json:
        _emit_json({"schema": SCHEMA_VERSION, "command": "review", "reviewed": reviewed, "not_suspect": left})
    else:
        print(terminal_safe("\n".join(_review_lines(reviewed, left))))
    return EXIT_OK


def _review_lines(reviewed: Sequence[str], left: Sequence[str]) -> list[str]:
    lines = [f"reviewed {i}: its current source text is now the reviewed one" for i in reviewed]
    return lines + [f"{i}: not suspect, nothing to review" for i in left]


def _unknown(states: Sequence[imports.ImportState], ids: Sequence[str]) -> list[str]:
    """The ids that name no imported requirement (by the slot's id or the source's id)."""
    known = {key for state in states for r in state.requirements for key in (r.id, r.external_id)}
    return [i for i in ids if i not in known]


def _review(seeds_dir: Path, states: Sequence[imports.ImportState], ids: Sequence[str]) -> list[str]:
    """Accept the current source text of the suspect ones among ``ids``; write each changed state."""
    reviewed: list[str] = []
    for state in states:
        new, done = imports.review(state, ids)
        if done:
            imports.state_path(seeds_dir, state.seed).write_text(imports.dumps(new), encoding="utf-8")
            reviewed += done
    return reviewed
