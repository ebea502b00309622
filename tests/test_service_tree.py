"""The service's whole tree is owned and ended; its output is capped and shown safely; the phrases
about responses and the service itself, against a real service on 127.0.0.1."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from living_checklist.live.service import Output
from tests.helpers import figures, statuses
from tests.helpers import run_by_id as run
from tests.test_service import CONFTEST_STEPS, PY, free_port

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the child subreaper is Linux's")

# /etag answers 304 when If-None-Match carries its ETag; /limited is always 429; /gz says gzip in a
# header. At start it forks a grandchild that calls setsid and holds a second port (its pid and
# port in grandchild.txt), prints 3 MiB and then "the end", and allocates 64 MiB.
SERVER = r"""
import os, socket, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, extra = int(sys.argv[1]), int(sys.argv[2])
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", extra))
        s.listen()
        with open("grandchild.txt", "w") as f:
            f.write("%d %d" % (os.getpid(), extra))
        time.sleep(600)
    os._exit(0)
ballast = bytearray(64 << 20)
for i in range(0, len(ballast), 4096):
    ballast[i] = 1
sys.stdout.write(("x" * 1023 + "\n") * 3072)
print("the end", flush=True)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, text, headers=()):
        self.send_response(status)
        for key, value in [("Content-Length", str(len(text))), *headers]:
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(text.encode())

    def do_GET(self):
        if self.path == "/etag":
            if self.headers.get("ETag") == '"v1"':
                self.answer(304, "")
            else:
                self.answer(200, "fresh", [("ETag", '"v1"')])
        elif self.path == "/limited":
            self.answer(429, "slow down")
        elif self.path == "/gz":
            self.answer(200, "password=hunter2", [("X-Powered-By", "demo 2.0")])
        else:
            self.answer(200, "hello " + self.headers.get("X-Name", ""))

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
"""

FEATURE = """
Feature: phrases
  @P-001
  Scenario: negative checks hold
    When I send a GET request to "/gz"
    Then the response body does not contain "secret"
    And the response header "X-Powered-By" does not contain "PHP"
    And the response has no header "Server-Timing"
  @P-002
  Scenario: negative checks fail
    When I send a GET request to "/gz"
    Then the response body does not contain "password"
  @P-003
  Scenario: a header that is there
    When I send a GET request to "/gz"
    Then the response has no header "x-powered-by"
  @P-004
  Scenario: a header value that is there
    When I send a GET request to "/gz"
    Then the response header "X-Powered-By" does not contain "demo"
  @P-005
  Scenario: rate limited
    When 2 clients send 5 requests each to "/limited"
    Then at least 90 percent of the requests are answered with status 429
  @P-006
  Scenario: not rate limited
    When 2 clients send 5 requests each to "/"
    Then at least 90 percent of the requests are answered with status 429
  @P-007
  Scenario: the service itself
    When I send a GET request to "/"
    Then the service's peak memory is at most 4000 MiB
    And the service's output contains "the end"
  @P-008
  Scenario: the service's memory budget missed
    Then the service's peak memory is at most 10 MiB
  @P-009
  Scenario: what the service never said
    Then the service's output contains "never printed"
  @P-010
  Scenario: an ETag sent back
    When I send a GET request to "/etag"
    And the next requests carry the header "ETag" from the last response
    And I send a GET request to "/etag"
    Then the response status is 304
  @P-011
  Scenario: a header value that cannot be sent
    Given the requests carry the header "X-Name" with value "café"
    When I send a GET request to "/"
  @P-012
  Scenario: more clients than the machine has
    When 99999999 clients send 1 requests each to "/"
  @P-013
  Scenario: a load bounded by time
    When 2 clients send requests to "/" for 1 s
    Then the request rate is at least 1 per second
"""


def project(pytester: pytest.Pytester, features: str, server: str = SERVER) -> tuple[int, int]:
    port, extra = free_port(), free_port()
    (pytester.path / "server.py").write_text(server)
    pytester.makeconftest(CONFTEST_STEPS)
    pytester.makefile(
        ".ini",
        pytest="\n".join(
            [
                "[pytest]",
                "checklist_features = features",
                f"checklist_url = http://127.0.0.1:{port}",
                f"checklist_service = {shlex.quote(PY)} server.py {port} {extra}",
                "checklist_system_timeout = 20",
            ]
        ),
    )
    (pytester.path / "features").mkdir(exist_ok=True)
    (pytester.path / "features" / "f.feature").write_text(features)
    return port, extra


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def _grandchild(pytester: pytest.Pytester) -> tuple[int, int]:
    pid, port = (pytester.path / "grandchild.txt").read_text().split()
    return int(pid), int(port)


def test_the_phrases_and_the_whole_tree_ended(pytester: pytest.Pytester) -> None:
    port, _ = project(pytester, FEATURE)
    _, reqs = run(pytester)
    assert statuses(reqs) == {
        "P-001": "verified",
        "P-002": "failing",
        "P-003": "failing",
        "P-004": "failing",
        "P-005": "verified",
        "P-006": "failing",
        "P-007": "verified",
        "P-008": "failing",
        "P-009": "error",
        "P-010": "verified",
        "P-011": "error",
        "P-012": "error",
        "P-013": "verified",
    }
    assert "the response body contains 'password' at character 0" in reqs["P-002"]["message"]
    assert "'demo 2.0'" in reqs["P-003"]["message"]
    assert "requests answered with status 429: measured 0 %, required >= 90" in reqs["P-006"]["message"]
    peak = figures(reqs["P-008"])["service peak memory"]["value"]
    assert peak >= 64 and "the largest: pid" in reqs["P-008"]["message"]
    assert "the service printed 3145736 bytes" in reqs["P-009"]["message"]  # 3 MiB: the middle was dropped
    assert "the check cannot see the whole output" in reqs["P-009"]["message"]
    assert "header values are visible ASCII only" in reqs["P-011"]["message"]
    assert "\n" not in reqs["P-011"]["message"].strip()
    assert "more than this machine can run" in reqs["P-012"]["message"]
    assert figures(reqs["P-013"])["answered requests"]["value"] >= 1
    # The grandchild called setsid and held a port: gone with the service, the ports free.
    pid, extra = _grandchild(pytester)
    assert not _alive(pid)
    assert _port_free(extra) and _port_free(port)


def test_a_killed_pytest_leaves_nothing_running(pytester: pytest.Pytester) -> None:
    port, _ = project(
        pytester,
        'Feature: f\n  @W-001\n  Scenario: wait\n    When 1 clients send requests to "/" for 60 s\n',
    )
    proc = subprocess.Popen(
        [PY, "-m", "pytest", "-p", "no:cacheprovider", "-q"], cwd=pytester.path,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (pytester.path / "grandchild.txt").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)
        pid, extra = _grandchild(pytester)
        assert _alive(pid)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 15
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pid)
    deadline = time.monotonic() + 5
    while not (_port_free(port) and _port_free(extra)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _port_free(port) and _port_free(extra)


def test_a_failed_start_shows_its_output_indented_and_escaped(pytester: pytest.Pytester) -> None:
    server = 'import sys\nprint("::error::forged")\nprint("::add-mask::x\\x1b[31mred")\nsys.exit(3)\n'
    project(pytester, 'Feature: f\n  @E-001\n  Scenario: s\n    When I send a GET request to "/"\n', server)
    result, reqs = run(pytester)
    message = reqs["E-001"]["message"]
    assert "exited with status 3" in message and "\\x1b[31mred" in message
    assert "\x1b" not in message
    output = result.stdout.str() + result.stderr.str()
    assert not any(line.startswith("::") for line in output.splitlines()), output
    assert "    ::error::forged" in message


def test_output_keeps_its_head_and_tail_and_counts_the_rest() -> None:
    kept = Output(keep=10)
    for piece in (b"0123456789", b"abc" * 100, b"THE END"):
        kept.add(piece)
    assert kept.total == 317 and not kept.complete
    assert len(kept.head) + len(kept.tail) <= 30
    assert kept.text().startswith("0123456789") and kept.text().endswith("THE END")
    small = Output(keep=10)
    small.add(b"short")
    assert small.complete and small.text() == "short"


# Forks a grandchild that calls setsid and holds a port (pid and port in other.txt), then waits.
OTHER = r"""
import os, socket, sys, time
port = int(sys.argv[1])
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen()
        with open("other.txt", "w") as f:
            f.write("%d %d" % (os.getpid(), port))
        time.sleep(600)
    os._exit(0)
time.sleep(600)
"""


def test_software_the_machine_also_runs_ends_with_its_whole_tree(pytester: pytest.Pytester) -> None:
    port = free_port()
    (pytester.path / "other.py").write_text(OTHER)
    pytester.makeconftest(CONFTEST_STEPS)
    pytester.makefile(".ini", pytest="[pytest]\nchecklist_features = features\n")
    (pytester.path / "features").mkdir(exist_ok=True)
    (pytester.path / "features" / "f.feature").write_text(
        "Feature: f\n  @O-001\n  Scenario: busy machine\n"
        f'    Given the machine also runs "{PY} other.py {port}"\n'
        "    Then the machine has at least 1 CPU cores\n"
        "  @O-002\n  Scenario: missing\n"
        '    Given the machine also runs "no-such-program-anywhere"\n'
    )
    _, reqs = run(pytester)
    assert statuses(reqs) == {"O-001": "verified", "O-002": "error"}
    assert "cannot be started" in reqs["O-002"]["message"] or "could not be started" in reqs["O-002"]["message"]
    pid, held = (int(x) for x in (pytester.path / "other.txt").read_text().split())
    assert held == port and not _alive(pid) and _port_free(port)


def test_an_exit_reported_just_before_the_launcher_ended_is_not_missed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The launcher reports the exit and ends; the reader may get to the report after that.
    How it ended is still the service's own exit, never 'could not be started'."""
    from living_checklist.live import service

    slow = service.Service._reported

    def late(self: service.Service, data: bytes) -> bytes:
        time.sleep(0.3)  # the launcher has long ended when the report is applied
        return slow(self, data)

    monkeypatch.setattr(service.Service, "_reported", late)
    for _ in range(3):
        other = service.Service((sys.executable, "-c", "raise SystemExit(3)"), "", Path.cwd(), grace=0.0)
        other.launch()
        try:
            assert other.process is not None
            other.process.wait(10)
            assert other.ended() == "exited with status 3"
            assert other.peak_memory()[0] > 0
        finally:
            other.stop()
