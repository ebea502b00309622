"""Inventory: requirements and cases counted exactly as gherkin-official compiles them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from gherkin.parser import Parser
from gherkin.pickles.compiler import Compiler
from hypothesis import example, given, settings

from living_checklist.core.inventory import (
    DEFAULT_ID_PATTERN,
    FeatureDoc,
    area_of,
    decode,
    discover,
    load_feature,
    parse_feature,
    requirement_item_name,
)
from tests.strategies import GExamples, GFeature, GRule, GScenario, GStep, gfeatures

PATH = "features/gen.feature"


def official(text: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    document: Any = Parser().parse(text)
    document["uri"] = PATH
    pickles: Any = Compiler().compile(document)
    return document, pickles


def scenario_nodes(feature: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for child in feature.get("children", []):
        if "scenario" in child:
            found.append(child["scenario"])
        for grandchild in child.get("rule", {}).get("children", []):
            if "scenario" in grandchild:
                found.append(grandchild["scenario"])
    return found


def item_names(doc: FeatureDoc) -> list[str]:
    names: list[str] = []
    for req in doc.requirements:
        names.extend(case.item_name for case in req.cases)
        if not req.cases:
            names.append(requirement_item_name(req))
    return names


def step(kind: str, text: str, **kwargs: Any) -> GStep:
    return GStep(kind, text, **kwargs)  # type: ignore[arg-type]


# Pinned edge cases for the generated-document properties.
EMPTY_OUTLINE_AFTER_SAME_ID = GFeature(
    "en",
    (),
    "",
    None,
    (
        GScenario(("REQ-1",), "first", (step("given", "apples"),)),
        GScenario(
            ("REQ-1",), "second", (step("given", "<n>"),), outline=True, examples=(GExamples((), "", ("n",), ()),)
        ),
    ),
)
EVERYTHING = GFeature(
    "fr",
    ("slow",),
    "same",
    (step("given", "runs"),),
    (
        GScenario((), "", ()),
        GScenario((), "", (step("star", "TBD", docstring=("a", "TBD")),)),
        GRule(
            ("gpu",),
            "rule",
            (step("and", "fast"),),
            (
                GScenario(
                    ("REQ-2", "pending"),
                    "same",
                    (step("given", "<n> apples", table=(("3", "x1"),)), step("but", "<name>")),
                    outline=True,
                    examples=(
                        GExamples(("slow",), "", ("n", "name"), (("3", "TBD"), ("3", "TBD"))),
                        GExamples((), "none", None, ()),
                    ),
                ),
            ),
        ),
    ),
    newline="\r\n",
)


# ---------------------------------------------------------------------------------------------
# Properties over generated feature files


@settings(max_examples=80)
@given(feature=gfeatures())
@example(feature=GFeature("en", (), "", None, ()))
@example(feature=EVERYTHING)
@example(feature=EMPTY_OUTLINE_AFTER_SAME_ID)
def test_counts_equal_gherkin_official(feature: GFeature) -> None:
    text = feature.render()
    document, pickles = official(text)
    doc = parse_feature(text.encode("utf-8"), PATH)
    assert doc.errors == ()
    assert len(doc.requirements) == len(scenario_nodes(document["feature"])) == feature.requirement_count
    assert sum(len(req.cases) for req in doc.requirements) == len(pickles) == feature.case_count
    assert doc.language == feature.language


@settings(max_examples=80)
@given(feature=gfeatures())
@example(feature=EVERYTHING)
def test_cases_mirror_pickles_and_point_at_their_source(feature: GFeature) -> None:
    text = feature.render()
    _, pickles = official(text)
    doc = parse_feature(text, PATH)
    cases = [case for req in doc.requirements for case in req.cases]
    assert [case.name for case in cases] == [p["name"] for p in pickles]
    lines = text.splitlines()
    for case, pickle in zip(cases, pickles, strict=True):
        assert [s.text for s in case.steps] == [s["text"] for s in pickle["steps"]]
        assert case.tags == tuple(t["name"].removeprefix("@") for t in pickle["tags"])
        has_tbd = any("TBD" in s["text"] or "TBD" in str(s.get("argument", "")) for s in pickle["steps"])
        assert case.has_tbd == has_tbd
        for s in case.steps:
            source = lines[s.line - 1]
            # The step's keyword sits exactly at its column; no carriage return leaks into the text.
            assert source[s.column - 1 :].startswith(s.keyword), (s, source)
            assert "\r" not in s.text and "\r" not in (s.docstring or "")


@settings(max_examples=80)
@given(feature=gfeatures())
@example(feature=EMPTY_OUTLINE_AFTER_SAME_ID)
def test_item_names_are_unique_in_a_file(feature: GFeature) -> None:
    """Node ids are ``path::item``; two items with one name would overwrite each other's outcome."""
    doc = parse_feature(feature.render(), PATH)
    names = item_names(doc)
    assert len(names) == len(set(names)), names


@settings(max_examples=60)
@given(feature=gfeatures())
def test_ids_tags_and_seeds(feature: GFeature) -> None:
    doc = parse_feature(feature.render(), PATH, area="behaviour")
    id_re = re.compile(DEFAULT_ID_PATTERN)
    for req, model in zip(doc.requirements, feature.scenarios, strict=True):
        own_ids = [tag for tag in model.tags if id_re.search(tag)]
        assert req.id == (own_ids[0] if own_ids else f"{PATH}:{req.line}")
        assert req.has_id == bool(own_ids)
        assert set(feature.tags) | set(model.tags) <= set(req.tags)
        assert req.tagged_pending == ("pending" in req.tags)
        assert req.seeds == tuple(t.removeprefix("seed-") for t in req.tags if t.startswith("seed-"))
        assert req.area == "behaviour"
        assert req.feature == PATH
        assert req.name == model.name.strip()


# ---------------------------------------------------------------------------------------------
# Files that do not parse or decode


def test_every_parse_error_is_reported_with_line_and_column() -> None:
    text = "Feature: broken\n  Scenario: x\n    Given ok\n  Examples oops\n  Scenario: y\n    Given ok\n  Blah blah\n"
    doc = parse_feature(text, PATH)
    assert doc.requirements == ()
    assert [(e.line, e.column) for e in doc.errors] == [(4, 3), (7, 3)]
    assert str(doc.errors[0]).startswith(f"{PATH}:4:3: ")
    assert "Examples oops" in doc.errors[0].message
    assert not doc.errors[0].message.startswith("(")  # gherkin's own "(4:3): " prefix is not repeated


def test_inconsistent_table_is_an_error_not_an_exception() -> None:
    doc = parse_feature("Feature: f\n  Scenario: s\n    Given x\n      | a | b |\n      | 1 |\n", PATH)
    assert len(doc.errors) == 1 and doc.errors[0].line == 5


def test_non_utf8_names_line_column_and_byte() -> None:
    data = b"Feature: x\n  Scenario: y\n    Given caf" + b"\xe9 au lait\n"
    text, error = decode(data, PATH)
    assert text is None and error is not None
    assert (error.line, error.column) == (3, 14)
    assert "0xe9" in error.message and "UTF-8" in error.message
    doc = parse_feature(data, PATH)
    assert doc.errors == (error,)


def test_non_utf8_after_a_bom_names_the_bad_byte_and_its_line() -> None:
    """A UTF-8 BOM is skipped by the codec, so the error offset counts from after it."""
    data = b"\xef\xbb\xbfFeature: x\n\xff\n"
    _, error = decode(data, PATH)
    assert error is not None
    assert "0xff" in error.message, error.message
    assert (error.line, error.column) == (2, 1)


def test_non_utf8_column_counts_characters_like_gherkin() -> None:
    """gherkin's columns count characters; 'é' before the bad byte is one column, not two."""
    data = "Feature: é".encode() + b"\xff\n"
    _, error = decode(data, PATH)
    assert error is not None
    assert (error.line, error.column) == (1, 11)


def test_utf8_bom_and_crlf_are_accepted() -> None:
    data = b"\xef\xbb\xbfFeature: x\r\n  @REQ-1\r\n  Scenario: y\r\n    Given a\r\n"
    doc = parse_feature(data, PATH)
    assert doc.errors == ()
    (req,) = doc.requirements
    assert (req.id, req.name, req.line) == ("REQ-1", "y", 3)
    assert req.cases[0].steps[0].text == "a"


def test_comment_only_file_has_nothing_and_no_error() -> None:
    doc = parse_feature("# just a comment\n", PATH)
    assert doc.requirements == () and doc.errors == ()


def test_unreadable_file_is_an_error(tmp_path: Path) -> None:
    doc = load_feature(tmp_path / "features" / "missing.feature", tmp_path, "features")
    assert len(doc.errors) == 1 and doc.errors[0].message.startswith("cannot read")


# ---------------------------------------------------------------------------------------------
# Requirements, cases and item names


OUTLINE = """\
@area
Feature: Apples
  Background:
    Given a basket

  Rule: eating
    @REQ-7 @seed-000
    Scenario Outline: eat <n>
      When I eat <n>
      Then <left> are left

      @slow
      Examples: few
        | n | left |
        | 1 | 4    |
        | 1 | 4    |

      Examples: none
        | n | left |

  @REQ-8
  Scenario Outline: nothing yet
    Given <x>

    Examples:
      | x |
"""


def test_outline_cases_and_item_names() -> None:
    doc = parse_feature(OUTLINE, "features/fruit/apples.feature", area="fruit")
    eat, nothing = doc.requirements
    assert (eat.id, eat.rule, eat.keyword, eat.line, eat.area) == ("REQ-7", "eating", "Scenario Outline", 8, "fruit")
    assert eat.seeds == ("000",)
    assert eat.tags == ("area", "REQ-7", "seed-000")
    assert [c.item_name for c in eat.cases] == ["REQ-7[1-4#15]", "REQ-7[1-4#16]"]
    assert [c.name for c in eat.cases] == ["eat 1", "eat 1"]
    assert eat.cases[0].tags == ("area", "REQ-7", "seed-000", "slow")
    assert eat.cases[0].example == (("n", "1"), ("left", "4"))
    # Background steps come first, with their own source lines.
    assert [(s.keyword, s.text, s.type, s.line) for s in eat.cases[0].steps] == [
        ("Given ", "a basket", "given", 4),
        ("When ", "I eat 1", "when", 9),
        ("Then ", "4 are left", "then", 10),
    ]
    assert [(e.name, e.rows) for e in eat.examples] == [("few", 2), ("none", 0)]
    assert nothing.cases == ()
    assert requirement_item_name(nothing) == "REQ-8"


def test_scenarios_without_ids_and_with_shared_or_empty_names() -> None:
    text = "Feature: f\n  Scenario: same\n    Given a\n\n  Scenario: same\n    Given a\n\n  Scenario:\n    Given a\n"
    doc = parse_feature(text, "features/f.feature")
    assert [(r.id, r.has_id, r.name) for r in doc.requirements] == [
        ("features/f.feature:2", False, "same"),
        ("features/f.feature:5", False, "same"),
        ("features/f.feature:8", False, ""),
    ]
    assert item_names(doc) == ["L2", "L5", "L8"]


def test_duplicate_ids_in_one_file_get_distinct_item_names() -> None:
    text = "Feature: f\n  @REQ-1\n  Scenario: a\n    Given a\n\n  @REQ-1\n  Scenario: b\n    Given a\n"
    doc = parse_feature(text, "features/f.feature")
    assert [r.id for r in doc.requirements] == ["REQ-1", "REQ-1"]
    assert item_names(doc) == ["REQ-1", "REQ-1@7"]


def test_id_must_be_the_scenarios_own_tag_and_match_the_pattern() -> None:
    text = "@REQ-1\nFeature: f\n  @req-2 @AB-3 @CD-4\n  Scenario: a\n    Given a\n"
    doc = parse_feature(text, "features/f.feature")
    (req,) = doc.requirements
    assert (req.id, req.id_tags) == ("AB-3", ("AB-3", "CD-4"))
    custom = parse_feature(text, "features/f.feature", id_pattern=r"^req-\d+$")
    assert custom.requirements[0].id == "req-2"


def test_step_types_follow_the_pickles() -> None:
    text = "Feature: f\n  Scenario: s\n    Given a\n    And b\n    When c\n    But d\n    Then e\n    * f\n"
    (req,) = parse_feature(text, PATH).requirements
    assert [(s.keyword, s.type) for s in req.cases[0].steps] == [
        ("Given ", "given"),
        ("And ", "given"),
        ("When ", "when"),
        ("But ", "when"),
        ("Then ", "then"),
        ("* ", "then"),  # pytest-bdd: a `*` takes the type of the step before it
    ]


def test_french_keywords() -> None:
    text = "# language: fr\nFonctionnalité: F\n  @REQ-1\n  Scénario: fr\n    Soit une chose\n    Et une autre\n"
    doc = parse_feature(text, PATH)
    assert doc.language == "fr"
    steps = doc.requirements[0].cases[0].steps
    assert [(s.keyword, s.text, s.type) for s in steps] == [
        ("Soit ", "une chose", "given"),
        ("Et ", "une autre", "given"),
    ]


def test_tbd_in_docstring_table_and_text() -> None:
    text = (
        'Feature: f\n  Scenario: a\n    Given x\n      """\n      TBD\n      """\n\n'
        "  Scenario: b\n    Given y\n      | n | TBD |\n\n"
        "  Scenario: c\n    Given it takes TBD ms\n\n"
        "  Scenario: d\n    Given it takes TBDs ms\n"
    )
    assert [r.cases[0].has_tbd for r in parse_feature(text, PATH).requirements] == [True, True, True, False]


def test_docstring_and_datatable_arguments() -> None:
    text = (
        'Feature: f\n  Scenario: a\n    Given x\n      """\n      line1\n        line2\n      """\n'
        "    And y\n      | a | b |\n      | 1 | 2 |\n"
    )
    steps = parse_feature(text, PATH).requirements[0].cases[0].steps
    assert steps[0].docstring == "line1\n  line2"
    assert steps[1].datatable == (("a", "b"), ("1", "2"))


@pytest.mark.parametrize(
    ("relpath", "features_dir", "area"),
    [
        ("features/hardware/cpu.feature", "features", "hardware"),
        ("features/perf.feature", "features", "perf"),
        ("features/a/b/c.feature", "features/", "a"),
        ("reqs/x.feature", "reqs", "x"),
        ("other/y/z.feature", "features", "other"),
    ],
)
def test_area_of(relpath: str, features_dir: str, area: str) -> None:
    assert area_of(relpath, features_dir) == area


def test_discover_skips_hidden_and_virtualenv_folders(tmp_path: Path) -> None:
    for rel in (
        "a.feature",
        "sub/b.feature",
        ".hidden/c.feature",
        ".venv/d.feature",
        "node_modules/e.feature",
        "f.txt",
    ):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("Feature: x\n")
    assert [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path)] == ["a.feature", "sub/b.feature"]
    assert discover(tmp_path / "a.feature") == [tmp_path / "a.feature"]
    assert discover(tmp_path / "f.txt") == []
