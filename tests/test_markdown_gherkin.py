"""Markdown with Gherkin (``*.feature.md``): found, parsed, collected, linted and reported like
``.feature`` files, in the run, the dry run ``living-checklist status`` and ``lint``, also under
``-n 2``; Messages' ``source`` says ``text/x.cucumber.gherkin+markdown``, and the kit's
``markdown`` sample has the kit's document, pickles and locations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from living_checklist import cli
from living_checklist.core.gherkin_files import feature_stem, is_feature_file, is_markdown, media_type
from living_checklist.core.inventory import area_of, discover, parse_feature
from tests.helpers import COUNTER_STEPS, COUNTER_THEN, run_by_id, write_files
from tests.test_messages import CCK, read_envelopes, run_sample

COUNTER_MD = """\
# Feature: Counter in Markdown

Prose between the headings is the description; so is this table (not indented):

| not | gherkin |
| --- | ------- |

`@CNT-1`
## Scenario: adding one

* Given a counter at 1
* When I add 1
* Then the counter is 2

`@CNT-2`
## Scenario Outline: adding <n>

* Given a counter at 0
* When I add <n>
* Then the counter is <n>

### Examples:

  | n |
  | - |
  | 1 |
  | 2 |

`@CNT-3`
## Scenario: not written yet

* Given a counter at 1
* When I multiply by 3
"""

PLAIN = """\
Feature: Counter in plain Gherkin
  @CNT-9
  Scenario: adding two
    Given a counter at 1
    When I add 2
    Then the counter is 3
"""


def project(pytester: pytest.Pytester, **extra: str) -> Path:
    write_files(
        pytester.path,
        {
            "pyproject.toml": '[tool.pytest.ini_options]\nchecklist_features = "features"\n',
            "conftest.py": 'pytest_plugins = ["project_steps"]\n',
            "project_steps.py": COUNTER_STEPS + COUNTER_THEN,
            "features/counting/counter.feature.md": COUNTER_MD,
            "features/counting/plain.feature": PLAIN,
            "features/README.md": "# Not Gherkin: a plain .md is no feature file\n\n## Scenario: no\n",
            **extra,
        },
    )
    return pytester.path


def test_names_and_media_types() -> None:
    assert is_feature_file("a/b.feature") and is_feature_file("b.feature.md") and is_markdown("x/b.feature.md")
    assert not is_feature_file("README.md") and not is_feature_file(".feature") and not is_feature_file("a.feature.txt")
    assert not is_markdown("a.feature") and not is_markdown(".feature.md")
    assert feature_stem("counter.feature.md") == feature_stem("counter.feature") == "counter"
    assert area_of("features/counter.feature.md", "features") == "counter"
    assert media_type("a.feature") == "text/x.cucumber.gherkin+plain"
    assert media_type("a.feature.md") == "text/x.cucumber.gherkin+markdown"


def test_the_inventory_finds_and_parses_markdown(tmp_path: Path) -> None:
    write_files(tmp_path, {"a.feature.md": COUNTER_MD, "b.feature": PLAIN, "README.md": "# Feature: no\n", "c.md": ""})
    assert [p.name for p in discover(tmp_path)] == ["a.feature.md", "b.feature"]
    doc = parse_feature(COUNTER_MD, "features/a.feature.md")
    assert doc.errors == ()
    assert doc.name == "Counter in Markdown"
    assert [(r.id, r.line, len(r.cases)) for r in doc.requirements] == [
        ("CNT-1", 9, 1),
        ("CNT-2", 16, 2),
        ("CNT-3", 30, 1),
    ]
    assert [s.line for s in doc.requirements[0].cases[0].steps] == [11, 12, 13]
    # The same text read as plain Gherkin is no feature at all: the file's name decides the parser.
    assert parse_feature(COUNTER_MD, "features/a.feature").requirements == ()


def test_markdown_features_are_collected_run_and_reported(pytester: pytest.Pytester) -> None:
    project(pytester)
    collected = pytester.runpytest("--collect-only", "-q", "-p", "no:cacheprovider")
    collected.stdout.fnmatch_lines(
        [
            "features/counting/counter.feature.md::CNT-1",
            "features/counting/counter.feature.md::CNT-2[[]1[]]",
            "features/counting/counter.feature.md::CNT-2[[]2[]]",
            "features/counting/counter.feature.md::CNT-3",
            "features/counting/plain.feature::CNT-9",
        ]
    )
    result, reqs = run_by_id(pytester)
    result.assert_outcomes(passed=4, xfailed=1)
    assert {rid: (r["feature"], r["line"], r["status"], r["area"]) for rid, r in reqs.items()} == {
        "CNT-1": ("features/counting/counter.feature.md", 9, "verified", "counting"),
        "CNT-2": ("features/counting/counter.feature.md", 16, "verified", "counting"),
        "CNT-3": ("features/counting/counter.feature.md", 30, "pending", "counting"),
        "CNT-9": ("features/counting/plain.feature", 3, "verified", "counting"),
    }


def test_under_xdist_the_markdown_cases_are_expected_and_run(pytester: pytest.Pytester) -> None:
    project(pytester)
    result, reqs = run_by_id(pytester, "-n", "2")
    result.assert_outcomes(passed=4, xfailed=1)
    assert [reqs[rid]["status"] for rid in ("CNT-1", "CNT-2", "CNT-3")] == ["verified", "verified", "pending"]


def test_the_dry_run_and_lint_read_markdown(pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]) -> None:
    duplicate = COUNTER_MD.replace("`@CNT-3`", "`@CNT-1`")
    project(pytester, **{"features/counting/counter.feature.md": duplicate})
    capsys.readouterr()
    code = cli.main(["status", "--format", "json"])
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    by_line = {(r["feature"], r["line"]): r for r in data["requirements"]}
    assert by_line["features/counting/counter.feature.md", 30]["status"] == "pending"
    assert [c["nodeid"] for c in by_line["features/counting/counter.feature.md", 16]["cases"]] == [
        "features/counting/counter.feature.md::CNT-2[1]",
        "features/counting/counter.feature.md::CNT-2[2]",
    ]
    assert data["totals"]["requirements"] == 4
    code = cli.main(["lint"])
    out = capsys.readouterr().out
    assert code == 1
    assert "features/counting/counter.feature.md:30:" in out and "duplicate requirement id CNT-1" in out
    # ... and status on the one file by name
    assert cli.main(["status", "-q", "features/counting/counter.feature.md"]) == 1  # lint fails it
    assert "requirements: 3 " in capsys.readouterr().out


def test_a_report_over_a_markdown_feature_is_refused(pytester: pytest.Pytester) -> None:
    project(pytester)
    result = pytester.runpytest_subprocess(
        "--checklist-md=features/counting/counter.feature.md", "-p", "no:cacheprovider"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*names a feature file*"])
    assert (pytester.path / "features/counting/counter.feature.md").read_text(encoding="utf-8") == COUNTER_MD


def test_messages_source_is_markdown_and_the_kits_sample_has_the_kits_locations(pytester: pytest.Pytester) -> None:
    (pytester.path / "features").mkdir(exist_ok=True)
    got = run_sample(pytester, "markdown", "-p", "no:xdist")
    expected = read_envelopes(CCK / "markdown.ndjson")
    (source,) = [e["source"] for e in got if "source" in e]
    assert source["mediaType"] == "text/x.cucumber.gherkin+markdown"
    assert source["uri"] == "features/markdown.feature.md"
    assert source["data"] == (CCK / "markdown.feature.md").read_text(encoding="utf-8")

    def without_uri(kind: str, envelopes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in e[kind].items() if k != "uri"} for e in envelopes if kind in e]

    for kind in ("gherkinDocument", "pickle"):  # every line, column, description, docstring and table
        assert without_uri(kind, got) == without_uri(kind, expected), kind

    def groups(envelopes: list[dict[str, Any]]) -> list[list[list[dict[str, Any]]]]:
        return [
            [
                [a["group"] for a in s["stepMatchArgumentsLists"][0]["stepMatchArguments"]]
                for s in e["testCase"]["testSteps"]
            ]
            for e in envelopes
            if "testCase" in e
        ]

    assert groups(got) == groups(expected)
    failed = [e["testStepFinished"]["testStepResult"] for e in got if "testStepFinished" in e]
    assert [r["message"] for r in failed if r["status"] == "FAILED"] == [
        "You asked me to fail (step features/markdown.feature.md:24: When we use a data table and attach something"
        " and then fail)"
    ]
