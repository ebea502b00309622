"""The step phrases' patterns: quoted values cannot swallow each other, every catalogued phrase matches
exactly the texts written for it, and ``\\"`` reaches the program as a quote.

The property test reads the catalogue ``living-checklist steps --format json`` prints for a project
that loads the whole step library, so a phrase added later is covered without touching this file.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from living_checklist.steps.common import split_arguments, unescape
from tests.helpers import run_by_id as run
from tests.helpers import statuses

REPO = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"<(\w+)>")

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the system steps need POSIX")


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    root = tmp_path_factory.mktemp("catalogue")
    (root / "features").mkdir()
    (root / "pytest.ini").write_text("[pytest]\nchecklist_features = features\n")
    (root / "conftest.py").write_text('pytest_plugins = ["living_checklist.steps"]\n')
    done = subprocess.run(
        [sys.executable, "-m", "living_checklist", "steps", "--format", "json"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    library = str(REPO / "living_checklist" / "steps")
    steps = [entry for entry in json.loads(done.stdout)["steps"] if entry["path"].startswith(library)]
    assert len(steps) > 40, "the whole step library is catalogued"
    return steps


def matcher(entry: dict[str, Any]) -> re.Pattern[str]:
    """The step's pattern as pytest-bdd matches it: a regex in full, or a plain string as it is."""
    assert entry["parser"] in ("re", "string"), entry
    return re.compile(entry["pattern"] if entry["parser"] == "re" else re.escape(entry["pattern"]))


def escape(value: str) -> str:
    """A value written inside a step's quotes: a backslash and a quote escaped, nothing else."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


QUOTED_VALUES = st.one_of(
    st.just("TBD"),
    st.lists(st.sampled_from([*"ab \"\\'{}.-$\t", "TBD", " and input ", '" with body "']), max_size=12).map("".join),
)
# Values of the unquoted slots, by slot name; any other slot takes a number or TBD.
WORDS = {
    "unit": st.sampled_from(["seconds", "minutes", "hours"]),
    "METHOD": st.sampled_from(["GET", "POST", "DELETE"]),
    "os": st.sampled_from(["Linux", "macOS"]),
    "arch": st.sampled_from(["x86_64", "arm64"]),
    "tolerance": st.sampled_from(["exact", "5 percent", "0.5", "TBD"]),
}
NUMBERS = st.one_of(st.just("TBD"), st.integers(0, 10**6).map(str), st.floats(0, 1e6).map(lambda x: f"{x:g}"))


def filled(phrase: str, draw: Any) -> tuple[str, dict[str, str], dict[str, str]]:
    """The phrase with each ``<slot>`` filled in, and each slot's text as it stands in the step."""
    written: dict[str, str] = {}
    values: dict[str, str] = {}
    parts: list[str] = []
    last = 0
    for match in PLACEHOLDER.finditer(phrase):
        name = match[1]
        if phrase[match.start() - 1 : match.start()] == '"' == phrase[match.end() : match.end() + 1]:
            value = draw(QUOTED_VALUES)
            values[name] = value
            text = escape(value)
        else:
            text = draw(WORDS.get(name, NUMBERS))
        written[name] = text
        parts += [phrase[last : match.start()], text]
        last = match.end()
    parts.append(phrase[last:])
    return "".join(parts), written, values


def test_every_phrase_matches_exactly_its_own_texts(catalogue: list[dict[str, Any]]) -> None:
    compiled = [(entry["phrase"], matcher(entry)) for entry in catalogue]

    @settings(max_examples=600, deadline=None, database=None)
    @given(st.sampled_from(compiled), st.data())
    def check(chosen: tuple[str, re.Pattern[str]], data: st.DataObject) -> None:
        phrase, pattern = chosen
        text, written, values = filled(phrase, data.draw)
        matching = [p for p, rx in compiled if rx.fullmatch(text)]
        assert matching == [phrase], f"{text!r} matches {matching}"
        found = pattern.fullmatch(text)
        assert found is not None
        assert found.groupdict() == written
        for name, value in values.items():
            assert unescape(found[name]) == value

    check()


def test_a_step_that_runs_on_past_its_quote_is_no_phrase(catalogue: list[dict[str, Any]]) -> None:
    compiled = [matcher(entry) for entry in catalogue]
    for text in (
        'I run the system with arguments "-c .a" and "{}"',
        'the output contains "a" or "b"',
        'the requests carry the header "X" with value "1" twice',
        'I run the system with arguments "a\\"',  # the closing quote is escaped: the value never ends
    ):
        assert not [rx.pattern for rx in compiled if rx.fullmatch(text)], text


@pytest.mark.parametrize(
    ("written", "argv"),
    [
        ("-n '\\\"a b\\\"'", ["-n", '"a b"']),
        ('-n \\"a\\"', ["-n", '"a"']),
        ("a\\\\b", ["a\\b"]),
        ("'x y' c\\ d", ["x y", "c d"]),
        ("--sep '\\t'", ["--sep", "\t"]),
        ("\\\"'unbalanced", None),
    ],
)
def test_arguments_split_after_the_steps_own_escapes(written: str, argv: list[str] | None) -> None:
    if argv is None:
        with pytest.raises(Exception, match="cannot be split"):
            split_arguments(written)
    else:
        assert split_arguments(written) == argv


ECHO_ARGV = "import json, sys\nprint(json.dumps(sys.argv[1:]))\n"


def library_project(pytester: pytest.Pytester, system: str, feature: str, ini: str = "") -> None:
    """A project loading the whole step library, with this system and one feature file."""
    pytester.makeconftest(f"import sys\nsys.path.insert(0, {str(REPO)!r})\npytest_plugins = ['living_checklist.steps']")
    pytester.makefile(
        ".ini",
        pytest=f"[pytest]\nchecklist_features = features\nchecklist_system = {system}\n"
        f"checklist_require_ids = true\n{ini}",
    )
    (pytester.path / "features").mkdir(exist_ok=True)
    (pytester.path / "features" / "live.feature").write_text(feature)


def test_a_quote_in_the_arguments_reaches_the_program(pytester: pytest.Pytester) -> None:
    (pytester.path / "echo.py").write_text(ECHO_ARGV)
    library_project(
        pytester,
        f"{sys.executable} echo.py",
        "Feature: quotes\n"
        "  @Q-1\n  Scenario: a JSON string with a space is one argument\n"
        '    When I run the system with arguments "-n \'\\"a b\\"\'"\n'
        '    Then the output contains "[\\"-n\\", \\"\\\\\\"a b\\\\\\"\\"]"\n'
        "  @Q-2\n  Scenario: a step that runs on past its closing quote is undefined, not run\n"
        '    When I run the system with arguments "-c .a" and "{}"\n'
        '    Then the output contains "-c"\n',
    )
    result, report = run(pytester)
    assert statuses(report) == {"Q-1": "verified", "Q-2": "pending"}, result.stdout.str()
    assert report["Q-2"]["reason"] == "undefined"
