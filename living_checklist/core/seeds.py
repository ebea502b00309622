"""Seeds: the source documents requirements come from, and what was drawn from each.

``seeds/manifest.toml`` lists the documents; a scenario cites one with ``@seed-<id>``. Pure
functions over the manifest and the inventory; problems are lint findings with ``path:line``.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from living_checklist.core.inventory import Inventory
from living_checklist.core.lint import Finding

MANIFEST = "manifest.toml"
_SEED_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Seed:
    id: str
    file: str
    sha256: str
    kind: str
    date: str
    title: str
    digest: str
    requirements: tuple[str, ...]
    verdict: str
    line: int


@dataclass(frozen=True)
class SeedState:
    """A seed as found on disk: whether its document is present and its checksum holds."""

    seed: Seed
    present: bool
    verified: bool | None


_SEED_HEADER = re.compile(r"^\s*\[\[\s*seed\s*\]\]\s*(#.*)?$")


def _line_of(text: str, nth: int) -> int:
    """The line of the nth ``[[seed]]`` table (comments and spacing allowed), so findings point at it."""
    count = -1
    for number, line in enumerate(text.splitlines(), start=1):
        if _SEED_HEADER.match(line):
            count += 1
            if count == nth:
                return number
    return 1


def load(seeds_dir: Path, rootdir: Path) -> tuple[list[SeedState], list[Finding]]:
    """Read and check the manifest; a missing manifest means no seeds, not an error."""
    path = seeds_dir / MANIFEST
    rel = _rel(path, rootdir)
    if not path.exists():
        return [], []
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Finding(rel, 1, 1, f"seeds manifest cannot be read: {exc}", rule="seed-manifest")]
    except tomllib.TOMLDecodeError as exc:
        line = _toml_line(exc, text)
        return [], [Finding(rel, line, 1, f"seeds manifest cannot be read: {exc}", rule="seed-manifest")]
    entries = data.get("seed", [])
    if not isinstance(entries, list):
        return [], [Finding(rel, 1, 1, "seeds manifest: expected [[seed]] tables", rule="seed-manifest")]
    return _states(entries, text, rel, seeds_dir)


def _states(entries: list[Any], text: str, rel: str, seeds_dir: Path) -> tuple[list[SeedState], list[Finding]]:
    """Each well-formed entry, checked on disk (a repeated id kept once), and what is wrong."""
    states: list[SeedState] = []
    findings: list[Finding] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        line = _line_of(text, index)
        seed, problems = _seed(entry, line)
        findings.extend(Finding(rel, line, 1, problem, rule="seed-manifest") for problem in problems)
        if seed is None:
            continue
        if seed.id in seen:
            findings.append(Finding(rel, line, 1, f"seed id {seed.id!r} appears twice", rule="seed-manifest"))
            continue
        seen.add(seed.id)
        state, problems = _check_on_disk(seed, seeds_dir)
        findings.extend(Finding(rel, line, 1, problem, rule="seed-file") for problem in problems)
        states.append(state)
    return states, findings


def _toml_line(exc: Exception, text: str) -> int:
    match = re.search(r"line (\d+)", str(exc))
    if match:
        return int(match.group(1))
    return max(1, len(text.splitlines())) if "end of document" in str(exc) else 1


def _seed(entry: Any, line: int) -> tuple[Seed | None, list[str]]:
    if not isinstance(entry, Mapping):
        return None, ["a [[seed]] entry must be a table"]
    problems: list[str] = []
    seed_id = _seed_id(entry, problems)
    sha = _sha256(entry, seed_id, problems)
    requirements = _requirements(entry, seed_id, problems)
    verdict = _text(entry, "verdict", problems, required=False)
    if not requirements and not verdict:
        problems.append(
            f"seed {seed_id} has neither requirements nor a verdict: list the requirement ids drawn from it, "
            "or write why none could be drawn"
        )
    seed = Seed(
        id=seed_id,
        file=_text(entry, "file", problems),
        sha256=sha,
        kind=_text(entry, "kind", problems, required=False),
        date=_text(entry, "date", problems, required=False),
        title=_text(entry, "title", problems, required=False),
        digest=_text(entry, "digest", problems, required=False),
        requirements=tuple(requirements),
        verdict=verdict,
        line=line,
    )
    if not seed_id or not seed.file:
        return None, problems
    return seed, problems


def _text(entry: Mapping[str, Any], key: str, problems: list[str], required: bool = True) -> str:
    """The stripped string field ``key``, "" (with a problem noted) when it is not a string."""
    value = entry.get(key, "")
    if not isinstance(value, str):
        problems.append(f"seed field {key!r} must be a string, found {type(value).__name__}")
        return ""
    if required and not value.strip():
        problems.append(f"seed field {key!r} is missing")
    return value.strip()


def _seed_id(entry: Mapping[str, Any], problems: list[str]) -> str:
    seed_id = _text(entry, "id", problems)
    if seed_id and not _SEED_ID.match(seed_id):
        problems.append(f"seed id {seed_id!r} must be lowercase letters, digits and '-' (cited as @seed-<id>)")
    return seed_id


def _sha256(entry: Mapping[str, Any], seed_id: str, problems: list[str]) -> str:
    sha = _text(entry, "sha256", problems).lower()
    if sha and not _SHA256.match(sha):
        problems.append(f"seed {seed_id}: sha256 must be 64 hex digits, found {sha!r}")
    return sha


def _requirements(entry: Mapping[str, Any], seed_id: str, problems: list[str]) -> list[str]:
    requirements = entry.get("requirements", [])
    if not isinstance(requirements, list) or not all(isinstance(r, str) for r in requirements):
        problems.append(f"seed {seed_id}: requirements must be a list of requirement ids")
        return []
    return requirements


class _Unusable(Exception):
    """A manifest path the file system cannot even look at (NUL byte, link loop, too long)."""


def _inside(base: Path, relative: str) -> Path | None:
    """``relative`` resolved under ``base``, or None when it points outside (absolute, ``..``, links)."""
    if not relative or Path(relative).is_absolute():
        return None
    try:
        target = (base / relative).resolve()
        root = base.resolve()
    except (OSError, ValueError, RuntimeError) as exc:
        raise _Unusable(str(exc)) from None
    if target != root and root not in target.parents:
        return None
    return target


def _exists(path: Path, *, file: bool = False) -> bool:
    try:
        return path.is_file() if file else path.exists()
    except (OSError, ValueError) as exc:
        raise _Unusable(str(exc)) from None


def _check_on_disk(seed: Seed, seeds_dir: Path) -> tuple[SeedState, list[str]]:
    try:
        return _look_on_disk(seed, seeds_dir)
    except _Unusable as exc:
        return SeedState(seed, present=False, verified=None), [f"seed {seed.id}: a path cannot be used ({exc})"]


def _look_on_disk(seed: Seed, seeds_dir: Path) -> tuple[SeedState, list[str]]:
    problems = []
    document = _inside(seeds_dir, seed.file)
    if document is None:
        problems.append(f"seed {seed.id}: file {seed.file!r} points outside the seeds folder; refused")
        return SeedState(seed, present=False, verified=None), problems
    if seed.digest:
        problems.extend(_digest_problems(seed, seeds_dir))
    if not _exists(document, file=True):
        return SeedState(seed, present=False, verified=None), problems
    return _verify(seed, document, problems)


def _digest_problems(seed: Seed, seeds_dir: Path) -> list[str]:
    if _inside(seeds_dir, seed.digest) is None:
        return [f"seed {seed.id}: digest {seed.digest!r} points outside the seeds folder; refused"]
    if not _exists(seeds_dir / seed.digest):
        return [f"seed {seed.id}: digest {seed.digest!r} does not exist"]
    return []


def _verify(seed: Seed, document: Path, problems: list[str]) -> tuple[SeedState, list[str]]:
    """The state of a seed whose file is there: verified when its sha256 is the manifest's."""
    try:
        digest = hashlib.sha256(document.read_bytes()).hexdigest()
    except OSError as exc:
        problems.append(f"seed {seed.id}: {seed.file} cannot be read ({exc})")
        return SeedState(seed, present=True, verified=False), problems
    if digest != seed.sha256:
        problems.append(f"seed {seed.id}: sha256 of {seed.file} is {digest}, the manifest says {seed.sha256}")
        return SeedState(seed, present=True, verified=False), problems
    return SeedState(seed, present=True, verified=True), problems


def report(states: list[SeedState], inventory: Inventory) -> list[dict[str, Any]]:
    """The ``seeds`` list of the report: each seed with its checksum state and requirement ids."""
    citing: dict[str, list[str]] = {}
    for req in inventory.requirements:
        for seed in req.seeds:
            citing.setdefault(seed, []).append(req.id)
    out = []
    for state in states:
        entry = state.seed
        ids = list(dict.fromkeys([*entry.requirements, *citing.get(entry.id, [])]))
        out.append(
            {
                "id": entry.id,
                "file": entry.file,
                "sha256": entry.sha256,
                "kind": entry.kind,
                "date": entry.date,
                "title": entry.title,
                "digest": entry.digest,
                "present": state.present,
                "verified": state.verified,
                "verdict": entry.verdict,
                "requirements": ids,
            }
        )
    return out


def _rel(path: Path, rootdir: Path) -> str:
    try:
        return path.resolve().relative_to(rootdir.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
