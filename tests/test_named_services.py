"""Several services in one project: checklist_services lines and @service-NAME tags."""

from __future__ import annotations

import json
import shlex
import sys
import time

import pytest

from tests.helpers import run_by_id as run
from tests.helpers import statuses
from tests.test_service import CONFTEST_STEPS, PY, free_port

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the service launcher is Linux's")

# Answers every GET with its own name (argv[2]) and says in started-<name>.log that it started.
NAMED = r"""
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, name = int(sys.argv[1]), sys.argv[2]
with open("started-%s.log" % name, "a") as log:
    log.write("started\n")


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        data = ("I am " + name).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
"""

FEATURE = """
@service-web
Feature: two services
  @N-001
  Scenario: the feature's service
    When I send a GET request to "/"
    Then the response body contains "I am web"
  @N-002 @service-api
  Scenario: the scenario's own service wins
    When 2 clients send 3 requests each to "/"
    Then at most 0 percent of the requests fail
    And the service's peak memory is at most 4000 MiB
  @N-003 @service-nosuch
  Scenario: an unknown name
    When I send a GET request to "/"
"""

UNTAGGED = """
Feature: the default service
  @N-004
  Scenario: untagged
    When I send a GET request to "/"
    Then the response body contains "I am default"
"""


def project(pytester: pytest.Pytester) -> dict[str, int]:
    ports = {name: free_port() for name in ("default", "web", "api")}
    (pytester.path / "named.py").write_text(NAMED)
    pytester.makeconftest(CONFTEST_STEPS)
    command = f"{shlex.quote(PY)} named.py"
    lines = [
        "[pytest]",
        "checklist_features = features",
        f"checklist_url = http://127.0.0.1:{ports['default']}",
        f"checklist_service = {command} {ports['default']} default",
        "checklist_services =",
        f"    web = http://127.0.0.1:{ports['web']} | {command} {ports['web']} web --token s3cret",
        f"    api = http://user:hunter2@127.0.0.1:{ports['api']} | {command} {ports['api']} api",
        "checklist_system_timeout = 20",
    ]
    pytester.makefile(".ini", pytest="\n".join(lines) + "\n")
    (pytester.path / "features").mkdir(exist_ok=True)
    (pytester.path / "features" / "named.feature").write_text(FEATURE)
    (pytester.path / "features" / "plain.feature").write_text(UNTAGGED)
    return ports


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "xdist"])
def test_each_scenario_uses_its_tagged_service(pytester: pytest.Pytester, workers: list[str]) -> None:
    ports = project(pytester)
    result, reqs = run(pytester, *workers)
    assert statuses(reqs) == {"N-001": "verified", "N-002": "verified", "N-003": "error", "N-004": "verified"}
    unknown = "@service-nosuch: no service of that name in checklist_services (named: api, web)"
    assert unknown in reqs["N-003"]["message"]
    for name in ("default", "web", "api"):
        assert (pytester.path / f"started-{name}.log").read_text() == "started\n"
    environment = json.loads((pytester.path / "checklist.json").read_text())["environment"]
    assert environment["services"]["web"]["url"] == f"http://127.0.0.1:{ports['web']}"
    assert "--token ***" in environment["services"]["web"]["service"]
    assert "hunter2" not in json.dumps(environment) and "s3cret" not in json.dumps(environment)
    assert "hunter2" not in result.stdout.str() and "s3cret" not in result.stdout.str()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("web http://127.0.0.1:1", "expected lines NAME = URL or NAME = URL | command"),
        ("\n  web = http://127.0.0.1:1\n  web = http://127.0.0.1:2", "named twice"),
        ("web = localhost:1", "expected an http:// or https:// URL"),
        ("web = http://127.0.0.1:1 | serve 'open", "cannot be split"),
        ("\n  web = http://u:hunter2@127.0.0.1:1\n  web = http://127.0.0.1:2", "named twice"),
        ("web = http://u:hunter2@127.0.0.1:1 | serve --token hunter2 'open", "cannot be split"),
        ("w@b = http://u:hunter2@127.0.0.1:1", "expected lines NAME = URL"),
    ],
)
def test_bad_services_are_usage_errors(pytester: pytest.Pytester, value: str, expected: str) -> None:
    """Each refused line is named with what is wrong, and any secret in it masked."""
    pytester.makeconftest(CONFTEST_STEPS)
    (pytester.path / "features").mkdir(exist_ok=True)
    (pytester.path / "features" / "f.feature").write_text(UNTAGGED)
    pytester.makefile(".ini", pytest="[pytest]\nchecklist_features = features\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "-o", f"checklist_services={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "checklist_services" in result.stderr.str() and expected in result.stderr.str()
    assert "hunter2" not in result.stderr.str() + result.stdout.str()


def test_a_named_service_has_its_own_folder_and_timeout(pytester: pytest.Pytester) -> None:
    web, slow = free_port(), free_port()
    (pytester.path / "named.py").write_text(NAMED)
    (pytester.path / "svc").mkdir()
    pytester.makeconftest(CONFTEST_STEPS)
    sleeper = shlex.join([PY, "-c", "import time; time.sleep(120)"])
    lines = [
        "[pytest]",
        "checklist_features = features",
        "checklist_services =",
        f"    web = http://127.0.0.1:{web} | {shlex.quote(PY)} ../named.py {web} web",
        "    web.cwd = svc",
        f"    slow = http://127.0.0.1:{slow} | {sleeper}",
        "    slow.timeout = 1.5",
        "checklist_system_timeout = 60",
    ]
    pytester.makefile(".ini", pytest="\n".join(lines) + "\n")
    (pytester.path / "features").mkdir(exist_ok=True)
    (pytester.path / "features" / "f.feature").write_text(
        "Feature: own settings\n"
        '  @service-web @O-1\n  Scenario: in its folder\n    When I send a GET request to "/"\n'
        '    Then the response body contains "I am web"\n'
        '  @service-slow @O-2\n  Scenario: never answers\n    When I send a GET request to "/"\n'
    )
    started = time.monotonic()
    _, reqs = run(pytester)
    took = time.monotonic() - started
    assert statuses(reqs) == {"O-1": "verified", "O-2": "error"}
    assert (pytester.path / "svc" / "started-web.log").read_text() == "started\n"
    assert not (pytester.path / "started-web.log").exists()
    assert "did not answer within 1.5 s (checklist_services, slow.timeout)" in reqs["O-2"]["message"]
    assert took < 30, f"the slow service was waited for {took:.1f} s, not its own 1.5 s"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("\n  web = http://127.0.0.1:1 | x\n  web.timeout = soon", "web.timeout"),
        ("\n  web = http://127.0.0.1:1 | x\n  web.cwd = nosuch", "no such folder inside the project"),
        ("\n  web = http://127.0.0.1:1 | x\n  web.cwd = ..", "no such folder inside the project"),
        ("\n  web = http://127.0.0.1:1\n  web.timeout = 3", "there is no line web = URL | command"),
        ("\n  web.cwd = .", "there is no line web = URL | command"),
        ("\n  web = http://127.0.0.1:1 | x\n  web.timeout = 1\n  web.timeout = 2", "set twice"),
    ],
)
def test_bad_service_options_are_usage_errors(pytester: pytest.Pytester, value: str, expected: str) -> None:
    test_bad_services_are_usage_errors(pytester, value, expected)
