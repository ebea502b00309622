"""``living-checklist init --empty`` and ``--areas``, the ``.gitignore`` beside the skeleton, the
commented examples of every system and service setting, and a conftest that works from anywhere."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from living_checklist import cli

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_KEYS = ("checklist_system", "checklist_systems", "checklist_url", "checklist_service", "checklist_services")


def pytest_in(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A plain ``pytest`` as a user runs it, in ``folder``."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("PYTEST_ADDOPTS", None)
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args]
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, env=env, timeout=300, check=False)


def ci_command(project: Path) -> list[str]:
    """The pytest arguments of the CI workflow init wrote."""
    workflow = (project / ".github" / "workflows" / "living-checklist.yml").read_text()
    folded = workflow.split("run: >", 1)[1].split("- name:", 1)[0]
    words = folded.split()
    assert words[0] == "pytest"
    return words[1:]


def test_empty_writes_everything_but_slots_and_runs_green(tmp_path: Path) -> None:
    target = tmp_path / "empty"
    assert cli.main(["init", str(target), "--empty"]) == 0
    written = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
    assert {"conftest.py", ".gitignore", "steps/placeholders.py", "seeds/manifest.toml", "pyproject.toml"} <= written
    assert ".github/workflows/living-checklist.yml" in written
    assert not [rel for rel in written if rel.endswith(".feature")]
    done = pytest_in(target)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "requirements: 0 " in done.stdout
    assert "no requirement yet: add a scenario tagged with its id" in done.stdout
    ci = pytest_in(target, *ci_command(target))
    assert ci.returncode == 0, ci.stdout + ci.stderr
    assert (target / "artifacts" / "checklist.json").is_file()


def test_areas_writes_only_those(tmp_path: Path) -> None:
    target = tmp_path / "two"
    assert cli.main(["init", str(target), "--areas", "performance,security"]) == 0
    assert sorted(p.name for p in (target / "features").iterdir() if p.is_dir()) == ["performance", "security"]
    done = pytest_in(target)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"requirements: [1-9]\d* ", done.stdout)


def test_an_unknown_area_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["init", str(tmp_path / "x"), "--areas", "performance,nosuch"]) == 2
    assert "no area nosuch in the skeleton (areas: behaviour," in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_a_gitignore_is_written_beside_the_skeleton_but_never_over_one(tmp_path: Path) -> None:
    fresh, kept = tmp_path / "fresh", tmp_path / "kept"
    kept.mkdir()
    (kept / ".gitignore").write_text("node_modules/\n")
    assert cli.main(["init", str(fresh), "--empty"]) == 0
    assert cli.main(["init", str(kept), "--empty"]) == 0
    assert (fresh / ".gitignore").read_text().splitlines()[1:] == [".pytest_cache/", ".hypothesis/"]
    assert (kept / ".gitignore").read_text() == "node_modules/\n"


def test_every_system_and_service_setting_has_a_commented_example(tmp_path: Path) -> None:
    toml_project, ini_project = tmp_path / "toml", tmp_path / "ini"
    ini_project.mkdir()
    (ini_project / "pytest.ini").write_text("[pytest]\naddopts = -q\n")
    assert cli.main(["init", str(toml_project), "--empty"]) == 0
    assert cli.main(["init", str(ini_project), "--empty"]) == 0
    for path in (toml_project / "pyproject.toml", ini_project / "pytest.ini"):
        text = path.read_text()
        for key in EXAMPLE_KEYS:
            assert re.search(rf"^# {key} = ", text, re.MULTILINE), (key, path.name)
    parser = configparser.RawConfigParser()
    parser.read(ini_project / "pytest.ini")
    assert parser["pytest"]["checklist_system"] == "TBD" and "checklist_systems" not in parser["pytest"]


def test_the_conftest_works_from_a_subfolder_and_copied_alone(tmp_path: Path) -> None:
    project = tmp_path / "p"
    assert cli.main(["init", str(project), "--areas", "performance"]) == 0
    below = pytest_in(project / "features" / "performance")
    assert below.returncode == 0 and "requirements: " in below.stdout, below.stdout + below.stderr
    alone = tmp_path / "alone"
    (alone / "features").mkdir(parents=True)
    shutil.copy(project / "conftest.py", alone)
    (alone / "pytest.ini").write_text("[pytest]\nchecklist_features = features\n")
    done = pytest_in(alone)
    assert "Error importing plugin" not in done.stdout + done.stderr
    assert done.returncode == 0, done.stdout + done.stderr
