"""A carriage return in a program's output is visible (``\\r``) in the terminal and the Markdown,
and the Markdown report lists the figures that verified a requirement, as the HTML does."""

from __future__ import annotations

import os
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


def test_named_escapes() -> None:
    assert terminal_safe("a\rb\x1b[2J\bc\x00") == "a\\rb\\x1b[2J\\bc\\0"
