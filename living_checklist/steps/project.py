"""Live checks on the project around the system: coverage, static checks, the time the checks
take, installing, the documented commands, the dependency audit.

Commands are split with ``shlex`` and never run by a shell; they run in the rootdir (installing:
in an empty temporary folder) and are bounded (``PROJECT_TIMEOUT`` unless the step states a time).
Each records what it measured next to what was required.

PYTEST_DONT_REWRITE: the steps raise their own measured-vs-required messages.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_bdd import parsers, step

from living_checklist import InvalidValue, Pending, check
from living_checklist.core import keys
from living_checklist.live import runner
from living_checklist.steps.common import positive_number, quoted, quoted_value

PROJECT_TIMEOUT = 30 * 60.0  # seconds a project command may take when the step states no time
ROOT_ENV = keys.ENV_ROOT  # tells an install command where the project is
# Outside quotes a shell gives these a meaning shlex does not: control and redirection (| & ; < >
# ( )), expansion ($ ` ~ { and the globs * ? [), a comment (# starting a word). Inside double
# quotes it still expands $ and `. Any of them makes a documented command one a shell reads
# differently from how it would be run here, so it is refused rather than run otherwise.
SHELL_OUTSIDE = frozenset("|&;<>()$`~{}*?[")
SHELL_IN_DOUBLE = frozenset("$`")
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
# A command as a shell reads it: single-quoted, double-quoted (with backslash escapes), an escaped
# character, plain text; a lone quote is left for shlex to refuse.
_SEGMENT = re.compile(r"'[^']*'|\"(?:[^\"\\]|\\.)*\"|\\.|[^'\"\\]+|.", re.DOTALL)
SHELL_FENCES = ("", "console", "shell", "shell-session", "sh", "bash", "zsh", "text")
PROMPT = re.compile(r"^\s*\$(?:\s+(?P<command>.*))?$")
COMMENT_OPEN, COMMENT_CLOSE = "<!--", "-->"


@dataclass(frozen=True)
class Finished:
    """One finished project command: how it ended and how long it took."""

    argv: tuple[str, ...]
    result: runner.RunResult

    @property
    def ok(self) -> bool:
        return self.result.exit_status == 0

    @property
    def minutes(self) -> float:
        return round(self.result.wall_time / 60, 4)


def command_argv(text: str, what: str) -> tuple[str, ...]:
    """A command line from a step, split like a shell would; ``TBD`` pending."""
    command = quoted_value(text, what)
    try:
        argv = tuple(shlex.split(command))
    except ValueError as exc:
        raise InvalidValue(f"{what} {command!r} cannot be split into arguments: {exc}") from None
    if not argv:
        raise InvalidValue(f"{what} is empty: write the command")
    if "TBD" in argv:
        raise Pending(f"{what} is TBD: write it in the feature file", reason="tbd")
    return argv


def run_command(argv: Sequence[str], cwd: Path, timeout: float, env: Mapping[str, str] | None = None) -> Finished:
    """Run a project command (no shell); one that cannot be started is an error naming it."""
    try:
        result = runner.run(argv, timeout=timeout, cwd=cwd, env=dict(env) if env is not None else None)
    except runner.CannotRun as exc:
        raise InvalidValue(f"the command cannot be started: {exc}") from None
    return Finished(tuple(argv), result)


# -- coverage ----------------------------------------------------------------------------------


@step(parsers.re(rf'the coverage report "{quoted("report")}" shows at least (?P<n>\S+) percent of the lines covered'))
def coverage_at_least(report: str, n: str, request: pytest.FixtureRequest) -> None:
    """Line coverage from a report that coverage.py wrote (``coverage json`` or ``coverage xml``,
    the Cobertura format other tools write too) is at least n percent. Produce the report in the
    same CI job, before the checklist; its age is stated with the figure."""
    required = positive_number(n, "line coverage")
    rel = quoted_value(report, "the coverage report")
    path = request.config.rootpath / rel
    if not path.is_file():
        raise AssertionError(
            f"no coverage report at {rel}: run the tests under coverage.py and write it with "
            "'coverage json' (or 'coverage xml') before the checklist"
        )
    percent = coverage_percent(path)
    age = time.time() - path.stat().st_mtime
    context = f"from {rel}, written {age / 60:.0f} minutes ago"
    check(request.node, "line coverage", round(percent, 2), "%", required, ">=", context)


def coverage_percent(path: Path) -> float:
    """Percent of lines covered in a coverage.py JSON report or a Cobertura XML report."""
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        if path.suffix == ".xml" or text.lstrip().startswith("<"):
            rate = ElementTree.fromstring(text).get("line-rate")
            if rate is None:
                raise ValueError("no line-rate attribute on the root element")
            return float(rate) * 100
        totals = json.loads(text)["totals"]
        return float(totals["percent_covered"])
    except (ValueError, KeyError, TypeError, ElementTree.ParseError) as exc:
        raise InvalidValue(f"{path.name} is not a coverage.py JSON report or a Cobertura XML report ({exc})") from None


# -- static checks, the time the checks take ---------------------------------------------------


def _excerpt(finished: Finished) -> str:
    return finished.result.describe(limit=1500)


@step(parsers.re(rf'the static checks "{quoted("command")}" pass'))
def static_checks_pass(command: str, request: pytest.FixtureRequest) -> None:
    """The command (a linter or type checker, as configured in the project) exits 0 in the rootdir."""
    argv = command_argv(command, "the static check command")
    finished = run_command(argv, request.config.rootpath, PROJECT_TIMEOUT)
    measured: float | str = (
        float(finished.result.exit_status) if finished.result.exit_status is not None else finished.result.outcome()
    )
    check(request.node, "exit status", measured, "", 0.0, "==", _excerpt(finished))


@step(parsers.re(rf'the automated checks "{quoted("command")}" finish in at most (?P<x>\S+) minutes'))
def checks_finish_within(command: str, x: str, request: pytest.FixtureRequest) -> None:
    """The command (the project's whole test run) succeeds and takes at most x minutes; it is
    stopped at the limit, so a hang costs no more than the budget."""
    argv = command_argv(command, "the test command")
    limit = positive_number(x, "minutes")
    finished = run_command(argv, request.config.rootpath, limit * 60)
    _timed(request, finished, "duration of the checks", limit)


def _timed(request: pytest.FixtureRequest, finished: Finished, name: str, limit: float) -> None:
    result = finished.result
    if result.timed_out:
        check(request.node, name, f"more than {limit:g}", "minutes", limit, "<=", _excerpt(finished))
    if not finished.ok:
        raise AssertionError(f"{shlex.join(finished.argv)} did not succeed: {result.outcome()}\n{_excerpt(finished)}")
    check(request.node, name, finished.minutes, "minutes", limit, "<=", shlex.join(finished.argv))


@step(parsers.re(rf'the system installs on a clean machine with "{quoted("command")}" within (?P<x>\S+) minutes'))
def installs_within(command: str, x: str, request: pytest.FixtureRequest) -> None:
    """The install command succeeds within x minutes, run in an empty temporary folder with an
    empty home folder; ``{root}`` in the command, and ``$CHECKLIST_ROOT`` in its environment, is the
    project. That is as clean as this machine gets;
    for a clean machine, make the command build a container or a fresh virtual machine."""
    argv = command_argv(command, "the install command")
    limit = positive_number(x, "minutes")
    with tempfile.TemporaryDirectory(prefix="checklist-install-") as folder:
        work, home = Path(folder, "work"), Path(folder, "home")
        work.mkdir()
        home.mkdir()
        env = {**os.environ, "HOME": str(home), ROOT_ENV: str(request.config.rootpath)}
        env.pop("VIRTUAL_ENV", None)
        root = str(request.config.rootpath)
        finished = run_command([arg.replace("{root}", root) for arg in argv], work, limit * 60, env)
    _timed(request, finished, "install time", limit)


# -- documented commands -----------------------------------------------------------------------


def shell_problem(command: str) -> str | None:
    """What in ``command`` a shell reads differently from ``shlex.split`` (one character, with
    where it is), or None. Quotes are followed as a POSIX shell does: nothing is special inside
    single quotes, ``$`` and a backquote still are inside double quotes (escaped or not)."""
    for segment in _SEGMENT.finditer(command):
        text, start = segment.group(), segment.start()
        if text[0] == '"' and len(text) > 1:
            inside = next((i for i, char in enumerate(text) if char in SHELL_IN_DOUBLE), None)
            if inside is not None:
                return f"{text[inside]!r} inside double quotes (column {start + inside + 1})"
        elif text[0] not in "'\\":
            for offset, char in enumerate(text, start=start):
                if char in SHELL_OUTSIDE or (char == "#" and (offset == 0 or command[offset - 1].isspace())):
                    return f"{char!r} (column {offset + 1})"
    if ASSIGNMENT.match(command):
        return "a variable assignment before the command"
    return None


def _opens_fence(stripped: str) -> tuple[str, bool] | None:
    opening = re.match(r"(`{3,}|~{3,})\s*([\w-]*)", stripped)
    return (opening.group(1), opening.group(2).lower() in SHELL_FENCES) if opening else None


def _without_comments(line: str, in_comment: bool) -> tuple[str, bool]:
    """The part of a Markdown line outside HTML comments, and whether a comment is still open after it."""
    kept: list[str] = []
    while line:
        if in_comment:
            end = line.find(COMMENT_CLOSE)
            if end < 0:
                return "".join(kept), True
            line, in_comment = line[end + len(COMMENT_CLOSE) :], False
        else:
            start = line.find(COMMENT_OPEN)
            if start < 0:
                kept.append(line)
                break
            kept.append(line[:start])
            line, in_comment = line[start + len(COMMENT_OPEN) :], True
    return "".join(kept), in_comment


def shown_commands(text: str) -> list[tuple[int, str]]:
    """``$ command`` lines inside fenced code blocks of a Markdown text (fences without a language or
    marked console, shell, sh, bash, zsh or text), with their line numbers. HTML comments (outside
    code blocks) hide what they hold, fences too; a ``$`` line with no command is kept, as ``""``."""
    commands: list[tuple[int, str]] = []
    fence: str | None = None
    shell = False
    in_comment = False
    for number, line in enumerate(text.splitlines(), start=1):
        if fence is None:
            visible, in_comment = _without_comments(line, in_comment)
            opening = _opens_fence(visible.strip())
            if opening:
                fence, shell = opening
            continue
        stripped = line.strip()
        if stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0]):
            fence = None
            continue
        match = PROMPT.match(line)
        if match and shell:
            commands.append((number, (match["command"] or "").strip()))
    return commands


def _documented_argv(rel: str, number: int, command: str) -> list[str]:
    """The arguments of one documented command; an error naming its line when it has none, cannot
    be split, or needs a shell."""
    where = f"{rel}:{number}"
    if not command:
        raise InvalidValue(f"{where}: a '$' line with no command: write the command or remove the line")
    problem = shell_problem(command)
    if problem:
        raise InvalidValue(f"{where}: {command!r} needs a shell ({problem}): not run; show one plain command per line")
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise InvalidValue(f"{where}: {command!r} cannot be split into arguments ({exc})") from None
    if not argv:
        raise InvalidValue(f"{where}: a '$' line with no command: write the command or remove the line")
    return argv


@step(parsers.re(rf'every command shown in "{quoted("document")}" succeeds'))
def documented_commands_work(document: str, request: pytest.FixtureRequest) -> None:
    """Every ``$ command`` line in the document's code blocks runs and exits 0, in order, from the
    rootdir (``cd <dir>`` changes the folder for the next ones). No shell runs them, so a line a
    shell would read differently (pipes, redirections, ``;``, ``$``, globs, ``~``, a variable
    assignment, also without spaces) is an error naming its line, before any runs: show one plain
    command per line. Lines in HTML comments are not run.
    Whether the documentation explains the task well is for a person to judge; this checks that
    what it shows works."""
    rel = quoted_value(document, "the document")
    path = request.config.rootpath / rel
    if not path.is_file():
        raise InvalidValue(f"the document {rel!r}: {path} is not a file")
    commands = shown_commands(path.read_text(encoding="utf-8", errors="replace"))
    if not commands:
        raise InvalidValue(f"{rel} shows no commands: write them as '$ command' lines in fenced code blocks")
    cwd = request.config.rootpath
    argvs = [(number, command, _documented_argv(rel, number, command)) for number, command in commands]
    for number, command, argv in argvs:
        if argv[0] == "cd":
            cwd = (cwd / (argv[1] if len(argv) > 1 else ".")).resolve()
            continue
        finished = run_command(argv, cwd, PROJECT_TIMEOUT)
        if not finished.ok:
            raise AssertionError(f"{rel}:{number}: {command} failed: {finished.result.outcome()}\n{_excerpt(finished)}")
    check(request.node, "commands that failed", 0.0, f"of {len(commands)}", 0.0, "<=")


# -- dependency audit --------------------------------------------------------------------------


@step(parsers.re(rf'the dependency audit of "{quoted("target")}" finds no known vulnerability'))
def dependency_audit(target: str, request: pytest.FixtureRequest) -> None:
    """pip-audit finds no known vulnerability in a requirements file, or in the project folder
    (its pyproject.toml). Pending, saying why, where pip-audit is not installed or cannot reach
    its vulnerability database."""
    rel = quoted_value(target, "the audit target")
    path = request.config.rootpath / rel
    if not path.exists():
        raise InvalidValue(f"the audit target {rel!r}: {path} does not exist")
    tool = shutil.which("pip-audit")
    if tool is None:
        raise Pending(
            "pip-audit is not installed here: install it (pip install pip-audit) where this check runs",
            reason="placeholder",
        )
    argv = [tool, "--format", "json", "--progress-spinner", "off"]
    argv += ["-r", str(path)] if path.is_file() else [str(path)]
    finished = run_command(argv, request.config.rootpath, PROJECT_TIMEOUT)
    found = audit_findings(finished.result.stdout_text())
    if found is None:
        raise Pending(
            "pip-audit gave no report (is its vulnerability database reachable from here?): "
            + finished.result.stderr_text().strip()[-500:],
            reason="placeholder",
        )
    check(request.node, "known vulnerabilities", float(len(found)), "", 0.0, "<=", "\n".join(found[:20]))


def audit_findings(stdout: str) -> list[str] | None:
    """``name version: ID`` per vulnerability in pip-audit's JSON, or None when it is not that JSON."""
    try:
        data = json.loads(stdout)
    except json.JSONDecodeError:
        return None
    dependencies = data.get("dependencies") if isinstance(data, dict) else data
    if not isinstance(dependencies, list):
        return None
    return [
        f"{dep.get('name')} {dep.get('version')}: {vuln.get('id')}"
        for dep in dependencies
        if isinstance(dep, dict)
        for vuln in dep.get("vulns") or ()
        if isinstance(vuln, dict)
    ]
