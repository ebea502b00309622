"""Quality model coverage: ISO/IEC 25010:2023's 40 sub-characteristics as ``@q-`` tags on slots.

``init``'s skeleton covers all 40; removing a tag makes lint name the gap; a waiver or
``checklist_quality_model = none`` silences it. Real ``living-checklist`` processes and a real run.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from living_checklist import cli
from living_checklist.core import quality

REPO_FEATURES = Path(__file__).resolve().parents[1] / "features"


def test_the_model_is_the_standards_9_characteristics_and_40_sub_characteristics() -> None:
    assert len(quality.CHARACTERISTICS) == 9
    assert len(quality.SUB_CHARACTERISTICS) == len(set(quality.SUB_CHARACTERISTICS)) == 40
    for name in ("time-behaviour", "co-existence", "non-repudiation", "fail-safe", "analysability", "user-engagement"):
        assert name in quality.SUB_CHARACTERISTICS
    assert quality.parse_waivers("# why\nq-Fail Safe: no hazard\n\nmodularity: one module") == {
        "fail-safe": "no hazard",
        "modularity": "one module",
    }
    for bad in ("speed: fast", "modularity", "modularity:  "):
        with pytest.raises(quality.WaiverError):
            quality.parse_waivers(bad)


def run_cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "living_checklist", *args], cwd=root, capture_output=True, text=True, timeout=120
    )


def status_quality(root: Path, *args: str) -> dict[str, Any]:
    done = run_cli(root, "status", "--format", "json", "--no-cache", *args)
    assert done.returncode in (0, 1), done.stderr
    data: dict[str, Any] = json.loads(done.stdout)["quality"]
    return data


@pytest.fixture
def skeleton(pytester: pytest.Pytester) -> pytest.Pytester:
    (pytester.path / "tox.ini").unlink()
    assert cli.main(["init", str(pytester.path)]) == 0
    return pytester


def test_inits_skeleton_covers_all_40_in_status_the_run_and_every_report(skeleton: pytest.Pytester) -> None:
    data = status_quality(skeleton.path)
    assert data["model"] == "iso25010" and data["missing"] == [] and data["waived"] == {}
    assert list(data["covered"]) == list(quality.SUB_CHARACTERISTICS)
    assert data["covered"]["non-repudiation"] == ["SEC-011"] and "SAFE-004" in data["covered"]["safe-integration"]
    result = skeleton.runpytest(
        "-p", "no:cacheprovider", "-v", "--checklist-json=r.json", "--checklist-md=r.md", "--checklist-html=r.html"
    )
    result.stdout.fnmatch_lines(
        [
            "quality (iso25010): 40 sub-characteristics: covered 40, waived 0, uncovered 0",
            "  covered faultlessness: REL-008",
        ]
    )
    report = json.loads((skeleton.path / "r.json").read_text(encoding="utf-8"))
    assert report["quality"] == data
    markdown = (skeleton.path / "r.md").read_text(encoding="utf-8")
    assert "## Quality model (ISO/IEC 25010:2023): 40 sub-characteristics: 40 covered, 0 waived, 0 missing" in markdown
    assert "| security | non-repudiation | covered | SEC-011 |" in markdown
    page = (skeleton.path / "r.html").read_text(encoding="utf-8")
    assert '<section id="quality">' in page and "<td>safe-integration</td><td>covered</td>" in page
    lint = run_cli(skeleton.path, "lint")
    assert lint.returncode == 0 and "quality" not in lint.stdout


def test_the_repositorys_own_slots_cover_all_40() -> None:
    tags = {m for path in REPO_FEATURES.rglob("*.feature") for m in re.findall(r"@q-([a-z-]+)", path.read_text())}
    assert tags == set(quality.SUB_CHARACTERISTICS)


def test_removing_a_tag_makes_lint_name_it_and_a_waiver_silences_it(skeleton: pytest.Pytester) -> None:
    feature = skeleton.path / "features" / "reliability" / "availability.feature"
    feature.write_text(feature.read_text(encoding="utf-8").replace(" @q-faultlessness", ""), encoding="utf-8")
    lint = run_cli(skeleton.path, "lint")
    assert "no slot for faultlessness (reliability)" in lint.stdout, lint.stdout
    assert lint.stdout.count("quality model") == 1
    assert status_quality(skeleton.path)["missing"] == ["faultlessness"]
    result = skeleton.runpytest("-p", "no:cacheprovider", "--checklist-json=r.json")
    result.stdout.fnmatch_lines(["quality (iso25010): *uncovered 1", "  uncovered: faultlessness"])
    assert json.loads((skeleton.path / "r.json").read_text(encoding="utf-8"))["quality"]["missing"] == ["faultlessness"]
    waived = status_quality(skeleton.path, "-o", "checklist_waivers=faultlessness: counted in the incident review")
    assert waived["missing"] == [] and waived["waived"] == {"faultlessness": "counted in the incident review"}
    lint = run_cli(skeleton.path, "lint", "-o", "checklist_waivers=q-faultlessness: counted in the incident review")
    assert "faultlessness" not in lint.stdout
    off = status_quality(skeleton.path, "-o", "checklist_quality_model=none")
    assert off == {"model": "none", "covered": {}, "waived": {}, "missing": []}
    assert "quality" not in run_cli(skeleton.path, "lint", "-o", "checklist_quality_model=none").stdout


def test_a_bad_waiver_or_model_is_a_usage_error_naming_the_key(skeleton: pytest.Pytester) -> None:
    bad = run_cli(skeleton.path, "status", "--no-cache", "-o", "checklist_waivers=speed: fast")
    assert bad.returncode == 2 and "checklist_waivers" in bad.stderr and "speed" in bad.stderr
    result = skeleton.runpytest("-p", "no:cacheprovider", "-o", "checklist_quality_model=iso9126")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*checklist_quality_model*iso9126*"])
