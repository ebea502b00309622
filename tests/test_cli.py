"""``living-checklist``: status (dry run), snippets, steps, usage, lint; exit codes; bad input.

The CLI runs in-process (``cli.main(argv)`` with capsys) inside pytester projects; pytester
restores ``sys.modules`` and the working directory after each test, so every project's step
modules are imported afresh.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped, unused-ignore]
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pytest_bdd import parsers

from living_checklist import cli
from living_checklist.cli import snippets as cli_snippets
from living_checklist.cli._common import StepUse
from living_checklist.core.inventory import Step
from living_checklist.run.collect import CaseItem

STEPS = '''
from pytest_bdd import given, parsers, then, when


@given(parsers.parse("a counter at {n:d}"), target_fixture="counter")
def counter_at(n):
    """A counter that starts at n."""
    return {"value": n}


@when(parsers.parse("I add {n:d}"))
def add(counter, n):
    """Add n to the counter."""
    counter["value"] += n


@then(parsers.parse("the counter is {n:d}"))
def counter_is(counter, n):
    """The counter holds n.

    Second paragraph, not in the text catalogue.
    """
    assert counter["value"] == n


@then("nothing else happens")
def nothing_else():
    """No feature uses this one."""


@given(parsers.parse("a {colour} widget"))
def any_widget(colour):
    """A widget of some colour."""


@given("a blue widget")
def blue_widget():
    """A blue widget, which the general definition matches too: ambiguous."""
'''

COUNTING = """\
Feature: Counting

  @CNT-1
  Scenario: adding works
    Given a counter at 1
    When I add 2
    Then the counter is 3

  @CNT-2
  Scenario: a value still to decide
    Given a counter at 1
    When I add TBD
    Then the counter is 3

  @CNT-3
  Scenario: not defined yet
    Given a counter at 1
    When I multiply by 2
    Then the counter is 2

  @CNT-4
  Scenario: no steps yet

  @CNT-5
  Scenario Outline: many rows
    Given a counter at <a>
    When I add <b>
    Then the counter is <c>

    Examples:
      | a | b | c |
      | 1 | 1 | 2 |
      | 2 | 2 | 4 |

  @CNT-6
  Scenario Outline: no rows yet
    Given a counter at <a>

    Examples:
      | a |

  @CNT-7
  Scenario Outline: partly decided
    Given a counter at <a>
    When I add <b>
    Then the counter is <c>

    Examples:
      | a | b   | c |
      | 1 | 1   | 2 |
      | 1 | TBD | 2 |

  @CNT-8 @pending
  Scenario: tagged and undecided
    Given a counter at TBD
"""

WIDGETS = """\
Feature: Widgets

  @WID-1
  Scenario: a blue widget is ambiguous
    Given a blue widget
"""


def make_project(pytester: pytest.Pytester, features: dict[str, str], *, steps: str = STEPS, ini: str = "") -> Path:
    pytester.makefile(
        ".toml",
        pyproject=f'[tool.pytest.ini_options]\nchecklist_features = "features"\n{ini}',
    )
    pytester.makeconftest('pytest_plugins = ["project_steps"]\n')
    pytester.makepyfile(project_steps=steps)
    for path, text in features.items():
        target = pytester.path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return pytester.path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()  # drop what came before (e.g. an in-process pytester run)
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code, out, err = run(capsys, *argv, "--format", "json")
    assert out, err
    return code, json.loads(out)


# ---------------------------------------------------------------------------------------------
# JSON Schemas of the machine-readable outputs (tools depend on these keys)

_TOTALS = {
    "type": "object",
    "required": ["requirements", "cases", "ready_cases", "ready", "pending", "error", "pending_by_reason"],
    "properties": {
        "pending_by_reason": {
            "type": "object",
            "required": ["undefined", "placeholder", "tbd", "tagged", "empty"],
            "additionalProperties": {"type": "integer"},
        }
    },
}
_ERRORS = {
    "type": "array",
    "items": {"type": "object", "required": ["path", "line", "column", "message", "text"]},
}
_STEP_USE = {"type": "object", "required": ["feature", "line", "column", "keyword", "type", "text"]}
_STEPDEF = {
    "type": "object",
    "required": ["type", "phrase", "pattern", "parser", "function", "path", "line", "location", "scope", "doc"],
}
SCHEMAS: dict[str, dict[str, Any]] = {
    "status": {
        "type": "object",
        "required": ["schema", "command", "dry_run", "totals", "areas", "requirements", "findings", "errors"],
        "properties": {
            "dry_run": {"const": True},
            "totals": _TOTALS,
            "areas": {"type": "object", "additionalProperties": _TOTALS},
            "requirements": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": [
                        "id",
                        "name",
                        "feature",
                        "line",
                        "area",
                        "tags",
                        "status",
                        "reason",
                        "message",
                        "cases",
                    ],
                    "properties": {
                        "status": {"enum": ["error", "pending", "ready"]},
                        "cases": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["nodeid", "status", "reason", "message", "steps"],
                                "properties": {"status": {"enum": ["error", "pending", "ready"]}},
                            },
                        },
                    },
                },
            },
            "errors": _ERRORS,
        },
    },
    "snippets": {
        "type": "object",
        "required": ["schema", "command", "undefined_steps", "files", "errors"],
        "properties": {
            "files": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["path", "module", "exists", "imports", "snippets"],
                    "properties": {
                        "snippets": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["type", "decorator", "code", "steps"],
                                "properties": {"steps": {"type": "array", "items": _STEP_USE, "minItems": 1}},
                            },
                        }
                    },
                },
            },
            "errors": _ERRORS,
        },
    },
    "steps": {
        "type": "object",
        "required": ["schema", "command", "steps"],
        "properties": {"steps": {"type": "array", "items": _STEPDEF}},
    },
    "usage": {
        "type": "object",
        "required": ["schema", "command", "definitions", "undefined", "ambiguous", "errors"],
        "properties": {
            "definitions": {
                "type": "array",
                "items": {"allOf": [_STEPDEF, {"type": "object", "required": ["count", "steps", "ambiguous"]}]},
            },
            "undefined": {"type": "array", "items": _STEP_USE},
            "ambiguous": {
                "type": "array",
                "items": {"type": "object", "required": ["feature", "line", "text", "message", "matches"]},
            },
            "errors": _ERRORS,
        },
    },
    "lint": {
        "type": "object",
        "required": ["schema", "command", "failing", "warnings", "findings", "errors"],
        "properties": {
            "findings": {
                "type": "array",
                "items": {"type": "object", "required": ["path", "line", "column", "message", "fails", "rule", "text"]},
            },
            "errors": _ERRORS,
        },
    },
}


def check_schema(data: Any) -> None:
    jsonschema.validate(data, SCHEMAS[data["command"]])
    assert data["schema"] == 1


# ---------------------------------------------------------------------------------------------
# Help and exit codes


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for name in ("status", "snippets", "steps", "usage", "lint"):
        assert re.search(rf"^\s+{name}\s+\S", out, re.MULTILINE), name
    assert "exit status:" in out


@pytest.mark.parametrize("command", ["status", "snippets", "steps", "usage", "lint"])
def test_each_command_documents_its_exit_codes(capsys: pytest.CaptureFixture[str], command: str) -> None:
    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    assert "--format {text,json}" in out
    assert re.search(r"^exit status:\n  0  .+\n(  1  .+\n(     .+\n)*)?  2  bad input", out, re.MULTILINE)
    assert ("  1  " in out) == (command in ("status", "usage", "lint"))


def test_no_command_or_a_bad_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys)[0] == 2
    code, _, err = run(capsys, "status", "--format", "xml")
    assert code == 2
    assert "invalid choice: 'xml'" in err


# ---------------------------------------------------------------------------------------------
# status


def test_status_counts_without_running_a_step(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    steps = STEPS.replace('    """A counter that starts at n."""', '    open("ran.txt", "w").close()')
    make_project(
        pytester, {"features/core/counting.feature": COUNTING, "features/parts/widgets.feature": WIDGETS}, steps=steps
    )

    def no_items(*args: object, **kwargs: object) -> None:
        raise AssertionError("a dry run must not create test items")

    monkeypatch.setattr(CaseItem, "__init__", no_items)
    code, out, err = run(capsys, "status")
    assert code == 1, err  # WID-1 is an error (ambiguous step) without running anything
    assert err == ""
    assert out.splitlines()[0] == "living checklist (dry run: no step was run)"
    assert out.splitlines()[1] == (
        "requirements: 9  ready: 2  pending: 6 (undefined 1, tbd 2, tagged 1, empty 2)  error: 1  cases: 10 (ready 4)"
    )
    assert re.search(r"^core\s+8\s+2\s+6\s+0$", out, re.MULTILINE)
    assert re.search(r"^parts\s+1\s+0\s+0\s+1$", out, re.MULTILINE)
    assert "  undefined   CNT-3 not defined yet - undefined step: When I multiply by 2" in out
    assert re.search(r"^ready to run:\n  CNT-1 adding works\n  CNT-5 many rows$", out, re.MULTILINE)
    assert 'matches @given("a blue widget")' in out
    assert not (pytester.path / "ran.txt").exists()
    assert "project_steps" in sys.modules  # the step module was imported, its steps were not run


def test_status_agrees_with_a_real_run(pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]) -> None:
    """Everything that does not depend on outcomes is the same number as in the run's JSON report."""
    make_project(pytester, {"features/core/counting.feature": COUNTING, "features/parts/widgets.feature": WIDGETS})
    result = pytester.runpytest("--checklist-json=report.json", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4, xfailed=6, failed=1)
    real = json.loads((pytester.path / "report.json").read_text())["totals"]
    code, data = run_json(capsys, "status")
    assert code == 1
    check_schema(data)
    static = data["totals"]
    for key in ("requirements", "cases", "pending", "error"):
        assert static[key] == real[key], key
    for reason in ("undefined", "tbd", "tagged", "empty"):
        assert static["pending_by_reason"][reason] == real["pending_by_reason"][reason], reason
    # Every ready requirement here passes when run, so ready = defined = verified.
    assert static["ready"] == real["defined"] == real["verified"] == 2
    # What is known without running is what the run says, word for word.
    real_cases = {
        case["nodeid"]: case
        for req in json.loads((pytester.path / "report.json").read_text())["requirements"]
        for case in req["cases"]
    }
    known = [case for req in data["requirements"] for case in req["cases"] if case["status"] != "ready"]
    assert len(known) == 6
    for case in known:
        real_case = real_cases[case["nodeid"]]
        # A real run runs the defined steps before the first undefined, ambiguous or TBD one ("."
        # there), as Cucumber does; the dry run runs none ("-"): the codes agree once the run's
        # passed steps are read as not run.
        assert (case["status"], case["reason"], case["message"], case["steps"]) == (
            real_case["status"],
            real_case["reason"],
            real_case["message"],
            real_case["steps"].replace(".", "-"),
        )
    assert any(c["steps"].startswith(".U") for c in real_cases.values())  # the prefix did run
    by_id = {r["id"]: r for r in data["requirements"]}
    assert by_id["CNT-7"]["status"] == "pending"
    assert by_id["CNT-7"]["message"].endswith("(1 of 2 cases ready to run)")
    assert [c["status"] for c in by_id["CNT-7"]["cases"]] == ["ready", "pending"]
    assert by_id["CNT-5"]["cases"][0]["nodeid"] == "features/core/counting.feature::CNT-5[1-1-2]"


def test_status_of_one_file_and_quiet(pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]) -> None:
    make_project(pytester, {"features/core/counting.feature": COUNTING, "features/parts/widgets.feature": WIDGETS})
    code, out, _ = run(capsys, "status", "-q", "features/core/counting.feature")
    assert code == 0
    assert "requirements: 8 " in out
    assert "pending:\n" not in out and "ready to run:" not in out


def test_status_leaves_no_trace_and_accepts_the_projects_addopts(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    """addopts meant for a real run still parse; nothing is written (no report, no inventory cache)
    but pytest's cache folder, where status saves its output (living_checklist.dryrun.snapshot)."""
    make_project(
        pytester,
        {"features/core/counting.feature": COUNTING},
        ini='addopts = "-ra -q --tb=short --lf --strict-markers"\nchecklist_json = "report.json"\n',
    )
    code, _, err = run(capsys, "status")
    assert (code, err) == (0, "")
    written = {p.name for p in pytester.path.iterdir()} - {"__pycache__"}  # bytecode is Python's, not ours
    assert written == {"conftest.py", "features", "project_steps.py", "pyproject.toml", "tox.ini", ".pytest_cache"}
    assert (pytester.path / ".pytest_cache" / ".gitignore").is_file()  # made the way pytest makes it
    assert not list(pytester.path.glob(".pytest_cache/d/living_checklist/inventory*"))


def test_conftest_steps_are_visible_only_below_their_folder(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    feature = "Feature: f\n  @LOC-{n}\n  Scenario: s\n    Then the local step holds\n"
    make_project(
        pytester,
        {
            "features/near/a.feature": feature.format(n=1),
            "features/far/b.feature": feature.format(n=2),
            "features/near/conftest.py": textwrap.dedent(
                '''
                from pytest_bdd import then

                @then("the local step holds")
                def local_step():
                    """Only for features/near."""
                '''
            ),
        },
    )
    code, data = run_json(capsys, "status")
    assert code == 0
    statuses = {r["id"]: (r["status"], r["reason"]) for r in data["requirements"]}
    assert statuses == {"LOC-1": ("ready", ""), "LOC-2": ("pending", "undefined")}
    code, data = run_json(capsys, "steps")
    local = [s for s in data["steps"] if s["phrase"] == "the local step holds"]
    assert [(s["path"], s["scope"], s["doc"]) for s in local] == [
        ("features/near/conftest.py", "features/near", "Only for features/near.")
    ]
    result = pytester.runpytest("--checklist-json=report.json", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, xfailed=1)


# ---------------------------------------------------------------------------------------------
# snippets

UNDEFINED = {
    "features/alpha/a.feature": """\
Feature: Alpha
  @A-1
  Scenario: frobnicating
    When I frobnicate 3 widgets
    And I frobnicate 5 widgets
    Then the widget is "red"
    And the latency is at most TBD ms
    And a thing with {braces} and a back\\slash

  @A-2
  Scenario Outline: rows
    When I frobnicate <n> widgets
    Then the widget is "<colour>"

    Examples:
      | n | colour |
      | 1 | blue   |
      | 2 | green  |
""",
    "features/beta/b.feature": """\
Feature: Beta
  @B-1
  Scenario: shared
    Given only beta needs this
    When I frobnicate 7 widgets
    Then the widget is "red"
""",
}


def test_snippets_one_per_pattern_grouped_by_area(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    make_project(pytester, UNDEFINED)
    code, data = run_json(capsys, "snippets")
    assert code == 0
    check_schema(data)
    files = {f["path"]: f for f in data["files"]}
    assert sorted(files) == ["steps/alpha.py", "steps/beta.py", "steps/common.py"]
    decorators = {f["path"]: [s["decorator"] for s in f["snippets"]] for f in data["files"]}
    assert decorators == {
        "steps/alpha.py": [
            "@then(parsers.parse('the latency is at most {value} ms'))",
            "@then('a thing with {braces} and a back\\\\slash')",
        ],
        "steps/beta.py": ["@given('only beta needs this')"],
        "steps/common.py": [
            "@when(parsers.parse('I frobnicate {n:d} widgets'))",
            "@then(parsers.parse('the widget is \"{text}\"'))",
        ],
    }
    frobnicate = files["steps/common.py"]["snippets"][0]
    assert [(s["feature"], s["line"]) for s in frobnicate["steps"]] == [
        ("features/alpha/a.feature", 4),
        ("features/alpha/a.feature", 5),
        ("features/alpha/a.feature", 12),
        ("features/beta/b.feature", 5),
    ]
    for f in data["files"]:
        for s in f["snippets"]:
            compile("\n".join(f["imports"]) + "\n" + s["code"], f["path"], "exec")
            assert "raise living_checklist.Pending(" in s["code"]
    code, out, _ = run(capsys, "snippets")
    assert "# ---- steps/common.py" in out
    assert '# (a new file: add "steps.common" to pytest_plugins in the rootdir conftest.py)' in out
    assert "# features/alpha/a.feature:4:5: When I frobnicate 3 widgets (+3 more)" in out


def test_pasted_snippets_make_the_steps_defined_and_pending(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    make_project(pytester, UNDEFINED)
    # Not "steps": the harness's own step package of that name is imported already.
    _, data = run_json(capsys, "snippets", "--steps-dir", "acceptance_steps")
    assert [f["module"] for f in data["files"]] == [
        "acceptance_steps.alpha",
        "acceptance_steps.beta",
        "acceptance_steps.common",
    ]
    (pytester.path / "acceptance_steps").mkdir()
    (pytester.path / "acceptance_steps" / "__init__.py").write_text("")
    modules = []
    for f in data["files"]:
        source = "\n\n".join(["\n".join(f["imports"]), *(s["code"] for s in f["snippets"])])
        (pytester.path / f["path"]).write_text(source)
        modules.append(f["module"])
    pytester.makeconftest(f"pytest_plugins = {['project_steps', *modules]!r}\n")
    code, data = run_json(capsys, "status")
    assert code == 0
    assert data["totals"]["pending_by_reason"]["undefined"] == 0
    assert data["totals"]["ready"] == 2 and data["totals"]["pending_by_reason"]["tbd"] == 1
    _, again = run_json(capsys, "snippets", "--steps-dir", "acceptance_steps")
    assert again["files"] == [] and again["undefined_steps"] == 0
    pytester.runpytest("--checklist-json=report.json", "-p", "no:cacheprovider").assert_outcomes(xfailed=4)
    real = json.loads((pytester.path / "report.json").read_text())["totals"]
    assert real["pending_by_reason"]["placeholder"] == 2


_WORDS = st.sampled_from(["I", "the", "widget", "runs", "at", "most", "TBD", "ms", "{x}", "a\\b", "'q'", "café"])
_NUMBERS = st.one_of(st.integers(-1000, 10**6).map(str), st.decimals(0, 1000, places=2).map(str))
_QUOTED = st.text("abc TBD-", min_size=1, max_size=6).map(lambda t: f'"{t}"')
_TEXTS = st.lists(st.one_of(_WORDS, _NUMBERS, _QUOTED), min_size=1, max_size=6).map(" ".join)
_KINDS = st.sampled_from(["given", "when", "then", None])


@st.composite
def step_uses(draw: st.DrawFn) -> StepUse:
    kind = draw(_KINDS)
    keyword = {"given": "Given ", "when": "When ", "then": "Then ", None: "* "}[kind]
    step = Step(keyword, kind, draw(_TEXTS), draw(st.integers(1, 99)), 5)
    return StepUse(f"features/{draw(st.sampled_from(['a', 'b']))}.feature", draw(st.sampled_from(["a", "b"])), step)


@given(st.lists(step_uses(), max_size=12))
@example([StepUse("f.feature", "a", Step("Then ", "then", "the latency is TBD ms", 1, 1))] * 2)
@example([StepUse("f.feature", "a", Step("Then ", "then", 'x "TBD" {y} 2.5', 1, 1))])
def test_snippets_dedupe_and_match_property(uses: list[StepUse]) -> None:
    """One snippet per distinct (type, pattern); each step is under exactly one, and it matches it."""
    files = cli_snippets.group_snippets(uses, Path("/nonexistent"))
    snippets = [s for f in files for s in f.snippets]
    keys = [s.key for s in snippets]
    assert len(keys) == len(set(keys))
    expected = {(u.step.type, cli_snippets.snippet_code(u.step).split("\n", 1)[0]) for u in uses}
    assert set(keys) == expected
    # Each step is listed, once per place it is written, under the snippet made from it.
    placed = {(s.key, u.feature, u.step.line) for s in snippets for u in s.uses}
    assert len(placed) == sum(len(s.uses) for s in snippets)
    for u in uses:
        assert ((u.step.type, cli_snippets.snippet_code(u.step).split("\n", 1)[0]), u.feature, u.step.line) in placed
    for s in snippets:
        compile(s.code, "<snippet>", "exec")
        call = s.key[1].removeprefix(f"@{s.key[0] or 'step'}(").removesuffix(")")
        matcher = eval(call, {"parsers": parsers})  # the decorator's own argument
        for use in uses:
            if (use.step.type, cli_snippets.snippet_code(use.step).split("\n", 1)[0]) != s.key:
                continue
            if isinstance(matcher, str):
                assert matcher == use.step.text
            else:
                assert matcher.is_matching(use.step.text), (s.key, use.step.text)


# ---------------------------------------------------------------------------------------------
# steps and usage


def test_steps_catalogue(pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]) -> None:
    make_project(pytester, {"features/core/counting.feature": COUNTING})
    code, out, _ = run(capsys, "steps")
    assert code == 0
    assert "project_steps.py\n" in out
    assert re.search(r"^\s+4  Given a counter at <n>\n\s+A counter that starts at n\.$", out, re.MULTILINE)
    assert "The counter holds n." in out and "Second paragraph" not in out
    assert "(installed package)" in out  # pytest-bdd's own "trace" steps are available too
    code, data = run_json(capsys, "steps")
    check_schema(data)
    mine = [s for s in data["steps"] if s["path"] == "project_steps.py"]
    assert [(s["type"], s["phrase"], s["line"]) for s in mine] == [
        ("given", "a counter at <n>", 4),
        ("when", "I add <n>", 10),
        ("then", "the counter is <n>", 16),
        ("then", "nothing else happens", 25),
        ("given", "a <colour> widget", 30),
        ("given", "a blue widget", 35),
    ]
    assert mine[2]["doc"].endswith("Second paragraph, not in the text catalogue.")
    assert mine[0]["function"] == "counter_at" and mine[0]["parser"] == "parse" and mine[0]["scope"] == ""


def test_usage_counts_unused_and_ambiguous(pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]) -> None:
    make_project(pytester, {"features/core/counting.feature": COUNTING, "features/parts/widgets.feature": WIDGETS})
    code, out, _ = run(capsys, "usage")
    assert code == 1  # an ambiguous step is an error
    # An outline's step counts once, however many rows; an outline without rows has no steps to
    # count; a step whose number is TBD does not match "{n:d}", so it is undefined.
    assert re.search(r"^\s+5  Given a counter at <n>  project_steps\.py:4$", out, re.MULTILINE)
    assert re.search(r"^unused:\n  Then  nothing else happens  project_steps\.py:25\n\n", out, re.MULTILINE)
    assert re.search(r"^     0  Given a blue widget  project_steps\.py:35  \(and 1 ambiguous\)$", out, re.MULTILINE)
    assert "steps: 13 defined, 4 undefined, 1 ambiguous" in out
    line = next(x for x in out.splitlines() if "ambiguous step" in x).strip()
    assert line == (
        "features/parts/widgets.feature:5:5: error: ambiguous step 'Given a blue widget' matches "
        'project_steps.py:35 @given("a blue widget") and project_steps.py:30 @given("a {colour} widget")'
    )
    code, data = run_json(capsys, "usage")
    assert code == 1
    check_schema(data)
    counts = {d["phrase"]: d["count"] for d in data["definitions"] if d["path"] == "project_steps.py"}
    assert counts == {
        "a counter at <n>": 5,
        "I add <n>": 3,
        "the counter is <n>": 5,
        "nothing else happens": 0,
        "a <colour> widget": 0,
        "a blue widget": 0,
    }
    assert [(a["feature"], a["line"], len(a["matches"])) for a in data["ambiguous"]] == [
        ("features/parts/widgets.feature", 5, 2)
    ]


def test_usage_without_ambiguity_exits_0(pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]) -> None:
    make_project(pytester, {"features/core/counting.feature": COUNTING})
    code, out, _ = run(capsys, "usage", "-v")
    assert code == 0
    assert "          features/core/counting.feature:5:5: Given a counter at 1" in out


# ---------------------------------------------------------------------------------------------
# lint


def test_lint_reports_path_line_col_and_fails(pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]) -> None:
    make_project(
        pytester,
        {
            "features/x.feature": "Feature: x\n  @X-1\n  Scenario: a\n    Given a counter at 1\n\n"
            "  @X-1\n  Scenario: b\n    Given a counter at 2\n\n  Scenario: c\n    Given a counter at 3\n"
        },
        ini="checklist_require_ids = true\n",
    )
    code, out, err = run(capsys, "lint")
    assert code == 1, err
    lines = out.splitlines()
    assert lines[0].startswith("features/x.feature:7:3: duplicate requirement id X-1 (first at features/x.feature:3)")
    assert lines[1].startswith("features/x.feature:10:3: scenario 'c' has no id tag")
    assert lines[-1] == "lint: 2 failing, 0 warnings in 1 feature file"
    # A run would fail on these too, whatever its steps do: status says so.
    code, out, _ = run(capsys, "status")
    assert code == 1
    assert "lint: 2 failing, 0 warnings (a run fails on these; see `living-checklist lint`)" in out
    assert "\nlint:\n  features/x.feature:7:3: duplicate requirement id X-1" in out
    code, data = run_json(capsys, "lint", "-o", "checklist_require_ids=false")
    assert code == 1
    check_schema(data)
    assert [(f["line"], f["rule"], f["fails"]) for f in data["findings"]] == [(7, "duplicate-id", True)]


def test_lint_passes_with_warnings_only_and_needs_no_step_module(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    make_project(
        pytester,
        {"features/x.feature": "Feature: x\n  @X-1\n  Scenario Outline: a\n    Given a counter at 1\n  Examples:\n"},
        steps="raise RuntimeError('step modules are not imported by lint')\n",
    )
    code, out, err = run(capsys, "lint")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "features/x.feature:5:3: warning: Examples has no rows: the requirement has no cases and stays pending",
        "lint: 0 failing, 1 warning in 1 feature file",
    ]


# ---------------------------------------------------------------------------------------------
# Bad input: one line naming the file, exit status 2, never a traceback


@pytest.mark.parametrize(
    ("setup", "argv", "message"),
    [
        pytest.param({}, ["status", "nowhere"], r"^nowhere: no such file or folder$", id="missing-path"),
        pytest.param(
            {},
            ["status", "-o", "checklist_features=reqs"],
            r"^pytest: checklist_features = 'reqs': no such folder under .*; create it",
            id="missing-features-folder",
        ),
        pytest.param(
            {}, ["steps", "pyproject.toml"], r"^pyproject\.toml: not a Gherkin feature file", id="not-feature"
        ),
        pytest.param(
            {"features/notes.feature": "These are notes, not Gherkin.\n"},
            ["status"],
            r"^features/notes\.feature:1:1: expected: #EOF, .*got 'These are notes, not Gherkin\.'$",
            id="not-gherkin",
        ),
        pytest.param(
            {"features/notes.feature": "These are notes, not Gherkin.\n"},
            ["lint"],
            r"^features/notes\.feature:1:1: expected:",
            id="not-gherkin-lint",
        ),
        pytest.param(
            {"project_steps.py": "from pytest_bdd import given\n\nVALUE = undefined_name\n"},
            ["status"],
            r"^project_steps\.py:3: cannot import: NameError: name 'undefined_name' is not defined$",
            id="step-module-raises",
        ),
        pytest.param(
            {"project_steps.py": "def broken(:\n"},
            ["usage"],
            r"^project_steps\.py:1: cannot import: SyntaxError: ",
            id="step-module-syntax",
        ),
        pytest.param(
            {"conftest.py": 'pytest_plugins = ["no_such_steps"]\n'},
            ["snippets"],
            r"^conftest\.py: cannot import: Error importing plugin \"no_such_steps\": No module named 'no_such_steps'$",
            id="step-module-missing",
        ),
        pytest.param(
            {"features/sub/conftest.py": "import no_such_module\n", "features/sub/a.feature": "Feature: a\n"},
            ["steps"],
            r"^features/sub/conftest\.py:1: cannot import: ModuleNotFoundError: No module named 'no_such_module'$",
            id="deeper-conftest",
        ),
        pytest.param(
            {},
            ["status", "-o", "checklist_id_pattern=(("],
            r"^pytest: checklist_id_pattern = '\(\(': not a valid regular expression",
            id="bad-ini-value",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    pytester: pytest.Pytester,
    capsys: pytest.CaptureFixture[str],
    setup: dict[str, str],
    argv: list[str],
    message: str,
) -> None:
    make_project(pytester, {"features/core/counting.feature": COUNTING})
    for path, text in setup.items():
        (pytester.path / path).parent.mkdir(parents=True, exist_ok=True)
        (pytester.path / path).write_text(text)
    for args in (argv, [*argv, "--format", "json"]):
        code, _, err = run(capsys, *args)
        assert code == 2
        lines = err.splitlines()
        assert len(lines) == 1, err
        assert re.search(message, lines[0]), lines[0]
        assert "Traceback" not in err


# ---------------------------------------------------------------------------------------------
# As a program


def test_python_m_checklist(pytester: pytest.Pytester) -> None:
    make_project(pytester, {"features/core/counting.feature": COUNTING})
    help_run = subprocess.run(
        [sys.executable, "-m", "living_checklist", "--help"],
        capture_output=True,
        text=True,
        cwd=pytester.path,
        check=False,
    )
    assert help_run.returncode == 0
    assert "status" in help_run.stdout and "snippets" in help_run.stdout
    status = subprocess.run(
        [sys.executable, "-m", "living_checklist", "status", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=pytester.path,
        check=False,
    )
    assert (status.returncode, status.stderr) == (0, "")
    check_schema(json.loads(status.stdout))
    assert json.loads(status.stdout)["totals"]["requirements"] == 8
