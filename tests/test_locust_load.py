"""Loads on Locust's master and workers (checklist_load_workers), merged exactly into one verdict.

Master and workers are separate processes on 127.0.0.1, against a local server whose every answer
takes 50 ms; the merged figures equal, within Locust's histogram resolution, the same load from
one process. Skipped with the reason when Locust is not installed.
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import statistics
import time

import pytest

from living_checklist.live import load, locust_load
from tests.helpers import figures, statuses
from tests.helpers import run_by_id as run
from tests.test_service import PY, free_port, service_project
from tests.test_wire import Recorder

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX sockets and processes")
needs_locust = pytest.mark.skipif(importlib.util.find_spec("locust") is None, reason="locust is not installed")


def slow(_: bytes) -> bytes:
    time.sleep(0.05)
    return b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def _quantile(samples: tuple[float, ...], q: float) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[round(q * 100) - 1]


@needs_locust
def test_master_and_two_workers_give_the_verdict_of_one_process() -> None:
    """30 requests per client, so that the first of each (Locust times its connecting into it) is
    under 5 %: the merged percentiles equal one Locust process's and the built-in client's, within
    the histogram's 1 ms resolution and 10 ms for a busy machine."""
    server = Recorder(slow)
    request = load.Request("GET", "/x")
    try:
        merged = locust_load.run_locust(server.url, request, 4, each=30, timeout=5, workers=2)
        one = locust_load.run_locust(server.url, request, 4, each=30, timeout=5, workers=1)
        alone = load.run_load(server.url, request, 4, each=30, timeout=5)
    finally:
        server.close()
    assert merged.answered == one.answered == alone.answered == 120 and merged.statuses == {200: 120}
    assert merged.failed == 0 and merged.errors == {} and merged.processes == 2
    for q in (0.5, 0.95):
        assert abs(_quantile(merged.samples, q) - _quantile(one.samples, q)) <= 0.011, q
    assert abs(_quantile(merged.samples, 0.5) - _quantile(alone.samples, 0.5)) <= 0.011
    assert all(0.049 <= s <= 0.5 for s in merged.samples)


def test_the_merged_histogram_becomes_the_answered_times_and_counts_apart_the_rest() -> None:
    entries = [
        {"name": "200", "num_requests": 5, "start_time": 10.0, "last_request_timestamp": 12.0,
         "response_times": {"50": 3, "120": 2}, "total_content_length": 10},
        {"name": "503", "num_requests": 2, "start_time": 10.5, "last_request_timestamp": 11.0,
         "response_times": {"1": 2}, "total_content_length": 0},
        {"name": "error: timed out", "num_requests": 1, "start_time": 11.0, "last_request_timestamp": 11.0,
         "response_times": {"5000": 1}},
    ]  # fmt: skip
    result = locust_load.to_load(entries, 2, 4, None, 2)
    assert sorted(result.samples) == [0.05, 0.05, 0.05, 0.12, 0.12]  # only the answered ones, exactly as counted
    assert result.statuses == {200: 5, 503: 2} and result.errors == {"timed out": 1}
    assert result.requests == 8 and result.failed == 3 and result.window == 2.0 and result.rate == 2.5


def test_without_locust_the_setting_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    assert "pip install 'living-checklist[load]'" in (locust_load.missing() or "")
    with pytest.raises(load.LoadError, match="locust>=2.20"):
        locust_load.run_locust("http://127.0.0.1:9", load.Request("GET", "/"), 1, each=1, timeout=1, workers=1)


LOAD_FEATURE = """
Feature: a service under load
  @SVC-001
  Scenario: under load, on Locust
    When 4 clients send 5 requests each to "/hello"
    Then the median response time is at most 5000 ms
    And at most 0 percent of the requests fail
"""


@needs_locust
def test_the_load_phrases_run_on_locust_when_workers_are_set(pytester: pytest.Pytester) -> None:
    port = free_port()
    service = f"{shlex.quote(PY)} server.py {port}"
    service_project(pytester, LOAD_FEATURE, service, f"http://127.0.0.1:{port}", "checklist_load_workers = 2")
    _, reqs = run(pytester)
    assert statuses(reqs) == {"SVC-001": "verified"}
    got = figures(reqs["SVC-001"])
    assert got["answered requests"]["value"] == 20 and got["load client busy"]["value"] == 0


def test_a_bad_worker_count_is_a_usage_error(pytester: pytest.Pytester) -> None:
    service_project(pytester, LOAD_FEATURE, "", "http://127.0.0.1:9", "checklist_load_workers = two")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*checklist_load_workers = 'two': expected a whole number of Locust workers*"])
