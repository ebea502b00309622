"""``python -m checklist <command>``: the checklist without running a step.

Commands: ``status`` (dry-run totals), ``snippets`` (step definitions to paste for undefined
steps), ``steps`` (catalogue of step phrases), ``usage`` (which definition each step uses; unused
and ambiguous ones), ``lint`` (the checklist's lint rules). Each takes ``--format json``.
Exit status: 0 fine, 1 a failing problem was found, 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import json
import re
import sys
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checklist.dryrun import (
    INI_FEATURES,
    LoadError,
    Project,
    StaticRequirement,
    StaticTotals,
    classify_all,
    is_installed,
    load,
    static_by_area,
    static_totals,
    stepdef_where,
)
from checklist.inventory import GherkinError, Step
from checklist.registry import StepDef, snippet

if TYPE_CHECKING:
    from checklist.lint import Finding

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_BAD_INPUT = 2
SCHEMA_VERSION = 1
PROG = "python -m checklist"

_BAD_INPUT = """\
  2  bad input: a features folder or file that does not exist, a file that is not Gherkin,
     a conftest.py or step module that fails to import, a bad option or ini value
     (one line on stderr naming the file; never a traceback)"""


def exit_codes(ok: str, problems: str | None) -> str:
    lines = ["exit status:", f"  0  {ok}"]
    if problems:
        lines.append(f"  1  {problems}")
    return "\n".join([*lines, _BAD_INPUT])


# ---------------------------------------------------------------------------------------------
# Shared rendering


def _error_data(error: GherkinError) -> dict[str, Any]:
    return {
        "path": error.path,
        "line": error.line,
        "column": error.column,
        "message": error.message,
        "text": str(error),
    }


def _emit_json(data: dict[str, Any]) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _finish(project: Project, code: int) -> int:
    """Feature files that do not parse are bad input: one line each on stderr, exit status 2."""
    errors = project.inventory.errors
    for error in errors:
        print(error, file=sys.stderr)
    return EXIT_BAD_INPUT if errors else code


def _keyword(kind: str | None) -> str:
    return (kind or "step").capitalize()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# ---------------------------------------------------------------------------------------------
# status


def totals_line(t: StaticTotals) -> str:
    reasons = ", ".join(f"{reason} {n}" for reason, n in t.pending_by_reason.items() if n)
    pending = f"{t.pending}" + (f" ({reasons})" if reasons else "")
    return (
        f"requirements: {t.requirements}  ready: {t.ready}  pending: {pending}  error: {t.error}  "
        f"cases: {t.cases} (ready {t.ready_cases})"
    )


def render_status(
    results: Sequence[StaticRequirement],
    errors: Sequence[GherkinError],
    findings: Sequence[Finding] = (),
    *,
    quiet: bool,
) -> list[str]:
    totals = static_totals(results)
    lines = [
        "living checklist (dry run: no step was run)",
        totals_line(totals),
        "ready: every step of every case has a definition; running tells verified, failing, skipped, or",
        "pending on a placeholder step. The other numbers are those a run would give.",
    ]
    if errors:
        lines.append(f"feature files that do not parse: {len({e.path for e in errors})} (listed on stderr)")
    failing = [f for f in findings if f.fails]
    if findings:
        warned = _plural(len(findings) - len(failing), "warning")
        lines.append(f"lint: {len(failing)} failing, {warned} (a run fails on these; see `{PROG} lint`)")
    areas = static_by_area(results)
    if areas:
        width = max(len("area"), *(len(a) for a in areas))
        lines += ["", f"{'area':<{width}}  {'reqs':>4}  {'ready':>5}  {'pending':>7}  {'error':>5}"]
        for area, t in areas.items():
            lines.append(f"{area:<{width}}  {t.requirements:>4}  {t.ready:>5}  {t.pending:>7}  {t.error:>5}")
    if quiet:
        return lines
    if failing:
        lines += ["", "lint:", *(f"  {f}" for f in failing)]
    problems = [r for r in results if r.status == "error"]
    if problems:
        lines += ["", "error:"]
        for r in problems:
            lines.append(f"  {r.reason:<11} {r.requirement.id} {r.requirement.name}")
            lines += [f"      {line}" for line in r.message.splitlines()]
    pending = [r for r in results if r.status == "pending"]
    if pending:
        lines += ["", "pending:"]
        for r in pending:
            detail = f" - {r.summary}" if r.summary else ""
            lines.append(f"  {r.reason:<11} {r.requirement.id} {r.requirement.name}{detail}")
    ready = [r for r in results if r.status == "ready"]
    if ready:
        lines += ["", "ready to run:"]
        lines += [f"  {r.requirement.id} {r.requirement.name}" for r in ready]
    return lines


def status_data(
    results: Sequence[StaticRequirement], errors: Sequence[GherkinError], findings: Sequence[Finding] = ()
) -> dict[str, Any]:
    def totals(t: StaticTotals) -> dict[str, Any]:
        data = asdict(t)
        data["pending_by_reason"] = dict(t.pending_by_reason)
        return data

    return {
        "schema": SCHEMA_VERSION,
        "command": "status",
        "dry_run": True,
        "totals": totals(static_totals(results)),
        "areas": {area: totals(t) for area, t in static_by_area(results).items()},
        "requirements": [
            {
                "id": r.requirement.id,
                "name": r.requirement.name,
                "feature": r.requirement.feature,
                "line": r.requirement.line,
                "area": r.requirement.area,
                "tags": list(r.requirement.tags),
                "status": r.status,
                "reason": r.reason,
                "message": r.message,
                "cases": [
                    {"nodeid": c.nodeid, "status": c.status, "reason": c.reason, "message": c.message, "steps": c.steps}
                    for c in r.cases
                ],
            }
            for r in results
        ],
        "findings": [finding_data(f) for f in findings],
        "errors": [_error_data(e) for e in errors],
    }


def cmd_status(args: argparse.Namespace) -> int:
    project = load(args.paths, overrides=args.override_ini)
    results = classify_all(project)
    findings = lint_findings(project)
    errors = project.inventory.errors
    if args.format == "json":
        _emit_json(status_data(results, errors, findings))
    else:
        print("\n".join(render_status(results, errors, findings, quiet=args.quiet)))
    # What makes a run fail whatever its steps do: an error requirement, a failing lint rule.
    fails = any(r.status == "error" for r in results) or any(f.fails for f in findings)
    return _finish(project, EXIT_PROBLEMS if fails else EXIT_OK)


# ---------------------------------------------------------------------------------------------
# Steps as used by the feature files


@dataclass(frozen=True)
class StepUse:
    """One step of a feature file (source line), as written in one of its cases."""

    feature: str
    area: str
    step: Step

    @property
    def location(self) -> str:
        return f"{self.feature}:{self.step.line}:{self.step.column}"

    @property
    def text(self) -> str:
        return f"{self.step.keyword.strip()} {self.step.text}"

    def data(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "line": self.step.line,
            "column": self.step.column,
            "keyword": self.step.keyword.strip(),
            "type": self.step.type,
            "text": self.step.text,
        }


@dataclass
class Usage:
    stepdef: StepDef
    uses: list[StepUse] = field(default_factory=list)
    # Steps it matches together with another definition: not a use, but not unused either.
    ambiguous: list[StepUse] = field(default_factory=list)


@dataclass(frozen=True)
class Ambiguity:
    use: StepUse
    matches: tuple[StepDef, ...]


@dataclass
class StepReport:
    usages: list[Usage]
    undefined: list[StepUse]
    ambiguous: list[Ambiguity]


def step_report(project: Project) -> StepReport:
    """Resolve every step of every case, once per (file, line, text): what matches it, if anything."""
    usages = {id(stepdef.context): Usage(stepdef) for stepdef in project.stepdefs}
    undefined: list[StepUse] = []
    ambiguous: list[Ambiguity] = []
    seen: set[tuple[str, int, str | None, str]] = set()
    counted: set[tuple[int, str, int]] = set()
    for doc in project.inventory.features:
        registry = project.registry(doc)
        for req in doc.requirements:
            for case in req.cases:
                for step in case.steps:
                    key = (doc.path, step.line, step.type, step.text)
                    if key in seen:
                        continue
                    seen.add(key)
                    use = StepUse(doc.path, req.area, step)
                    resolution = registry.resolve(step)
                    if resolution.undefined:
                        undefined.append(use)
                    elif resolution.ambiguous:
                        ambiguous.append(Ambiguity(use, resolution.matches))
                        for stepdef in resolution.matches:
                            usages.setdefault(id(stepdef.context), Usage(stepdef)).ambiguous.append(use)
                    else:
                        stepdef = resolution.matches[0]
                        usage = usages.setdefault(id(stepdef.context), Usage(stepdef))
                        # An outline's step is one step however many rows it has.
                        if (id(stepdef.context), doc.path, step.line) not in counted:
                            counted.add((id(stepdef.context), doc.path, step.line))
                            usage.uses.append(use)
    return StepReport(list(usages.values()), undefined, ambiguous)


# ---------------------------------------------------------------------------------------------
# snippets


@dataclass(frozen=True)
class Snippet:
    key: tuple[str | None, str]
    code: str
    uses: tuple[StepUse, ...]


@dataclass(frozen=True)
class SnippetFile:
    path: str
    module: str
    exists: bool
    snippets: tuple[Snippet, ...]

    @property
    def imports(self) -> list[str]:
        used = {s.key[0] or "step" for s in self.snippets}
        names = sorted(used | ({"parsers"} if any("parsers." in s.code for s in self.snippets) else set()))
        # isort order: pytest_bdd is third-party, checklist first-party.
        return [f"from pytest_bdd import {', '.join(names)}", "", "import checklist"]


_SHARED_MODULE = "common"


def snippet_code(step: Step) -> str:
    """The ready-to-paste definition for an undefined step (``registry.snippet``)."""
    return snippet(step)


def module_for(area: str) -> str:
    name = re.sub(r"\W", "_", area).strip("_").lower()
    if not name:
        return _SHARED_MODULE
    return f"area_{name}" if name[0].isdigit() else name


def group_snippets(undefined: Iterable[StepUse], rootdir: Path, steps_dir: str = "steps") -> list[SnippetFile]:
    """One snippet per (step type, pattern), in the file of the area that uses it (``common`` if several)."""
    by_key: dict[tuple[str | None, str], tuple[str, list[StepUse]]] = {}
    for use in undefined:
        code = snippet_code(use.step)
        key = (use.step.type, code.split("\n", 1)[0])
        uses = by_key.setdefault(key, (code, []))[1]
        # The rows of an outline give one step several texts; where it is written is one place.
        if not any(u.feature == use.feature and u.step.line == use.step.line for u in uses):
            uses.append(use)
    files: dict[str, list[Snippet]] = {}
    for key, (code, uses) in by_key.items():
        areas = {use.area for use in uses}
        module = module_for(areas.pop()) if len(areas) == 1 else _SHARED_MODULE
        files.setdefault(module, []).append(Snippet(key, code, tuple(uses)))
    out = []
    for module, snippets in sorted(files.items()):
        path = f"{steps_dir}/{module}.py"
        out.append(
            SnippetFile(path, f"{steps_dir}.{module}".replace("/", "."), (rootdir / path).exists(), tuple(snippets))
        )
    return out


def undefined_count(files: Sequence[SnippetFile]) -> int:
    """Undefined steps, counted where they are written (an outline's step once)."""
    return sum(len(s.uses) for f in files for s in f.snippets)


def render_snippets(files: Sequence[SnippetFile]) -> list[str]:
    if not files:
        return ["no undefined steps: every step has a definition"]
    count = sum(len(f.snippets) for f in files)
    undefined = undefined_count(files)
    lines = [
        f"# {_plural(undefined, 'undefined step')}: {_plural(count, 'step definition')} to write, "
        f"in {_plural(len(files), 'file')}."
    ]
    for f in files:
        lines += ["", "", f"# ---- {f.path}"]
        if f.exists:
            needed = "; ".join(line for line in f.imports if line)
            lines.append(f"# (append to the existing file; add the imports it lacks: {needed})")
        else:
            lines += [
                f'# (a new file: add "{f.module}" to pytest_plugins in the rootdir conftest.py)',
                "from __future__ import annotations",
                "",
                *f.imports,
            ]
        for s in f.snippets:
            first = s.uses[0]
            more = f" (+{len(s.uses) - 1} more)" if len(s.uses) > 1 else ""
            lines += ["", "", f"# {first.location}: {first.text}{more}", s.code.rstrip("\n")]
    return lines


def cmd_snippets(args: argparse.Namespace) -> int:
    project = load(args.paths, overrides=args.override_ini)
    report = step_report(project)
    files = group_snippets(report.undefined, project.settings.rootdir, args.steps_dir.strip("/") or "steps")
    if args.format == "json":
        _emit_json(
            {
                "schema": SCHEMA_VERSION,
                "command": "snippets",
                "undefined_steps": undefined_count(files),
                "files": [
                    {
                        "path": f.path,
                        "module": f.module,
                        "exists": f.exists,
                        "imports": f.imports,
                        "snippets": [
                            {
                                "type": s.key[0],
                                "decorator": s.key[1],
                                "code": s.code,
                                "steps": [u.data() for u in s.uses],
                            }
                            for s in f.snippets
                        ],
                    }
                    for f in files
                ],
                "errors": [_error_data(e) for e in project.inventory.errors],
            }
        )
    else:
        print("\n".join(render_snippets(files)))
    return _finish(project, EXIT_OK)


# ---------------------------------------------------------------------------------------------
# steps (catalogue) and usage


def _parser_kind(stepdef: StepDef) -> str:
    return type(stepdef.context.parser).__name__


_PARSE_FIELD = re.compile(r"\{\{|\}\}|\{([^{}:]*)(?::[^{}]*)?\}")


def phrase(stepdef: StepDef) -> str:
    """The step as people write it, parameters as ``<name>`` (DESIGN's notation); regexes stay regexes
    except for their named groups."""
    pattern = stepdef.pattern
    kind = _parser_kind(stepdef)
    if kind in ("parse", "cfparse"):
        return _PARSE_FIELD.sub(lambda m: m.group(0)[0] if m.group(1) is None else f"<{m.group(1) or '_'}>", pattern)
    if kind == "re":
        return _named_groups(pattern.removeprefix("^").removesuffix("$"))
    return pattern


def _named_groups(pattern: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("(?P<", i):
            end = pattern.find(">", i)
            name = pattern[i + 4 : end]
            depth, j = 1, end + 1
            while j < len(pattern) and depth:
                if pattern[j] == "\\":
                    j += 2
                    continue
                depth += {"(": 1, ")": -1}.get(pattern[j], 0)
                j += 1
            out.append(f"<{name}>")
            i = j
        elif pattern[i] == "\\" and i + 1 < len(pattern) and not pattern[i + 1].isalnum():
            out.append(pattern[i + 1])
            i += 2
        else:
            out.append(pattern[i])
            i += 1
    return "".join(out)


def stepdef_data(stepdef: StepDef, rootdir: Path) -> dict[str, Any]:
    path, line = stepdef_where(stepdef, rootdir)
    return {
        "type": stepdef.type,
        "phrase": phrase(stepdef),
        "pattern": stepdef.pattern,
        "parser": _parser_kind(stepdef),
        "function": getattr(stepdef.func, "__qualname__", repr(stepdef.func)),
        "path": path,
        "line": line,
        "location": f"{path}:{line}",
        "scope": stepdef.scope,
        "installed": is_installed(stepdef),
        "doc": inspect.getdoc(stepdef.func) or "",
    }


def _sorted_stepdefs(stepdefs: Iterable[StepDef], rootdir: Path) -> list[StepDef]:
    return sorted(stepdefs, key=lambda s: (is_installed(s), *stepdef_where(s, rootdir), s.type or ""))


def _visibility(stepdef: StepDef) -> str:
    return f" (only under {stepdef.scope})" if stepdef.scope else ""


def render_steps(stepdefs: Sequence[StepDef], rootdir: Path) -> list[str]:
    files: dict[str, list[StepDef]] = {}
    for stepdef in stepdefs:
        files.setdefault(stepdef_where(stepdef, rootdir)[0], []).append(stepdef)
    lines = [f"{_plural(len(stepdefs), 'step definition')} in {_plural(len(files), 'file')}"]
    for path, defs in files.items():
        installed = " (installed package)" if is_installed(defs[0]) else ""
        lines += ["", f"{path}{installed}"]
        for stepdef in defs:
            line = stepdef_where(stepdef, rootdir)[1]
            lines.append(f"  {line:>5}  {_keyword(stepdef.type):<5} {phrase(stepdef)}{_visibility(stepdef)}")
            doc = (inspect.getdoc(stepdef.func) or "").split("\n\n", 1)[0]
            lines += [f"         {text}" for text in doc.splitlines()]
    return lines


def cmd_steps(args: argparse.Namespace) -> int:
    project = load(args.paths, overrides=args.override_ini)
    rootdir = project.settings.rootdir
    stepdefs = _sorted_stepdefs(project.stepdefs, rootdir)
    if args.format == "json":
        _emit_json(
            {"schema": SCHEMA_VERSION, "command": "steps", "steps": [stepdef_data(s, rootdir) for s in stepdefs]}
        )
    else:
        print("\n".join(render_steps(stepdefs, rootdir)))
    return _finish(project, EXIT_OK)


def ambiguity_line(item: Ambiguity, rootdir: Path) -> str:
    where = " and ".join(f"{_where(s, rootdir)} {s.describe().split(' at ')[0]}" for s in item.matches)
    return f"{item.use.location}: error: ambiguous step {item.use.text!r} matches {where}"


def _where(stepdef: StepDef, rootdir: Path) -> str:
    path, line = stepdef_where(stepdef, rootdir)
    return f"{path}:{line}"


def _sorted_usages(usages: Iterable[Usage], rootdir: Path) -> list[Usage]:
    return sorted(usages, key=lambda u: (is_installed(u.stepdef), *stepdef_where(u.stepdef, rootdir)))


def _definition_line(stepdef: StepDef, rootdir: Path) -> str:
    return f"{_keyword(stepdef.type):<5} {phrase(stepdef)}  {_where(stepdef, rootdir)}"


def render_usage(report: StepReport, rootdir: Path, *, verbose: bool) -> list[str]:
    usages = _sorted_usages(report.usages, rootdir)
    used = [u for u in usages if u.uses or u.ambiguous]
    unused = [u for u in usages if not u.uses and not u.ambiguous and not is_installed(u.stepdef)]
    lines = [
        f"step definitions: {len(used)} used, {len(unused)} unused; steps: {sum(len(u.uses) for u in used)} defined, "
        f"{len({(u.feature, u.step.line) for u in report.undefined})} undefined, {len(report.ambiguous)} ambiguous"
    ]
    if used:
        lines += ["", "used:"]
        for u in used:
            also = f"  (and {len(u.ambiguous)} ambiguous)" if u.ambiguous else ""
            lines.append(f"  {len(u.uses):>4}  {_definition_line(u.stepdef, rootdir)}{also}")
            if verbose:
                lines += [f"          {use.location}: {use.text}" for use in u.uses]
    if unused:
        lines += ["", "unused:"]
        lines += [f"  {_definition_line(u.stepdef, rootdir)}" for u in unused]
    if report.undefined:
        places = len({(u.feature, u.step.line) for u in report.undefined})
        lines += ["", f"undefined: {_plural(places, 'step')} (paste definitions from `{PROG} snippets`)"]
        if verbose:
            lines += [f"  {use.location}: {use.text}" for use in report.undefined]
    if report.ambiguous:
        lines += ["", "ambiguous (errors):"]
        lines += [f"  {ambiguity_line(item, rootdir)}" for item in report.ambiguous]
    return lines


def cmd_usage(args: argparse.Namespace) -> int:
    project = load(args.paths, overrides=args.override_ini)
    rootdir = project.settings.rootdir
    report = step_report(project)
    if args.format == "json":
        _emit_json(
            {
                "schema": SCHEMA_VERSION,
                "command": "usage",
                "definitions": [
                    {
                        **stepdef_data(u.stepdef, rootdir),
                        "count": len(u.uses),
                        "steps": [use.data() for use in u.uses],
                        "ambiguous": [use.data() for use in u.ambiguous],
                    }
                    for u in _sorted_usages(report.usages, rootdir)
                ],
                "undefined": [use.data() for use in report.undefined],
                "ambiguous": [
                    {
                        **item.use.data(),
                        "text": item.use.step.text,
                        "message": ambiguity_line(item, rootdir),
                        "matches": [stepdef_data(s, rootdir) for s in item.matches],
                    }
                    for item in report.ambiguous
                ],
                "errors": [_error_data(e) for e in project.inventory.errors],
            }
        )
    else:
        print("\n".join(render_usage(report, rootdir, verbose=args.verbose)))
    return _finish(project, EXIT_PROBLEMS if report.ambiguous else EXIT_OK)


# ---------------------------------------------------------------------------------------------
# lint


def finding_data(finding: Finding) -> dict[str, Any]:
    return {
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "message": finding.message,
        "fails": finding.fails,
        "rule": finding.rule,
        "text": str(finding),
    }


def lint_findings(project: Project) -> list[Finding]:
    """The rules a real run applies: lint of the feature files and the seeds manifest."""
    from checklist import seeds  # only lint needs these: keep the other commands' start-up short
    from checklist.lint import lint

    settings = project.settings
    seed_states, seed_findings = seeds.load(settings.rootdir / settings.seeds_dir, settings.rootdir)
    findings = lint(
        project.inventory,
        require_ids=settings.require_ids,
        id_pattern=settings.id_pattern,
        seed_ids={state.seed.id for state in seed_states},
    )
    return sorted([*seed_findings, *findings], key=lambda f: (f.path, f.line, f.column, f.message))


def cmd_lint(args: argparse.Namespace) -> int:
    project = load(args.paths, overrides=args.override_ini, steps=False)
    findings = lint_findings(project)
    failing = sum(1 for f in findings if f.fails)
    if args.format == "json":
        _emit_json(
            {
                "schema": SCHEMA_VERSION,
                "command": "lint",
                "failing": failing,
                "warnings": len(findings) - failing,
                "findings": [finding_data(f) for f in findings],
                "errors": [_error_data(e) for e in project.inventory.errors],
            }
        )
    else:
        lines = [str(f) for f in findings]
        files = len(project.inventory.features)
        if findings:
            warned = _plural(len(findings) - failing, "warning")
            lines.append(f"lint: {failing} failing, {warned} in {_plural(files, 'feature file')}")
        else:
            lines.append(f"lint: no problems in {_plural(files, 'feature file')}")
        print("\n".join(lines))
    return _finish(project, EXIT_PROBLEMS if failing else EXIT_OK)


# ---------------------------------------------------------------------------------------------
# Command line


@dataclass(frozen=True)
class Command:
    name: str
    run: Callable[[argparse.Namespace], int]
    help: str
    description: str
    ok: str
    problems: str | None


COMMANDS = (
    Command(
        "status",
        cmd_status,
        "the checklist's totals and per-area table without running any step (dry run)",
        "Count requirements and cases, and say which are pending and why (undefined step, TBD, tagged "
        "@pending, empty) and which are ready to run, without running any step. The numbers are those of a "
        "real run for everything that does not depend on outcomes; whether a ready requirement is verified, "
        "failing, skipped or pending on a placeholder step is only known by running it.",
        "done; pending requirements alone keep the status 0",
        "a run would fail whatever its steps do: a requirement is an error (a step matches two\n"
        "     definitions) or a lint rule fails (see the lint command)",
    ),
    Command(
        "snippets",
        cmd_snippets,
        "pytest-bdd step definitions to paste for every undefined step",
        "For every undefined step, a ready-to-paste pytest-bdd step definition whose body raises "
        "checklist.Pending, one per step type and pattern (numbers and quoted strings become parameters, "
        "a bare TBD too), grouped by the file under steps/ it belongs in.",
        "done (undefined steps are not an error)",
        None,
    ),
    Command(
        "steps",
        cmd_steps,
        "the catalogue of step phrases available, with docstrings and locations",
        "Every step definition visible to the feature files (the project's step libraries, conftest.py "
        "files, installed plugins), with its pattern, docstring and where it is defined.",
        "done",
        None,
    ),
    Command(
        "usage",
        cmd_usage,
        "how many steps use each step definition; unused and ambiguous ones",
        "For each step definition, how many steps of the feature files use it; definitions no step uses; "
        "steps that match two definitions (ambiguous: an error, with both locations).",
        "done; no step is ambiguous",
        "a step matches two definitions (ambiguous)",
    ),
    Command(
        "lint",
        cmd_lint,
        "the checklist's lint rules, as path:line:col: message",
        "Check requirement ids, seed citations and Gherkin smells the way a run does, one finding per line "
        "as path:line:col: message (warnings say 'warning:'). No step module is imported.",
        "no failing finding (warnings allowed)",
        "a finding fails (e.g. a missing or duplicate id, an unknown seed)",
    ),
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=textwrap.fill(
            "The living checklist without running the checks: Cucumber-style tools for requirements written "
            "before code. Settings come from [tool.pytest.ini_options], as for pytest.",
            width=88,
        ),
        epilog=exit_codes(
            "done", "a failing problem was found (status: an error; lint: a failing finding; usage: ambiguity)"
        )
        + f"\n\nrun '{PROG} <command> --help' for the options of a command.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help=f"feature files or folders (default: the {INI_FEATURES} folder, 'features')",
    )
    common.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    common.add_argument(
        "-o",
        "--override-ini",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override an ini setting, as pytest's -o (e.g. -o checklist_features=reqs)",
    )
    commands = parser.add_subparsers(dest="command", metavar="<command>", title="commands")
    for command in COMMANDS:
        sub = commands.add_parser(
            command.name,
            parents=[common],
            help=command.help,
            description=textwrap.fill(command.description, width=88),
            epilog=exit_codes(command.ok, command.problems),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(run=command.run)
        if command.name == "status":
            sub.add_argument("-q", "--quiet", action="store_true", help="only the totals and the per-area table")
        if command.name == "snippets":
            sub.add_argument(
                "--steps-dir",
                default="steps",
                metavar="DIR",
                help="folder (a package, from the rootdir) the step modules go in (default: steps)",
            )
        if command.name == "usage":
            sub.add_argument("-v", "--verbose", action="store_true", help="list the steps that use each definition")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    # Parsing thousands of scenarios allocates millions of small objects that all live until the
    # end: the cycle collector would walk them again and again for nothing (a tenth of the run).
    enabled = gc.isenabled()
    gc.disable()
    try:
        code: int = args.run(args)
    except LoadError as exc:
        print(exc, file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        if enabled:
            gc.enable()
    return code
