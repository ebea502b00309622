"""``living-checklist init``: a working skeleton, nothing overwritten, settings merged without losing a line."""

from __future__ import annotations

import configparser
import json
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from living_checklist import cli
from living_checklist.cli.init import SETTINGS, skeleton_files

KEYS = [key for key, _ in SETTINGS]


def _subsequence(short: list[str], long: list[str]) -> bool:
    rest = iter(long)
    return all(any(line == other for other in rest) for line in short)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_init_writes_every_skeleton_file_and_the_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "new"
    assert cli.main(["init", str(target)]) == 0
    out = capsys.readouterr().out
    files = _tree(target)
    expected = {rel for rel, _ in skeleton_files()} | {"pyproject.toml"}
    assert set(files) == expected
    assert ".github/workflows/living-checklist.yml" in files and "steps/placeholders.py" in files
    settings = tomllib.loads(files["pyproject.toml"].decode())["tool"]["pytest"]["ini_options"]
    assert settings["checklist_features"] == "features" and settings["testpaths"] == ["features"]
    assert "init: 25 written, 0 left alone" in out or f"init: {len(expected)} written, 0 left alone" in out
    assert "next: " in out


def test_dry_run_lists_the_same_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["init", "--dry-run", "--format", "json", str(tmp_path / "a")]) == 0
    planned = json.loads(capsys.readouterr().out)
    assert not (tmp_path / "a").exists()
    assert cli.main(["init", "--format", "json", str(tmp_path / "a")]) == 0
    done = json.loads(capsys.readouterr().out)
    assert planned["dry_run"] and not done["dry_run"]
    assert planned["actions"] == done["actions"]
    assert {a["path"] for a in done["actions"]} == set(_tree(tmp_path / "a"))


def test_init_never_overwrites_and_says_what_it_left_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "features" / "hardware").mkdir(parents=True)
    (tmp_path / "features" / "hardware" / "machine.feature").write_text("Feature: ours\n")
    (tmp_path / "conftest.py").write_text("import os\n")
    before = _tree(tmp_path)
    assert cli.main(["init", str(tmp_path)]) == 1  # conftest.py does not load the steps: a step by hand
    out = capsys.readouterr().out
    after = _tree(tmp_path)
    assert {k: after[k] for k in before} == before
    assert "left alone: features/hardware/machine.feature (exists)" in out
    assert 'add to it: pytest_plugins = ["living_checklist.steps", "steps.placeholders"]' in out
    # A second run finds everything in place and changes nothing.
    assert cli.main(["init", str(tmp_path)]) == 1
    assert _tree(tmp_path) == after
    assert "0 written" in capsys.readouterr().out


def test_a_second_init_is_a_no_op(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["init", str(tmp_path)]) == 0
    first = _tree(tmp_path)
    capsys.readouterr()
    assert cli.main(["init", str(tmp_path)]) == 0
    assert _tree(tmp_path) == first
    assert "pyproject.toml (every setting is there)" in capsys.readouterr().out


PYPROJECT = """\
# Our project. Comments, order and formatting stay exactly as they are.
[project]
name = "shop"   # the name
dependencies = [
    "requests",  # [not a table]
]

[tool.pytest.ini_options]
addopts = "-ra"
testpaths = ["tests", "features"]
checklist_system = "shop --serve"

[tool.ruff]
line-length = 100
"""


def test_settings_merge_into_an_existing_pyproject_line_by_line(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["living_checklist.steps", "steps.placeholders"]\n')
    assert cli.main(["init", str(tmp_path)]) == 0
    text = (tmp_path / "pyproject.toml").read_text()
    original = PYPROJECT.splitlines()
    merged = text.splitlines()
    assert _subsequence(original, merged)  # every line kept, in order
    data = tomllib.loads(text)
    options = data["tool"]["pytest"]["ini_options"]
    assert options["checklist_system"] == "shop --serve"  # an existing value is kept
    assert options["checklist_features"] == "features" and options["checklist_require_ids"] is True
    assert data["tool"]["ruff"] == {"line-length": 100}
    assert merged.index('checklist_features = "features"') < merged.index("[tool.ruff]")


def test_a_pyproject_without_pytest_settings_gets_a_table_appended(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"')  # no newline at the end
    assert cli.main(["init", str(tmp_path)]) == 0
    data = tomllib.loads((tmp_path / "pyproject.toml").read_text())
    assert data["project"] == {"name": "x"}
    assert data["tool"]["pytest"]["ini_options"]["testpaths"] == ["features"]


@pytest.mark.parametrize(
    ("name", "section"), [("pytest.ini", "pytest"), ("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")]
)
def test_settings_go_where_pytest_reads_them(tmp_path: Path, name: str, section: str) -> None:
    original = f"[metadata]\nname = x\n\n[{section}]\naddopts = -ra\n; a comment\n\n[flake8]\nmax-line-length = 100\n"
    (tmp_path / name).write_text(original)
    assert cli.main(["init", str(tmp_path)]) == 0
    assert not (tmp_path / "pyproject.toml").exists()
    text = (tmp_path / name).read_text()
    assert _subsequence(original.splitlines(), text.splitlines())
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    assert parser[section]["checklist_features"] == "features"
    assert parser[section]["checklist_require_ids"] == "true"
    assert parser["flake8"]["max-line-length"] == "100"


def test_a_file_as_dir_or_an_unreadable_pyproject_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "f").write_text("x")
    assert cli.main(["init", str(tmp_path / "f")]) == 2
    assert "is a file" in capsys.readouterr().err
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "pyproject.toml").write_text("[tool.pytest.ini_options\n")
    assert cli.main(["init", str(tmp_path / "p")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pyproject.toml: cannot be read as TOML") and len(err.splitlines()) == 1
    assert list((tmp_path / "p").iterdir()) == [tmp_path / "p" / "pyproject.toml"]  # nothing written


_keys = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(lambda k: not k.startswith("checklist"))
_values = st.one_of(st.integers(-5, 5).map(str), st.text("abc [#]\"'", max_size=6).map(json.dumps), st.just("true"))
_comments = st.sampled_from(["", "  # note", "  # [tool.x]"])


@st.composite
def pyprojects(draw: st.DrawFn) -> str:
    lines = [f"# {draw(st.text('abc ', max_size=5))}"]
    names = ["project", "tool.ruff", "tool.pytest.ini_options", "tool.mypy"]
    tables = draw(st.lists(st.sampled_from(names), unique=True))
    for table in tables:
        lines.append(f"[{table}]{draw(_comments)}")
        for key in draw(st.lists(_keys, unique=True, max_size=3)):
            lines.append(f"{key} = {draw(_values)}{draw(_comments)}")
        lines.extend([""] * draw(st.integers(0, 2)))
    return "\n".join(lines) + draw(st.sampled_from(["", "\n"]))


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=pyprojects())
@example(text='[tool.pytest.ini_options]\naddopts = "[x]"\n[tool.ruff]\n')
def test_merging_keeps_every_line_and_every_value(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    target = tmp_path_factory.mktemp("p")
    (target / "pyproject.toml").write_text(text)
    assert cli.main(["init", "--format", "json", str(target)]) in (0, 1)
    merged = (target / "pyproject.toml").read_text()
    before, after = tomllib.loads(text), tomllib.loads(merged)
    options = after["tool"]["pytest"]["ini_options"]
    for key in KEYS:
        assert key in options
    for table in ("project",):
        assert after.get(table) == before.get(table)
    assert after["tool"].get("ruff") == before.get("tool", {}).get("ruff")
    old_options = before.get("tool", {}).get("pytest", {}).get("ini_options", {})
    assert {k: options[k] for k in old_options} == old_options
    assert _subsequence(text.splitlines(), merged.splitlines())
