"""Services: the settings, the harness starting and stopping checklist_service, requests and load."""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import sys
from pathlib import Path

import pytest

from tests.helpers import figures, statuses, write_files
from tests.helpers import run_by_id as run

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
CONFTEST_STEPS = f"""
import sys
sys.path.insert(0, {str(REPO)!r})
pytest_plugins = ["living_checklist.steps"]
"""

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the service steps need POSIX process groups")


FEATURE = """\
Feature: F
  @T-1
  Scenario: passes
    Given it is fine
"""
CONFTEST = """\
from pytest_bdd import given

@given("it is fine")
def fine():
    pass
"""


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("checklist_url", "localhost:8000", "checklist_url = 'localhost:8000': expected an http:// or https:// URL"),
        ("checklist_url", "http://127.0.0.1:99999", "the port is not valid"),
        ("checklist_service", "serve 'unclosed", "checklist_service = \"serve 'unclosed\": cannot be split"),
        ("checklist_service", "python -m http.server", "checklist_url is TBD, so there is no address to wait for"),
    ],
)
def test_bad_service_settings_are_usage_errors(pytester: pytest.Pytester, key: str, value: str, expected: str) -> None:
    write_files(pytester.path, {"features/f.feature": FEATURE, "conftest.py": CONFTEST})
    result = pytester.runpytest("-o", f"{key}={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{expected}*"])
    assert "fix it in [tool.pytest.ini_options] or with -o" in result.stderr.str()


# -- a real service on 127.0.0.1, started by the checklist ------------------------------------

# A small service: /hello answers "hello"; /slow waits 0.2 s; /private wants a bearer token;
# POST /echo returns the body; /boom is a 500. It logs each start to started.log and starts a
# helper process (its pid in helper.pid) that must end with it.
SERVER = r"""
import os, subprocess, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port = int(sys.argv[1])
with open("started.log", "a") as log:
    log.write("started\n")
helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
with open("helper.pid", "w") as pid_file:
    pid_file.write(str(helper.pid))
print("service listening on", port, flush=True)


class Handler(BaseHTTPRequestHandler):
    def answer(self, status, body, extra=()):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in extra:
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/hello":
            self.answer(200, "hello", [("X-Service", "demo 1.0")])
        elif self.path == "/slow":
            time.sleep(0.2)
            self.answer(200, "slow")
        elif self.path == "/private":
            if self.headers.get("Authorization") == "Bearer admin":
                self.answer(200, "secret things")
            else:
                self.answer(401, "sign in first")
        elif self.path == "/boom":
            self.answer(500, "boom")
        else:
            self.answer(404, "no such page")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.answer(200, "echo: " + self.rfile.read(length).decode())

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
"""

SERVICE_FEATURE = """
Feature: a service
  @SVC-001
  Scenario: it says hello
    When I send a GET request to "/hello"
    Then the response status is 200
    And the response body contains "hello"
    And the response header "x-service" contains "demo"
  @SVC-002
  Scenario: it echoes
    When I send a POST request to "/echo" with body "ping\\n"
    Then the response body contains "echo: ping"
  @SVC-003
  Scenario: signed out is refused
    When I send a GET request to "/private"
    Then the response status is 401
  @SVC-004
  Scenario: an admin may
    Given the requests carry the header "Authorization" with value "Bearer admin"
    When I send a GET request to "/private"
    Then the response status is 200
  @SVC-005
  Scenario: under load, fast enough
    When 4 clients send 15 requests each to "/hello"
    Then the median response time is at most 5000 ms
    And the 95th percentile response time is at most 5000 ms
    And at most 0 percent of the requests fail
    And the request rate is at least 1 per second
  @SVC-006
  Scenario: a latency budget it cannot meet
    When 2 clients send 5 requests each to "/slow"
    Then the 95th percentile response time is at most 50 ms
  @SVC-007
  Scenario: errors under load
    When 2 clients send 3 requests each to "/boom"
    Then the median response time is at most 5000 ms
  @SVC-008
  Scenario: the wrong status
    When I send a GET request to "/nowhere"
    Then the response status is 200
  @SVC-009
  Scenario: not decided
    When I send a TBD request to "/hello"
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def service_project(pytester: pytest.Pytester, features: str, service: str, url: str, *extra: str) -> None:
    (pytester.path / "server.py").write_text(SERVER)
    pytester.makeconftest(CONFTEST_STEPS)
    lines = [
        "[pytest]",
        "checklist_features = features",
        f"checklist_url = {url}",
        f"checklist_service = {service}",
        "checklist_system_timeout = 10",
        *extra,
    ]
    pytester.makefile(".ini", pytest="\n".join(lines) + "\n")
    (pytester.path / "features").mkdir(exist_ok=True)
    (pytester.path / "features" / "service.feature").write_text(features)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie still answers kill(0); it is gone for our purposes once nobody runs it.
    try:
        with open(f"/proc/{pid}/status") as status:
            return any(line.startswith("State:") and "Z" in line for line in status)
    except OSError:
        return True


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "xdist"])
def test_a_service_started_by_the_checklist_is_checked_and_stopped(
    pytester: pytest.Pytester, workers: list[str]
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    service_project(pytester, SERVICE_FEATURE, f"{shlex.quote(PY)} server.py {port}", url)
    result, reqs = run(pytester, *workers)
    slow = reqs["SVC-006"]
    if slow["status"] == "pending":  # the client waited for a CPU: on a loaded machine that is honest
        assert slow["reason"] == "inconclusive" and "the load client was the limit" in slow["message"]
        slow["status"] = "failing"
    assert statuses(reqs) == {
        "SVC-001": "verified",
        "SVC-002": "verified",
        "SVC-003": "verified",
        "SVC-004": "verified",
        "SVC-005": "verified",
        "SVC-006": "failing",
        "SVC-007": "failing",
        "SVC-008": "failing",
        "SVC-009": "pending",
    }
    load = figures(reqs["SVC-005"])
    assert load["requests"]["value"] == 60  # a 95 % bound on the 95th percentile needs 59
    assert load["failed requests"]["value"] == 0 and load["failed requests"]["required"] == 0
    assert 0 < load["median response time"]["value"] <= load["95th percentile response time"]["value"]
    assert load["request rate"]["value"] >= 1
    slow = reqs["SVC-006"]["message"].removeprefix("pending: ")
    assert slow.startswith("95th percentile response time: measured ")
    measured = figures(reqs["SVC-006"])["95th percentile response time"]["value"]
    assert measured >= 200 and f"measured {measured:.4g} ms, required <= 50" in slow
    assert "over 10 answered of 10 requests from 2 clients" in slow
    assert reqs["SVC-007"]["message"].startswith("6 of 6 requests failed")
    assert "status 500" in reqs["SVC-007"]["message"]
    assert reqs["SVC-008"]["message"].startswith("response status: measured 404, required == 200")
    assert reqs["SVC-009"]["reason"] == "tbd"
    # Started once for the whole session (also with two workers), and stopped with its helper.
    assert (pytester.path / "started.log").read_text() == "started\n"
    helper = int((pytester.path / "helper.pid").read_text())
    assert _gone(helper)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_a_service_that_cannot_start_is_an_error_showing_its_output(pytester: pytest.Pytester) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    crash = shlex.join([PY, "-c", "import sys; print('config file missing: app.toml'); sys.exit(4)"])
    service_project(pytester, SERVICE_FEATURE, crash, url)
    _, reqs = run(pytester)
    assert {reqs[rid]["status"] for rid in reqs if rid != "SVC-009"} == {"error"}
    message = reqs["SVC-001"]["message"]
    assert "the service cannot be started (checklist_service)" in message
    assert "exited with status 4 before" in message and "config file missing: app.toml" in message
    assert reqs["SVC-009"]["status"] == "pending"  # TBD before anything is sent


def test_a_service_that_never_answers_is_stopped_after_the_timeout(pytester: pytest.Pytester) -> None:
    port, other = free_port(), free_port()
    service_project(
        pytester, SERVICE_FEATURE, f"{shlex.quote(PY)} server.py {other}", f"http://127.0.0.1:{port}",
        "checklist_system_timeout = 2",
    )
    (pytester.path / "pytest.ini").write_text(
        (pytester.path / "pytest.ini").read_text().replace("checklist_system_timeout = 10\n", "")
    )
    _, reqs = run(pytester)
    message = reqs["SVC-001"]["message"]
    assert reqs["SVC-001"]["status"] == "error"
    assert "did not answer within 2 s" in message and "service listening on" in message
    assert _gone(int((pytester.path / "helper.pid").read_text()))


def test_service_steps_are_pending_while_the_url_is_tbd(pytester: pytest.Pytester) -> None:
    service_project(pytester, SERVICE_FEATURE, "", "TBD")
    _, reqs = run(pytester)
    assert {(req["status"], req["reason"]) for req in reqs.values()} == {("pending", "tbd")}
    assert "checklist_url is TBD" in reqs["SVC-001"]["message"]


def test_the_service_example(pytester: pytest.Pytester) -> None:
    """examples/service: started by the checklist, four requirements verified, one failing honestly."""
    example = REPO / "examples" / "service"
    for name in ("features", "server.py", "pytest.ini", "conftest.py"):
        source = example / name
        if source.is_dir():
            shutil.copytree(source, pytester.path / name, dirs_exist_ok=True)
        else:
            shutil.copy(source, pytester.path)
    port = free_port()
    result, reqs = run(
        pytester,
        "-o",
        f"checklist_url=http://127.0.0.1:{port}",
        "-o",
        f"checklist_service={shlex.join([PY, 'server.py', str(port)])}",
    )
    assert statuses(reqs) == {
        "SVC-001": "verified",
        "SEC-005": "verified",
        "SVC-002": "verified",
        "PERF-006": "verified",
        "PERF-007": "failing",
    }
    assert figures(reqs["PERF-006"])["requests"]["value"] == 200
    report = figures(reqs["PERF-007"])["95th percentile response time"]
    assert report["value"] >= 50 and report["required"] == 10
    assert reqs["PERF-007"]["message"].startswith("95th percentile response time: measured ")
    assert result.ret == pytest.ExitCode.TESTS_FAILED


TWO_LOADS = """
Feature: two loads
  @SVC-101
  Scenario: a share stated for the second load does not excuse the first
    When 2 clients send 3 requests each to "/boom"
    And 2 clients send 3 requests each to "/hello"
    Then at most 100 percent of the requests fail
  @SVC-102
  Scenario: a share stated right after a load is that load's
    When 2 clients send 3 requests each to "/boom"
    Then at most 100 percent of the requests fail
"""


def test_a_failure_share_belongs_to_the_load_it_follows(pytester: pytest.Pytester) -> None:
    """As an exit status belongs to its run step: a share stated after a later load is no licence
    for an earlier one whose requests all failed (that was a false pass)."""
    port = free_port()
    service_project(pytester, TWO_LOADS, f"{shlex.quote(PY)} server.py {port}", f"http://127.0.0.1:{port}")
    _, reqs = run(pytester)
    assert statuses(reqs) == {"SVC-101": "failing", "SVC-102": "verified"}
    assert reqs["SVC-101"]["message"].startswith("6 of 6 requests failed")
