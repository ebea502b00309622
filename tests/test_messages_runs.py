"""Cucumber Messages of a whole run: every rerun attempt, the order cases ran in, how the run ended.

The kit's ``retry*`` samples (tests/data/cck) run with pytest-rerunfailures' ``--reruns 2`` (the
kit's ``--retry 2``); their envelopes, step statuses, attempts and ``willBeRetried`` must be the
kit's. Timestamps never go back, and testCaseStarted comes in the order the cases really ran
(recorded by a conftest hook), serially, reversed and under ``-n 2``.
"""

from __future__ import annotations

import json
import shutil
from typing import Any

import pytest

from living_checklist.reports import MESSAGES_OPTION
from tests.test_messages import CCK, by_attempt, kinds, read_envelopes, run_sample, step_statuses

RETRY_SAMPLES = ("retry", "retry-ambiguous", "retry-pending", "retry-undefined")
needs_reruns = pytest.mark.skipif(
    not __import__("importlib.util").util.find_spec("pytest_rerunfailures"),
    reason="pytest-rerunfailures is not installed (it is in the test extra)",
)


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    (pytester.path / "features").mkdir(exist_ok=True)
    return pytester


def attempts(envelopes: list[dict[str, Any]]) -> list[tuple[int, bool]]:
    started = [e["testCaseStarted"]["attempt"] for e in envelopes if "testCaseStarted" in e]
    retried = [e["testCaseFinished"]["willBeRetried"] for e in envelopes if "testCaseFinished" in e]
    return list(zip(started, retried, strict=True))


def stamps(envelopes: list[dict[str, Any]]) -> list[int]:
    found = []
    for envelope in envelopes:
        stamp = next(iter(envelope.values())).get("timestamp")
        if stamp is not None:
            found.append(int(stamp["seconds"]) * 1_000_000_000 + int(stamp["nanos"]))
    return found


@needs_reruns
@pytest.mark.parametrize("name", RETRY_SAMPLES)
def test_retry_sample_gives_the_kits_attempts(project: pytest.Pytester, name: str) -> None:
    expected = read_envelopes(CCK / f"{name}.ndjson")
    got = run_sample(project, name, "-p", "no:xdist", "--reruns", "2")
    assert kinds(got) == kinds(expected)
    assert step_statuses(got) == step_statuses(expected)
    assert attempts(got) == attempts(expected)
    started = {e["testCaseStarted"]["testCaseId"] for e in got if "testCaseStarted" in e}
    assert len(started) == kinds(got).count("testCase")  # every attempt of a case is of its one testCase


@needs_reruns
def test_retry_under_xdist_gives_the_same_attempts(project: pytest.Pytester) -> None:
    expected = read_envelopes(CCK / "retry.ndjson")
    got = run_sample(project, "retry", "-n", "2", "--reruns", "2")
    assert by_attempt(got) == by_attempt(expected)
    assert sorted(attempts(got)) == sorted(attempts(expected))
    assert stamps(got) == sorted(stamps(got))


@needs_reruns
def test_the_last_attempt_decides_the_checklist_and_cucumber_json(project: pytest.Pytester) -> None:
    cucumber, report = project.path / "c.json", project.path / "checklist.json"
    run_sample(project, "retry", "-p", "no:xdist", "--reruns", "2", f"--checklist-cucumber={cucumber}",
               f"--checklist-json={report}")  # fmt: skip
    statuses = {
        e["name"]: [s["result"]["status"] for s in e["steps"]]
        for f in json.loads(cucumber.read_text(encoding="utf-8"))
        for e in f["elements"]
    }
    assert statuses == {
        "Test cases that pass aren't retried": ["passed"],
        "Test cases that fail are retried if within the --retry limit": ["passed"],
        "Test cases that fail will continue to retry up to the --retry limit": ["passed"],
        "Test cases won't retry after failing more than the --retry limit": ["failed"],
    }
    cases = [c["status"] for r in json.loads(report.read_text(encoding="utf-8"))["requirements"] for c in r["cases"]]
    assert sorted(cases) == ["failing", "verified", "verified", "verified"]


@needs_reruns
def test_a_setup_error_then_a_pass_is_verified(project: pytest.Pytester) -> None:
    """An error in the first attempt (a fixture's setup) does not outlive the attempt that passed."""
    (project.path / "features" / "flaky.feature").write_text(
        "Feature: Flaky\n  Scenario: setup fails once\n    Given a step passes\n", encoding="utf-8"
    )
    (project.path / "conftest.py").write_text(
        "import pytest\nfrom pytest_bdd import given\n\ncalls = []\n\n\n@given('a step passes')\n"
        "def _():\n    pass\n\n\n@pytest.fixture(autouse=True)\ndef server():\n    calls.append(1)\n"
        "    if len(calls) == 1:\n        raise RuntimeError('not up yet')\n",
        encoding="utf-8",
    )
    out = project.path / "out.ndjson"
    result = project.runpytest("-p", "no:cacheprovider", "-p", "no:xdist", f"{MESSAGES_OPTION}={out}", "--reruns", "1")
    assert result.ret == 0, result.stdout.str()
    got = read_envelopes(out)
    assert attempts(got) == [(0, True), (1, False)]
    # The Before hook fails and its step is skipped; the next attempt runs the same test steps, and passes.
    assert step_statuses(got) == ["FAILED", "SKIPPED", "PASSED", "PASSED"]
    assert got[-1]["testRunFinished"]["success"] is True


RECORDER = """

ran = []


def pytest_runtest_logstart(nodeid, location):
    ran.append(location[0] + ":" + str(location[1] + 1))


def pytest_sessionfinish(session):
    import json, pathlib
    if not hasattr(session.config, "workerinput"):
        pathlib.Path("ran.json").write_text(json.dumps(ran))
    else:
        pathlib.Path("ran-" + session.config.workerinput["workerid"] + ".json").write_text(json.dumps(ran))
"""


@pytest.mark.parametrize("args", [("-p", "no:xdist"), ("-n", "2")])
def test_cases_start_in_the_order_they_ran_and_time_never_goes_back(
    project: pytest.Pytester, args: tuple[str, ...]
) -> None:
    """Reversed by a plugin (the kit's --order reverse), and spread over two workers."""
    for feature in sorted(CCK.glob("multiple-features-reversed-[0-9].feature")):
        shutil.copy(feature, project.path / "features" / feature.name)
    steps = (CCK / "steps" / "multiple_features_reversed.py").read_text(encoding="utf-8")
    (project.path / "conftest.py").write_text(steps + RECORDER, encoding="utf-8")
    out = project.path / "out.ndjson"
    result = project.runpytest("-p", "no:cacheprovider", f"{MESSAGES_OPTION}={out}", *args)
    assert result.ret == 0, result.stdout.str()
    got = read_envelopes(out)
    assert stamps(got) == sorted(stamps(got))
    where = _pickle_places(got)
    started = [where[e["testCaseStarted"]["testCaseId"]] for e in got if "testCaseStarted" in e]
    test_cases = [where[e["testCase"]["id"]] for e in got if "testCase" in e]
    if args[0] == "-p":
        ran = json.loads((project.path / "ran.json").read_text(encoding="utf-8"))
        assert started == ran == test_cases
        assert ran[0] == "features/multiple-features-reversed-3.feature:9"  # reversed indeed
    else:
        for worker in project.path.glob("ran-gw*.json"):  # each worker's cases in the order it ran them
            ran = json.loads(worker.read_text(encoding="utf-8"))
            assert [place for place in started if place in ran] == ran
        assert sorted(started) == sorted(test_cases) and len(started) == 9


def _pickle_places(envelopes: list[dict[str, Any]]) -> dict[str, str]:
    """testCase id -> ``uri:line`` of its pickle's scenario."""
    lines = {}
    for envelope in envelopes:
        if "gherkinDocument" in envelope:
            document = envelope["gherkinDocument"]
            for child in document["feature"]["children"]:
                scenario = child.get("scenario")
                if scenario:
                    lines[scenario["id"]] = f"{document['uri']}:{scenario['location']['line']}"
    pickles = {e["pickle"]["id"]: lines[e["pickle"]["astNodeIds"][0]] for e in envelopes if "pickle" in e}
    return {e["testCase"]["id"]: pickles[e["testCase"]["pickleId"]] for e in envelopes if "testCase" in e}


def test_an_internal_error_is_the_run_finished_exception(project: pytest.Pytester) -> None:
    shutil.copy(CCK / "minimal.feature", project.path / "features" / "minimal.feature")
    steps = (CCK / "steps" / "minimal.py").read_text(encoding="utf-8")
    hook = "\n\ndef pytest_runtest_logfinish(nodeid, location):\n    raise RuntimeError('the hook broke')\n"
    (project.path / "conftest.py").write_text(steps + hook, encoding="utf-8")
    out = project.path / "out.ndjson"
    result = project.runpytest("-p", "no:cacheprovider", "-p", "no:xdist", f"{MESSAGES_OPTION}={out}")
    assert result.ret == pytest.ExitCode.INTERNAL_ERROR
    finished = read_envelopes(out)[-1]["testRunFinished"]
    assert finished["success"] is False
    assert finished["exception"] == {"type": "RuntimeError", "message": "the hook broke"}
    assert finished["message"] == "the hook broke"


@pytest.mark.parametrize("args", [("-p", "no:xdist"), ("-n", "2")])
def test_a_collection_error_is_the_run_finished_exception(project: pytest.Pytester, args: tuple[str, ...]) -> None:
    shutil.copy(CCK / "minimal.feature", project.path / "features" / "minimal.feature")
    shutil.copy(CCK / "steps" / "minimal.py", project.path / "conftest.py")
    (project.path / "features" / "test_broken.py").write_text("import no_such_module_here\n", encoding="utf-8")
    out = project.path / "out.ndjson"
    result = project.runpytest("-p", "no:cacheprovider", f"{MESSAGES_OPTION}={out}", "features", *args)
    assert result.ret in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.TESTS_FAILED)  # xdist runs the rest
    finished = read_envelopes(out)[-1]["testRunFinished"]
    assert finished["success"] is False
    assert "no_such_module_here" in finished["exception"]["message"], finished


@pytest.mark.parametrize("args", [("-p", "no:xdist"), ("-n", "2")])
def test_the_kits_test_run_exception_ends_the_run_with_it(project: pytest.Pytester, args: tuple[str, ...]) -> None:
    """The kit's test-run-exception: no test case, the exception in testRunFinished. Under -n the
    workers, which find the step definitions, never started: the stream lists none (README)."""
    expected = read_envelopes(CCK / "test-run-exception.ndjson")
    got = run_sample(project, "test-run-exception", *args)
    listed = kinds(expected) if "no:xdist" in args else [k for k in kinds(expected) if k != "stepDefinition"]
    assert kinds(got) == listed
    finished = got[-1]["testRunFinished"]
    assert finished["success"] is False
    assert finished["message"] == expected[-1]["testRunFinished"]["message"] == "Whoops!"
    assert finished["exception"] == {"type": "RuntimeError", "message": "Whoops!"}

def test_a_run_that_ends_well_has_no_exception(project: pytest.Pytester) -> None:
    got = run_sample(project, "minimal", "-p", "no:xdist")
    assert "exception" not in got[-1]["testRunFinished"]
    assert got[-1]["testRunFinished"]["success"] is True

