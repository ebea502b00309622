"""A carriage return in a program's output is visible (``\\r``) in the terminal, the Markdown and the
HTML, and the JSON keeps the exact text (its own escape, ``\\r``, shows it); the Markdown report lists
the figures that verified a requirement, as the HTML does."""

from __future__ import annotations

import json
import os
import re
import shlex
import sys

import pytest

from living_checklist.core.escape import terminal_safe
from tests.test_phrases import library_project

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the system steps need POSIX")

FEATURE = """Feature: carriage returns
  @CR-1
  Scenario: the output is overwritten in place
    When I run the system
    Then the output contains "nothing of the kind"
  @CR-2
  Scenario: a figure that verifies
    When I run the system
    Then the exit status is 0
"""


def test_a_carriage_return_is_shown_everywhere(pytester: pytest.Pytester) -> None:
    (pytester.path / "cr.py").write_text("import sys\nsys.stdout.write('progress 10%\\rprogress 99%\\n')\n")
    library_project(pytester, shlex.join([sys.executable, "cr.py"]), FEATURE)
    result = pytester.runpytest("-p", "no:cacheprovider", "--checklist-md=c.md")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "progress 10%\\rprogress 99%" in result.stdout.str(), result.stdout.str()[-1500:]
    markdown = (pytester.path / "c.md").read_text()
    assert "progress 10%\\rprogress 99%" in markdown and "\r" not in markdown


CONTROL_FEATURE = """Feature: controls
  @CC-1
  Scenario: a record separator\x1e and a bell\x07 in a name
    When I run the system
    Then the output contains "nothing of the kind"
"""


def test_controls_are_visible_in_the_html_and_exact_in_the_json(pytester: pytest.Pytester) -> None:
    printed = "progress 10%\rprogress 99%\x1e\x1b[2Jdone\n"
    (pytester.path / "cr.py").write_text(f"import sys\nsys.stdout.write({printed!r})\n")
    library_project(pytester, shlex.join([sys.executable, "cr.py"]), CONTROL_FEATURE)
    result = pytester.runpytest("-p", "no:cacheprovider", "--checklist-html=c.html", "--checklist-json=c.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    page = (pytester.path / "c.html").read_text()
    body = page.split("<body", 1)[1]
    assert not re.search("[\\x00-\\x08\\x0b-\\x1f\\x7f]", body), "a raw control character in the HTML"
    assert "progress 10%\\rprogress 99%\\x1e\\x1b[2Jdone" in body
    assert "a record separator\\x1e and a bell\\x07 in a name" in body
    raw = (pytester.path / "c.json").read_text()
    assert "\r" not in raw and "\\r" in raw  # JSON's own escape: the file shows \r
    report = json.loads(raw)
    (req,) = report["requirements"]
    assert req["name"] == "a record separator\x1e and a bell\x07 in a name"  # the exact text, JSON-escaped
    # The failure message quotes the output as the terminal shows it, and the JSON keeps that text.
    assert "progress 10%\\rprogress 99%\\x1e\\x1b[2Jdone" in req["message"]


def test_named_escapes() -> None:
    assert terminal_safe("a\rb\x1b[2J\bc\x00") == "a\\rb\\x1b[2J\\bc\\0"
