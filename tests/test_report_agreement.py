"""Every report gives every case the status pytest and the checklist give it, also under ``-n 2``.

One project is generated from two tables: what the steps of a case do (pass, fail, ``TBD``,
``pending()``, undefined, ambiguous, skip, a failure before an undefined step or a ``TBD``, a
``TBD`` beside an ambiguous step, ``@pending``), and what happens around them (nothing, a
fixture's setup fails or skips, its teardown fails, pytest-bdd's before- or after-scenario hook
fails or skips). Every pair is a scenario, and every step kind is also a row of an outline under
each of them; half the files have a Background. One run writes
every report; a conftest records pytest's own phase reports. Then each case's status is read
back from each report on its own (JUnit testcases, Cucumber JSON elements, Cucumber Messages
test steps, the HTML page, the Markdown tables, the terminal section) and must be what the JSON
report says, which must be what pytest's outcome says. Hypothesis then draws projects whose
scenarios hold steps of every kind in any order and number (and a Background step), each with
something drawn around it, and requires the same agreement (pytest's outcome decides there).

Cucumber's view of a case is its worst step or hook status (Cucumber's order: failed, ambiguous,
undefined, pending, skipped, passed): ``failing`` is failed, ``error`` failed or ambiguous,
``pending`` undefined or pending, ``skipped`` skipped and ``verified`` passed. A pending case
whose steps ran and failed (``@pending``, or a failure before an undefined step) shows that
failure as it happened, and a pending or undefined step besides when there is one (README,
"Cucumber Messages").
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped, unused-ignore]
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.helpers import SCHEMA, write_files
from tests.test_messages import read_envelopes

# -- the project -------------------------------------------------------------------------------

# What the steps of a case do: the steps after the Background, and the checklist status they give
# with nothing around them failing.
STEPS: dict[str, tuple[list[str], str]] = {
    "pass": (["Given a step passes", "Then a step passes"], "verified"),
    "fail": (["Given a step passes", "When a step fails", "Then a step passes"], "failing"),
    "tbd": (["Given a step passes", "When the limit is TBD", "Then a step passes"], "pending"),
    "placeholder": (["Given a step passes", "Then a placeholder step"], "pending"),
    "undefined": (["Given a step passes", "When nobody wrote this step", "Then a step passes"], "pending"),
    "ambiguous": (["Given a step passes", "Then a doubled step"], "error"),
    "skip": (["Given a step passes", "Then a step skips", "And a step passes"], "skipped"),
    "fail-undefined": (["Given a step fails", "Then nobody wrote this step"], "pending"),
    "fail-tbd": (["Given a step fails", "Then the limit is TBD"], "pending"),
    "ambiguous-tbd": (["Given a step passes", "When the limit is TBD", "Then a doubled step"], "error"),
    "tagged": (["Given a step passes", "Then a step fails"], "pending"),
}
# The outline's rows: the text of its second step.
ROWS = {
    "pass": "a step passes",
    "fail": "a step fails",
    "placeholder": "a placeholder step",
    "undefined": "nobody wrote this step",
    "ambiguous": "a doubled step",
    "skip": "a step skips",
}
# What happens around the steps: the tag that asks for it.
AROUND = (
    "none",
    "setup_error",
    "teardown_error",
    "before_error",
    "after_error",
    "after_skip",
    "setup_skip",
    "before_skip",
)

CONFTEST = """
import json, os
import jsonschema  # type: ignore[import-untyped, unused-ignore]
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
import living_checklist
from pytest_bdd import parsers, step


@step("a step passes")
def _passes():
    pass


@step("a step fails")
def _fails():
    assert 1 == 2, "the step fails"


@step("a step skips")
def _skips():
    pytest.skip("not here")


@step("a placeholder step")
def _placeholder():
    living_checklist.pending("write the check")


@step("a doubled step")
def _doubled():
    pass


@step(parsers.re("a doubled st.p"))
def _doubled_again():
    pass


@step(parsers.parse("the limit is {limit:d}"))
def _limit(limit):
    pass


@pytest.fixture(autouse=True)
def database(request):
    if request.node.get_closest_marker("setup_error"):
        raise RuntimeError("no database")
    if request.node.get_closest_marker("setup_skip"):
        pytest.skip("no database here")
    yield
    if request.node.get_closest_marker("teardown_error"):
        raise RuntimeError("cannot drop the database")


def pytest_bdd_before_scenario(request, feature, scenario):
    if "before_error" in scenario.tags:
        raise AssertionError("before hook says no")
    if "before_skip" in scenario.tags:
        pytest.skip("before hook skips")


def pytest_bdd_after_scenario(request, feature, scenario):
    if "after_error" in scenario.tags:
        raise AssertionError("after hook says no")
    if "after_skip" in scenario.tags:
        pytest.skip("after hook skips")


IS_WORKER = []


def pytest_configure(config):
    # This run's own xdist workers (not an outer run's: PYTEST_XDIST_WORKER is inherited from it)
    IS_WORKER.append(hasattr(config, "workerinput"))


def pytest_runtest_logreport(report):
    if IS_WORKER and IS_WORKER[-1]:
        return  # the controller hears every report once
    record = {"nodeid": report.nodeid, "when": report.when, "outcome": report.outcome,
              "xfail": hasattr(report, "wasxfail")}
    with open(os.path.join(os.path.dirname(__file__), "pytest.jsonl"), "a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\\n")
"""


@dataclass(frozen=True)
class Planned:
    """A case of the generated project: its requirement, pytest name, pickle name, what it does."""

    requirement: str
    name: str  # the last part of its node id: the JUnit testcase name
    title: str  # the pickle's name: the Cucumber element's and the Messages pickle's
    steps: str  # the key of STEPS, or "drawn"
    around: str
    tagged: bool = False


def project() -> tuple[dict[str, str], list[Planned]]:
    """The feature files and the conftest, and every case they hold."""
    files: dict[str, str] = {"conftest.py": CONFTEST}
    planned: list[Planned] = []
    for number, around in enumerate(AROUND):
        prefix = f"X{number}"
        tag = "" if around == "none" else f" @{around}"
        lines = [f"Feature: around {around}", ""]
        if number % 2:
            lines += ["  Background:", "    Given a step passes", ""]
        for index, (kind, (steps, _)) in enumerate(STEPS.items(), start=1):
            rid = f"{prefix}-{index:03d}"
            extra = " @pending" if kind == "tagged" else ""
            title = f"{kind} with {around}"
            lines += [f"  @{rid}{tag}{extra}", f"  Scenario: {title}", *(f"    {s}" for s in steps), ""]
            planned.append(Planned(rid, rid, title, kind, around, kind == "tagged"))
        rid = f"{prefix}-100"
        lines += [f"  @{rid}{tag}", "  Scenario Outline: row <kind> with " + around]
        lines += ["    Given a step passes", "    Then <text>", "", "    Examples:", "      | kind | text |"]
        for kind, text in ROWS.items():
            lines.append(f"      | {kind} | {text} |")
            planned.append(Planned(rid, f"{rid}[{kind}-{text}]", f"row {kind} with {around}", kind, around))
        files[f"features/around/{around}.feature"] = "\n".join(lines) + "\n"
    return files, planned


# -- pytest's own outcome, and what the checklist must make of it --------------------------------


def pytest_outcomes(records: list[dict[str, Any]]) -> dict[str, frozenset[str]]:
    """Per node id, what pytest's summary counts for it: passed, failed, error, skipped, xfailed."""
    found: dict[str, set[str]] = {}
    for r in records:
        seen = found.setdefault(r["nodeid"], set())
        if r["outcome"] == "failed":
            seen.add("failed" if r["when"] == "call" else "error")
        elif r["outcome"] == "skipped":
            seen.add("xfailed" if r["xfail"] else "skipped")
        elif r["when"] == "call":
            seen.add("xpassed" if r["xfail"] else "passed")
    return {nodeid: frozenset(seen) for nodeid, seen in found.items()}


def allowed_by_pytest(outcome: frozenset[str]) -> set[str]:
    """The checklist statuses a case with this pytest outcome may have (README "Statuses")."""
    if "error" in outcome and "failed" in outcome:
        return {"failing", "error"}  # the call's verdict stands (an ambiguous step's error too)
    if "error" in outcome:
        return {"error"}  # a fixture's setup or teardown failed
    if "failed" in outcome:
        return {"failing", "error"}
    if outcome == {"xfailed"}:
        return {"pending"}
    if outcome == {"skipped"}:
        return {"skipped"}
    if outcome == {"passed"}:
        return {"verified"}
    return set()


CUCUMBER_ORDER = ("failed", "ambiguous", "undefined", "pending", "skipped", "passed")


def cucumber_agrees(status: str, reason: str, shown: list[str]) -> bool:
    """Whether the step and hook statuses a Cucumber report shows give the checklist's status."""
    worst = next((s for s in CUCUMBER_ORDER if s in shown), "passed")
    if status == "pending":
        return bool({"pending", "undefined"} & set(shown)) or (reason == "tagged" and worst == "failed")
    return (
        worst
        in {
            "verified": {"passed"},
            "failing": {"failed"},
            "error": {"failed", "ambiguous"},
            "skipped": {"skipped"},
        }[status]
    )


@dataclass
class Shown:
    """One case as a Cucumber-like report shows it: hook statuses by side, and the steps'."""

    before: list[str]
    steps: list[str]
    after: list[str]
    texts: list[str] = field(default_factory=list)  # each step's text, without its keyword

    @property
    def all(self) -> list[str]:
        return [*self.before, *self.steps, *self.after]


def around_agrees(around: str, status: str, shown: Shown) -> bool:
    """What happened outside the steps is on a hook step of that side, never on a step."""
    if status == "pending" or around in ("none",):
        return True
    if around in ("setup_skip", "before_skip"):
        return "skipped" in shown.before and set(shown.steps) <= {"skipped"}
    if around in ("setup_error", "before_error"):
        return "failed" in shown.before and set(shown.steps) <= {"skipped"}
    if around in ("after_error", "teardown_error"):  # after a step that failed, the step's failure is the case's
        return "failed" in shown.after or bool({"failed", "ambiguous"} & set(shown.steps))
    # after_skip: the hook's skip is the case's only when every step passed
    return "skipped" in shown.after or set(shown.steps) != {"passed"}


# -- reading each report back --------------------------------------------------------------------


def junit_cases(path: Path) -> dict[str, tuple[set[str], set[str]]]:
    """Per testcase name: its ``status`` properties and what pytest wrote in it (failure, error, ...).

    pytest writes a case that fails and then errors at teardown as two testcases of one name.
    """
    out: dict[str, tuple[set[str], set[str]]] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        statuses, kinds = out.setdefault(case.get("name", ""), (set(), set()))
        statuses.update(p.get("value", "") for p in case.iter("property") if p.get("name") == "status")
        for child in case:
            if child.tag == "skipped":
                kinds.add("xfailed" if child.get("type") == "pytest.xfail" else "skipped")
            elif child.tag in ("failure", "error"):
                kinds.add("failed" if child.tag == "failure" else "error")
    return out


def cucumber_cases(path: Path) -> dict[str, Shown]:
    """Per element name: its before hooks', steps' and after hooks' statuses."""
    out: dict[str, Shown] = {}
    for feature in json.loads(path.read_text(encoding="utf-8")):
        for element in feature["elements"]:
            out[element["name"]] = Shown(
                [h["result"]["status"] for h in element.get("before", [])],
                [s["result"]["status"] for s in element["steps"]],
                [h["result"]["status"] for h in element.get("after", [])],
                [s["name"] for s in element["steps"]],
            )
    return out


def message_cases(path: Path) -> dict[str, Shown]:
    """Per pickle name: the statuses of its test steps' testStepFinished, hooks by their type."""
    envelopes = read_envelopes(path)
    names = {e["pickle"]["id"]: e["pickle"]["name"] for e in envelopes if "pickle" in e}
    texts = {s["id"]: s["text"] for e in envelopes if "pickle" in e for s in e["pickle"]["steps"]}
    hook_types = {e["hook"]["id"]: e["hook"]["type"] for e in envelopes if "hook" in e}
    cases = {e["testCase"]["id"]: e["testCase"] for e in envelopes if "testCase" in e}
    started = {
        e["testCaseStarted"]["id"]: e["testCaseStarted"]["testCaseId"] for e in envelopes if "testCaseStarted" in e
    }
    out: dict[str, Shown] = {}
    for e in envelopes:
        if "testStepFinished" not in e:
            continue
        finished = e["testStepFinished"]
        case = cases[started[finished["testCaseStartedId"]]]
        shown = out.setdefault(names[case["pickleId"]], Shown([], [], []))
        step = next(s for s in case["testSteps"] if s["id"] == finished["testStepId"])
        status = finished["testStepResult"]["status"].lower()
        if "hookId" in step:
            (shown.before if hook_types[step["hookId"]].startswith("BEFORE") else shown.after).append(status)
        else:
            shown.steps.append(status)
            shown.texts.append(texts[step["pickleStepId"]])
    return out


class _Page(HTMLParser):
    """The HTML page's requirements (``data-status``), case rows and step lists."""

    def __init__(self) -> None:
        super().__init__()
        self.requirements: dict[str, str] = {}
        self.case_rows: dict[str, str] = {}  # case name -> badge
        self.steps: dict[str, list[tuple[str, str]]] = {}  # label -> [(status, text)]
        self._rid = ""
        self._status = ""
        self._text: list[str] = []
        self._where = ""  # what the text being read is: rid, cell, summary, step
        self._row: list[str] = []
        self._label = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "article" and "req" in classes:
            self._status = a.get("data-status") or ""
        elif tag == "span" and "rid" in classes:
            self._where, self._text = "rid", []
        elif tag == "table" and "cases" in classes:
            self._where = "table"
        elif tag == "tr" and self._where == "table":
            self._row = []
        elif tag == "td" and self._where == "table":
            self._text = []
        elif tag == "summary":
            self._where, self._text = "summary", []
        elif tag == "li" and "step" in classes:
            self._step_status = next(c.removeprefix("step-") for c in classes if c.startswith("step-"))
            self._where = "step"
        elif tag == "code" and self._where == "step":
            self._text = []

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        text = "".join(self._text).strip()
        if tag == "span" and self._where == "rid":
            self._rid, self._where = text, ""
            self.requirements[text] = self._status
        elif tag == "td" and self._where == "table":
            self._row.append(text)
        elif tag == "tr" and self._where == "table" and self._row:
            self.case_rows[f"{self._rid}::{self._row[0]}"] = self._row[1]
        elif tag == "table" and self._where == "table":
            self._where = ""
        elif tag == "summary" and self._where == "summary":
            label = text.removeprefix("Steps of ").removeprefix("Steps")
            self._label = label or self._rid
            self.steps[self._label] = []
            self._where = ""
        elif tag == "code" and self._where == "step":
            self.steps[self._label].append((self._step_status, text))
            self._where = ""


def html_page(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def html_shown(steps: list[tuple[str, str]]) -> Shown:
    """A case's step list as the page shows it: a step's text starts with its keyword; a hook step
    (``(setup)``, ``(teardown)``, or a name) is before the steps or after them."""
    shown = Shown([], [], [])
    for status, text in steps:
        keyword, _, rest = text.partition(" ")
        if keyword in ("Given", "When", "Then", "And", "But", "*"):
            shown.steps.append(status)
            shown.texts.append(rest)
        else:
            (shown.after if shown.steps else shown.before).append(status)
    return shown


MD_SECTIONS = {
    "Failing and error": ("failing", "error"),
    "Verified": ("verified",),
    "Pending": ("pending",),
    "Skipped": ("skipped",),
}


def markdown_statuses(text: str) -> dict[str, set[str]]:
    """Per requirement id, the statuses of the sections that list it."""
    found: dict[str, set[str]] = {}
    section: tuple[str, ...] = ()
    for line in text.splitlines():
        if line.startswith("## "):
            title = re.sub(r" \(\d+\)$", "", line[3:])
            section = MD_SECTIONS.get(title, ())
            continue
        if not section:
            continue
        bullet = re.match(r"- (failing|error)(?: — [^:]*)?: \*\*([^*]+)\*\*", line)
        row = re.match(r"\| ([A-Z][A-Z0-9\\-]*-\d+) \|", line)
        if bullet and bullet.group(1) in section:
            found.setdefault(bullet.group(2).replace("\\", ""), set()).add(bullet.group(1))
        elif row:
            found.setdefault(row.group(1).replace("\\", ""), set()).add(section[0])
    return found


TERMINAL_SECTIONS = {"failing and error:": "", "skipped:": "skipped", "pending:": "pending"}


def terminal_statuses(lines: list[str]) -> tuple[dict[str, str], str]:
    """Per requirement id listed in the checklist section, its status there; and the totals line."""
    start = next(i for i, line in enumerate(lines) if line.startswith("requirements: "))
    found: dict[str, str] = {}
    section: str | None = None
    for line in lines[start + 1 :]:
        if line in TERMINAL_SECTIONS:
            section = TERMINAL_SECTIONS[line]
        elif not line.startswith("  "):
            section = None
        elif section is not None:
            words = line.split()
            if section == "":
                found[words[1]] = words[0].lower()
            else:
                found[words[0] if section == "skipped" else words[1]] = section
    return found, lines[start]


# -- the cross-check -----------------------------------------------------------------------------

REPORTS = {
    "--checklist-json": "c.json",
    "--checklist-md": "c.md",
    "--checklist-html": "c.html",
    "--checklist-cucumber": "c.cucumber.json",
    "--checklist-messages": "c.ndjson",
    "--junitxml": "junit.xml",
}


def expected(case: Planned) -> str | None:
    """The status of a case: the worse of what its steps give and what happens around them (the
    order of README "Statuses": error, failing, pending, skipped, verified), where a failure or
    skip outside the steps counts only when the steps let it run, as pytest-bdd runs them."""
    if case.steps not in STEPS:
        return None  # a drawn case: pytest's outcome decides
    steps = STEPS[case.steps][1]
    if case.around == "setup_error":
        return "error"
    if case.around in ("setup_skip", "before_skip"):
        return "skipped"  # before any step: not applicable here, whatever the steps would do
    if case.around == "teardown_error":
        return "failing" if steps == "failing" else "error"
    if case.steps == "tagged" and case.around in ("before_error", "after_error"):
        return "pending"  # @pending announces a failure
    if case.around == "before_error":
        return "failing"
    if case.around == "after_error":
        return "error" if steps == "error" else "failing"
    if case.around == "after_skip" and steps == "verified":
        return "skipped"
    return steps


# What a step does when it runs: a report shows that, or skipped (not run).
OWN_STATUS = {
    "a step passes": "passed",
    "a step fails": "failed",
    "a step skips": "skipped",
    "a placeholder step": "pending",
    "the limit is TBD": "pending",
    "nobody wrote this step": "undefined",
    "a doubled step": "ambiguous",
}


def json_disagreements(
    report: dict[str, Any], pytest_seen: dict[str, frozenset[str]], planned: list[Planned]
) -> list[str]:
    cases = {c["nodeid"].split("::", 1)[1]: (c, r) for r in report["requirements"] for c in r["cases"]}
    nodeids = {c["nodeid"].split("::", 1)[1]: c["nodeid"] for c, _ in cases.values()}
    problems = []
    if sorted(cases) != sorted(p.name for p in planned):
        problems.append(f"JSON: cases {sorted(set(cases) ^ {p.name for p in planned})} differ from the project's")
    for p in planned:
        case, _ = cases.get(p.name, ({"status": "?"}, None))
        outcome = pytest_seen.get(nodeids.get(p.name, ""), frozenset())
        if case["status"] not in allowed_by_pytest(outcome):
            problems.append(f"JSON: {p.name} ({p.title}) is {case['status']}, pytest says {sorted(outcome)}")
        if expected(p) not in (None, case["status"]):
            problems.append(f"JSON: {p.name} ({p.title}) is {case['status']}, not {expected(p)}")
    return problems


def step_disagreements(label: str, found: dict[str, Shown], key: str, p: Planned, case: dict[str, Any]) -> list[str]:
    shown = found.get(key)
    if shown is None:
        return [f"{label}: no case {key!r}"]
    status, reason = case["status"], case["reason"]
    if not cucumber_agrees(status, reason, shown.all) or not around_agrees(p.around, status, shown):
        return [f"{label}: {p.name} ({p.title}) is {status} but shows {shown}"]
    wrong = [(t, s) for t, s in zip(shown.texts, shown.steps, strict=True) if s not in (OWN_STATUS[t], "skipped")]
    if wrong or len(shown.texts) != len(shown.steps):
        return [f"{label}: {p.name} ({p.title}): steps shown as what they did not do: {wrong or shown}"]
    return []


@dataclass
class Reports:
    """Every report of one run, read back."""

    json: dict[str, Any]
    pytest: dict[str, frozenset[str]]
    junit: dict[str, tuple[set[str], set[str]]]
    cucumber: dict[str, Shown]
    messages: dict[str, Shown]
    page: _Page
    markdown: dict[str, set[str]]
    terminal: list[str]


def read_reports(root: Path, lines: list[str]) -> Reports:
    out = root / "out"
    report = json.loads((out / "c.json").read_text(encoding="utf-8"))
    jsonschema.validate(report, SCHEMA, cls=jsonschema.Draft202012Validator)
    records = [json.loads(line) for line in (root / "pytest.jsonl").read_text(encoding="utf-8").splitlines()]
    return Reports(
        report,
        pytest_outcomes(records),
        junit_cases(out / "junit.xml"),
        cucumber_cases(out / "c.cucumber.json"),
        message_cases(out / "c.ndjson"),
        html_page(out / "c.html"),
        markdown_statuses((out / "c.md").read_text(encoding="utf-8")),
        lines,
    )


def case_disagreements(reports: Reports, planned: list[Planned]) -> list[str]:
    """Each case in JUnit, the Cucumber JSON, the Messages and the HTML against the JSON and pytest."""
    problems = json_disagreements(reports.json, reports.pytest, planned)
    cases = {c["nodeid"].split("::", 1)[1]: c for r in reports.json["requirements"] for c in r["cases"]}
    html = {label: html_shown(steps) for label, steps in reports.page.steps.items()}
    for p in planned:
        case = cases.get(p.name)
        if case is None:
            continue
        said, kinds = reports.junit.get(p.name, (set(), set()))
        if said != {case["status"]} or kinds != reports.pytest.get(case["nodeid"], frozenset()) - {"passed"}:
            problems.append(f"JUnit: {p.name} ({p.title}) is {said} {sorted(kinds)}, JSON {case['status']}")
        problems += step_disagreements("Cucumber JSON", reports.cucumber, p.title, p, case)
        problems += step_disagreements("Messages", reports.messages, p.title, p, case)
        # The page lists a requirement of one case as that case: no table of cases, "Steps".
        alone = sum(1 for q in planned if q.requirement == p.requirement) == 1
        problems += step_disagreements("HTML steps", html, p.requirement if alone else p.name, p, case)
        row = reports.page.case_rows.get(f"{p.requirement}::{p.name}")
        if not alone and row != case["status"]:
            problems.append(f"HTML: the row of {p.name} says {row}, JSON {case['status']}")
    return problems


def requirement_disagreements(reports: Reports) -> list[str]:
    """Each requirement in the HTML, the Markdown and the terminal against the JSON, and the JSON's
    requirement against its cases (the first status of README's order that a case has)."""
    requirements = {r["id"]: r["status"] for r in reports.json["requirements"]}
    problems = []
    for r in reports.json["requirements"]:
        worst = next(
            s for s in ("error", "failing", "pending", "skipped", "verified") if s in {c["status"] for c in r["cases"]}
        )
        if r["status"] != worst:
            problems.append(f"JSON: requirement {r['id']} is {r['status']}, its cases say {worst}")
    if reports.page.requirements != requirements:
        problems.append(f"HTML: {reports.page.requirements} is not {requirements}")
    md = reports.markdown
    problems += [
        f"Markdown: {rid} is listed as {md.get(rid)}, not {s}" for rid, s in requirements.items() if md.get(rid) != {s}
    ]
    listed, totals_line = terminal_statuses(reports.terminal)
    shown = {rid: listed.get(rid, "verified") for rid in requirements}
    problems += [f"terminal: {rid} is {shown[rid]}, not {s}" for rid, s in requirements.items() if shown[rid] != s]
    counts = Counter(requirements.values())
    counts["requirements"] = len(requirements)
    for status in ("requirements", "verified", "failing", "skipped", "pending", "error"):
        if f" {status}: {counts[status]} " not in f" {totals_line} ":
            problems.append(f"terminal: the totals line {totals_line!r} does not say {status}: {counts[status]}")
    return problems


@pytest.mark.parametrize("args", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_every_report_gives_each_case_the_status_pytest_gives_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    files, planned = project()
    write_files(pytester.path, files)
    options = [f"{option}=out/{name}" for option, name in REPORTS.items()]
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly", *options, *args)
    assert result.ret == 1
    reports = read_reports(pytester.path, result.outlines)
    problems = case_disagreements(reports, planned) + requirement_disagreements(reports)
    assert not problems, "\n".join(problems)
    assert read_envelopes(pytester.path / "out" / "c.ndjson")[-1]["testRunFinished"]["success"] is (result.ret == 0)


@st.composite
def drawn_projects(draw: st.DrawFn) -> tuple[dict[str, str], list[Planned]]:
    """A feature file of scenarios whose steps are drawn from every kind, in any order and number,
    each with something drawn around it, and maybe a Background step."""
    texts = sorted(OWN_STATUS)
    lines = ["Feature: drawn", ""]
    background = draw(st.lists(st.sampled_from(texts), max_size=1))
    if background:
        lines += ["  Background:", f"    Given {background[0]}", ""]
    planned = []
    for index in range(draw(st.integers(4, 8))):
        steps = draw(st.lists(st.sampled_from(texts), min_size=1, max_size=4))
        around = draw(st.sampled_from(AROUND))
        tagged = draw(st.integers(0, 5)) == 0
        rid, title = f"D-{index + 1:03d}", f"drawn {index + 1}"
        tags = f"@{rid}" + ("" if around == "none" else f" @{around}") + (" @pending" if tagged else "")
        keywords = ["Given", *(["When", "Then", "And"] * 2)]
        rows = draw(st.lists(st.sampled_from(texts), max_size=3))
        if not rows:
            lines += [f"  {tags}", f"  Scenario: {title}"]
            lines += [f"    {k} {t}" for k, t in zip(keywords, steps, strict=False)]
            planned.append(Planned(rid, rid, title, "drawn", around, tagged))
        else:  # an outline: one more step, its text from the row
            lines += [f"  {tags}", f"  Scenario Outline: {title} <row>"]
            lines += [f"    {k} {t}" for k, t in zip(keywords, [*steps, "<text>"], strict=False)]
            lines += ["", "    Examples:", "      | row | text |"]
            lines += [f"      | r{n} | {t} |" for n, t in enumerate(rows)]
            planned += [
                Planned(rid, f"{rid}[r{n}-{t}]", f"{title} r{n}", "drawn", around, tagged) for n, t in enumerate(rows)
            ]
        lines.append("")
    return {"conftest.py": CONFTEST, "features/drawn.feature": "\n".join(lines) + "\n"}, planned


# No shrinking: each example is a pytest run; the failing project is printed as drawn.
@settings(
    max_examples=8,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(drawn=drawn_projects())
def test_drawn_projects_agree_in_every_report_too(
    pytester: pytest.Pytester, drawn: tuple[dict[str, str], list[Planned]]
) -> None:
    files, planned = drawn
    for old in ("features", "out"):
        shutil.rmtree(pytester.path / old, ignore_errors=True)
    (pytester.path / "pytest.jsonl").unlink(missing_ok=True)
    write_files(pytester.path, files)
    options = [f"{option}=out/{name}" for option, name in REPORTS.items()]
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly", *options)
    assert result.ret in (0, 1)
    reports = read_reports(pytester.path, result.outlines)
    problems = case_disagreements(reports, planned) + requirement_disagreements(reports)
    assert not problems, "\n".join(problems)
    assert read_envelopes(pytester.path / "out" / "c.ndjson")[-1]["testRunFinished"]["success"] is (result.ret == 0)
