"""Live checks on what the system produced: determinism, a reference, a format, samples, secrets.

Each works on the runs of the most recent run step of ``living_checklist.steps.system`` (or runs
the system itself, for sample folders) and records what it measured next to what was required.
Paths (references, schemas, sample folders, log folders) are relative to the rootdir.

PYTEST_DONT_REWRITE: the steps raise their own measured-vs-required messages.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped, unused-ignore]
import pytest
from pytest_bdd import parsers, step

from living_checklist import InvalidValue, check
from living_checklist.core.files import read_regular, walk_files
from living_checklist.core.measure import parse_value
from living_checklist.live import runner
from living_checklist.steps.common import (
    output_has,
    quoted,
    quoted_value,
    run_system,
    split_arguments,
    whole_number,
    whole_output,
)
from living_checklist.steps.system import SystemRuns

NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
TOLERANCE = re.compile(r"(?P<x>\S+)(?P<percent> percent)?")
FORMATS = ("JSON", "JSON Lines", "CSV", "JSON schema <path>", "JSON Lines schema <path>")


def project_path(request: pytest.FixtureRequest, text: str, what: str) -> Path:
    """A path from a step, relative to the rootdir; ``TBD`` pending, a missing one an error."""
    rel = quoted_value(text, what)
    path = (request.config.rootpath / rel).resolve()
    if not path.exists():
        raise InvalidValue(f"{what} {rel!r}: {path} does not exist")
    return path


# -- determinism --------------------------------------------------------------------------------


@step(parsers.re(rf'(?P<n>\S+) repeated runs give identical output apart from "{quoted("pattern")}"'))
def repeated_runs_identical(n: str, pattern: str, request: pytest.FixtureRequest, system_runs: SystemRuns) -> None:
    """Run the most recent single run n more times; the output and exit status must not change.

    ``pattern`` is a regular expression for the parts that may legitimately differ (timestamps,
    ids), masked before comparing, or ``nothing`` for byte-identical output.
    """
    count = whole_number(n, "repeated runs", minimum=1)
    mask = _mask(quoted_value(pattern, "the parts that may differ"))
    first = system_runs.last_run()
    again = system_runs.again
    if again is None:
        raise InvalidValue("repeated runs need a single run before them: 'When I run the system with input \"...\"'")
    expected = mask(_text(first))
    differing: list[tuple[int, str, runner.RunResult]] = []
    for index in range(1, count + 1):
        result = again()
        actual = mask(_text(result))  # the whole output of each run, not the part kept for messages
        if result.exit_status != first.exit_status or actual != expected:
            differing.append((index, actual, result))
    context = ""
    if differing:
        index, actual, result = differing[0]
        diff = difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), "first run", f"repeat {index}", lineterm=""
        )
        context = f"repeat {index} differs ({result.outcome()}):\n" + "\n".join(list(diff)[:40])
    check(request.node, "runs with different output", float(len(differing)), "runs", 0.0, "<=", context)


def _text(result: runner.RunResult) -> str:
    return whole_output(result).decode("utf-8", errors="replace")


def _mask(pattern: str) -> Any:
    if pattern.strip().lower() == "nothing":
        return lambda text: text
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise InvalidValue(f"the parts that may differ {pattern!r}: not a regular expression ({exc})") from None
    return lambda text: compiled.sub("<varies>", text)


# -- a reference within a tolerance ------------------------------------------------------------


@step(parsers.re(rf'the result agrees with the reference "{quoted("reference")}" to within (?P<tolerance>.+)'))
def agrees_with_reference(
    reference: str, tolerance: str, request: pytest.FixtureRequest, system_runs: SystemRuns
) -> None:
    """The last run's output matches the reference file: the same text, and every number within
    the tolerance: ``exact``, ``<x> percent`` (relative) or ``<x>`` (absolute)."""
    limit, relative = _tolerance(tolerance)
    path = project_path(request, reference, "the reference")
    expected = read_file(path, "the reference").decode("utf-8", errors="replace")
    actual = _text(system_runs.last_run())
    words_expected, numbers_expected = _split_numbers(expected)
    words_actual, numbers_actual = _split_numbers(actual)
    if words_expected != words_actual or len(numbers_expected) != len(numbers_actual):
        raise AssertionError(
            f"the output does not have the reference's shape ({path.name}: {len(numbers_expected)} numbers, "
            f"output: {len(numbers_actual)}; the text around them must match):\n"
            + "\n".join(
                list(
                    difflib.unified_diff(expected.splitlines(), actual.splitlines(), "reference", "output", lineterm="")
                )[:40]
            )
        )
    worst, where = 0.0, ""
    for position, (want, got) in enumerate(zip(numbers_expected, numbers_actual, strict=True), start=1):
        if relative:
            deviation = 0.0 if want == got else (math.inf if want == 0 else abs(got - want) / abs(want) * 100)
        else:
            deviation = abs(got - want)
        if deviation > worst:
            worst, where = deviation, f"number {position}: reference {want:g}, output {got:g}"
    unit = "%" if relative else ""
    name = "largest relative difference" if relative else "largest difference"
    check(request.node, name, round(worst, 9), unit, limit, "<=", where)


def _tolerance(text: str) -> tuple[float, bool]:
    stripped = text.strip()
    if stripped == "TBD":
        quoted_value("TBD", "the tolerance")
    if stripped.lower() == "exact":
        return 0.0, False
    match = TOLERANCE.fullmatch(stripped)
    if match is None or not NUMBER.fullmatch(match["x"]) or float(match["x"]) < 0:
        raise InvalidValue(f"tolerance {text!r}: expected exact, <x> percent, <x> or TBD")
    return float(match["x"]), bool(match["percent"])


def _split_numbers(text: str) -> tuple[list[str], list[float]]:
    numbers = [float(m) for m in NUMBER.findall(text)]
    words = NUMBER.split(text)
    return [" ".join(w.split()) for w in words], numbers


# -- format conformance ------------------------------------------------------------------------


@step(parsers.re(rf'the output conforms to "{quoted("fmt")}"'))
def output_conforms(fmt: str, request: pytest.FixtureRequest, system_runs: SystemRuns) -> None:
    """The last run's output is valid ``JSON``, ``JSON Lines`` or ``CSV`` (RFC 4180, one field
    count), or every JSON document in it validates against ``JSON schema <path>`` /
    ``JSON Lines schema <path>`` (jsonschema, the draft the schema names)."""
    conforms = _conformance(request, fmt)
    problems, total = conforms(_text(system_runs.last_run()))
    context = "\n".join(problems[:5])
    check(request.node, "documents not conforming", float(len(problems)), f"of {total}", 0.0, "<=", context)


@step(parsers.re(rf'every output conforms to "{quoted("fmt")}"'))
def every_output_conforms(
    fmt: str, request: pytest.FixtureRequest, system_runs: SystemRuns, sample_runs: SampleRuns
) -> None:
    """The output of every run of the most recent run step (one per file of a sample folder, or a
    series) conforms to the format, as ``the output conforms to`` checks one; the runs that do
    not are counted and the first few named with what is wrong."""
    conforms = _conformance(request, fmt)
    runs = system_runs.runs()
    failing: list[str] = []
    for index, result in enumerate(runs, start=1):
        problems, _ = conforms(_text(result))
        if problems:
            failing.append(f"{sample_runs.name(runs, index)}: {problems[0]}")
    context = "\n".join(failing[:5])
    check(request.node, "outputs not conforming", float(len(failing)), f"of {len(runs)} runs", 0.0, "<=", context)


def _conformance(request: pytest.FixtureRequest, fmt: str) -> Callable[[str], tuple[list[str], int]]:
    """A check of one output against the format: its problems and how many documents it held."""
    name = quoted_value(fmt, "the format").strip()
    match = re.fullmatch(r"(JSON|JSON Lines)(?: schema (?P<path>.+))?", name)
    if name == "CSV":
        return lambda text: (_csv_problems(text), 1)
    if match is None:
        raise InvalidValue(f"format {name!r}: expected one of {', '.join(FORMATS)}")
    lines = match[1] == "JSON Lines"
    validator = _validator(request, match["path"]) if match["path"] else None

    def check(text: str) -> tuple[list[str], int]:
        documents = [line for line in text.splitlines() if line.strip()] if lines else [text]
        problems: list[str] = []
        for number, document in enumerate(documents, start=1):
            where = f"line {number}" if lines else "the output"
            try:
                data = json.loads(document)
            except json.JSONDecodeError as exc:
                problems.append(f"{where}: not JSON ({exc})")
                continue
            if validator is not None:
                problems += [
                    f"{where} at /{'/'.join(map(str, e.absolute_path))}: {e.message}"
                    for e in validator.iter_errors(data)
                ][:1]
        return problems, len(documents)

    return check


def _validator(request: pytest.FixtureRequest, rel: str) -> Any:
    path = project_path(request, rel, "the schema")
    try:
        schema = json.loads(read_file(path, "the schema").decode("utf-8", errors="replace"))
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
    except (json.JSONDecodeError, jsonschema.SchemaError) as exc:
        raise InvalidValue(f"the schema {rel!r} is not a valid JSON Schema: {exc}") from None
    return cls(schema)


def _csv_problems(text: str) -> list[str]:
    if not text.strip():
        return ["the output is empty"]
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        return [f"not CSV: {exc}"]
    width = len(rows[0])
    return [
        f"row {i} has {len(row)} fields, the first has {width}" for i, row in enumerate(rows, 1) if len(row) != width
    ][:5]


# -- a number from the output ------------------------------------------------------------------


@step(parsers.re(r"the first number in the output is at least (?P<x>\S+)"))
def first_number_at_least(x: str, request: pytest.FixtureRequest, system_runs: SystemRuns) -> None:
    """The first decimal number in the last run's output (a sign, a fraction and an exponent are
    part of it: ``-1.5e3``) is at least x: a count, a version, a size the program prints."""
    _first_number(request, system_runs, x, ">=")


@step(parsers.re(r"the first number in the output is at most (?P<x>\S+)"))
def first_number_at_most(x: str, request: pytest.FixtureRequest, system_runs: SystemRuns) -> None:
    """The first decimal number in the last run's output is at most x (read as for ``at least``)."""
    _first_number(request, system_runs, x, "<=")


def _first_number(request: pytest.FixtureRequest, system_runs: SystemRuns, x: str, comparison: str) -> None:
    required = parse_value(x, "the required number")
    result = system_runs.last_run()
    found = NUMBER.search(_text(result))
    measured: float | str = float(found[0]) if found else "no number in the output"
    check(request.node, "first number in the output", measured, "", required, comparison, result.describe())


# -- sample folders ----------------------------------------------------------------------------


@dataclass
class SampleRuns:
    """Per-case: the sample files of the most recent folder step, in the order of its runs."""

    runs: list[runner.RunResult] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def name(self, runs: list[runner.RunResult], index: int) -> str:
        """What run ``index`` (from 1) read, when ``runs`` are this folder step's own runs."""
        if runs is self.runs:
            return self.files[index - 1]
        return f"run {index}"


@pytest.fixture
def sample_runs() -> SampleRuns:
    """Which file each run of the most recent folder step read."""
    return SampleRuns()


def _walked(request: pytest.FixtureRequest, path: Path, what: str) -> list[Path]:
    """The regular files under ``path`` (linked folders followed, each once); an entry that is not
    a regular file (a FIFO, a device, a dangling link) is an error naming it, never skipped."""
    if path.is_file():
        return [path]
    files, other = walk_files(path)
    if other:
        shown = ", ".join(_shown(request, p) for p in other[:5])
        raise InvalidValue(f"{what} holds {len(other)} entries that are not regular files and cannot be read: {shown}")
    return files


def _shown(request: pytest.FixtureRequest, path: Path) -> str:
    try:
        return path.relative_to(request.config.rootpath).as_posix()
    except ValueError:
        return str(path)


def read_file(path: Path, what: str) -> bytes:
    """A file a step names (a reference, a schema, a sample); not a regular file, an error."""
    try:
        return read_regular(path)
    except OSError as exc:
        raise InvalidValue(f"{what} cannot be read: {exc}") from None


def _samples(request: pytest.FixtureRequest, folder: str) -> list[Path]:
    path = project_path(request, folder, "the sample folder")
    files = [p for p in _walked(request, path, f"the sample folder {folder!r}") if not p.name.startswith(".")]
    if not files:
        raise InvalidValue(f"the sample folder {folder!r} holds no files: add the samples to check")
    return files


@step(parsers.re(rf'the system reads every file in "{quoted("folder")}"'))
def reads_every_file(
    folder: str, request: pytest.FixtureRequest, system_runs: SystemRuns, sample_runs: SampleRuns
) -> None:
    """One run per file in the folder (sorted, recursively), the file on standard input. The exit
    status step that follows checks every run, naming the first that fails."""
    files = _samples(request, folder)
    runs = [run_system(request, input_data=read_file(p, "the sample"), env=system_runs.env) for p in files]
    _record_samples(request, system_runs, sample_runs, runs, files)


@step(parsers.re(rf'the system opens every file in "{quoted("folder")}" with arguments "{quoted("args")}"'))
def opens_every_file(
    folder: str, args: str, request: pytest.FixtureRequest, system_runs: SystemRuns, sample_runs: SampleRuns
) -> None:
    """One run per file in the folder, with these arguments; ``{file}`` in them becomes the file's path."""
    extra = split_arguments(args)
    if not any("{file}" in arg for arg in extra):
        raise InvalidValue(f'arguments "{args}": put {{file}} where the sample file\'s path goes')
    files = _samples(request, folder)
    runs = [run_system(request, [a.replace("{file}", str(p)) for a in extra], env=system_runs.env) for p in files]
    _record_samples(request, system_runs, sample_runs, runs, files)


def _record_samples(
    request: pytest.FixtureRequest,
    system_runs: SystemRuns,
    sample_runs: SampleRuns,
    runs: list[runner.RunResult],
    files: list[Path],
) -> None:
    system_runs.record(runs)
    sample_runs.runs = runs
    sample_runs.files = [_shown(request, p) for p in files]


# -- secrets -----------------------------------------------------------------------------------


@step(parsers.re(rf'neither the output nor the logs in "{quoted("folder")}" contain "{quoted("secret")}"'))
def secret_not_leaked(folder: str, secret: str, request: pytest.FixtureRequest, system_runs: SystemRuns) -> None:
    """The planted secret appears in no output or error output of the most recent runs, nor in any
    file under the log folder (searched as bytes, UTF-8)."""
    needle = quoted_value(secret, "the secret").encode("utf-8")
    if not needle:
        raise InvalidValue("the secret is empty: plant a recognisable test secret")
    logs = project_path(request, folder, "the log folder")
    found: list[str] = []
    for index, result in enumerate(system_runs.runs(), start=1):  # every byte of both streams
        if output_has(result, "output", needle):
            found.append(f"the output of run {index}")
        if output_has(result, "error output", needle):
            found.append(f"the error output of run {index}")
    for path in _walked(request, logs, f"the log folder {folder!r}"):
        if needle in read_file(path, "a log file"):
            found.append(_shown(request, path))
    check(request.node, "places the secret appears", float(len(found)), "", 0.0, "<=", ", ".join(found[:10]))
