"""Services: the settings, the harness starting and stopping checklist_service, requests and load."""

from __future__ import annotations

import pytest

from tests.helpers import write_files

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
