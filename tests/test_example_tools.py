"""examples/tools: sqlite3, jq and nginx in one project with named systems, run as a user runs it.

The verdicts are the programs' real behaviour (checked by hand against sqlite3 3.40 and jq 1.6);
a machine without nginx has the web requirements pending with the reason, never an error.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import run_by_id as run
from tests.helpers import statuses

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "tools"

pytestmark = [
    pytest.mark.skipif(not (shutil.which("sqlite3") and shutil.which("jq")), reason="needs sqlite3 and jq installed"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the service launcher is Linux's"),
]


def test_the_three_systems_example(pytester: pytest.Pytester) -> None:
    shutil.copytree(EXAMPLE, pytester.path, dirs_exist_ok=True, ignore=shutil.ignore_patterns("build", ".*cache*"))
    result, reqs = run(pytester)
    web = "verified" if shutil.which("nginx") else "pending"
    expected = {f"SQL-00{n}": "verified" for n in range(1, 8)}
    expected |= {f"JQ-{n:03d}": "verified" for n in range(1, 12)}
    expected |= {f"WEB-00{n}": web for n in range(1, 5)}
    version = subprocess.run(["jq", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    if version == "jq-1.6":
        expected["JQ-006"] = "failing"  # jq 1.6 exits 0, not the documented 4, when -e sees no result
    assert statuses(reqs) == expected, result.stdout.str()
    if web == "pending":
        assert "nginx is not installed" in reqs["WEB-001"]["message"]
