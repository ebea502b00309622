"""``living-checklist import FILE``: a pending slot per requirement of a document; re-imports merge."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from living_checklist.cli._common import EXIT_BAD_INPUT, EXIT_OK, PROG, SCHEMA_VERSION, _emit_json
from living_checklist.core.escape import terminal_safe
from living_checklist.core.imports import StateError
from living_checklist.dryrun.run import Project, load
from living_checklist.exchange import sources
from living_checklist.exchange.slots import ImportError_, Outcome, Target, import_requirements, slug


def _target(
    args: argparse.Namespace, source: Path, rootdir: Path, features_dir: str, id_pattern: str, seeds: str
) -> Target:
    seed = slug(source.name)
    into = Path(args.into) if args.into else Path(features_dir) / seed
    folder = (Path.cwd() / into).resolve()  # an absolute --into stays as it is
    features_root = (rootdir / features_dir).resolve()
    if features_root not in (folder, *folder.parents):
        raise ImportError_(
            f"--into {args.into}: not inside the features folder {features_dir}; its slots would not run"
        )
    stem = slug(source.stem if source.is_file() else source.name).replace("-", "_")
    feature = (folder / f"{stem}.feature").relative_to(rootdir.resolve()).as_posix()
    return Target(rootdir, feature, seeds, id_pattern)


def outcome_lines(outcome: Outcome, source: str, kind: str) -> list[str]:
    unchanged = outcome.total - len(outcome.added) - len(outcome.rewritten)
    lines = [
        f"imported {source} ({kind}): {outcome.total} requirements, slots in {outcome.feature}",
        f"added: {len(outcome.added)}  rewritten: {len(outcome.rewritten)}  unchanged: {unchanged}  "
        f"suspect: {len(outcome.suspect)}  filled in (left alone): {len(outcome.filled_in)}  "
        f"removed from the source (kept): {len(outcome.removed)}",
    ]
    mapped = [f"{ext!r} -> {new}" for ext, new in outcome.mapped.items()]
    lines += _listed("ids the id pattern refuses, mapped (kept in the import state):", mapped)
    lines += _listed(f"suspect (source text changed; check the slot, then `{PROG} review ID`):", outcome.suspect)
    removed = f"no longer in {source} (slots kept; delete them by hand if they are gone for good):"
    lines += _listed(removed, outcome.removed)
    lines += [f"wrote {path}" for path in outcome.written] or ["nothing changed"]
    return lines


def _listed(heading: str, items: list[str]) -> list[str]:
    """The heading and the items indented, or nothing when there are none."""
    return [heading, *(f"  {item}" for item in items)] if items else []


def outcome_data(outcome: Outcome, source: str, kind: str) -> dict[str, Any]:
    return {
        "schema": SCHEMA_VERSION,
        "command": "import",
        "source": source,
        "format": kind,
        "seed": outcome.seed,
        "feature": outcome.feature,
        "requirements": outcome.total,
        "added": outcome.added,
        "rewritten": outcome.rewritten,
        "suspect": outcome.suspect,
        "filled_in": outcome.filled_in,
        "removed": outcome.removed,
        "mapped": outcome.mapped,
        "written": outcome.written,
    }


def _columns(args: argparse.Namespace) -> sources.Columns:
    return sources.Columns(id=args.id_column, text=args.text_column, title=args.title_column, sheet=args.sheet or "")


def _elsewhere(project: Project, target: Target) -> dict[str, str]:
    """The ids of the requirements in other feature files than the target's, to their file."""
    return {r.id: r.feature for r in project.inventory.requirements if r.feature != target.feature}


def cmd_import(args: argparse.Namespace) -> int:
    source = Path(args.file)
    if not source.exists():
        print(f"{args.file}: no such file or folder", file=sys.stderr)
        return EXIT_BAD_INPUT
    project = load((), overrides=args.override_ini, steps=False)
    settings = project.settings
    try:
        kind = args.format or sources.guess_format(source)
        requirements = sources.read(source, kind, _columns(args))
        target = _target(args, source, settings.rootdir, settings.features_dir, settings.id_pattern, settings.seeds_dir)
        outcome = import_requirements(source, kind, requirements, target, elsewhere=_elsewhere(project, target))
    except (sources.SourceError, ImportError_, StateError) as exc:
        print(terminal_safe(str(exc)), file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.json:
        _emit_json(outcome_data(outcome, source.name, kind))
    else:
        print(terminal_safe("\n".join(outcome_lines(outcome, source.name, kind))))
    return EXIT_OK
