"""Inventory: what requirements exist, straight from gherkin-official's AST and pickles.

Pure functions and frozen dataclasses; no pytest here. A requirement is a Scenario or Scenario
Outline (in a Feature or a Rule); a case is one pickle of it, counted exactly as the official
compiler counts them.
"""

from __future__ import annotations

import bisect
import os
import re
import textwrap
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gherkin.errors import CompositeParserException, ParserError
from gherkin.parser import Parser
from gherkin.pickles.compiler import Compiler

from living_checklist.core.escape import terminal_safe
from living_checklist.core.files import read_regular
from living_checklist.core.gherkin_files import feature_stem, is_feature_file, token_matcher
from living_checklist.core.keys import DEFAULT_ID_PATTERN as DEFAULT_ID_PATTERN
from living_checklist.core.model import PENDING_TAG as PENDING_TAG
from living_checklist.core.model import SEED_TAG_PREFIX as SEED_TAG_PREFIX
from living_checklist.core.model import STEP_TYPES as STEP_TYPES
from living_checklist.core.model import TBD as TBD
from living_checklist.core.model import Case as Case
from living_checklist.core.model import ExamplesInfo as ExamplesInfo
from living_checklist.core.model import FeatureDoc as FeatureDoc
from living_checklist.core.model import GherkinError as GherkinError
from living_checklist.core.model import Inventory as Inventory
from living_checklist.core.model import Located as Located
from living_checklist.core.model import Requirement as Requirement
from living_checklist.core.model import Step as Step
from living_checklist.core.model import problem_data as problem_data


@dataclass
class _Names:
    """Keeps item names unique inside one feature file (duplicate ids are a lint error, not a crash)."""

    seen: set[str] = field(default_factory=set)

    def unique(self, name: str, line: int) -> str:
        if name in self.seen:
            name = f"{name}@{line}"
        self.seen.add(name)
        return name


def area_of(relpath: str, features_dir: str) -> str:
    """The first folder under ``features_dir``, or the file's stem for a top-level file."""
    rel = relpath
    prefix = features_dir.rstrip("/") + "/" if features_dir not in ("", ".") else ""
    if prefix and rel.startswith(prefix):
        rel = rel[len(prefix) :]
    parts = rel.split("/")
    if len(parts) > 1:
        return parts[0]
    return feature_stem(parts[0])


def decode(data: bytes, path: str) -> tuple[str | None, GherkinError | None]:
    """UTF-8 text (BOM stripped), or an error naming the line and column of the first bad byte."""
    bom = b"\xef\xbb\xbf"
    body = data[len(bom) :] if data.startswith(bom) else data
    try:
        return body.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        before = body[: exc.start]
        line = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        # Columns count characters, as gherkin's own locations do.
        column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
        message = f"not UTF-8: byte 0x{body[exc.start]:02x} cannot be decoded ({exc.reason}); save the file as UTF-8"
        return None, GherkinError(path, line, column, message)


def _parser_errors(exc: ParserError, path: str) -> list[GherkinError]:
    inner: Sequence[Any] = exc.errors if isinstance(exc, CompositeParserException) else [exc]
    errors = []
    for err in inner:
        location = getattr(err, "location", None) or {}
        message = str(err)
        # gherkin prefixes "(line:col): "; we print the location ourselves.
        message = re.sub(r"^\(\d+:\d+\): ", "", message)
        errors.append(GherkinError(path, int(location.get("line") or 1), int(location.get("column") or 1), message))
    return errors


def parse_feature(
    data: bytes | str,
    path: str,
    *,
    area: str | None = None,
    id_pattern: str = DEFAULT_ID_PATTERN,
) -> FeatureDoc:
    """Parse one feature file into requirements and cases; problems become ``errors``, never exceptions."""
    if isinstance(data, bytes):
        text, error = decode(data, path)
        if text is None:
            assert error is not None
            return FeatureDoc(path=path, name="", language="", errors=(error,))
    else:
        text = data.removeprefix("\ufeff")
    if "\r" in text:
        # gherkin splits lines on LF only: a file saved with CR line endings (classic Mac) would be
        # one line and hold no scenario. Editors show CR, CRLF and LF alike; so do we.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _parse(text, path, area, id_pattern)


def _parse(text: str, path: str, area: str | None, id_pattern: str) -> FeatureDoc:
    try:
        parsed = Parser().parse(text, token_matcher(path))
    except ParserError as exc:
        return FeatureDoc(path=path, name="", language="", errors=tuple(_parser_errors(exc, path)))
    document: dict[str, Any] = {**parsed, "uri": path}
    feature = document.get("feature")
    if feature is None:
        return FeatureDoc(path=path, name="", language="")
    try:
        pickles = Compiler().compile(document)  # type: ignore[arg-type]
    except ParserError as exc:  # pragma: no cover - the compiler re-validates rarely
        return FeatureDoc(path=path, name="", language="", errors=tuple(_parser_errors(exc, path)))
    return _build(feature, pickles, text, path, area if area is not None else area_of(path, ""), re.compile(id_pattern))


def _tag_names(node: Mapping[str, Any]) -> tuple[str, ...]:
    # A lone "@" is a tag with no name: nothing to select or report it by.
    return tuple(name for tag in node.get("tags", ()) if (name := tag["name"].removeprefix("@")))


def _scenarios(feature: Mapping[str, Any]) -> Iterator[tuple[Mapping[str, Any], Mapping[str, Any] | None]]:
    for child in feature.get("children", ()):
        if "scenario" in child:
            yield child["scenario"], None
        elif "rule" in child:
            rule = child["rule"]
            for grandchild in rule.get("children", ()):
                if "scenario" in grandchild:
                    yield grandchild["scenario"], rule


def _start_line(node: Mapping[str, Any]) -> int:
    lines = [int(node["location"]["line"])] + [int(tag["location"]["line"]) for tag in node.get("tags", ())]
    return min(lines)


def _ast_steps(node: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield from node.get("steps", ())


def _step_index(feature: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """AST node id → AST step or examples row, so pickle steps get their source lines back."""
    index: dict[str, Mapping[str, Any]] = {}

    def visit(children: Iterable[Mapping[str, Any]]) -> None:
        for child in children:
            for key in ("background", "scenario"):
                if key in child:
                    for step in _ast_steps(child[key]):
                        index[step["id"]] = step
                    for examples in child[key].get("examples", ()):
                        for row in examples.get("tableBody", ()):
                            index[row["id"]] = row
            if "rule" in child:
                visit(child["rule"].get("children", ()))

    visit(feature.get("children", ()))
    return index


_OUTLINE_PARAMETER = re.compile(r"<(.+?)>")


def render(text: str, context: Mapping[str, str]) -> str:
    """Fill in ``<name>`` outline parameters the way pytest-bdd does (one pass, unknown names kept).

    Unlike a pickle, pytest-bdd fills them in Background steps too; we follow pytest-bdd.
    """
    if not context or "<" not in text:
        return text
    return _OUTLINE_PARAMETER.sub(lambda m: context.get(m.group(1), m.group(0)), text)


def _pickle_step(step: Mapping[str, Any], index: Mapping[str, Mapping[str, Any]], context: Mapping[str, str]) -> Step:
    """A pickle step with pytest-bdd's text: from the AST, parameters filled in, doc string dedented."""
    ast_step = index.get(step["astNodeIds"][0])
    if ast_step is None:  # pragma: no cover - every pickle step comes from an AST step
        ast_step = {"text": step["text"], "keyword": "* ", "location": {"line": 0, "column": 0}}
    location = ast_step["location"]
    docstring = None
    if "docString" in ast_step:
        docstring = render(textwrap.dedent(ast_step["docString"]["content"]), context)
    datatable = None
    if "dataTable" in ast_step:
        rows = ast_step["dataTable"]["rows"]
        datatable = tuple(tuple(render(cell["value"], context) for cell in row["cells"]) for row in rows)
    return Step(
        keyword=ast_step.get("keyword", "* "),
        type=STEP_TYPES.get(step.get("type", "Unknown")),
        text=render(ast_step["text"], context),
        line=int(location["line"]),
        column=int(location["column"]),
        docstring=docstring,
        datatable=datatable,
    )


def _pickle_steps(
    steps: Sequence[Mapping[str, Any]], index: Mapping[str, Mapping[str, Any]], context: Mapping[str, str]
) -> tuple[Step, ...]:
    """Pickle steps with pytest-bdd's typing: a ``*`` takes the type of the step before it.

    (gherkin already gives And/But their predecessor's type.) A leading ``*`` or ``And`` has no
    type and matches a definition of any type, as Cucumber does.
    """
    out = []
    current: str | None = None
    for raw in steps:
        step = _pickle_step(raw, index, context)
        if step.type is None and current is not None:
            step = Step(step.keyword, current, step.text, step.line, step.column, step.docstring, step.datatable)
        current = step.type
        out.append(step)
    return tuple(out)


def _param_id(values: Sequence[str]) -> str:
    # Node ids are printed: control characters (terminal escapes) are shown as escapes, like pytest's ids.
    return terminal_safe("-".join(values).replace("::", ":").replace("\n", " "))


@dataclass(frozen=True)
class _FileContext:
    """What every requirement of one file is built from."""

    feature: Mapping[str, Any]
    path: str
    area: str
    id_re: re.Pattern[str]
    lines: list[str]
    starts: list[int]  # the first line of every scenario and rule, sorted
    index: Mapping[str, Mapping[str, Any]]
    by_scenario: Mapping[str, list[Mapping[str, Any]]]
    feature_tags: tuple[str, ...]


def _build(
    feature: Mapping[str, Any],
    pickles: Sequence[Mapping[str, Any]],
    text: str,
    path: str,
    area: str,
    id_re: re.Pattern[str],
) -> FeatureDoc:
    by_scenario: dict[str, list[Mapping[str, Any]]] = {}
    for pickle in pickles:
        by_scenario.setdefault(pickle["astNodeIds"][0], []).append(pickle)
    scenarios = list(_scenarios(feature))
    # A scenario's text runs from its first tag line to the line before the next scenario, rule or EOF.
    starts = sorted(
        {_start_line(s) for s, _ in scenarios}
        | {_start_line(child["rule"]) for child in feature.get("children", ()) if "rule" in child}
    )
    context = _FileContext(
        feature, path, area, id_re, text.splitlines(), starts, _step_index(feature), by_scenario, _tag_names(feature)
    )
    names = _Names()
    return FeatureDoc(
        path=path,
        name=feature.get("name", ""),
        language=feature.get("language", "en"),
        requirements=tuple(_requirement(context, scenario, rule, names) for scenario, rule in scenarios),
    )


def _scenario_text(context: _FileContext, scenario: Mapping[str, Any]) -> str:
    start = _start_line(scenario)
    after = bisect.bisect_right(context.starts, start)
    end = context.starts[after] - 1 if after < len(context.starts) else len(context.lines)
    return "\n".join(context.lines[start - 1 : end]).rstrip()


Row = tuple[tuple[str, str], ...]  # an Examples row: (column name, value) pairs


def _examples(scenario: Mapping[str, Any]) -> tuple[list[ExamplesInfo], dict[str, Row]]:
    """Each Examples block of an outline, and each of its rows' values by the row's AST id."""
    infos = []
    rows: dict[str, Row] = {}
    for examples in scenario.get("examples", ()):
        header = tuple(cell["value"] for cell in (examples.get("tableHeader") or {}).get("cells", ()))
        body_rows = examples.get("tableBody", ())
        line, column = int(examples["location"]["line"]), int(examples["location"]["column"])
        infos.append(ExamplesInfo(line, column, examples.get("name", ""), header, len(body_rows)))
        for row in body_rows:
            rows[row["id"]] = tuple(zip(header, (c["value"] for c in row["cells"]), strict=False))
    return infos, rows


def _cases(context: _FileContext, scenario: Mapping[str, Any], rows: Mapping[str, Row], item_base: str) -> list[Case]:
    """One case per pickle; an outline's rows are told apart by their values (and line, if equal)."""
    case_pickles = context.by_scenario.get(scenario["id"], [])
    param_ids = [_param_id([v for _, v in rows.get(p["astNodeIds"][-1], ())]) for p in case_pickles]
    param_counts = Counter(param_ids)
    cases = []
    for pickle, param in zip(case_pickles, param_ids, strict=True):
        is_row = len(pickle["astNodeIds"]) > 1
        example = rows.get(pickle["astNodeIds"][-1], ()) if is_row else ()
        line = int(pickle["location"]["line"])
        if is_row and param_counts[param] > 1:
            param = f"{param}#{line}"
        cases.append(
            Case(
                name=pickle["name"],
                item_name=f"{item_base}[{param}]" if is_row else item_base,
                line=line,
                tags=_tag_names(pickle),
                steps=_pickle_steps(pickle["steps"], context.index, dict(example)),
                example=example,
            )
        )
    return cases


def _requirement(
    context: _FileContext, scenario: Mapping[str, Any], rule: Mapping[str, Any] | None, names: _Names
) -> Requirement:
    own_tags = _tag_names(scenario)
    rule_tags = _tag_names(rule) if rule else ()
    tags = tuple(dict.fromkeys(context.feature_tags + rule_tags + own_tags))
    id_tags = tuple(tag for tag in own_tags if context.id_re.search(tag))
    line = int(scenario["location"]["line"])
    req_id, item_start = (id_tags[0], id_tags[0]) if id_tags else (f"{context.path}:{line}", f"L{line}")
    item_base = names.unique(item_start, line)
    examples_info, rows = _examples(scenario)
    cases = _cases(context, scenario, rows, item_base)
    return Requirement(
        id=req_id,
        has_id=bool(id_tags),
        id_tags=id_tags,
        name=scenario.get("name", ""),
        description=_dedent(scenario.get("description", "")),
        keyword=scenario.get("keyword", "Scenario"),
        feature=context.path,
        feature_name=context.feature.get("name", ""),
        rule=rule.get("name", "") if rule else None,
        line=line,
        column=int(scenario["location"]["column"]),
        area=context.area,
        tags=tags,
        seeds=_seeds(tags),
        cases=tuple(cases),
        text=_scenario_text(context, scenario),
        item_name=item_base,
        own_tags=own_tags,
        parameters=_parameters(scenario),
        # Only a requirement without cases needs its steps from the AST (reports show them).
        outline_steps=() if cases else tuple(_outline_step(step) for step in scenario.get("steps", ())),
        examples=tuple(examples_info),
    )


def _seeds(tags: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(tag.removeprefix(SEED_TAG_PREFIX) for tag in tags if tag.startswith(SEED_TAG_PREFIX))


_PARAMETER = re.compile(r"<([^<>]+)>")


def _parameters(scenario: Mapping[str, Any]) -> frozenset[str]:
    texts = [scenario.get("name", "")]
    for step in scenario.get("steps", ()):
        texts.extend(_step_texts(step))
    return frozenset(match for text in texts for match in _PARAMETER.findall(text))


def _step_texts(step: Mapping[str, Any]) -> Iterator[str]:
    """An AST step's text, its doc string and its table's cells, in that order."""
    yield step.get("text", "")
    if "docString" in step:
        yield step["docString"].get("content", "")
    for row in (step.get("dataTable") or {}).get("rows", ()):
        yield from (cell.get("value", "") for cell in row.get("cells", ()))


def _outline_step(step: Mapping[str, Any]) -> Step:
    return Step(
        keyword=step.get("keyword", ""),
        type=None,
        text=step.get("text", ""),
        line=int(step["location"]["line"]),
        column=int(step["location"]["column"]),
    )


def _dedent(text: str) -> str:
    return "\n".join(line.strip() for line in text.strip("\n").splitlines()).strip()


def requirement_item_name(req: Requirement) -> str:
    """The pytest item name of a requirement that has no cases (it still gets one item, pending)."""
    return req.item_name or (req.id if req.has_id else f"L{req.line}")


# ---------------------------------------------------------------------------------------------
# Files on disk


_SKIP_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".nox"}


def is_loop(directory: Path) -> bool:
    """A symlinked folder that leads back to itself or one of its ancestors: following it never ends."""
    if not os.path.islink(directory):
        return False
    target = os.path.realpath(directory)
    parent = os.path.realpath(os.path.dirname(os.path.abspath(directory)))
    return parent == target or parent.startswith(target.rstrip(os.sep) + os.sep)


def skipped_dir(directory: Path) -> bool:
    """Folders no requirement lives in: VCS, virtualenvs, hidden ones, and symlink loops. The one rule
    for what exists under the features folder, shared by the dry run and pytest's collection (the
    plugin's ``pytest_ignore_collect``); pytest's ``norecursedirs`` (``build``, ``dist``, ``*.egg``)
    does not apply there: a folder of requirements named ``build`` holds requirements."""
    name = directory.name
    return name in _SKIP_DIRS or name.startswith(".") or is_loop(directory)


def discover(directory: Path) -> list[Path]:
    """Every ``*.feature`` and ``*.feature.md`` under ``directory``, sorted: symlinked files and
    folders are followed (as pytest does), loops are not, and a dangling feature file link is listed
    (reading it says why)."""
    if not directory.is_dir():
        return [directory] if is_feature_file(directory) else []
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(directory, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if not skipped_dir(Path(dirpath, d)))
        found.extend(Path(dirpath, name) for name in filenames if is_feature_file(name))
    return sorted(found)


def relpath(path: Path, rootdir: Path) -> str:
    """``path`` from ``rootdir`` with / separators, as pytest names it: by the path as walked (a
    symlinked file keeps its name under the features folder), else resolved, else absolute."""
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(rootdir)).as_posix()
    except ValueError:
        pass
    try:
        return path.resolve().relative_to(rootdir.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def unreadable(path: Path, rel: str, exc: OSError) -> FeatureDoc:
    """The document of a feature file that cannot be read, saying why (a dangling link says where to)."""
    if path.is_symlink() and not path.exists():
        message = f"a symbolic link to {os.readlink(path)}, which does not exist; restore the file or remove the link"
    else:
        message = f"cannot read: {exc}"
    return FeatureDoc(path=rel, name="", language="", errors=(GherkinError(rel, 1, 1, message),))


def load_feature(path: Path, rootdir: Path, features_dir: str, id_pattern: str = DEFAULT_ID_PATTERN) -> FeatureDoc:
    rel = relpath(path, rootdir)
    try:
        data = read_regular(path)
    except OSError as exc:
        return unreadable(path, rel, exc)
    return parse_feature(data, rel, area=area_of(rel, features_dir), id_pattern=id_pattern)
