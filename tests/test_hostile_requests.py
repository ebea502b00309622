"""Request steps given values HTTP cannot carry as written, against a real service on 127.0.0.1: each is
the requirement status ``error`` with one line before anything is sent, never ``failing`` with a
traceback; ``checklist_url`` values no request can go to are usage errors before anything runs; and
every count or duration beyond what the machine can do is an ``error`` before the system starts."""

from __future__ import annotations

import shlex
import sys

import pytest

from tests.helpers import run_by_id as run
from tests.helpers import statuses
from tests.test_phrases import library_project
from tests.test_service import PY, free_port, service_project

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the service steps need POSIX process groups")

# (scenario steps, what the one-line message says); every one is an error.
HOSTILE = {
    "H-01": ('Given the requests carry the header "X-Name" with value "café"', "visible ASCII only"),
    "H-02": ('Given the requests carry the header "X-Name" with value "a\x7fb"', "visible ASCII only"),
    "H-03": ('Given the requests carry the header "X-Name" with value "a\x00b"', "visible ASCII only"),
    "H-04": ('Given the requests carry the header "X-Nämé" with value "v"', "expected an HTTP token"),
    "H-05": ('Given the requests carry the header "X Name" with value "v"', "expected an HTTP token"),
    "H-06": ('Given the requests carry the header "X:Name" with value "v"', "expected an HTTP token"),
    "H-07": ('Given the requests carry the header "" with value "v"', "expected an HTTP token"),
    "H-08": ('Given the requests carry the header "X-\x1bName" with value "v"', "expected an HTTP token"),
    "H-09": ('When I send a GET request to "/café"', "percent-encode"),
    "H-10": ('When I send a GET request to "/a\tb"', "percent-encode"),
    "H-11": ('When I send a GET request to "/a\x00b"', "percent-encode"),
    "H-12": ('When I send a POST request to "/é" with body "x"', "percent-encode"),
    "H-13": ('When 2 clients send 1 requests each to "/ü"', "percent-encode"),
    "H-14": ('When 2 clients send requests to "/\x01" for 1 s', "percent-encode"),
    "H-15": ('When I send a GET request to "/hello"\n    Then the response header "Sérvice" contains "x"', "token"),
    "H-16": ('When I send a GET request to "/hello"\n    Then the response has no header "a b"', "token"),
    "H-17": (
        'When I send a GET request to "/hello"\n    And the next requests carry the header "É" from the last response',
        "token",
    ),
    "H-18": ('When I send a BREW request to "/hello"', "expected one of GET"),
}


def hostile_feature() -> str:
    scenarios = "".join(f"  @{key}\n  Scenario: {key}\n    {steps}\n" for key, (steps, _) in HOSTILE.items())
    control = (
        "  @H-99\n  Scenario: a header that can go\n"
        '    Given the requests carry the header "X-Name" with value "tab\tok"\n'
        '    When I send a POST request to "/hello" with body "café"\n'
        '    Then the response body contains "echo: café"\n'
    )
    return f"Feature: hostile requests\n{scenarios}{control}"


def test_every_value_http_cannot_carry_is_a_one_line_error(pytester: pytest.Pytester) -> None:
    port = free_port()
    service = f"{shlex.quote(PY)} server.py {port}"
    service_project(pytester, hostile_feature(), service, f"http://127.0.0.1:{port}")
    result, reqs = run(pytester)
    assert "Traceback" not in result.stdout.str()
    assert statuses(reqs) == {**{key: "error" for key in HOSTILE}, "H-99": "verified"}
    for key, (_, expected) in HOSTILE.items():
        message = reqs[key]["message"].strip()
        assert expected in message, (key, message)
        assert "\n" not in message, (key, message)
        assert "Traceback" not in message, (key, message)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://" + "a" * 64 + ".example:8000", "is not a valid host name"),
        ("http://127.0.0.1:8000/x\x01y", "a control character ('\\x01')"),
        ("http://127.0.0.1:8000/ a", "a space"),
        ("http://127.0.0.1:8000/é", "the non-ASCII 'é' outside the host"),
        ("http://usér:pw@127.0.0.1:8000", "the non-ASCII 'é' outside the host"),
        ("http://exa mple.com:8000", "a space"),
        ("http://[::1:8000", "the URL is not valid"),
        ("http://user:hunter2@[::1:8000", "***"),
    ],
)
def test_a_checklist_url_no_request_can_go_to_is_a_usage_error(
    pytester: pytest.Pytester, url: str, expected: str
) -> None:
    feature = 'Feature: f\n  @U-1\n  Scenario: s\n    When I send a GET request to "/"\n'
    feature += "    Then the response status is 200\n"
    service_project(pytester, feature, "", url)
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str() + result.stderr.str()
    err = result.stderr.str()
    assert "checklist_url" in err and expected in err, err
    assert "Traceback" not in err and "INTERNALERROR" not in result.stdout.str()
    assert "hunter2" not in err + result.stdout.str()


@pytest.mark.parametrize(
    "line", ["web = http://exa mple.com:8000", "web = http://127.0.0.1:8000/x\x01y"], ids=["host", "control"]
)
def test_a_named_service_url_no_request_can_go_to_is_a_usage_error(pytester: pytest.Pytester, line: str) -> None:
    service_project(
        pytester, "Feature: f\n  @U-1\n  Scenario: s\n    Given x\n", "", "TBD", "checklist_services =\n    " + line
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str() + result.stderr.str()
    assert "checklist_services" in result.stderr.str() and "Traceback" not in result.stderr.str()


# Every count and duration a step takes, beyond what the machine can do: an error before the system
# starts (it would write ran.txt), never a hang on threads that cannot start.
LIMITS = {
    "L-01": ('When 99999999 copies of the system run at the same time with arguments "x"', "more than this machine"),
    "L-02": ('When the system runs 99999999 times with arguments "x"', "more than this machine"),
    "L-03": ('When the system runs 3 times after 99999999 warm-up runs with arguments "x"', "more than this machine"),
    "L-04": ("When the system is fed 99999999 arbitrary inputs", "more than this machine"),
    "L-05": ('When the system is fed 99999999 arbitrary inputs with arguments "x"', "more than this machine"),
    "L-06": ('When the system runs continuously for 1e306 hours with arguments "x"', "longer than the harness allows"),
    "L-07": ('When the system runs continuously for inf seconds with arguments "x"', "expected a number"),
    "L-08": (
        "When the system is fed 2 arbitrary inputs\n    Then it never crashes or hangs longer than 1e306 s",
        "longer",
    ),
}


def test_every_count_beyond_the_machine_is_an_error_before_anything_runs(pytester: pytest.Pytester) -> None:
    (pytester.path / "sut.py").write_text("open('ran.txt', 'a').write('ran\\n')\n")
    scenarios = "".join(f"  @{key}\n  Scenario: {key}\n    {steps}\n" for key, (steps, _) in LIMITS.items())
    library_project(pytester, shlex.join([PY, "sut.py"]), f"Feature: limits\n{scenarios}")
    result, reqs = run(pytester)
    assert statuses(reqs) == {key: "error" for key in LIMITS}
    for key, (_, expected) in LIMITS.items():
        message = reqs[key]["message"].strip()
        assert expected in message and "\n" not in message, (key, message)
    assert "Traceback" not in result.stdout.str()
    assert not (pytester.path / "ran.txt").exists()
