"""Markdown, HTML, Cucumber JSON and JUnit properties: pure renderers and end-to-end runs.

Renderers are checked as properties over generated checklists (escaping, shape, counts); the
plugin is run with pytester serially, with ``-n 2`` and with ``-p no:xdist``, and the files it
writes are read back.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from living_checklist.core.escape import terminal_safe
from living_checklist.core.inventory import Case, GherkinError, Requirement, Step
from living_checklist.core.measure import Measurement
from living_checklist.core.status import (
    STATUSES,
    CaseOutcome,
    CaseResult,
    Checklist,
    RequirementResult,
    requirement_status,
    totals,
)
from living_checklist.reports import CUCUMBER_OPTION, HTML_OPTION, MD_OPTION
from living_checklist.reports import cucumber as report_cucumber
from living_checklist.reports import html as report_html
from living_checklist.reports import markdown as report_md
from living_checklist.reports import results as report_results

# ---------------------------------------------------------------------------------------------
# Local strategies: checklists built straight from the data classes, with hostile text.

HOSTILE = ["<script>alert(1)</script>", "a | b", "`code`", "**bold**", "&amp;", '"quoted"', "[x](http://e.com)"]
texts = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40))
words = st.text(alphabet=st.characters(categories=("L", "N", "P", "S")), min_size=1, max_size=12)


@st.composite
def steps(draw: st.DrawFn) -> Step:
    return Step(
        keyword=draw(st.sampled_from(["Given ", "When ", "Then ", "And ", "* "])),
        type=None,
        text=draw(texts),
        line=draw(st.integers(1, 500)),
        column=5,
        docstring=draw(st.none() | texts),
        datatable=draw(st.none() | st.lists(st.tuples(texts, texts), max_size=2).map(tuple)),
    )


@st.composite
def outcomes(draw: st.DrawFn, n_steps: int) -> CaseOutcome:
    status = draw(st.sampled_from(STATUSES))
    codes = draw(st.just("") | st.text(alphabet=".FEPU-", min_size=n_steps, max_size=n_steps))
    measurements = draw(
        st.lists(
            st.builds(
                Measurement,
                name=texts.filter(lambda name: bool(name.strip())),  # Measurement refuses a blank name
                value=st.floats(allow_nan=False, allow_infinity=False) | texts,
                unit=texts,
                required=st.none() | st.floats(allow_nan=False, allow_infinity=False),
                comparison=st.sampled_from([">=", "<=", "=="]),
            ),
            max_size=2,
        )
    )
    reason = draw(st.sampled_from(["", "undefined", "tbd", "ambiguous", "teardown", "setup", "skipped"]))
    return CaseOutcome(status, reason, draw(texts), tuple(measurements), codes)


@st.composite
def results(draw: st.DrawFn, index: int) -> RequirementResult:
    name = draw(texts)
    feature = draw(st.sampled_from(["features/a.feature", "features/b/c.feature", "features/<x>.feature"]))
    line = 3 + 20 * index
    n_cases = draw(st.integers(0, 3))
    cases = []
    case_results = []
    for n in range(n_cases):
        case_steps = tuple(draw(st.lists(steps(), max_size=4)))
        tags = tuple(draw(st.lists(words, max_size=2)))
        item = f"R-{index}[{n}]" if n_cases > 1 else f"R-{index}"
        cases.append(Case(name=name, item_name=item, line=line + n, tags=tags, steps=case_steps))
        case_results.append(CaseResult(f"{feature}::{item}", draw(outcomes(len(case_steps)))))
    status, reason, message = requirement_status([c.outcome for c in case_results])
    req = Requirement(
        id=draw(st.just(f"R-{index}") | texts.map(lambda t: f"{t}-{index}")),
        has_id=True,
        id_tags=(),
        name=name,
        description=draw(texts),
        keyword=draw(st.sampled_from(["Scenario", "Scenario Outline"])),
        feature=feature,
        feature_name=draw(texts),
        rule=draw(st.none() | texts),
        line=line,
        column=3,
        area=draw(st.sampled_from(["alpha", "b<e>ta", "gamma & delta"]) | words),
        tags=tuple(draw(st.lists(words, max_size=3))),
        seeds=tuple(draw(st.lists(st.sampled_from(["000", "003", "<9>"]), max_size=2, unique=True))),
        cases=tuple(cases),
        text=draw(texts),
        outline_steps=tuple(draw(st.lists(steps(), max_size=2))),
    )
    return RequirementResult(req, f"{feature}::R-{index}", status, reason, message, tuple(case_results))


@st.composite
def checklists(draw: st.DrawFn) -> Checklist:
    n = draw(st.integers(0, 5))
    found = tuple(draw(results(i)) for i in range(n))
    errors = tuple(
        draw(
            st.lists(
                st.builds(
                    GherkinError, st.sampled_from(["bad.feature", "x<y>.feature"]), st.just(2), st.just(1), texts
                ),
                max_size=2,
            )
        )
    )
    return Checklist(found, errors, draw(st.booleans()), totals(found))


seeds_lists = st.lists(
    st.fixed_dictionaries(
        {
            "id": st.sampled_from(["000", "003", "<9>"]),
            "file": texts,
            "sha256": st.text("0123456789abcdef", min_size=64, max_size=64),
            "verdict": texts,
            "requirements": st.lists(texts, max_size=2),
        }
    ),
    max_size=2,
)


def single(name: str, status: str = "verified", codes: str = "...", message: str = "", text: str = "") -> Checklist:
    """A one-requirement checklist with three steps."""
    step_list = tuple(Step("Given ", "given", f"step {i}", 5 + i, 5) for i in range(3))
    req = Requirement(
        id="X-1", has_id=True, id_tags=("X-1",), name=name, description="", keyword="Scenario",
        feature="features/x.feature", feature_name="X", rule=None, line=4, column=3, area="x", tags=("X-1",),
        seeds=(), cases=(Case(name, "X-1", 4, ("X-1",), step_list),), text=text or f"  @X-1\n  Scenario: {name}",
    )  # fmt: skip
    outcome = CaseOutcome(status, "", message, (), codes)  # type: ignore[arg-type]
    result = RequirementResult(req, "features/x.feature::X-1", outcome.status, "", message, (CaseResult("n", outcome),))
    return Checklist((result,), (), True, totals([result]))


# ---------------------------------------------------------------------------------------------
# HTML: everything escaped, one script (ours), nothing remote, the Gherkin shown as written.


class Page(HTMLParser):
    """Collects what a browser would build: elements, attributes, scripts, and the text of some elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str, str | None]] = []
        self.scripts: list[str] = []
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.texts: dict[str, list[str]] = {"h4": [], "gherkin": [], "rid": []}
        self.current: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.extend((tag, name, value) for name, value in attrs)
        attributes = dict(attrs)
        key = self._key(tag, attributes)
        if key:
            self.current[key] = []
        if tag not in ("meta", "link", "br", "input"):
            self.stack.append((tag, attributes))

    def _key(self, tag: str, attributes: dict[str, str | None]) -> str | None:
        if tag == "h4":
            return "h4"
        if tag == "pre" and attributes.get("class") == "gherkin":
            return "gherkin"
        if tag == "span" and attributes.get("class") == "rid":
            return "rid"
        if tag == "script":
            return "script"
        return None

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            open_tag, attributes = self.stack.pop()
            key = self._key(open_tag, attributes)
            if key == "script":
                self.scripts.append("".join(self.current.pop(key)))
            elif key:
                self.texts[key].append("".join(self.current.pop(key)))
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for parts in self.current.values():
            parts.append(data)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


ALLOWED_TAGS = {
    "html", "head", "meta", "title", "link", "style", "body", "header", "main", "footer", "section", "h1", "h2",
    "h3", "h4", "p", "div", "span", "ul", "li", "a", "strong", "table", "thead", "tbody", "tr", "th", "td",
    "caption", "details", "summary", "pre", "code", "mark", "label", "select", "option", "input", "output",
    "script", "br", "article", "ol", "figure",
}  # fmt: skip


def _source_lines(text: str) -> list[str]:
    lines = text.replace("\r\n", "\n").split("\n")
    return lines[:-1] if lines[-1] == "" else lines


@settings(max_examples=50)  # each example renders a whole checklist
@given(checklists(), seeds_lists)
@example(single("<script>alert(1)</script>"), [])
@example(single("</pre></code><img src=x onerror=alert(1)>", text="  Scenario: </pre><b>TBD</b>"), [])
@example(single("a\x1eb\rc", text="  Scenario: a\x1eb\rc\r\n    Given x\x85y\n"), [])
def test_html_escapes_every_text_from_feature_files(checklist: Checklist, seeds: list[dict[str, Any]]) -> None:
    html = report_html.render(checklist, seeds)
    page = parse(html)
    assert page.tags <= ALLOWED_TAGS
    assert not [a for a in page.attributes if a[1].startswith("on")]
    assert page.scripts == ["\n" + report_html.SCRIPT + "\n"]
    # Names and ids come back as the exact text (whitespace aside), so nothing was interpreted;
    # control characters in them are shown as the terminal shows them (\r, \x1e), lines end at \n.
    assert sorted(page.texts["h4"]) == sorted(terminal_safe(r.requirement.name) for r in checklist.results)
    assert sorted(page.texts["rid"]) == sorted(terminal_safe(r.requirement.id) for r in checklist.results)
    expected_gherkin = sorted(
        "\n".join(terminal_safe(line) for line in _source_lines(r.requirement.text))
        for r in checklist.results
        if r.requirement.text
    )
    assert sorted(page.texts["gherkin"]) == expected_gherkin
    statuses = [v or "" for tag, name, v in page.attributes if tag == "article" and name == "data-status"]
    assert sorted(statuses) == sorted(r.status for r in checklist.results)


@settings(max_examples=50)  # each example renders a whole checklist
@given(checklists(), seeds_lists)
def test_html_loads_nothing_from_anywhere(checklist: Checklist, seeds: list[dict[str, Any]]) -> None:
    page = parse(report_html.render(checklist, seeds))
    for tag, name, value in page.attributes:
        if name in ("src", "srcset", "action", "formaction", "background", "poster"):
            raise AssertionError(f"<{tag} {name}={value!r}> would load something")
        if name == "href":
            assert value is not None and (value.startswith("#") or value == "data:,"), (tag, value)
    csp = [v for tag, name, v in page.attributes if tag == "meta" and name == "content" and v and "default-src" in v]
    assert csp == [report_html.CSP]
    assert "default-src 'none'" in report_html.CSP


def test_html_script_hash_matches_the_script() -> None:
    """The CSP allows our script by hash: if they drifted apart the filters would silently die."""
    import base64
    import hashlib

    digest = base64.b64encode(hashlib.sha256(("\n" + report_html.SCRIPT + "\n").encode()).digest()).decode()
    assert f"'sha256-{digest}'" in report_html.CSP


def test_html_progress_bar_widths_add_up() -> None:
    bar = report_html.bar({"verified": 1, "failing": 1, "pending": 1}, 3)
    widths = [float(w) for w in re.findall(r"width:([\d.]+)%", bar)]
    assert len(widths) == 3
    assert sum(widths) == pytest.approx(100, abs=0.01)
    assert 'aria-label="1 verified, 1 failing, 1 pending"' in bar


def test_gherkin_marks_tbd_and_keywords_but_keeps_the_text() -> None:
    html = report_html.gherkin("  @A-1 @b\n  Scenario: x <y>\n    Given TBD & more\n    # note")
    assert '<span class="kw">Given</span> <mark>TBD</mark> &amp; more' in html
    assert "x &lt;y&gt;" in html
    assert '<span class="tg">@A-1</span>' in html
    assert '<span class="cm">    # note</span>' in html


# ---------------------------------------------------------------------------------------------
# Markdown: tables keep their columns, nothing turns into HTML or links.


def unescaped(line: str, char: str) -> int:
    """How many times ``char`` appears in ``line`` not escaped by a backslash."""
    count, i = 0, 0
    while i < len(line):
        if line[i] == "\\":
            i += 2
            continue
        count += line[i] == char
        i += 1
    return count


def md_unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


@given(texts)
@example("a\\|b")
@example("\\")
def test_md_escape_round_trips(text: str) -> None:
    escaped = report_md.escape(text)
    assert md_unescape(escaped) == " ".join(terminal_safe(text).split())  # control characters shown
    for char in "|<>[]`*_&":
        assert unescaped(escaped, char) == 0


@settings(max_examples=50)  # each example renders a whole checklist
@given(checklists(), seeds_lists)
def test_md_tables_keep_their_columns(checklist: Checklist, seeds: list[dict[str, Any]]) -> None:
    fence = ""
    table: list[int] = []
    for line in report_md.render(checklist, seeds).splitlines():
        stripped = line.strip()
        if fence:
            fence = "" if stripped == fence else fence
            continue
        if stripped.startswith("```"):
            fence = stripped[: len(stripped) - len(stripped.lstrip("`"))]
            continue
        assert unescaped(line, "<") == 0, line
        if line.startswith("|"):
            table.append(unescaped(line, "|"))
            assert len(set(table)) == 1, line
        else:
            table = []
    assert not fence


@settings(max_examples=50)  # each example renders a whole checklist
@given(checklists())
def test_md_lists_every_failing_and_pending_requirement(checklist: Checklist) -> None:
    text = report_md.render(checklist)
    for result in checklist.results:
        if result.status in ("failing", "error", "pending", "skipped"):
            assert report_md.escape(result.requirement.id) in text
    t = checklist.totals
    assert f"**{t.verified} of {t.requirements} requirements verified**" in text


def test_md_percent_never_rounds_up_to_done() -> None:
    assert report_md.percent(199, 200) == "99%"
    assert report_md.percent(2, 2) == "100%"
    assert report_md.percent(0, 0) == "–"


def test_md_fence_outlasts_backticks_in_the_message() -> None:
    block = report_md.fenced("x ```` y")
    assert block[0] == "`````text" and block[-1] == "`````"


# ---------------------------------------------------------------------------------------------
# Cucumber JSON: the standard shape, every scenario, statuses from the step codes.

CUCUMBER_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["uri", "id", "name", "keyword", "line", "elements"],
        "properties": {
            "uri": {"type": "string"},
            "id": {"type": "string"},
            "name": {"type": "string"},
            "keyword": {"type": "string"},
            "line": {"type": "integer", "minimum": 1},
            "tags": {"type": "array", "items": {"$ref": "#/$defs/tag"}},
            "elements": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "name", "keyword", "line", "type", "steps", "tags"],
                    "properties": {
                        "type": {"const": "scenario"},
                        "line": {"type": "integer"},
                        "tags": {"type": "array", "items": {"$ref": "#/$defs/tag"}},
                        "steps": {"type": "array", "items": {"$ref": "#/$defs/step"}},
                        "before": {"type": "array", "items": {"$ref": "#/$defs/hook"}},
                        "after": {"type": "array", "items": {"$ref": "#/$defs/hook"}},
                    },
                },
            },
        },
    },
    "$defs": {
        "tag": {
            "type": "object",
            "required": ["name", "line"],
            "properties": {"name": {"type": "string", "pattern": "^@"}, "line": {"type": "integer"}},
        },
        "result": {
            "type": "object",
            "required": ["status"],
            "properties": {
                "status": {"enum": ["passed", "failed", "skipped", "pending", "undefined", "ambiguous"]},
                "duration": {"type": "integer", "minimum": 0},
                "error_message": {"type": "string"},
            },
            "additionalProperties": False,
        },
        "step": {
            "type": "object",
            "required": ["keyword", "name", "line", "match", "result"],
            "properties": {
                "keyword": {"type": "string"},
                "name": {"type": "string"},
                "line": {"type": "integer"},
                "match": {"type": "object", "required": ["location"]},
                "result": {"$ref": "#/$defs/result"},
            },
        },
        "hook": {
            "type": "object",
            "required": ["match", "result"],
            "properties": {"result": {"$ref": "#/$defs/result"}},
        },
    },
}


CUCUMBER = jsonschema.Draft202012Validator(CUCUMBER_SCHEMA)


def test_cucumber_schema_is_a_valid_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(CUCUMBER_SCHEMA)


@pytest.mark.parametrize(
    ("status", "reason", "codes", "count", "before", "expected", "after"),
    [
        ("verified", "", "...", 3, "", ["passed", "passed", "passed"], ""),
        ("failing", "", ".F-", 3, "", ["passed", "failed", "skipped"], ""),
        ("error", "ambiguous", ".E-", 3, "", ["passed", "ambiguous", "skipped"], ""),
        # Cucumber's order (the kit's failedish-combinations and undefined-multiple samples).
        ("error", "ambiguous", "PUE", 3, "", ["pending", "undefined", "ambiguous"], ""),
        ("error", "ambiguous", "EUE", 3, "", ["ambiguous", "undefined", "ambiguous"], ""),
        ("pending", "", "PPF", 3, "", ["pending", "skipped", "skipped"], ""),
        ("pending", "undefined", "U--UU", 5, "", ["undefined", "skipped", "skipped", "undefined", "undefined"], ""),
        ("skipped", "skipped", "---", 3, "", ["skipped", "skipped", "skipped"], ""),
        ("pending", "tbd", "-P-P", 4, "", ["skipped", "pending", "skipped", "skipped"], ""),
        # A TBD after a step that failed: the case is pending for it, so it shows (it was skipped).
        ("pending", "tbd", ".FP", 3, "", ["passed", "failed", "pending"], ""),
        # Outside the steps: a hook step carries the status, never a step that did not run.
        ("error", "setup", "", 3, "failed", ["skipped", "skipped", "skipped"], ""),
        ("skipped", "skipped", "", 2, "skipped", ["skipped", "skipped"], ""),
        ("failing", "", "...", 3, "", ["passed", "passed", "passed"], "failed"),
        ("skipped", "skipped", "...", 3, "", ["passed", "passed", "passed"], "skipped"),
        ("error", "teardown", "..", 2, "", ["passed", "passed"], "failed"),
        ("error", "teardown", ".F", 2, "", ["passed", "failed"], "failed"),
        ("pending", "empty", "", 0, "pending", [], ""),
        ("skipped", "not-selected", "", 2, "", ["skipped", "skipped"], ""),
    ],
)
def test_case_steps_follow_cucumber(
    status: str, reason: str, codes: str, count: int, before: str, expected: list[str], after: str
) -> None:
    shown = report_results.case_steps(CaseOutcome(status, reason, "why", steps=codes), count)  # type: ignore[arg-type]
    assert list(shown.steps) == expected
    assert [h.status for h in shown.before] == ([before] if before else [])
    assert [h.status for h in shown.after] == ([after] if after else [])
    assert all(h.message == "why" for h in shown.before + shown.after)
    if status != "verified" and reason != "not-selected":
        # A case that does not pass never shows as passed: something carries its status.
        assert shown.before or shown.after or shown.stopper is not None



@pytest.mark.parametrize(
    ("status", "reason", "codes", "expected"),
    [
        # A skipped case: no pickle step follows the step that skipped itself (failedish-combinations).
        ("skipped", "skipped", "-UE", ["skipped", "skipped", "skipped"]),
        ("skipped", "skipped", ".-UU", ["passed", "skipped", "skipped", "skipped"]),
        # A case that stays error or pending after a step before its stop skipped: the steps that
        # make it so keep their statuses (they carry the case's), where Cucumber skips them.
        ("error", "ambiguous", "-UE", ["skipped", "undefined", "ambiguous"]),
        ("pending", "undefined", ".-U", ["passed", "skipped", "undefined"]),
    ],
)
def test_after_a_step_that_skipped_itself(status: str, reason: str, codes: str, expected: list[str]) -> None:
    outcome = CaseOutcome(status, reason, "why", steps=codes, durations=(1000,) * len(codes))  # type: ignore[arg-type]
    assert list(report_results.case_steps(outcome, len(codes)).steps) == expected


@settings(max_examples=50)  # each example renders a whole checklist
@given(checklists())
def test_cucumber_lists_every_scenario_in_the_standard_shape(checklist: Checklist) -> None:
    data = json.loads(report_cucumber.render(checklist))
    CUCUMBER.validate(data)
    elements = [e for feature in data for e in feature["elements"]]
    expected = sum(max(1, len(r.requirement.cases)) for r in checklist.results)
    expected += len({error.path for error in checklist.errors})
    assert len(elements) == expected
    assert len({e["id"] for e in elements}) == len(elements)  # report tools key scenarios on the id
    feature_uris = [f["uri"] for f in data]
    assert len(feature_uris) == len(set(feature_uris))
    by_uri = {f["uri"]: f for f in data}
    for result in checklist.results:
        req = result.requirement
        got = [e for e in by_uri[req.feature]["elements"] if e["line"] in {c.line for c in req.cases} | {req.line}]
        for case, case_result in zip(req.cases, result.cases, strict=True):
            element = next(e for e in got if e["line"] == case.line and len(e["steps"]) == len(case.steps))
            assert [s["name"] for s in element["steps"]] == [s.text for s in case.steps]
            statuses = [s["result"]["status"] for s in element["steps"]]
            assert statuses == report_results.step_statuses(case_result.outcome, len(case.steps))


def test_cucumber_shows_a_failure_before_any_step_as_a_failed_hook() -> None:
    checklist = single("x", status="error", codes="", message="setup failed: no database")
    element = report_cucumber.render_data(checklist)[0]["elements"][0]
    assert [s["result"]["status"] for s in element["steps"]] == ["skipped"] * 3
    assert element["before"] == [
        {
            "match": {"location": "features/x.feature:4"},
            "result": {"status": "failed", "error_message": "setup failed: no database"},
        }
    ]


def test_cucumber_puts_the_message_on_the_step_that_stopped() -> None:
    checklist = single("x", status="failing", codes=".F-", message="expected 5, got 6")
    steps_json = report_cucumber.render_data(checklist)[0]["elements"][0]["steps"]
    assert [s["result"] for s in steps_json] == [
        {"status": "passed"},
        {"status": "failed", "error_message": "expected 5, got 6"},
        {"status": "skipped"},
    ]


def test_cucumber_tag_lines_come_from_the_scenario_source() -> None:
    checklist = single("x", text="  @X-1 @slow\n  # why\n  Scenario: x")
    element = report_cucumber.render_data(checklist)[0]["elements"][0]
    # The text starts at the first tag line: line 4 is "Scenario", so the tags are on line 2.
    assert element["tags"] == [{"name": "@X-1", "line": 2}]


# ---------------------------------------------------------------------------------------------
# End to end: a small project run by pytester.

FEATURE = """\
Feature: Demo shop
  The shop's arithmetic.

  @DEMO-001 @seed-000
  Scenario: Adding works
    Given a number 2
    When I add 3
    Then the result is 5

  @DEMO-002
  Scenario: Adding is wrong
    Given a number 2
    When I add 3
    Then the result is 6

  @DEMO-003
  Scenario: First step undefined
    Given a thing nobody wrote
    When I add 3
    Then the result is 5

  @DEMO-004
  Scenario: Waiting for a value
    Given a number TBD

  @DEMO-005
  Scenario Outline: Adding rows
    Given a number <a>
    When I add <b>
    Then the result is <c>

    Examples:
      | a | b | c |
      | 1 | 1 | 2 |
      | 2 | 2 | 4 |

  @DEMO-006
  Scenario: Needs a GPU
    Given a number 1
    Then a GPU is present

  @DEMO-007
  Scenario: A placeholder
    Given a number 1
    Then the placeholder step

  @DEMO-008
  Scenario Outline: No rows yet
    Given a number <a>

    Examples:
      | a |

  @DEMO-009
  Scenario: <script>alert("x")</script> is fast | enough
    Given a number 1
    Then the speed is at least 10 units
"""

CONFTEST = """\
import pytest
import living_checklist as checklist
from pytest_bdd import given, parsers, then, when


@given(parsers.parse("a number {n:d}"), target_fixture="number")
def number(n):
    return n


@when(parsers.parse("I add {m:d}"), target_fixture="number")
def add(number, m):
    return number + m


@then(parsers.parse("the result is {r:d}"))
def result(number, r):
    assert number == r, f"got {number}, expected {r}"


@then("a GPU is present")
def gpu():
    pytest.skip("no GPU on this machine")


@then("the placeholder step")
def placeholder():
    checklist.pending("write the check")


@then(parsers.parse("the speed is at least {n:d} units"))
def speed(request, n):
    checklist.check(request.node, "speed", 12.0, "units", float(n), ">=")
"""

EXPECTED_STATUS = {
    "DEMO-001": "verified",
    "DEMO-002": "failing",
    "DEMO-003": "pending",
    "DEMO-004": "pending",
    "DEMO-005": "verified",
    "DEMO-006": "skipped",
    "DEMO-007": "pending",
    "DEMO-008": "pending",
    "DEMO-009": "verified",
}

EXPECTED_STEPS = {
    "Adding works": ["passed", "passed", "passed"],
    "Adding is wrong": ["passed", "passed", "failed"],
    "First step undefined": ["undefined", "skipped", "skipped"],
    "Waiting for a value": ["pending"],
    "Adding rows": ["passed", "passed", "passed"],
    "Needs a GPU": ["passed", "skipped"],
    "A placeholder": ["passed", "pending"],
    "No rows yet": ["skipped"],
    '<script>alert("x")</script> is fast | enough': ["passed", "passed"],
}

MODES = {"serial": [], "xdist": ["-n", "2"], "no-xdist": ["-p", "no:xdist"]}


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    pytester.makefile(".feature", **{"features/shop/demo": FEATURE})
    pytester.makeconftest(CONFTEST)
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*args, "-p", "no:cacheprovider")


def write_all(pytester: pytest.Pytester, out: str, *extra: str) -> pytest.RunResult:
    return run(
        pytester,
        f"{MD_OPTION}={out}/c.md",
        f"{HTML_OPTION}={out}/c.html",
        f"{CUCUMBER_OPTION}={out}/c.cucumber.json",
        f"--checklist-json={out}/c.json",
        *extra,
    )


@pytest.mark.parametrize("mode", MODES)
def test_every_output_is_written_once_from_the_same_checklist(project: pytest.Pytester, mode: str) -> None:
    result = write_all(project, "out", *MODES[mode])
    result.assert_outcomes(passed=4, failed=1, skipped=1, xfailed=4)
    out = project.path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["c.cucumber.json", "c.html", "c.json", "c.md"]
    result.stdout.fnmatch_lines(["reports: out/c.json, out/c.md, out/c.html, out/c.cucumber.json"])

    cucumber = json.loads((out / "c.cucumber.json").read_text(encoding="utf-8"))
    CUCUMBER.validate(cucumber)
    [feature] = cucumber
    assert feature["uri"] == "features/shop/demo.feature"
    assert feature["name"] == "Demo shop"
    seen: dict[str, list[list[str]]] = {}
    for element in feature["elements"]:
        seen.setdefault(element["name"], []).append([s["result"]["status"] for s in element["steps"]])
    assert {name: runs[0] for name, runs in seen.items()} == EXPECTED_STEPS
    assert len(seen["Adding rows"]) == 2
    failed = next(e for e in feature["elements"] if e["name"] == "Adding is wrong")["steps"][2]
    assert failed["result"]["error_message"].startswith("got 5, expected 6")
    assert failed["match"]["location"] == "features/shop/demo.feature:14"
    no_rows = next(e for e in feature["elements"] if e["name"] == "No rows yet")
    assert no_rows["before"][0]["result"]["status"] == "pending"

    md = (out / "c.md").read_text(encoding="utf-8")
    assert "**3 of 9 requirements verified** (33%); 5 defined, 4 pending, 1 failing, 0 error." in md
    assert "| shop | 9 | 5 | 3 | 1 | 1 | 4 | 0 | 33% |" in md
    assert "## Failing and error (1)" in md
    assert "**DEMO-002** Adding is wrong (features/shop/demo.feature:11)" in md
    assert "| DEMO-003 | First step undefined | undefined |" in md
    assert "| DEMO-006 | Needs a GPU | no GPU on this machine |" in md

    html = (out / "c.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; is fast | enough" in html
    assert html.count("<article ") == 9
    assert "12 units" in html  # the measurement of DEMO-009
    assert 'href="http' not in html and "src=" not in html

    data = json.loads((out / "c.json").read_text(encoding="utf-8"))
    assert {r["id"]: r["status"] for r in data["requirements"]} == EXPECTED_STATUS


def test_xdist_and_serial_write_the_same_reports(project: pytest.Pytester) -> None:
    write_all(project, "serial")
    write_all(project, "xdist", "-n", "2")
    for name in ("c.md", "c.cucumber.json", "c.json"):
        serial = without_times(project.path / "serial" / name)
        assert serial == without_times(project.path / "xdist" / name), name

    def without_date(path: Path) -> str:
        return re.sub(r"Generated [^<]*", "", without_times(path))

    assert without_date(project.path / "serial" / "c.html") == without_date(project.path / "xdist" / "c.html")


def without_times(path: Path) -> str:
    """A report with its measured times blanked: step durations differ from run to run."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.dumps(_drop_times(json.loads(text)), indent=1)
    text = re.sub(r'(data-duration=")[0-9.]+', r"\1*", text)
    return re.sub(r">[0-9.]+ (µs|ms|s)<", ">*<", text)


def _drop_times(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _drop_times(v) for k, v in data.items() if k not in ("durations", "duration")}
    if isinstance(data, list):
        return [_drop_times(v) for v in data]
    return data


def test_markdown_is_appended_to_the_github_job_summary(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = project.path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run(project, MD_OPTION, "c.md", "-n", "2")
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n# Living checklist\n")
    assert text.count("# Living checklist") == 1  # by the controller only
    assert text.endswith((project.path / "c.md").read_text(encoding="utf-8") + "\n")


def test_a_report_that_cannot_be_written_fails_the_run_with_a_message(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".feature", **{"features/one": "Feature: One\n  @ONE-1\n  Scenario: fine\n    Given all is well\n"}
    )
    pytester.makeconftest(
        "from pytest_bdd import given\n\n"
        "@given('all is well')\ndef well():\n    pass\n\n"
        "def pytest_collection_finish(session):\n"
        "    open('blocked', 'w').close()  # after the path was checked, before the report is written\n"
    )
    result = run(pytester, f"{MD_OPTION}=blocked/c.md")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([f"{MD_OPTION} */blocked/c.md: could not write the report (File exists)"])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_without_the_markdown_option_the_job_summary_is_left_alone(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = project.path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run(project)
    assert not summary.exists()


def test_a_file_that_is_not_gherkin_shows_in_every_output(project: pytest.Pytester) -> None:
    project.makefile(
        ".feature", **{"features/shop/broken": "Feature: broken\n  Scenario: x\n    Given a\n  Examples oops\n"}
    )
    write_all(project, "out")
    out = project.path / "out"
    md = (out / "c.md").read_text(encoding="utf-8")
    assert "## Feature file errors (1)\n\n- features/shop/broken.feature:4:3: expected: #EOF" in md
    html = (out / "c.html").read_text(encoding="utf-8")
    assert '<section id="errors"><h2>Feature file errors (1)</h2>' in html
    cucumber = json.loads((out / "c.cucumber.json").read_text(encoding="utf-8"))
    broken = next(f for f in cucumber if f["uri"] == "features/shop/broken.feature")
    [element] = broken["elements"]
    assert element["before"][0]["result"]["status"] == "failed"
    assert element["before"][0]["result"]["error_message"].startswith("features/shop/broken.feature:4:3: ")


def test_a_missing_output_folder_is_created(project: pytest.Pytester) -> None:
    run(project, f"{HTML_OPTION}=deep/er/c.html")
    assert (project.path / "deep" / "er" / "c.html").is_file()


def test_output_paths_are_also_read_from_ini(project: pytest.Pytester) -> None:
    project.makeini(
        "[pytest]\nchecklist_features = features\n"
        "checklist_md = reports/from-ini.md\nchecklist_cucumber = reports/c.json\n"
    )
    run(project)
    assert (project.path / "reports" / "from-ini.md").read_text(encoding="utf-8").startswith("# Living checklist")
    assert json.loads((project.path / "reports" / "c.json").read_text(encoding="utf-8"))[0]["uri"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([f"{MD_OPTION}=features"], f"ERROR: {MD_OPTION} features: is a directory; give a file name, e.g. features/"),
        (
            [f"{HTML_OPTION}=conftest.py/c.html"],
            f"ERROR: {HTML_OPTION} conftest.py/c.html: * is a file, so the folder*",
        ),
        (
            [f"{MD_OPTION}=same.out", f"{HTML_OPTION}=same.out"],
            f"ERROR: {HTML_OPTION} same.out: {MD_OPTION} writes the same file*",
        ),
        (
            [f"{CUCUMBER_OPTION}=r.json", "--checklist-json=r.json"],
            f"ERROR: {CUCUMBER_OPTION} r.json: --checklist-json writes*",
        ),
    ],
)
def test_unusable_output_paths_are_usage_errors(project: pytest.Pytester, args: list[str], message: str) -> None:
    result = run(project, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message + "*"])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


# ---------------------------------------------------------------------------------------------
# JUnit XML: pytest's own --junitxml carries the requirement, status and reason of every case.


@pytest.mark.parametrize("mode", ["serial", "xdist"])
def test_junitxml_testcases_carry_requirement_status_and_reason(project: pytest.Pytester, mode: str) -> None:
    run(project, "--junitxml=junit.xml", *MODES[mode])
    root = ET.parse(project.path / "junit.xml").getroot()
    cases = root.findall(".//testcase")
    assert len(cases) == 10  # one per case, and one for the outline without rows
    found: dict[str, set[tuple[str, str]]] = {}
    for case in cases:
        properties: dict[str, str] = {}
        for prop in case.findall("properties/property"):
            properties.setdefault(prop.get("name", ""), prop.get("value", ""))
        # The documented properties only, also where a measurement was recorded: the reports' own
        # data (message, steps, timing, matches, measurements) is no property.
        assert properties.keys() == {"requirement", "verifies", "status", "reason"}, ET.tostring(case)
        assert properties["verifies"] == properties["requirement"]
        found.setdefault(properties["requirement"], set()).add((properties["status"], properties["reason"]))
    assert found == {
        "DEMO-001": {("verified", "")},
        "DEMO-002": {("failing", "")},
        "DEMO-003": {("pending", "undefined")},
        "DEMO-004": {("pending", "tbd")},
        "DEMO-005": {("verified", "")},
        "DEMO-006": {("skipped", "skipped")},
        "DEMO-007": {("pending", "placeholder")},
        "DEMO-008": {("pending", "empty")},
        "DEMO-009": {("verified", "")},
    }
