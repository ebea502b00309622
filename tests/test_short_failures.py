"""A failed live check prints pytest's short form: the step with file and line, measured vs
required, the command and the end of its output; no traceback through the harness unless
``--tb=long`` asks for it."""

from __future__ import annotations

import os
import shlex
import sys

import pytest

from living_checklist.core.short_failure import short_form
from tests.test_phrases import library_project

PY = sys.executable

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the system steps need POSIX")

# Fails loudly: many lines on both streams, then exit 3.
LOUD = "import sys\nfor i in range(200):\n    print('line', i)\n    print('warning', i, file=sys.stderr)\nsys.exit(3)\n"

OWN_STEP = """
from pytest_bdd import then

@then("my own check holds")
def _():
    value = 41
    assert value == 42
"""


def features(count: int) -> str:
    scenarios = "".join(
        f'  @F-{n}\n  Scenario: failure {n}\n    When I run the system with arguments "--n {n}"\n'
        "    Then the exit status is 0\n"
        for n in range(1, count + 1)
    )
    return f"Feature: ten failures\n{scenarios}"


def project(pytester: pytest.Pytester, feature: str) -> None:
    (pytester.path / "loud.py").write_text(LOUD)
    library_project(pytester, shlex.join([PY, "loud.py"]), feature)


def before_checklist(text: str) -> str:
    return text.split(" living checklist ", 1)[0]


def test_ten_failures_print_less_than_five_kilobytes(pytester: pytest.Pytester) -> None:
    project(pytester, features(10))
    result = pytester.runpytest("-p", "no:cacheprovider", "--tb=auto")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    out = result.stdout.str()
    shown = before_checklist(out)
    print(f"ten failures: {len(shown.encode())} bytes before the checklist section")
    assert len(shown.encode()) < 5000, shown
    assert "features/live.feature:4: When I run the system" not in shown  # the run passed
    assert "features/live.feature:5: Then the exit status is 0" in shown
    assert "exit status: measured 3, required == 0" in shown
    assert f"command: {shlex.join([PY, 'loud.py'])} --n 1" in shown
    assert "warning 199" in shown, "the end of the output"
    assert "def check_figure" not in shown and "common.py" not in shown, "no traceback through the harness"


def test_tb_long_still_shows_everything(pytester: pytest.Pytester) -> None:
    project(pytester, features(1))
    out = before_checklist(pytester.runpytest("-p", "no:cacheprovider", "--tb=long").stdout.str())
    assert "warning 150" in out, "the whole message, nothing elided"


def test_a_projects_own_assert_keeps_pytests_report(pytester: pytest.Pytester) -> None:
    feature = "Feature: own\n  @O-1\n  Scenario: mine\n    Then my own check holds\n"
    project(pytester, feature)
    pytester.makepyfile(own_steps=OWN_STEP)
    conftest = (pytester.path / "conftest.py").read_text()
    own = conftest.replace("'living_checklist.steps']", "'living_checklist.steps', 'own_steps']")
    (pytester.path / "conftest.py").write_text(own)
    out = pytester.runpytest("-p", "no:cacheprovider").stdout.str()
    assert "assert value == 42" in out, out


def test_the_short_form_keeps_head_and_tail() -> None:
    outputs = ["stdout:", *(f"out {i}" for i in range(50)), "stderr: (empty)"]
    message = "\n".join(["verdict", "command: x", "outcome: exit 3", "more context", *outputs])
    text = short_form("a.feature:3: Then it holds", message)
    assert text.splitlines() == [
        "a.feature:3: Then it holds",
        "verdict",
        "command: x",
        "outcome: exit 3",
        "more context",
        "stdout:",
        "… 49 lines (--tb=long)",
        "out 49",
        "stderr: (empty)",
    ]
    assert short_form("", "x" * 500).endswith("…") and len(short_form("", "x" * 500)) == 160
