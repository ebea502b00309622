"""The command-line phrases of "More step phrases" end to end, each against a real process: negative
exit statuses, empty outputs, arguments with input, a file written by a command, the fuzz step with
arguments and environment, every output of a folder step, the first number in the output."""

from __future__ import annotations

import os
import shlex
import sys

import pytest

from tests.helpers import figures, statuses
from tests.helpers import run_by_id as run
from tests.test_phrases import library_project

PY = sys.executable

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the system steps need POSIX")

SUT = """
import json, os, signal, sys
args = sys.argv[1:]
what = args[0] if args else ""
if what == "--exit":
    sys.exit(int(args[1]))
if what == "--warn":
    print("warning: careful", file=sys.stderr)
if what == "--kill":
    os.kill(os.getpid(), signal.SIGKILL)
if what == "--say":
    print(args[1])
if what == "--echo":
    print(json.dumps({"args": args[1:], "input": sys.stdin.read()}))
if what == "--cat":
    sys.stdout.write(open(args[1]).read())
if what == "--json":
    data = sys.stdin.read()
    json.loads(data)
    print(data)
if what == "--fuzz":
    sys.stdin.buffer.read()
    if os.environ.get("MODE") == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
"""

# Writes n lines, and one line to made.txt each time it runs (so a test can count its runs).
GENERATOR = """
import sys
with open("made.txt", "a") as made:
    made.write("made\\n")
for i in range(1, int(sys.argv[1]) + 1):
    print(f"line {i}")
"""

FEATURE = """
Feature: more phrases
  @E-1
  Scenario: a documented failure status is not 0
    When I run the system with arguments "--exit 3"
    Then the exit status is not 0
  @E-2
  Scenario: success is not "not 0"
    When I run the system with arguments "--exit 0"
    Then the exit status is not 0
  @E-3
  Scenario: any failure status
    When I run the system with arguments "--exit 8"
    Then the exit status is non-zero
  @E-4
  Scenario: a kill is no exit status at all
    When I run the system with arguments "--kill"
    Then the exit status is non-zero
  @E-5
  Scenario: success is not a failure
    When I run the system with arguments "--exit 0"
    Then the exit status is non-zero
  @O-1
  Scenario: silence
    When I run the system with arguments "--exit 0"
    Then the output is empty
    And the error output is empty
  @O-2
  Scenario: a warning is not silence
    When I run the system with arguments "--warn"
    Then the output is empty
    And the error output is empty
  @O-3
  Scenario: output is not silence
    When I run the system with arguments "--say hello"
    Then the output is empty
  @A-1
  Scenario: arguments and input together
    When I run the system with arguments "--echo -c '\\"x y\\"'" and input "a\\"b"
    Then the exit status is 0
    And the output contains "{\\"args\\": [\\"-c\\", \\"\\\\\\"x y\\\\\\"\\"], \\"input\\": \\"a\\\\\\"b\\"}"
  @F-1
  Scenario: a file written by a command
    Given the file "data/lines.txt" is written by "{py} gen.py 3"
    When I run the system with arguments "--cat data/lines.txt"
    Then the output contains "line 3"
  @F-2
  Scenario: the same file again is not written again
    Given the file "data/lines.txt" is written by "{py} gen.py 3"
    When I run the system with arguments "--cat data/lines.txt"
    Then the output contains "line 1"
  @F-3
  Scenario: a file outside the project
    Given the file "../outside.txt" is written by "{py} gen.py 1"
  @F-4
  Scenario: a command that fails
    Given the file "data/none.txt" is written by "{py} -c 'import sys; sys.exit(5)'"
  @F-5
  Scenario: a command not decided
    Given the file "data/tbd.txt" is written by "TBD"
  @Z-1
  Scenario: the environment and the arguments reach every fuzzed run
    Given the environment variable "MODE" is "crash"
    When the system is fed 3 arbitrary inputs with arguments "--fuzz"
    Then it never crashes or hangs longer than 10 s
  @Z-2
  Scenario: without the environment it holds
    When the system is fed 3 arbitrary inputs with arguments "--fuzz"
    Then it never crashes or hangs longer than 10 s
  @C-1
  Scenario: every sample gives JSON
    When the system opens every file in "good" with arguments "--cat {file}"
    Then every output conforms to "JSON"
  @C-2
  Scenario: one sample does not
    When the system opens every file in "mixed" with arguments "--cat {file}"
    Then every output conforms to "JSON"
  @N-1
  Scenario: a number at least
    When I run the system with arguments "--say 'version 42.5 of 7'"
    Then the first number in the output is at least 40
  @N-2
  Scenario: a number at most
    When I run the system with arguments "--say 'version 42.5 of 7'"
    Then the first number in the output is at most 10
  @N-3
  Scenario: no number
    When I run the system with arguments "--say none"
    Then the first number in the output is at least 1
"""


def test_the_command_line_phrases_against_a_real_process(pytester: pytest.Pytester) -> None:
    (pytester.path / "sut.py").write_text(SUT)
    (pytester.path / "gen.py").write_text(GENERATOR)
    samples = {"good": {"a.json": "[1]", "b.json": '{"x": 2}'}, "mixed": {"a.json": "[1]", "b.json": "{"}}
    for folder, files in samples.items():
        (pytester.path / folder).mkdir()
        for name, text in files.items():
            (pytester.path / folder / name).write_text(text)
    library_project(pytester, shlex.join([PY, "sut.py"]), FEATURE.replace("{py}", PY))
    result, reqs = run(pytester)
    out = result.stdout.str()
    assert statuses(reqs) == {
        "E-1": "verified",
        "E-2": "failing",
        "E-3": "verified",
        "E-4": "failing",
        "E-5": "failing",
        "O-1": "verified",
        "O-2": "failing",
        "O-3": "failing",
        "A-1": "verified",
        "F-1": "verified",
        "F-2": "verified",
        "F-3": "error",
        "F-4": "error",
        "F-5": "pending",
        "Z-1": "failing",
        "Z-2": "verified",
        "C-1": "verified",
        "C-2": "failing",
        "N-1": "verified",
        "N-2": "failing",
        "N-3": "failing",
    }, out
    assert reqs["E-2"]["message"].startswith("runs exiting 0 or not at all: measured 1 of 1, required <= 0")
    assert "killed by signal 9" in reqs["E-4"]["message"]
    assert reqs["O-2"]["message"].startswith("error output size: measured 17 bytes, required <= 0")
    assert (pytester.path / "made.txt").read_text() == "made\n", "written once for the same path and command"
    assert (pytester.path / "data" / "lines.txt").read_text() == "line 1\nline 2\nline 3\n"
    assert "not inside the project" in reqs["F-3"]["message"]
    assert "exited with status 5" in reqs["F-4"]["message"]
    assert not (pytester.path / "data" / "none.txt").exists(), "a failed command leaves no file"
    assert figures(reqs["Z-1"])["crashes"]["value"] >= 1
    assert "mixed/b.json: the output: not JSON" in reqs["C-2"]["message"]
    assert figures(reqs["C-2"])["outputs not conforming"]["value"] == 1
    assert figures(reqs["N-1"])["first number in the output"]["value"] == 42.5
    assert "measured no number in the output, required >= 1" in reqs["N-3"]["message"]
