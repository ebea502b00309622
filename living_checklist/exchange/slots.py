"""Import: each requirement of a document becomes a pending slot; a re-import changes only what changed.

A slot is one scenario, tagged with the requirement's id (the external id, or a mapped one the id
pattern accepts), named after its title, with the source text as its description and one ``TBD``
step. The import records what it wrote in ``<seeds>/imports/<seed>.json``; a slot whose steps
differ from those is *filled in* and never written again. A requirement whose text changed keeps
its slot (rewritten only while not filled in) and is suspect until reviewed; one the document no
longer holds is reported and kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from living_checklist.core import imports
from living_checklist.core.imports import Imported, ImportState
from living_checklist.core.inventory import Requirement, parse_feature
from living_checklist.core.seeds import MANIFEST
from living_checklist.exchange import manifest, xray_io
from living_checklist.exchange.model import SourceRequirement

PENDING_STEP = 'Then the requirement is checked by "TBD"'
_STEP_KEYWORD = re.compile(r"^(Given|When|Then|And|But|\*)(\s|$)")
_KEYWORD_LINE = re.compile(
    r"^(Feature|Rule|Background|Scenario Outline|Scenario Template|Scenario|Example|Examples|Scenarios)\s*:"
)
_NAME_WIDTH = 90


class ImportError_(Exception):
    """An import that cannot be done as asked (an id the pattern can never accept, a path outside)."""


@dataclass
class Outcome:
    """What one import did, for the command's report (ids, in document order)."""

    seed: str
    feature: str
    added: list[str] = field(default_factory=list)
    rewritten: list[str] = field(default_factory=list)
    suspect: list[str] = field(default_factory=list)
    filled_in: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    mapped: dict[str, str] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)
    total: int = 0


def slug(name: str) -> str:
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return text if text and text[0].isalnum() else f"src-{text}".rstrip("-")


def description_lines(text: str) -> list[str]:
    """The text as Gherkin description lines: blank lines dropped, a line Gherkin would read as
    something else (a step, a tag, a comment, a table, a keyword) prefixed with ``» ``."""
    out = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        if (
            _STEP_KEYWORD.match(line)
            or _KEYWORD_LINE.match(line)
            or line[0] in "@#|"
            or line.startswith(('"""', "```"))
        ):
            line = f"» {line}"
        out.append(line)
    return out


def scenario_name(req: SourceRequirement) -> str:
    first = next((line for line in req.text.splitlines() if line.strip()), "")
    name = " ".join((req.title or first).split())
    if len(name) > _NAME_WIDTH:
        name = name[:_NAME_WIDTH].rsplit(" ", 1)[0] + " …"
    return name or req.external_id


def render_slot(requirement_id: str, req: SourceRequirement, steps: Sequence[str]) -> list[str]:
    lines = [f"  @{requirement_id}", f"  Scenario: {scenario_name(req)}"]
    lines += [f"    {line}" for line in description_lines(req.text)]
    lines += ["", *(f"    {step}" for step in steps)]
    return lines


def map_id(external_id: str, pattern: re.Pattern[str], taken: set[str], prefix: str) -> str:
    """The external id when the id pattern accepts it as a tag, else a mapped id the pattern accepts."""

    def usable(candidate: str) -> bool:
        return bool(candidate) and re.fullmatch(r"[^\s@#]+", candidate) is not None and bool(pattern.search(candidate))

    if usable(external_id) and external_id not in taken:
        return external_id
    cleaned = re.sub(r"[^A-Za-z0-9]+", "-", external_id).strip("-").upper()
    if usable(cleaned) and cleaned not in taken:
        return cleaned
    for number in range(1, len(taken) + 2):
        candidate = f"{prefix}-{number}"
        if candidate not in taken and usable(candidate):
            return candidate
    raise ImportError_(
        f"id {external_id!r} does not match checklist_id_pattern ({pattern.pattern}) and no id like "
        f"{prefix}-1 does either; widen the pattern"
    )


def id_prefix(seed: str) -> str:
    prefix = re.sub(r"[^A-Z0-9]+", "-", seed.upper()).strip("-") or "REQ"
    return prefix if prefix[0].isalpha() else f"REQ-{prefix}"


def is_filled_in(req: Requirement, entry: Imported) -> bool:
    """Whether the slot's steps differ from what the import wrote (an outline, a table, a docstring too)."""
    if len(req.cases) != 1 or req.examples:
        return True
    steps = req.cases[0].steps
    if any(s.docstring is not None or s.datatable is not None for s in steps):
        return True
    return [f"{s.keyword.strip()} {s.text}" for s in steps] != list(entry.steps)


def _blocks(lines: list[str], reqs: Sequence[Requirement]) -> dict[str, tuple[int, int]]:
    """Requirement id → (start, end) line indexes of its scenario, tags included, trailing blanks not."""
    starts = []
    for req in reqs:
        start = req.line - 1
        while start > 0 and lines[start - 1].lstrip().startswith("@"):
            start -= 1
        starts.append(start)
    blocks = {}
    for index, req in enumerate(reqs):
        end = starts[index + 1] if index + 1 < len(reqs) else len(lines)
        while end > starts[index] + 1 and not lines[end - 1].strip():
            end -= 1
        blocks[req.id] = (starts[index], end)
    return blocks


@dataclass(frozen=True)
class Target:
    """Where an import writes: paths relative to the rootdir."""

    rootdir: Path
    feature: str  # e.g. features/reqs-csv/reqs.feature
    seeds_dir: str
    id_pattern: str


def _header(source: str, seed: str) -> list[str]:
    return [
        f"# Written by `living-checklist import` from {source}: one pending slot per requirement. Replace a",
        "# slot's step with the check that decides it; an import never touches a slot once its steps differ.",
        f"@seed-{seed}",
        f"Feature: Requirements from {source}",
    ]


def _write(path: Path, text: str, outcome: Outcome, rootdir: Path) -> None:
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    outcome.written.append(path.relative_to(rootdir).as_posix())


class _Merge:
    """One import's merge of the document into the feature file and the state."""

    def __init__(self, target: Target, seed: str, state: ImportState | None, elsewhere: Mapping[str, str]) -> None:
        self.target = target
        self.seed = seed
        self.known = state.by_external_id() if state is not None else {}
        self.elsewhere = elsewhere
        path = target.rootdir / target.feature
        self.lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        doc = parse_feature("\n".join(self.lines), target.feature, id_pattern=target.id_pattern)
        if doc.errors:
            raise ImportError_(f"{doc.errors[0]}: fix the file or move it away, then import again")
        self.present = {r.id: r for r in doc.requirements}
        self.blocks = _blocks(self.lines, doc.requirements)
        self.replaced: dict[str, list[str]] = {}
        self.appended: list[list[str]] = []
        self.taken = set(elsewhere) | set(self.present) | {e.id for e in self.known.values()}
        self.pattern = re.compile(target.id_pattern)

    def one(self, req: SourceRequirement, outcome: Outcome) -> Imported:
        entry = self.known.get(req.external_id)
        if entry is None:
            new_id = map_id(req.external_id, self.pattern, self.taken, id_prefix(self.seed))
            self.taken.add(new_id)
            if new_id != req.external_id:
                outcome.mapped[req.external_id] = new_id
            entry = Imported(req.external_id, new_id, req.text, req.text, req.title, (PENDING_STEP,))
            self.appended.append(render_slot(new_id, req, entry.steps))
            outcome.added.append(new_id)
            return entry
        entry = replace(entry, text=req.text, title=req.title, removed=False)
        if entry.id != req.external_id:
            outcome.mapped[req.external_id] = entry.id
        if entry.suspect:
            outcome.suspect.append(entry.id)
        slot = self.present.get(entry.id)
        if slot is None:
            if entry.id not in self.elsewhere:  # deleted by hand: written again, as a new slot would be
                self.appended.append(render_slot(entry.id, req, entry.steps))
                outcome.added.append(entry.id)
            return entry
        if is_filled_in(slot, entry):
            outcome.filled_in.append(entry.id)
            return entry
        start, end = self.blocks[entry.id]
        block = render_slot(entry.id, req, entry.steps)
        if self.lines[start:end] != block:
            self.replaced[entry.id] = block
            outcome.rewritten.append(entry.id)
        return entry

    def text(self, source: str) -> str:
        if not self.replaced and not self.appended:
            return "\n".join(self.lines) + "\n" if self.lines else ""
        lines = list(self.lines) or _header(source, self.seed)
        for requirement_id, (start, end) in sorted(self.blocks.items(), key=lambda kv: -kv[1][0]):
            if requirement_id in self.replaced:
                lines[start:end] = self.replaced[requirement_id]
        while lines and not lines[-1].strip():
            lines.pop()
        for block in self.appended:
            lines += ["", *block]
        return "\n".join(lines) + "\n"


def import_requirements(
    source: Path,
    kind: str,
    requirements: Sequence[SourceRequirement],
    target: Target,
    *,
    elsewhere: Mapping[str, str] | None = None,
    today: dt.date | None = None,
) -> Outcome:
    """Merge ``requirements`` (read from ``source``) into the target's slots, state and seed.

    ``elsewhere`` maps the ids of requirements in other feature files to their file: an id already
    used is never given again, and a slot moved to another file is left where it is.
    """
    seed = slug(source.name)
    root = target.rootdir
    seeds_dir = root / target.seeds_dir
    state_file = imports.state_path(seeds_dir, seed)
    state = (
        imports.parse_state(state_file.read_text(encoding="utf-8"), str(state_file)) if state_file.exists() else None
    )
    merge = _Merge(target, seed, state, elsewhere or {})
    outcome = Outcome(seed, target.feature, total=len(requirements))
    entries = [merge.one(req, outcome) for req in requirements]
    listed = {req.external_id for req in requirements}
    for old in state.requirements if state is not None else ():
        if old.external_id not in listed:
            entries.append(replace(old, removed=True))
            outcome.removed.append(old.id)
    _write(root / target.feature, merge.text(source.name), outcome, root)
    new_state = ImportState(seed, source.name, kind, target.feature, tuple(entries))
    _write(state_file, imports.dumps(new_state), outcome, root)
    _record_seed(source, kind, seed, [e.id for e in entries if not e.removed], seeds_dir, outcome, root, today)
    return outcome


def _record_seed(
    source: Path,
    kind: str,
    seed: str,
    ids: list[str],
    seeds_dir: Path,
    outcome: Outcome,
    root: Path,
    today: dt.date | None,
) -> None:
    """Keep a copy of the document under the seeds folder and its entry (sha256) in the manifest."""
    name = f"{source.name}.zip" if source.is_dir() else source.name
    copy = seeds_dir / imports.IMPORTS_DIR / seed / name
    data = xray_io.snapshot(source)  # the file's bytes; a folder (an Xray export) as a zip
    if not copy.exists() or copy.read_bytes() != data:
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(data)
        outcome.written.append(copy.relative_to(root).as_posix())
    digest = hashlib.sha256(data).hexdigest()
    path = seeds_dir / MANIFEST
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    date = manifest.field(text, seed, "date")
    if date is None or manifest.field(text, seed, "sha256") != digest:
        date = (today or dt.date.today()).isoformat()  # the date this version of the document came in
    entry = manifest.entry(
        seed,
        copy.relative_to(seeds_dir).as_posix(),
        digest,
        f"{kind} requirements (imported)",
        date,
        f"Requirements imported from {source.name}",
        ids,
    )
    _write(path, manifest.upsert(text, seed, entry), outcome, root)
