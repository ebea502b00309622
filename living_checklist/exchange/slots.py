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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from living_checklist.core import imports
from living_checklist.core.imports import Imported, ImportState
from living_checklist.core.inventory import Requirement, Step, parse_feature
from living_checklist.core.seeds import MANIFEST
from living_checklist.exchange import manifest, xray_io
from living_checklist.exchange.model import SourceRequirement

PENDING_STEP = 'Then the requirement is checked by "TBD"'
# A description line Gherkin would read as something else: a step, a keyword, a tag, a comment, a
# table row, a docstring fence.
_NOT_DESCRIPTION = re.compile(
    r"^(?:(Given|When|Then|And|But|\*)(\s|$)"
    r"|(Feature|Rule|Background|Scenario Outline|Scenario Template|Scenario|Example|Examples|Scenarios)\s*:"
    r'|[@#|]|"""|```)'
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
        if _NOT_DESCRIPTION.match(line):
            line = f"» {line}"
        out.append(line)
    return out


def scenario_name(req: SourceRequirement) -> str:
    """The title, else the text's first line, shortened at a word to about 90 characters; else the id."""
    name = " ".join((req.title or _first_line(req.text)).split())
    return _shortened(name) or req.external_id


def _first_line(text: str) -> str:
    return next((line for line in text.splitlines() if line.strip()), "")


def _shortened(name: str) -> str:
    if len(name) <= _NAME_WIDTH:
        return name
    return name[:_NAME_WIDTH].rsplit(" ", 1)[0] + " …"


def render_slot(requirement_id: str, req: SourceRequirement, steps: Sequence[str]) -> list[str]:
    lines = [f"  @{requirement_id}", f"  Scenario: {scenario_name(req)}"]
    lines += [f"    {line}" for line in description_lines(req.text)]
    lines += ["", *(f"    {step}" for step in steps)]
    return lines


def map_id(external_id: str, pattern: re.Pattern[str], taken: set[str], prefix: str) -> str:
    """The external id when the id pattern accepts it as a tag, else a mapped id the pattern accepts."""
    for candidate in _candidate_ids(external_id, prefix, len(taken)):
        if candidate not in taken and _usable(candidate, pattern):
            return candidate
    raise ImportError_(
        f"id {external_id!r} does not match checklist_id_pattern ({pattern.pattern}) and no id like "
        f"{prefix}-1 does either; widen the pattern"
    )


def _candidate_ids(external_id: str, prefix: str, count: int) -> Iterator[str]:
    """The ids to try, in order: the external id, it cleaned, then ``<prefix>-1`` up to one past ``count``."""
    yield external_id
    yield re.sub(r"[^A-Za-z0-9]+", "-", external_id).strip("-").upper()
    for number in range(1, count + 2):
        yield f"{prefix}-{number}"


def _usable(candidate: str, pattern: re.Pattern[str]) -> bool:
    return bool(candidate) and re.fullmatch(r"[^\s@#]+", candidate) is not None and bool(pattern.search(candidate))


def id_prefix(seed: str) -> str:
    prefix = re.sub(r"[^A-Z0-9]+", "-", seed.upper()).strip("-") or "REQ"
    return prefix if prefix[0].isalpha() else f"REQ-{prefix}"


def is_filled_in(req: Requirement, entry: Imported) -> bool:
    """Whether the slot's steps differ from what the import wrote (an outline, a table, a docstring too)."""
    if len(req.cases) != 1 or req.examples:
        return True
    return _plain_steps(req.cases[0].steps) != list(entry.steps)


def _plain_steps(steps: Sequence[Step]) -> list[str] | None:
    """The steps as the import writes them, or None when one has a docstring or a table."""
    if any(s.docstring is not None or s.datatable is not None for s in steps):
        return None
    return [f"{s.keyword.strip()} {s.text}" for s in steps]


def _blocks(lines: list[str], reqs: Sequence[Requirement]) -> dict[str, tuple[int, int]]:
    """Requirement id → (start, end) line indexes of its scenario, tags included, trailing blanks not."""
    starts = [_tags_start(lines, req.line - 1) for req in reqs]
    ends = [*starts[1:], len(lines)]  # one more than starts when there is no requirement
    return {
        req.id: (start, _blanks_start(lines, start, end)) for req, start, end in zip(reqs, starts, ends, strict=False)
    }


def _tags_start(lines: list[str], start: int) -> int:
    """The index of the first of the tag lines right above line ``start`` (``start`` itself if none)."""
    while start > 0 and lines[start - 1].lstrip().startswith("@"):
        start -= 1
    return start


def _blanks_start(lines: list[str], start: int, end: int) -> int:
    """``end`` moved back over the blank lines that end ``lines[start:end]``, its first line kept
    (``start`` -1: every trailing blank line)."""
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return end


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


def _read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def _file_text(lines: Sequence[str]) -> str:
    return "\n".join(lines) + "\n" if lines else ""


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
        self.lines = _read_text(path).splitlines()
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
            return self._new(req, outcome)
        return self._again(replace(entry, text=req.text, title=req.title, removed=False), req, outcome)

    def _new(self, req: SourceRequirement, outcome: Outcome) -> Imported:
        """A requirement no import has seen: a new id and a slot appended."""
        new_id = map_id(req.external_id, self.pattern, self.taken, id_prefix(self.seed))
        self.taken.add(new_id)
        if new_id != req.external_id:
            outcome.mapped[req.external_id] = new_id
        entry = Imported(req.external_id, new_id, req.text, req.text, req.title, (PENDING_STEP,))
        self.appended.append(render_slot(new_id, req, entry.steps))
        outcome.added.append(new_id)
        return entry

    def _again(self, entry: Imported, req: SourceRequirement, outcome: Outcome) -> Imported:
        """A requirement imported before: its slot rewritten unless filled in, written again if deleted."""
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
            return _file_text(self.lines)
        lines = self._replaced_lines() or _header(source, self.seed)
        del lines[_blanks_start(lines, -1, len(lines)) :]
        for block in self.appended:
            lines += ["", *block]
        return _file_text(lines)

    def _replaced_lines(self) -> list[str]:
        """The file's lines with the rewritten slots in place of the old ones."""
        lines = list(self.lines)
        replaced = [(self.blocks[rid], block) for rid, block in self.replaced.items()]
        for (start, end), block in sorted(replaced, key=lambda item: -item[0][0]):  # last first: indexes hold
            lines[start:end] = block
        return lines


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
    state = _load_state(state_file)
    merge = _Merge(target, seed, state, elsewhere or {})
    outcome = Outcome(seed, target.feature, total=len(requirements))
    entries = [merge.one(req, outcome) for req in requirements]
    if state is not None:
        entries += _removed(state, requirements, outcome)
    _write(root / target.feature, merge.text(source.name), outcome, root)
    new_state = ImportState(seed, source.name, kind, target.feature, tuple(entries))
    _write(state_file, imports.dumps(new_state), outcome, root)
    _record_seed(source, kind, seed, [e.id for e in entries if not e.removed], seeds_dir, outcome, root, today)
    return outcome


def _load_state(state_file: Path) -> ImportState | None:
    """The state the last import of the document wrote, if any."""
    if not state_file.exists():
        return None
    return imports.parse_state(state_file.read_text(encoding="utf-8"), str(state_file))


def _removed(state: ImportState, requirements: Sequence[SourceRequirement], outcome: Outcome) -> list[Imported]:
    """The state's entries the document no longer lists, marked removed (their slots are kept)."""
    listed = {req.external_id for req in requirements}
    gone = [replace(old, removed=True) for old in state.requirements if old.external_id not in listed]
    outcome.removed += [old.id for old in gone]
    return gone


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
    text = _read_text(path)
    entry = manifest.entry(
        seed,
        copy.relative_to(seeds_dir).as_posix(),
        digest,
        f"{kind} requirements (imported)",
        _seed_date(text, seed, digest, today),
        f"Requirements imported from {source.name}",
        ids,
    )
    _write(path, manifest.upsert(text, seed, entry), outcome, root)


def _seed_date(text: str, seed: str, digest: str, today: dt.date | None) -> str:
    """The manifest's date of the seed while its sha256 is ``digest``, else today's: the date this
    version of the document came in."""
    date = manifest.field(text, seed, "date")
    if date is None or manifest.field(text, seed, "sha256") != digest:
        date = (today or dt.date.today()).isoformat()
    return date
