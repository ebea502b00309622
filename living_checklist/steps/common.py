"""Helpers shared by the live step libraries: the system's command line, values, recorded figures.

Not a pytest plugin itself (the step modules are), so importing it from several of them is safe.

PYTEST_DONT_REWRITE: the steps raise their own measured-vs-required messages.
"""

from __future__ import annotations

import math
import os
import re
import shlex
from collections.abc import Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from living_checklist import InvalidValue, Pending
from living_checklist.core import limits
from living_checklist.core.measure import parse_value
from living_checklist.live import runner
from living_checklist.run import settings
from living_checklist.run.settings import INI_SYSTEM as SYSTEM_INI
from living_checklist.run.settings import INI_SYSTEMS as SYSTEMS_INI
from living_checklist.run.settings import TBD

MIB = 1 << 20
TBD_SYSTEM_MESSAGE = "checklist_system is TBD: set it in [tool.pytest.ini_options] or with -o checklist_system=..."

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
# What may stand between the quotes of a quoted step value: anything but a quote or a backslash,
# or a backslash and the character after it (so ``\"`` never ends the value and a value never
# runs on past its closing quote into the rest of the step).
QUOTED_VALUE = r'(?:[^"\\]|\\.)*'


def quoted(name: str) -> str:
    """The regex group for a quoted value named ``name``; the phrase writes the quotes around it."""
    return f"(?P<{name}>{QUOTED_VALUE})"


SYSTEM_TAG = "system"


@dataclass(frozen=True)
class System:
    """The system a scenario runs: ``checklist_system``, or the one its ``@system-NAME`` tag names."""

    name: str  # "" for checklist_system
    argv: tuple[str, ...]
    timeout: float
    cwd: Path

    @property
    def setting(self) -> str:
        """Where its command line is set, for messages."""
        return f"{SYSTEMS_INI} ({self.name})" if self.name else SYSTEM_INI


def system_of(request: pytest.FixtureRequest) -> System:
    """The scenario's system: the ``@system-NAME`` one of ``checklist_systems`` (the most specific tag
    wins, as for services), or ``checklist_system`` for an untagged scenario; pending (tbd) while its
    command line is TBD or empty."""
    conf = settings.of(request.config)
    name = named_tag(request, SYSTEM_TAG)
    if name is None:
        return System("", _argv(conf.system, SYSTEM_INI, TBD_SYSTEM_MESSAGE), conf.system_timeout, conf.rootdir)
    named = {system.name: system for system in conf.systems}
    if name not in named:
        known = ", ".join(named) or "none"
        raise InvalidValue(f"@{SYSTEM_TAG}-{name}: no system {name!r} in {SYSTEMS_INI} (known: {known})")
    system = named[name]
    tbd = f"the system {name!r} is TBD: write its command line in {SYSTEMS_INI} ({name} = command)"
    argv = _argv(system.command, f"{SYSTEMS_INI} ({name})", tbd)
    timeout = system.timeout if system.timeout is not None else conf.system_timeout
    return System(name, argv, timeout, conf.rootdir / system.cwd if system.cwd else conf.rootdir)


def _argv(text: str, setting: str, tbd: str) -> tuple[str, ...]:
    if text in ("", TBD):
        raise Pending(tbd, reason="tbd")
    try:
        argv = tuple(shlex.split(text))
    except ValueError as exc:
        raise InvalidValue(f"{setting} = {text!r} cannot be split into arguments: {exc}") from None
    if not argv:
        raise Pending(tbd, reason="tbd")
    return argv


def system_argv(request: pytest.FixtureRequest) -> tuple[str, ...]:
    """The scenario's system's command line; pending (tbd) while it is TBD or empty."""
    return system_of(request).argv


def run_timeout(request: pytest.FixtureRequest) -> float:
    """Seconds one run of the scenario's system may take (its own timeout, else ``checklist_system_timeout``)."""
    return system_of(request).timeout


def run_system(
    request: pytest.FixtureRequest,
    extra: Sequence[str] = (),
    input_data: bytes | None = None,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
    trace: bool = True,
) -> runner.RunResult:
    """Run the scenario's system once with ``extra`` arguments (and ``env`` added to the environment),
    in its working folder (the rootdir unless ``NAME.cwd`` says otherwise).

    ``trace``: follow every process to its exit for the exact peak memory (see ``runner.run``).

    A system that cannot be started at all is an ``error`` naming the command and the reason,
    not a failed check: nothing about the requirement was measured.
    """
    system = system_of(request)
    try:
        return runner.run(
            system.argv + tuple(extra),
            input_data=input_data,
            timeout=timeout if timeout is not None else system.timeout,
            cwd=system.cwd,
            env=_environment(env),
            trace=trace,
        )
    except runner.CannotRun as exc:
        raise _cannot_start(system, exc) from None


def run_system_series(
    request: pytest.FixtureRequest,
    extra: Sequence[str],
    count: int,
    env: Mapping[str, str] | None = None,
    trace: bool = True,
) -> Generator[runner.RunResult, None, None]:
    """The scenario's system run ``count`` times in a row as ``run_system`` runs it once (nothing
    on standard input), from one request to the harness's launcher (``runner.series``): each run
    as it ends. Close the iterator to stop early; a system that cannot start is an ``error``."""
    system = system_of(request)
    argv = system.argv + tuple(extra)
    try:
        runs = runner.series(argv, count, timeout=system.timeout, cwd=system.cwd, env=_environment(env), trace=trace)
        yield from runs
    except runner.CannotRun as exc:
        raise _cannot_start(system, exc) from None


def _environment(env: Mapping[str, str] | None) -> dict[str, str] | None:
    return {**os.environ, **env} if env else None


def _cannot_start(system: System, exc: runner.CannotRun) -> InvalidValue:
    return InvalidValue(f"the system cannot be started: {exc} ({system.setting} = {shlex.join(system.argv)!r})")


WHOLE_OUTPUT_LIMIT = 1 << 30  # bytes a check that needs the whole text at once (JSON, a diff) reads


def _whole_stream(result: runner.RunResult, stream: str) -> runner.Captured:
    """The stream, when every byte of it can be read back; else an ``error`` saying how much was."""
    captured = result.stream(stream)
    if not captured.complete:
        raise InvalidValue(
            f"the {stream} of {shlex.join(result.argv)!r} could not be kept whole (a full disk, or past the "
            f"harness's spool limit): {captured.seen} of {captured.total} bytes kept, so this check cannot see "
            "all of it"
        )
    return captured


def whole_output(result: runner.RunResult, stream: str = "output") -> bytes:
    """Every byte of a run's stream, for checks that read it at once; an ``error`` when that cannot be."""
    captured = _whole_stream(result, stream)
    if captured.total > WHOLE_OUTPUT_LIMIT:
        raise InvalidValue(
            f"the {stream} is {captured.total} bytes: this check reads it whole, at most {WHOLE_OUTPUT_LIMIT} bytes"
        )
    return captured.whole()


def output_has(result: runner.RunResult, stream: str, needle: bytes) -> bool:
    """Whether ``needle`` occurs anywhere in the whole stream (read in chunks, matches across their edges)."""
    keep = max(len(needle) - 1, 0)
    tail = b""
    for chunk in _whole_stream(result, stream).chunks():
        window = tail + chunk
        if needle in window:
            return True
        tail = window[len(window) - keep :] if keep else b""
    return needle == b""


def stated_after_this_step(
    request: pytest.FixtureRequest, phrases: Iterable[re.Pattern[str]], until: re.Pattern[str]
) -> bool:
    """True when a step of one of ``phrases`` follows the running step before the next step that
    ``until`` matches (the next run or load): each phrase owns the evidence of the step it follows,
    so a share or status stated for a later (or an earlier) step never excuses this one.

    Where the running step cannot be told (not a checklist case), nothing is assumed stated: the
    step then checks its own evidence, which can only make a verdict stricter.
    """
    case = getattr(request.node, "case", None)
    current = getattr(request.node, "current_step", None)
    steps = list(getattr(case, "steps", ()) or ())
    position = next((i for i, candidate in enumerate(steps) if candidate is current), None)
    if current is None or position is None:
        return False
    patterns = tuple(phrases)
    for later in steps[position + 1 :]:
        text = str(getattr(later, "text", ""))
        if any(phrase.fullmatch(text) for phrase in patterns):
            return True
        if until.match(text):
            return False
    return False


def named_tag(request: pytest.FixtureRequest, prefix: str) -> str | None:
    """The NAME of a ``@<prefix>-NAME`` tag on the running scenario, its rule or its feature (the most
    specific wins: a scenario's own tag over its feature's), or None when there is none."""
    case = getattr(request.node, "case", None)
    tags = getattr(case, "tags", None)
    if tags is None:
        tags = tuple(reversed([marker.name for marker in request.node.iter_markers()]))  # closest last
    names = [tag[len(prefix) + 1 :] for tag in tags if tag.startswith(prefix + "-") and len(tag) > len(prefix) + 1]
    return names[-1] if names else None


def unescape(text: str) -> str:
    """Turn ``\\n``, ``\\t``, ``\\r``, ``\\"``, ``\\\\`` into their characters; other backslashes stay."""
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(0)), text)


def quoted_value(text: str, what: str) -> str:
    """A quoted step value, unescaped; ``TBD`` keeps the step pending."""
    if text.strip() == TBD:
        raise Pending(f"{what} is TBD: write it in the feature file", reason="tbd")
    return unescape(text)


def split_arguments(text: str) -> list[str]:
    """Arguments as a shell would split them (but no shell runs them); ``TBD`` keeps the step pending.

    The step's own escapes come first: ``\\"`` is a quote character and ``\\\\`` a backslash in the
    argument, never shell quoting (``-n '\\"a b\\"'`` and ``-n \\"a\\"`` give jq the JSON strings
    ``"a b"`` and ``"a"``), as are ``\\n``, ``\\t`` and ``\\r``. Then single quotes and other
    backslashes work as in a POSIX shell.
    """
    held = _placeholders(text)
    protected = _ESCAPE.sub(lambda m: held.get(m.group(1), m.group(0)), text)
    try:
        args = shlex.split(protected)
    except ValueError as exc:
        raise InvalidValue(f"arguments {text!r} cannot be split: {exc}") from None
    back = {mark: _ESCAPES[char] for char, mark in held.items()}
    args = ["".join(back.get(c, c) for c in arg) for arg in args]
    if TBD in args:
        raise Pending("the arguments are TBD: write them in the feature file", reason="tbd")
    return args


def _placeholders(text: str) -> dict[str, str]:
    """A private-use character for each step escape, none of which occurs in ``text``."""
    free = (chr(code) for code in range(0xE000, 0xF900) if chr(code) not in text)
    return {char: next(free) for char in _ESCAPES}


def whole_number(text: str, what: str, minimum: int = 0) -> int:
    """A whole number >= ``minimum`` from a step; ``TBD`` pending, anything else ``InvalidValue``."""
    value = parse_value(text, what)
    if not value.is_integer() or value < minimum:
        raise InvalidValue(f"{what}: expected a whole number >= {minimum} or TBD, found {text!r}")
    return int(value)


def bounded_count(text: str, what: str, minimum: int = 1, *, concurrent: bool = False) -> int:
    """A whole number for a count of runs (or, ``concurrent``, of copies or clients at the same time),
    refused as ``InvalidValue`` before anything starts when it is beyond what this machine can do."""
    value = whole_number(text, what, minimum)
    ceiling, why = limits.concurrency_ceiling() if concurrent else (limits.MAX_RUNS, "the harness's cap")
    problem = limits.count_problem(value, what, ceiling, why)
    if problem is not None:
        raise InvalidValue(problem)
    return value


def bounded_seconds(text: str, what: str, unit_seconds: float = 1.0) -> float:
    """A positive duration (in units of ``unit_seconds``) no longer than ``limits.MAX_SECONDS``."""
    value = positive_number(text, what)
    if value * unit_seconds > limits.MAX_SECONDS:
        raise InvalidValue(f"{what}: {text} is longer than the harness allows ({limits.MAX_SECONDS / 3600:.0f} hours)")
    return value


def positive_number(text: str, what: str) -> float:
    value = parse_value(text, what)
    if not math.isfinite(value) or value <= 0:
        raise InvalidValue(f"{what}: expected a positive number or TBD, found {text!r}")
    return value


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def mib(size: int) -> float:
    return round(size / MIB, 3)


def brief(result: runner.RunResult) -> str:
    """One run in a few words, for progress lines: ``12.3 ms, peak 14.0 MiB, exit 0``."""
    peak = f", peak {mib(result.peak_rss):.1f} MiB" if result.peak_rss is not None else ""
    if result.timed_out:
        end = "timed out"
    elif result.signal is not None:
        end = f"killed by signal {result.signal}"
    else:
        end = f"exit {result.exit_status}"
    return f"{ms(result.wall_time):.1f} ms{peak}, {end}"
