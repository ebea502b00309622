"""Lint rules: ids, seed citations and Gherkin smells, as pure functions and in a real run.

Failing findings (duplicate or missing ids, ids off the pattern, unknown seeds) make the run
fail; warnings (shared names, empty Examples, unused columns) are reported and keep it green.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from living_checklist.core.inventory import DEFAULT_ID_PATTERN, Inventory, parse_feature
from living_checklist.core.lint import Finding, lint
from living_checklist.run.settings import INI_ID_PATTERN, INI_REQUIRE_IDS
from tests.helpers import run_with_report, write_files
from tests.strategies import GFeature, GRule, GScenario, gfeatures

FAILING_RULES = {"duplicate-id", "missing-id", "id-pattern", "unknown-seed"}
WARNING_RULES = {"shared-name", "empty-examples", "unused-column"}


def inventory(*files: tuple[str, str]) -> Inventory:
    docs = tuple(parse_feature(text, path) for path, text in files)
    assert all(not doc.errors for doc in docs), [doc.errors for doc in docs]
    return Inventory(docs)


def where(findings: list[Finding]) -> list[tuple[str, int, int, str, bool]]:
    return [(f.path, f.line, f.column, f.rule, f.fails) for f in findings]


# ---------------------------------------------------------------------------------------------
# lint() on parsed inventories

IDS_FEATURE = """\
Feature: Ids
  @X-1
  Scenario: first
    Given a step

  @X-1
  Scenario: second
    Given a step

  Scenario: third
    Given a step

  @hw-1 @slow
  Scenario: fourth
    Given a step

  @HW001
  Scenario: fifth
    Given a step

  @X-2 @gpu @pending @seed-000
  Scenario: sixth
    Given a step
"""


def test_duplicate_missing_and_off_pattern_ids_are_failing_findings() -> None:
    findings = lint(inventory(("features/ids.feature", IDS_FEATURE)), require_ids=True, id_pattern=DEFAULT_ID_PATTERN)
    assert where(findings) == [
        ("features/ids.feature", 7, 3, "duplicate-id", True),
        ("features/ids.feature", 10, 3, "missing-id", True),
        ("features/ids.feature", 14, 3, "id-pattern", True),
        ("features/ids.feature", 18, 3, "id-pattern", True),
    ]
    duplicate, missing, hw_1, hw001 = findings
    assert "duplicate requirement id X-1" in duplicate.message
    assert "first at features/ids.feature:3" in duplicate.message
    assert "'third' has no id tag" in missing.message
    assert "checklist_require_ids = false" in missing.message
    # An id-like tag is named with the pattern it misses; no second "no id" finding for it.
    # The pattern is printed as written, so it can be pasted back into the settings.
    assert "@hw-1" in hw_1.message and DEFAULT_ID_PATTERN in hw_1.message and "\\\\" not in hw_1.message
    assert "@HW001" in hw001.message
    assert str(duplicate).startswith("features/ids.feature:7:3: duplicate requirement id X-1")


def test_without_require_ids_a_tag_is_just_a_tag() -> None:
    # Without required ids, @hw-1 or @py311 are ordinary tags: flagging them would fail runs
    # over tags like @iso-27001 or @utf-8. Duplicate ids still fail.
    findings = lint(inventory(("features/ids.feature", IDS_FEATURE)), require_ids=False, id_pattern=DEFAULT_ID_PATTERN)
    assert [(f.line, f.rule) for f in findings] == [(7, "duplicate-id")]


def test_duplicate_ids_across_files_point_at_the_later_one() -> None:
    a = "Feature: A\n  @X-1\n  Scenario: a\n    Given a step\n"
    b = "Feature: B\n\n  @X-1\n  Scenario: b\n    Given a step\n"
    findings = lint(
        inventory(("features/a.feature", a), ("features/b.feature", b)), require_ids=True, id_pattern=DEFAULT_ID_PATTERN
    )
    assert where(findings) == [("features/b.feature", 4, 3, "duplicate-id", True)]
    assert "first at features/a.feature:3" in findings[0].message


def test_a_custom_id_pattern_decides_what_is_an_id() -> None:
    text = (
        "Feature: Custom\n"
        "  @hw-1\n  Scenario: lower case ids are ours\n    Given a step\n\n"
        "  @HW-002\n  Scenario: the default form is not\n    Given a step\n"
    )
    pattern = r"^[a-z]+-\d+$"
    doc = parse_feature(text, "features/c.feature", id_pattern=pattern)
    assert [r.id for r in doc.requirements] == ["hw-1", "features/c.feature:7"]
    findings = lint(Inventory((doc,)), require_ids=True, id_pattern=pattern)
    assert [(f.line, f.rule) for f in findings] == [(7, "id-pattern")]
    assert "@HW-002" in findings[0].message and pattern in findings[0].message


def test_tags_that_do_not_look_like_ids_are_not_id_findings() -> None:
    text = "Feature: Tags\n  @slow @gpu @pending @seed-000 @wip\n  Scenario: tagged\n    Given a step\n"
    findings = lint(inventory(("features/t.feature", text)), require_ids=False, id_pattern=DEFAULT_ID_PATTERN)
    assert findings == []


def test_two_id_tags_on_one_scenario_fail() -> None:
    text = "Feature: Two\n  @X-1 @X-2\n  Scenario: twice\n    Given a step\n"
    findings = lint(inventory(("features/t.feature", text)), require_ids=True, id_pattern=DEFAULT_ID_PATTERN)
    assert [(f.line, f.fails) for f in findings] == [(3, True)]
    assert "@X-1 @X-2" in findings[0].message


SEEDS_FEATURE = """\
@seed-000
Feature: Seeds

  @X-1 @seed-xyz
  Scenario: cites an unknown seed
    Given a step

  @X-2
  Scenario: cites only the feature's seed
    Given a step
"""


def test_citing_an_unknown_seed_fails_and_names_the_known_ones() -> None:
    inv = inventory(("features/s.feature", SEEDS_FEATURE))
    findings = lint(inv, require_ids=True, id_pattern=DEFAULT_ID_PATTERN, seed_ids={"000", "003"})
    assert where(findings) == [("features/s.feature", 5, 3, "unknown-seed", True)]
    assert "@seed-xyz" in findings[0].message and "000, 003" in findings[0].message
    # Without a manifest there is nothing to know: every citation is unknown.
    findings = lint(inv, require_ids=True, id_pattern=DEFAULT_ID_PATTERN, seed_ids=set())
    assert [(f.line, f.message.split()[0]) for f in findings] == [(5, "@seed-000"), (5, "@seed-xyz"), (9, "@seed-000")]
    # seed_ids=None: seeds are not checked at all.
    assert lint(inv, require_ids=True, id_pattern=DEFAULT_ID_PATTERN) == []


SMELLS_FEATURE = """\
Feature: Smells

  @X-1
  Scenario: same name
    Given a step

  Rule: a rule

    @X-2
    Scenario: same name
      Given a step

    @X-3
    Scenario Outline: eat <n> of <size>
      Given I have <n> apples
        | <kind> |

      Examples: no rows
        | n | size | kind | unused |

      Examples: rows
        | n | size | kind | unused |
        | 1 | big  | red  | x      |

      Examples: no table
"""


def test_smells_are_warnings_with_their_own_location() -> None:
    findings = lint(
        inventory(("features/smells.feature", SMELLS_FEATURE)), require_ids=True, id_pattern=DEFAULT_ID_PATTERN
    )
    assert where(findings) == [
        ("features/smells.feature", 10, 5, "shared-name", False),
        ("features/smells.feature", 18, 7, "unused-column", False),
        ("features/smells.feature", 18, 7, "empty-examples", False),
        ("features/smells.feature", 21, 7, "unused-column", False),
        ("features/smells.feature", 25, 7, "empty-examples", False),
    ]
    shared = findings[0]
    assert "'same name'" in shared.message and "line 4" in shared.message
    assert str(shared) == f"features/smells.feature:10:5: warning: {shared.message}"
    # Columns used in the name (<size>) or a step argument (<kind>) count as used.
    assert all("'unused'" in f.message for f in findings if f.rule == "unused-column")


def test_shared_names_are_per_feature_file() -> None:
    text = "Feature: F\n  @X-{n}\n  Scenario: same\n    Given a step\n"
    findings = lint(
        inventory(("features/a.feature", text.format(n=1)), ("features/b.feature", text.format(n=2))),
        require_ids=True,
        id_pattern=DEFAULT_ID_PATTERN,
    )
    assert findings == []


# ---------------------------------------------------------------------------------------------
# Properties


def _ids_feature(ids: list[str]) -> str:
    blocks = [f"  @{i}\n  Scenario: s{n}\n    Given a step\n" for n, i in enumerate(ids)]
    return "Feature: Generated\n\n" + "\n".join(blocks)


@given(st.lists(st.sampled_from(["A-1", "A-2", "B-10", "ZZ-3-4"]), max_size=12))
@example([])
@example(["A-1", "A-1", "A-1"])
def test_duplicate_findings_count_the_repeats(ids: list[str]) -> None:
    inv = inventory(("features/a.feature", _ids_feature(ids[::2])), ("features/b.feature", _ids_feature(ids[1::2])))
    findings = lint(inv, require_ids=True, id_pattern=DEFAULT_ID_PATTERN)
    duplicates = [f for f in findings if f.rule == "duplicate-id"]
    assert len(duplicates) == len(ids) - len(set(ids))
    assert findings == duplicates
    # Each id's first scenario (in file order) is never the one reported.
    firsts: dict[str, str] = {}
    for req in inv.requirements:
        firsts.setdefault(req.id, req.location)
    assert not {f"{f.path}:{f.line}" for f in duplicates} & set(firsts.values())


def _expected_rules(feature: GFeature, id_re: re.Pattern[str], require_ids: bool) -> Counter[str]:
    """What lint must find in a generated feature, worked out from the model alone."""
    expected: Counter[str] = Counter()
    scenarios: list[tuple[GScenario, tuple[str, ...]]] = []
    rule_tags: tuple[str, ...] = ()
    for child in feature.children:
        if isinstance(child, GRule):
            rule_tags = child.tags
            scenarios.extend((s, feature.tags + rule_tags + s.tags) for s in child.scenarios)
        else:
            # In Gherkin a scenario written after a Rule belongs to that rule.
            scenarios.append((child, feature.tags + rule_tags + child.tags))
    seen_ids: set[str] = set()
    names: Counter[str] = Counter()
    for scenario, all_tags in scenarios:
        own_ids = [t for t in scenario.tags if id_re.search(t)]
        if len(own_ids) > 1:
            expected["several-ids"] += 1
        if own_ids:
            expected["duplicate-id"] += own_ids[0] in seen_ids
            seen_ids.add(own_ids[0])
        elif require_ids:
            expected["missing-id"] += 1
        expected["unknown-seed"] += "seed-000" in all_tags
        if scenario.name.strip():
            names[scenario.name.strip()] += 1
        for examples in scenario.examples:
            expected["empty-examples"] += not examples.rows
            used = " ".join(step.text for step in scenario.steps)
            expected["unused-column"] += sum(f"<{h}>" not in used for h in examples.header or ())
    expected["shared-name"] = sum(n - 1 for n in names.values())
    return +expected


@given(gfeatures(), st.booleans())
def test_lint_of_generated_features_matches_the_model(feature: GFeature, require_ids: bool) -> None:
    path = "features/generated.feature"
    inv = inventory((path, feature.render()))
    findings = lint(inv, require_ids=require_ids, id_pattern=DEFAULT_ID_PATTERN, seed_ids=set())
    assert findings == sorted(findings, key=lambda f: (f.path, f.line, f.column, f.message))
    counted: Counter[str] = Counter()
    for finding in findings:
        rule = "several-ids" if "several id tags" in finding.message else finding.rule
        assert rule in FAILING_RULES | WARNING_RULES | {"several-ids"}, finding
        assert finding.fails == (rule not in WARNING_RULES), finding
        assert finding.path == path
        assert 1 <= finding.line <= len(feature.render().splitlines()) and finding.column >= 1
        prefix = f"{path}:{finding.line}:{finding.column}: " + ("" if finding.fails else "warning: ")
        assert str(finding) == prefix + finding.message
        counted[rule] += 1
    assert counted == _expected_rules(feature, re.compile(DEFAULT_ID_PATTERN), require_ids)


# ---------------------------------------------------------------------------------------------
# In a real run: JSON "errors", the terminal "lint:" lines, the exit status

CONFTEST = "# no step definitions: every scenario is pending (undefined)\n"

MANIFEST = """\
schema = 1

[[seed]]
id = "000"
file = "000.txt"
sha256 = "{zeros}"
verdict = "nothing drawn"

[[seed]]
id = "001"
file = "001.txt"
sha256 = "{zeros}"
""".format(zeros="0" * 64)

FAILING_FEATURE = """\
Feature: Failing lint
  @X-1
  Scenario: one
    Given a step

  @X-1 @seed-000
  Scenario: two
    Given a step

  Scenario: three
    Given a step

  @hw-1
  Scenario: four
    Given a step

  @HW001
  Scenario: five
    Given a step

  @X-6 @seed-xyz
  Scenario: six
    Given a step
"""

WARNING_FEATURE = """\
Feature: Warnings only
  @W-1
  Scenario: same
    Given a step

  @W-2
  Scenario: same
    Given a step

  @W-3
  Scenario Outline: outline
    Given I have <n> apples

    Examples:
      | n | unused |

    Examples:
      | n | unused |
      | 1 | x      |
"""


def project(pytester: pytest.Pytester, files: dict[str, str], *, require_ids: bool = True) -> None:
    pytester.makeini(
        f"[pytest]\nchecklist_features = features\ntestpaths = features\nfilterwarnings =\n    error\n"
        f"{INI_REQUIRE_IDS} = {str(require_ids).lower()}\n"
    )
    pytester.makeconftest(CONFTEST)
    write_files(pytester.path, files)


run = run_with_report


def errors(data: dict[str, Any]) -> list[tuple[str, int, int, str, str]]:
    return [(e["path"], e["line"], e["column"], e["kind"], e["severity"]) for e in data["errors"]]


def test_failing_lint_fails_the_run_with_path_line_col(pytester: pytest.Pytester) -> None:
    project(pytester, {"features/x.feature": FAILING_FEATURE, "seeds/manifest.toml": MANIFEST})
    result, data = run(pytester)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(xfailed=6)  # every scenario is only pending: lint alone fails the run
    # The order of the seeds manifest's findings among the others is not part of the contract.
    assert sorted(errors(data)) == [
        ("features/x.feature", 7, 3, "duplicate-id", "error"),
        ("features/x.feature", 10, 3, "missing-id", "error"),
        ("features/x.feature", 14, 3, "id-pattern", "error"),
        ("features/x.feature", 18, 3, "id-pattern", "error"),
        ("features/x.feature", 22, 3, "unknown-seed", "error"),
        ("seeds/manifest.toml", 9, 1, "seed-manifest", "error"),
    ]
    messages = {(e["path"], e["line"]): e["message"] for e in data["errors"]}
    assert "seed 001 has neither requirements nor a verdict" in messages["seeds/manifest.toml", 9]
    assert "@seed-xyz" in messages["features/x.feature", 22]
    for entry in data["errors"]:
        assert entry["text"] == f"{entry['path']}:{entry['line']}:{entry['column']}: {entry['message']}"
    result.stdout.fnmatch_lines(["lint: 6 error(s), 0 warning(s)"])
    result.stdout.fnmatch_lines(["  seeds/manifest.toml:9:1: seed 001 has neither requirements nor a verdict*"])
    result.stdout.fnmatch_lines(
        [
            "*= living checklist =*",
            "lint: 6 error(s), 0 warning(s)",
            "  features/x.feature:7:3: duplicate requirement id X-1 (first at features/x.feature:3)*",
            "  features/x.feature:10:3: scenario 'three' has no id tag*",
            "  features/x.feature:14:3: tag @hw-1 looks like a requirement id*",
            "  features/x.feature:18:3: tag @HW001 looks like a requirement id*",
            "  features/x.feature:22:3: @seed-xyz cites a seed that is not in the seeds manifest*",
        ]
    )
    assert "Traceback" not in result.stdout.str()


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_warnings_alone_keep_the_run_green(pytester: pytest.Pytester, workers: list[str]) -> None:
    project(pytester, {"features/w.feature": WARNING_FEATURE})
    result, data = run(pytester, *workers)
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(xfailed=3)
    assert errors(data) == [
        ("features/w.feature", 7, 3, "shared-name", "warning"),
        ("features/w.feature", 14, 5, "unused-column", "warning"),
        ("features/w.feature", 14, 5, "empty-examples", "warning"),
        ("features/w.feature", 17, 5, "unused-column", "warning"),
    ]
    result.stdout.fnmatch_lines(
        [
            "lint: 0 error(s), 4 warning(s)",
            "  features/w.feature:7:3: warning: scenario name 'same' is also used at line 3 of this feature",
            "  features/w.feature:14:5: warning: Examples column 'unused' is not used*",
            "  features/w.feature:14:5: warning: Examples has no rows*",
            "  features/w.feature:17:5: warning: Examples column 'unused' is not used*",
        ]
    )


def test_missing_ids_are_allowed_when_not_required(pytester: pytest.Pytester) -> None:
    feature = "Feature: No ids\n  Scenario: anonymous\n    Given a step\n"
    project(pytester, {"features/n.feature": feature}, require_ids=False)
    result, data = run(pytester)
    assert result.ret == pytest.ExitCode.OK
    assert data["errors"] == []
    assert [r["id"] for r in data["requirements"]] == ["features/n.feature:2"]
    # The same file with ids required fails, and -o overrides the ini file.
    result, data = run(pytester, "-o", f"{INI_REQUIRE_IDS}=true")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert errors(data) == [("features/n.feature", 2, 3, "missing-id", "error")]
    result.stdout.fnmatch_lines(["  features/n.feature:2:3: scenario 'anonymous' has no id tag*"])


def test_a_custom_id_pattern_from_the_command_line(pytester: pytest.Pytester) -> None:
    feature = (
        "Feature: Custom\n"
        "  @hw-1\n  Scenario: ours\n    Given a step\n\n"
        "  @HW-002\n  Scenario: default form\n    Given a step\n"
    )
    project(pytester, {"features/c.feature": feature})
    result, data = run(pytester, "-o", "checklist_require_ids=true")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert [(e["line"], e["kind"]) for e in data["errors"]] == [(3, "id-pattern")]
    result, data = run(pytester, "-o", "checklist_require_ids=true", "-o", rf"{INI_ID_PATTERN}=^[a-z]+-\d+$")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert [(e["line"], e["kind"]) for e in data["errors"]] == [(7, "id-pattern")]
    assert [r["id"] for r in data["requirements"]] == ["hw-1", "features/c.feature:7"]
    assert (
        f"  features/c.feature:7:3: tag @HW-002 looks like a requirement id but does not match {INI_ID_PATTERN} "
        + r"^[a-z]+-\d+$"
        in result.stdout.str()
    )


def test_lint_findings_are_in_the_markdown_and_html_reports(pytester: pytest.Pytester) -> None:
    feature = "Feature: F\n  @X-1\n  Scenario: <b>one</b>\n    Given a step\n\n  @X-1\n  Scenario: two\n    Given b\n"
    project(pytester, {"features/f.feature": feature})
    result = pytester.runpytest("-p", "no:cacheprovider", "--checklist-md=out/r.md", "--checklist-html=out/r.html")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    markdown = (pytester.path / "out" / "r.md").read_text(encoding="utf-8")
    assert "## Lint (1 errors, 0 warnings)" in markdown
    assert "features/f.feature:7:3: duplicate requirement id X-1" in markdown
    page = (pytester.path / "out" / "r.html").read_text(encoding="utf-8")
    assert '<section id="lint"><h2>Lint (1 errors, 0 warnings)</h2>' in page
    assert "features/f.feature:7:3: duplicate requirement id X-1" in page


def test_a_column_named_only_in_the_description_is_still_unused() -> None:
    text = (
        "Feature: F\n"
        "  @X-1\n"
        "  Scenario Outline: sizes of <size>\n"
        "    The <note> column explains the row.\n"
        "    Given a <n> step\n"
        '      """\n'
        "      <doc>\n"
        '      """\n'
        "    And a table\n"
        "      | <cell> |\n"
        "    Examples:\n"
        "      | n | size | note | doc | cell |\n"
        "      | 1 | 2    | 3    | 4   | 5    |\n"
    )
    findings = lint(inventory(("features/f.feature", text)), require_ids=True, id_pattern=DEFAULT_ID_PATTERN)
    assert [(f.rule, f.message) for f in findings] == [
        ("unused-column", "Examples column 'note' is not used as <note> in the scenario")
    ]
