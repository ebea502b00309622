"""Cucumber Messages: the kit's samples give the kit's envelopes and step statuses, also under -n 2.

Each sample of the Cucumber Compatibility Kit (tests/data/cck, MIT) runs through the plugin with
its step definitions written in Python; the NDJSON written must parse line by line with the
official ``cucumber-messages`` package (and convert back to the same JSON, so no key is unknown
to it), and its envelope types in order and every testStepFinished status must equal the kit's
expected file. Ids, times and envelope contents are the run's own.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from cucumber_messages import Envelope, message_converter

from living_checklist.reports import MESSAGES_OPTION

CCK = Path(__file__).parent / "data" / "cck"
SAMPLES = (
    "minimal",
    "undefined",
    "pending",
    "skipped",
    "empty",
    "rules",
    "examples-tables",
    "data-tables",
    "doc-strings",
    "all-statuses",
    "ambiguous",
    "undefined-multiple",
    "hooks",
    "hooks-named",
    "hooks-conditional",
    "hooks-attachment",
    "hooks-undefined",
    "global-hooks",
    "global-hooks-attachments",
    "global-hooks-afterall-error",
    "unused-steps",
    "parameter-types",
    "regular-expression",
    "cdata",
    "multiple-features-reversed",
    "markdown",
    "backgrounds",
    "rules-backgrounds",
    "multiple-features",
    "examples-tables-undefined",
    "examples-tables-undefined-multiple",
    "attachments",
    "examples-tables-attachment",
    "pending-exception",
    "skipped-exception",
    "stack-traces",
    "skipped-failing-hook",
    "failedish-combinations",
    "test-run-exception",
)
# Files a sample's step definitions read, copied beside them.
ASSETS = {
    "hooks-attachment": ("cucumber.svg",),
    "attachments": ("document.pdf",),
    "examples-tables-attachment": ("cucumber.jpeg", "cucumber.png"),
}


def read_envelopes(path: Path) -> list[dict[str, Any]]:
    """Every line as JSON, each checked by the official package (parse, and back to the same JSON)."""
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        data = json.loads(line)
        envelope = message_converter.from_dict(data, Envelope)
        assert message_converter.to_dict(envelope) == data, f"{path}:{number}: not a Cucumber message as written"
        assert len(data) == 1, f"{path}:{number}: an envelope holds one message"
        out.append(data)
    return out


def as_the_checklist_counts(name: str, expected: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The kit's stream with README's one difference in step order: in failedish-combinations, a
    case whose step skipped itself before an undefined or ambiguous step stays pending or error (the
    checklist counts it as not defined), so those steps keep their status (an undefined one its
    suggestion) where Cucumber shows them skipped."""
    if name != "failedish-combinations":
        return expected
    matched = {
        step["id"]: len(step.get("stepDefinitionIds", []))
        for e in expected
        if "testCase" in e
        for step in e["testCase"]["testSteps"]
        if "pickleStepId" in step
    }
    out: list[dict[str, Any]] = []
    for envelope in expected:
        finished = envelope.get("testStepFinished")
        skipped = finished is not None and finished["testStepResult"]["status"] == "SKIPPED"
        if finished is not None and skipped and matched.get(finished["testStepId"], 1) != 1:
            status = "UNDEFINED" if matched[finished["testStepId"]] == 0 else "AMBIGUOUS"
            if status == "UNDEFINED":
                out.append({"suggestion": {}})
            envelope = {"testStepFinished": {**finished, "testStepResult": {"status": status}}}
        out.append(envelope)
    return out

def kinds(envelopes: list[dict[str, Any]]) -> list[str]:
    return [next(iter(e)) for e in envelopes]


def step_statuses(envelopes: list[dict[str, Any]]) -> list[str]:
    return [e["testStepFinished"]["testStepResult"]["status"] for e in envelopes if "testStepFinished" in e]


def hook_statuses(envelopes: list[dict[str, Any]]) -> list[str]:
    """The statuses of the test-run hooks (BeforeAll, AfterAll) as they ran."""
    return [e["testRunHookFinished"]["result"]["status"] for e in envelopes if "testRunHookFinished" in e]


def attachments(envelopes: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [
        (e["attachment"]["mediaType"], e["attachment"]["contentEncoding"], e["attachment"]["body"])
        for e in envelopes
        if "attachment" in e
    ]


def assert_like_the_kit(got: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    assert kinds(got) == kinds(expected)
    assert step_statuses(got) == step_statuses(expected)
    assert hook_statuses(got) == hook_statuses(expected)
    assert attachments(got) == attachments(expected)


def sample_files(name: str) -> list[Path]:
    """The sample's feature file (``.feature``, or Markdown's ``.feature.md``), or its numbered files
    (``multiple-features-reversed-1.feature``)."""
    found = [*CCK.glob(f"{name}.feature"), *CCK.glob(f"{name}.feature.md"), *CCK.glob(f"{name}-[0-9].feature")]
    return sorted(found)


def run_sample(pytester: pytest.Pytester, name: str, *args: str) -> list[dict[str, Any]]:
    for feature in sample_files(name):
        shutil.copy(feature, pytester.path / "features" / feature.name)
    steps = CCK / "steps" / f"{name.replace('-', '_')}.py"
    if steps.exists():
        shutil.copy(steps, pytester.path / "conftest.py")
    for asset in ASSETS.get(name, ()):
        shutil.copy(CCK / asset, pytester.path / asset)
    out = pytester.path / "out.ndjson"
    pytester.runpytest("-p", "no:cacheprovider", f"{MESSAGES_OPTION}={out}", *args)
    return read_envelopes(out)


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    (pytester.path / "features").mkdir(exist_ok=True)
    return pytester


def test_the_kits_expected_files_pass_our_reader() -> None:
    for name in SAMPLES:
        assert read_envelopes(CCK / f"{name}.ndjson")


def test_meta_declares_the_kits_protocol_version(project: pytest.Pytester) -> None:
    got = run_sample(project, "minimal", "-p", "no:xdist")
    expected = {read_envelopes(CCK / f"{name}.ndjson")[0]["meta"]["protocolVersion"] for name in SAMPLES}
    assert {got[0]["meta"]["protocolVersion"]} == expected


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_gives_the_kits_envelopes_and_step_statuses(project: pytest.Pytester, name: str) -> None:
    expected = as_the_checklist_counts(name, read_envelopes(CCK / f"{name}.ndjson"))
    got = run_sample(project, name, "-p", "no:xdist")
    assert_like_the_kit(got, expected)


def by_attempt(envelopes: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """The kinds outside the attempts, and each attempt's kinds with its step statuses, in the
    order of the pickles (and attempts): under xdist, attempts on two workers interleave in time."""
    pickles = [e["pickle"]["id"] for e in envelopes if "pickle" in e]
    cases = {e["testCase"]["id"]: e["testCase"]["pickleId"] for e in envelopes if "testCase" in e}
    outside: list[str] = []
    attempts: dict[str, list[str]] = {}
    order: dict[str, tuple[int, int]] = {}
    previous = None
    for envelope in envelopes:
        ((kind, body),) = envelope.items()
        if kind == "testCaseStarted":
            order[body["id"]] = (pickles.index(cases[body["testCaseId"]]), body["attempt"])
        started = body["id"] if kind == "testCaseStarted" else body.get("testCaseStartedId")
        if kind == "suggestion":
            started = previous  # a suggestion follows its step's testStepStarted
        previous = started
        if started is None:
            outside.append(kind)
            continue
        status = body.get("testStepResult", {}).get("status", "")
        attempts.setdefault(started, []).append(f"{kind} {status}".strip())
    return outside, [attempts[key] for key in sorted(attempts, key=lambda key: order[key])]


# test-run-exception under -n: tests/test_messages_runs.py (the workers never start).
@pytest.mark.parametrize("name", [name for name in SAMPLES if name != "test-run-exception"])
def test_sample_under_xdist_gives_the_same(project: pytest.Pytester, name: str) -> None:
    """The same envelopes, statuses and attachments, attempt by attempt; attempts that ran at the
    same time on two workers interleave in time order (as a parallel Cucumber run writes them).
    Every worker runs the session fixtures: each BeforeAll and AfterAll is still written once."""
    expected = as_the_checklist_counts(name, read_envelopes(CCK / f"{name}.ndjson"))
    got = run_sample(project, name, "-n", "2")
    assert by_attempt(got) == by_attempt(expected)
    assert sorted(step_statuses(got)) == sorted(step_statuses(expected))
    assert hook_statuses(got) == hook_statuses(expected)
    assert sorted(attachments(got)) == sorted(attachments(expected))


@pytest.mark.parametrize("args", [("-p", "no:xdist"), ("-n", "2")])
def test_a_failing_session_fixture_is_a_failed_before_all_hook(project: pytest.Pytester, args: tuple[str, ...]) -> None:
    """As in the kit, the run has no test case and fails; the one difference (README): pytest sets up
    no fixture after the one that failed, so the third BeforeAll does not run (Cucumber runs it),
    and a hook is listed once it has run."""
    expected = read_envelopes(CCK / "global-hooks-beforeall-error.ndjson")
    third = [e["hook"]["id"] for e in expected if e.get("hook", {}).get("type") == "BEFORE_TEST_RUN"][2]
    (started,) = [
        e["testRunHookStarted"]["id"] for e in expected if e.get("testRunHookStarted", {}).get("hookId") == third
    ]
    expected = [
        e for e in expected
        if e.get("hook", {}).get("id") != third
        and e.get("testRunHookStarted", {}).get("id") != started
        and e.get("testRunHookFinished", {}).get("testRunHookStartedId") != started
    ]  # fmt: skip
    got = run_sample(project, "global-hooks-beforeall-error", *args)
    assert_like_the_kit(got, expected)
    (failed,) = [
        e["testRunHookFinished"]["result"]
        for e in got
        if "testRunHookFinished" in e
        if e["testRunHookFinished"]["result"]["status"] == "FAILED"
    ]
    assert failed["message"] == "Exception: BeforeAll hook went wrong"
    assert failed["exception"]["type"] == "Exception"
    assert got[-1]["testRunFinished"]["success"] is False


def test_a_session_fixtures_teardown_error_is_not_the_last_scenarios(project: pytest.Pytester) -> None:
    """The AfterAll hook fails and the run with it (exit 1); the scenario it ran after stays verified."""
    shutil.copy(CCK / "global-hooks-afterall-error.feature", project.path / "features" / "g.feature")
    shutil.copy(CCK / "steps" / "global_hooks_afterall_error.py", project.path / "conftest.py")
    out, cucumber = project.path / "out.ndjson", project.path / "cucumber.json"
    result = project.runpytest("-p", "no:cacheprovider", f"{MESSAGES_OPTION}={out}", f"--checklist-cucumber={cucumber}")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["requirements: 1  defined: 1  verified: 1  failing: 0 *error: 0*"])
    (element,) = [e for f in json.loads(cucumber.read_text(encoding="utf-8")) for e in f["elements"]]
    assert "after" not in element and [s["result"]["status"] for s in element["steps"]] == ["passed"]
    got = read_envelopes(out)
    assert step_statuses(got) == ["PASSED"]
    assert hook_statuses(got) == ["PASSED", "PASSED", "PASSED", "FAILED", "PASSED"]
    assert got[-1]["testRunFinished"]["success"] is False


def test_messages_reference_each_other(project: pytest.Pytester) -> None:
    """Ids are unique and every reference points at an envelope written before it."""
    got = run_sample(project, "undefined", "-p", "no:xdist")
    seen: set[str] = set()
    for envelope in got:
        ((kind, body),) = envelope.items()
        for ref in ("pickleId", "testCaseId", "testCaseStartedId", "testStepId", "testRunStartedId"):
            if ref in body:
                assert body[ref] in seen, f"{kind}.{ref} = {body[ref]} is not defined before it"
        for step in body.get("testSteps", ()):
            assert all(d in seen for d in step["stepDefinitionIds"])
        if kind == "gherkinDocument":
            seen.update(_ids(body))
        for key in ("id",):
            if key in body:
                assert body[key] not in seen, f"{kind}.id {body[key]} used twice"
                seen.add(body[key])
        if kind == "pickle":
            seen.update(step["id"] for step in body["steps"])
        for step in body.get("testSteps", ()):
            seen.add(step["id"])
    suggestions = [e["suggestion"] for e in got if "suggestion" in e]
    assert [len(s["snippets"]) for s in suggestions] == [1, 1, 1, 1]
    assert "@given(parsers.parse('a list of {n:d} things'))" in suggestions[-1]["snippets"][0]["code"]


def _ids(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("id"), str):
            found.add(node["id"])
        for value in node.values():
            found |= _ids(value)
    elif isinstance(node, list):
        for value in node:
            found |= _ids(value)
    return found


def test_a_failed_steps_message_names_its_feature_file_line(project: pytest.Pytester) -> None:
    """The kit's stack-traces sample: what failed points at the step in the feature file (the kit
    writes it in ``exception.stackTrace``, which this harness leaves out; README)."""
    got = run_sample(project, "stack-traces", "-p", "no:xdist")
    (failed,) = [e["testStepFinished"]["testStepResult"] for e in got if "testStepFinished" in e]
    assert failed["status"] == "FAILED"
    assert failed["exception"]["type"] == "Exception"
    assert failed["message"].startswith("Exception: BOOM")
    assert "features/stack-traces.feature:10" in failed["message"]


def test_failed_step_carries_message_exception_and_durations(project: pytest.Pytester) -> None:
    got = run_sample(project, "examples-tables", "-p", "no:xdist")
    failed = [e["testStepFinished"]["testStepResult"] for e in got if "testStepFinished" in e]
    failed = [r for r in failed if r["status"] == "FAILED"]
    assert len(failed) == 2
    assert failed[0]["exception"]["type"] == "AssertionError"
    assert "-8 !== 0" in failed[0]["message"]
    passed = [e["testStepFinished"]["testStepResult"] for e in got if "testStepFinished" in e]
    assert any(r["duration"]["nanos"] > 0 for r in passed if r["status"] == "PASSED")
    definitions = [e["stepDefinition"] for e in got if "stepDefinition" in e]
    assert {d["sourceReference"]["uri"] for d in definitions} == {"conftest.py"}
    assert all(d["pattern"]["type"] == "REGULAR_EXPRESSION" for d in definitions)  # parse: its regex
    finished = got[-1]["testRunFinished"]
    assert finished["success"] is False  # two rows fail: the run fails, as the exit status says


def test_undefined_run_is_a_success_like_the_exit_status(project: pytest.Pytester) -> None:
    """Pending keeps CI green here (Cucumber's strict mode would fail it): success says the same."""
    got = run_sample(project, "undefined", "-p", "no:xdist")
    assert got[-1]["testRunFinished"]["success"] is True


def test_a_run_where_nothing_ran_is_no_success(project: pytest.Pytester) -> None:
    """-k that selects nothing exits 5 (no tests ran): testRunFinished says it was no success."""
    (project.path / "features" / "minimal.feature").write_text((CCK / "minimal.feature").read_text(encoding="utf-8"))
    shutil.copy(CCK / "steps" / "minimal.py", project.path / "conftest.py")
    out = project.path / "out.ndjson"
    result = project.runpytest("-p", "no:cacheprovider", f"{MESSAGES_OPTION}={out}", "-k", "no-such-case")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert read_envelopes(out)[-1]["testRunFinished"]["success"] is False


def test_not_selected_cases_have_a_pickle_but_no_test_case(project: pytest.Pytester) -> None:
    got = run_sample(project, "rules", "-p", "no:xdist", "-k", "Enough")
    assert kinds(got).count("pickle") == 3
    assert kinds(got).count("testCase") == 2  # "Not enough money" and "Enough money" match -k Enough


HOOKS_FEATURE = """\
Feature: Outside the steps
  Scenario: after hook fails
    Given a step passes

  @broken
  Scenario: setup fails
    Given a step passes

  Scenario: after hook skips
    Given a step passes

  Scenario: all good
    Given a step passes

  Scenario: before hook fails
    Given a step passes

  @teardown
  Scenario: teardown fails
    Given a step passes

  Scenario: a TBD after a step
    Given a step passes
    When the limit is TBD
    Then a step passes
"""

HOOKS_CONFTEST = """\
import pytest
from pytest_bdd import given


@given("a step passes")
def _passes():
    pass


@pytest.fixture(autouse=True)
def database(request):
    if request.node.get_closest_marker("broken"):
        raise RuntimeError("no database")
    yield
    if request.node.get_closest_marker("teardown"):
        raise RuntimeError("cannot drop the database")


def pytest_bdd_before_scenario(request, feature, scenario):
    if scenario.name == "before hook fails":
        raise AssertionError("before hook says no")


def pytest_bdd_after_scenario(request, feature, scenario):
    if scenario.name == "after hook fails":
        raise AssertionError("after hook says no")
    if scenario.name == "after hook skips":
        pytest.skip("after hook skips")
"""


def _case_statuses(got: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Per pickle name, the statuses of its test steps ("hook:" before a hook step's)."""
    names = {e["pickle"]["id"]: e["pickle"]["name"] for e in got if "pickle" in e}
    cases = {e["testCase"]["id"]: e["testCase"] for e in got if "testCase" in e}
    started = {
        e["testCaseStarted"]["id"]: cases[e["testCaseStarted"]["testCaseId"]] for e in got if "testCaseStarted" in e
    }
    out: dict[str, list[str]] = {}
    for e in got:
        if "testStepFinished" in e:
            finished = e["testStepFinished"]
            case = started[finished["testCaseStartedId"]]
            step = next(s for s in case["testSteps"] if s["id"] == finished["testStepId"])
            label = "hook:" if "hookId" in step else ""
            out.setdefault(names[case["pickleId"]], []).append(label + finished["testStepResult"]["status"])
    return out


@pytest.mark.parametrize("args", [("-p", "no:xdist"), ("-n", "2")])
def test_failures_outside_steps_are_on_hook_steps_in_every_cucumber_report(
    project: pytest.Pytester, args: tuple[str, ...]
) -> None:
    """A failing after-scenario hook fails on an After hook step (it was PASSED); a failed setup is
    a Before hook, its step skipped; a skip in the after hook is kept. The same in Cucumber JSON."""
    (project.path / "features" / "hooks.feature").write_text(HOOKS_FEATURE, encoding="utf-8")
    (project.path / "conftest.py").write_text(HOOKS_CONFTEST, encoding="utf-8")
    out, cucumber, html = project.path / "out.ndjson", project.path / "cucumber.json", project.path / "c.html"
    result = project.runpytest(
        "-p", "no:cacheprovider", f"{MESSAGES_OPTION}={out}", f"--checklist-cucumber={cucumber}",
        f"--checklist-html={html}", *args,
    )  # fmt: skip
    assert result.ret == 1
    page = html.read_text(encoding="utf-8")  # the failing After hook is failing on the page too, by name
    assert '<span class="sbadge failed">failed</span> <code>After hook pytest_bdd_after_scenario (conftest.py:' in page
    assert '<span class="sbadge failed">failed</span> <code>After hook database (conftest.py:' in page
    got = read_envelopes(out)
    # Each hook on its own: the database fixture's setup and teardown, the two scenario hooks.
    db, before, after = "hook:PASSED", "hook:PASSED", "hook:PASSED"
    assert _case_statuses(got) == {
        "after hook fails": [db, before, "PASSED", "hook:FAILED", db],
        "setup fails": ["hook:FAILED", "SKIPPED"],  # nothing after a failed setup ran
        "after hook skips": [db, before, "PASSED", "hook:SKIPPED", db],
        "all good": [db, before, "PASSED", after, db],
        "before hook fails": [db, "hook:FAILED", "SKIPPED", db],  # pytest-bdd: no after hook then
        "teardown fails": [db, before, "PASSED", after, "hook:FAILED"],
        "a TBD after a step": [db, before, "PASSED", "PENDING", "SKIPPED", after, db],  # the step before the TBD ran
    }
    failed = [e["testStepFinished"]["testStepResult"] for e in got if "testStepFinished" in e]
    messages = [r.get("message", "") for r in failed if r["status"] == "FAILED"]
    assert any("after hook says no" in m for m in messages)
    assert any("no database" in m for m in messages)
    hooks = [e["hook"] for e in got if "hook" in e]
    assert [(h["type"], h["name"], h["sourceReference"]["uri"]) for h in hooks] == [
        ("BEFORE_TEST_CASE", "database", "conftest.py"),
        ("AFTER_TEST_CASE", "database", "conftest.py"),
        ("BEFORE_TEST_CASE", "pytest_bdd_before_scenario", "conftest.py"),
        ("AFTER_TEST_CASE", "pytest_bdd_after_scenario", "conftest.py"),
    ]
    lines = HOOKS_CONFTEST.splitlines()
    assert [lines[h["sourceReference"]["location"]["line"] - 1].strip() for h in hooks] == [
        "@pytest.fixture(autouse=True)", "if request.node.get_closest_marker(\"teardown\"):",
        "def pytest_bdd_before_scenario(request, feature, scenario):",
        "def pytest_bdd_after_scenario(request, feature, scenario):",
    ]  # fmt: skip
    assert got[-1]["testRunFinished"]["success"] is False
    elements = {e["name"]: e for f in json.loads(cucumber.read_text(encoding="utf-8")) for e in f["elements"]}
    assert elements["after hook fails"]["after"][0]["result"]["status"] == "failed"
    assert elements["after hook fails"]["after"][0]["match"]["location"].startswith("conftest.py:")
    assert [s["result"]["status"] for s in elements["after hook fails"]["steps"]] == ["passed"]
    assert elements["setup fails"]["before"][0]["result"]["status"] == "failed"
    assert [s["result"]["status"] for s in elements["setup fails"]["steps"]] == ["skipped"]
    assert elements["after hook skips"]["after"][0]["result"]["status"] == "skipped"
    assert {h["result"]["status"] for h in elements["all good"]["before"] + elements["all good"]["after"]} == {"passed"}
    assert [h["result"]["status"] for h in elements["before hook fails"]["before"]] == ["passed", "failed"]
    assert [h["result"]["status"] for h in elements["teardown fails"]["after"]] == ["passed", "failed"]
    assert [s["result"]["status"] for s in elements["teardown fails"]["steps"]] == ["passed"]
    # The hooks' failures name no step: none of them is a step's.
    assert "(step " not in result.stdout.str().split("FAILING  features/hooks.feature:2")[1].splitlines()[0]


ATTACH_FEATURE = """\
Feature: Evidence
  Scenario: attached everywhere
    Given a step logs
    When a step attaches bytes
"""

ATTACH_CONFTEST = """\
import pytest
from pytest_bdd import given, when

from living_checklist import Measurement, attach, record


@pytest.fixture(autouse=True)
def server():
    attach("started on 127.0.0.1:8080", "text/x.cucumber.log+plain")
    yield
    attach("https://example.invalid/trace/1", "text/uri-list")


@given("a step logs")
def _logs():
    attach('{"ok": true}', "application/json", name="answer.json")


@when("a step attaches bytes")
def _bytes(request):
    attach(bytes([0, 255, 1]), "application/octet-stream")
    record(request.node, Measurement("latency", 12.5, "ms", 100.0, "<="))
"""


@pytest.mark.parametrize("args", [("-p", "no:xdist"), ("-n", "2")])
def test_attach_in_steps_and_fixtures_reaches_messages_cucumber_json_and_html(
    project: pytest.Pytester, args: tuple[str, ...]
) -> None:
    (project.path / "features" / "evidence.feature").write_text(ATTACH_FEATURE, encoding="utf-8")
    (project.path / "conftest.py").write_text(ATTACH_CONFTEST, encoding="utf-8")
    out, cucumber, html = project.path / "out.ndjson", project.path / "c.json", project.path / "c.html"
    result = project.runpytest(
        "-p", "no:cacheprovider", f"{MESSAGES_OPTION}={out}", f"--checklist-cucumber={cucumber}",
        f"--checklist-html={html}", *args,
    )  # fmt: skip
    assert result.ret == 0, result.stdout.str()
    got = read_envelopes(out)
    assert _case_statuses(got) == {"attached everywhere": ["hook:PASSED", "PASSED", "PASSED", "hook:PASSED"]}
    attachments = [e["attachment"] for e in got if "attachment" in e]
    assert [(a["mediaType"], a["contentEncoding"], a["body"]) for a in attachments] == [
        ("text/x.cucumber.log+plain", "IDENTITY", "started on 127.0.0.1:8080"),
        ("application/json", "IDENTITY", '{"ok": true}'),
        ("application/octet-stream", "BASE64", "AP8B"),
        ("application/vnd.living-checklist.measurement+json", "IDENTITY", attachments[3]["body"]),
        ("text/uri-list", "IDENTITY", "https://example.invalid/trace/1"),
    ]
    assert json.loads(attachments[3]["body"])["name"] == "latency"  # every measurement is attached too
    assert attachments[1]["fileName"] == "answer.json"
    # Each is written between its step's testStepStarted and testStepFinished.
    kinds_in_order = kinds(got)
    for index, kind in enumerate(kinds_in_order):
        if kind == "attachment":
            assert kinds_in_order[index - 1] in ("testStepStarted", "attachment")
    (element,) = [e for f in json.loads(cucumber.read_text(encoding="utf-8")) for e in f["elements"]]
    assert element["before"][0]["embeddings"][0]["mime_type"] == "text/x.cucumber.log+plain"
    assert element["steps"][1]["embeddings"][0] == {"data": "AP8B", "mime_type": "application/octet-stream"}
    assert element["after"][0]["embeddings"][0]["mime_type"] == "text/uri-list"
    page = html.read_text(encoding="utf-8")
    assert "attached answer.json (application/json, 12 bytes)" in page
    assert "https://example.invalid/trace/1" in page


def test_attach_outside_a_scenario_says_where_it_may_be_called() -> None:
    import living_checklist

    with pytest.raises(RuntimeError, match="call it in a step, a hook or a fixture"):
        living_checklist.attach("text", "text/plain")
