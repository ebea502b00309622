"""The dry run's snapshot: `status` served again without pytest, never stale.

Whatever changes between two dry runs (a feature file, a conftest.py, the ini file, an ini override,
an environment variable), the output served from a snapshot is byte for byte what a fresh dry run
prints, with the same exit status; and when nothing changed it is served without importing pytest.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from living_checklist import cli
from living_checklist.dryrun import snapshot
from living_checklist.run.settings import INI_FEATURES
from tests.helpers import COUNTER_STEPS, COUNTER_THEN

FEATURE = """\
Feature: Counting {n}

  @CNT-{n}
  Scenario: adding works {n}
    Given a counter at 1
    When I add 2
    Then the counter is 3
"""

STEPS = COUNTER_STEPS

THEN = COUNTER_THEN

INI = '[tool.pytest.ini_options]\nchecklist_features = "features"\n'
_stamp = [time.time() - 1000.0]


def age(*paths: Path) -> None:
    """Modification times well before now (each a new one): a snapshot is only written when
    nothing the dry run read was modified just before it started."""
    for path in paths:
        if path.exists():
            _stamp[0] += 1.0
            os.utime(path, (_stamp[0], _stamp[0]))


def age_tree(root: Path) -> None:
    age(root, *sorted(root.rglob("*")))


def project(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(INI, encoding="utf-8")
    (root / "conftest.py").write_text(STEPS + THEN, encoding="utf-8")
    (root / "features").mkdir(exist_ok=True)
    for n in (1, 2, 3):
        (root / "features" / f"f{n}.feature").write_text(FEATURE.format(n=n), encoding="utf-8")
    return root


# ---------------------------------------------------------------------------------------------
# Real processes: byte-identical output, no pytest on the fast path

PROBE = """\
import sys
from living_checklist.cli import main
code = main(sys.argv[2:])
sys.stdout.flush()
sys.stderr.flush()
loaded = {"pytest", "pytest_bdd", "gherkin", "living_checklist.dryrun.run"} & set(sys.modules)
with open(sys.argv[1], "w") as out:
    out.write(" ".join(sorted(loaded)))
sys.exit(code)
"""


def run_status(
    root: Path, args: list[str], probe: Path, env: dict[str, str] | None = None
) -> tuple[bytes, bytes, int, str]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(probe.with_suffix(".mods")), "status", *args],
        cwd=root,
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )
    return proc.stdout, proc.stderr, proc.returncode, probe.with_suffix(".mods").read_text()


def test_in_a_fresh_clone_the_second_status_is_served(tmp_path_factory: pytest.TempPathFactory) -> None:
    """No .pytest_cache yet: the first dry run makes it (changing the project folder, a dependency)
    and still saves its snapshot, so the second is served; a file added next to it is seen."""
    root = project(tmp_path_factory.mktemp("project"))
    probe = tmp_path_factory.mktemp("probe") / "probe"
    age_tree(root)
    assert not (root / ".pytest_cache").exists()
    first = run_status(root, [], probe)
    assert "pytest" in first[3]
    served = run_status(root, [], probe)
    assert served[:3] == first[:3]
    assert served[3] == ""
    # The project folder, taken again after the cache folder was made, still tells a change apart.
    (root / "notes.txt").write_text("a file in the project folder", encoding="utf-8")
    again = run_status(root, [], probe)
    assert again[:3] == first[:3] and "pytest" in again[3]


@pytest.mark.parametrize(
    ("args", "edit", "code"),
    [
        ([], None, 0),
        (["--format", "json"], None, 0),
        (["-q", "-o", "checklist_require_ids=false"], None, 0),
        (["features/f1.feature"], None, 0),
        ([], "unparsable", 2),
        (["--format", "json"], "duplicate id", 1),
        (["-o", "checklist_features=nowhere"], None, 2),
    ],
)
def test_served_output_is_byte_identical_and_needs_no_pytest(
    tmp_path_factory: pytest.TempPathFactory, args: list[str], edit: str | None, code: int
) -> None:
    root = project(tmp_path_factory.mktemp("project"))
    probe = tmp_path_factory.mktemp("probe") / "probe"
    if edit == "unparsable":
        (root / "features" / "bad.feature").write_bytes(b"Feature: x\n  Scenario: y\n    Given \xff\n  Oops\n")
    if edit == "duplicate id":
        (root / "features" / "f4.feature").write_text(FEATURE.format(n=1), encoding="utf-8")
    run_status(root, args, probe)  # makes .pytest_cache (the project folder changes)
    age_tree(root)
    first = run_status(root, args, probe)
    assert first[2] == code, first
    assert "pytest" in first[3]
    served = run_status(root, args, probe)
    assert served[:3] == first[:3]
    assert served[3] == ""  # none of pytest, pytest-bdd, gherkin, the dry run was imported
    # Another environment is another invocation: the slow path, same output.
    other = run_status(root, args, probe, env={"SOMETHING_ELSE": "1"})
    assert other[:3] == first[:3] and "pytest" in other[3]
    # --no-cache neither serves nor saves.
    bypassed = run_status(root, [*args, snapshot.NO_CACHE], probe)
    assert bypassed[:3] == first[:3] and "pytest" in bypassed[3]


def test_a_custom_cache_dir_is_never_served_and_an_unwritable_cache_is_no_error(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    root = project(tmp_path_factory.mktemp("project"))
    probe = tmp_path_factory.mktemp("probe") / "probe"
    (root / "pyproject.toml").write_text(INI + 'cache_dir = "elsewhere"\n', encoding="utf-8")
    run_status(root, [], probe)
    age_tree(root)
    runs = [run_status(root, [], probe) for _ in range(2)]
    assert runs[0][:3] == runs[1][:3] and runs[0][2] == 0
    assert "pytest" in runs[1][3]
    assert list((root / "elsewhere" / "d" / "living_checklist" / "status").glob("*.json"))

    (root / "pyproject.toml").write_text(INI, encoding="utf-8")
    run_status(root, [], probe)
    status = root / ".pytest_cache" / "d" / "living_checklist" / "status"
    shutil.rmtree(status, ignore_errors=True)  # the run above may have saved a snapshot already
    status.parent.mkdir(parents=True, exist_ok=True)
    status.write_text("not a folder", encoding="utf-8")
    age_tree(root)
    runs = [run_status(root, [], probe) for _ in range(2)]
    assert runs[0][:3] == runs[1][:3] and runs[0][2] == 0 and not runs[0][1]
    assert "pytest" in runs[1][3]


def test_the_cli_does_not_spell_the_ini_name_differently() -> None:
    assert cli.INI_FEATURES == INI_FEATURES


# ---------------------------------------------------------------------------------------------
# The property: whatever changes, served output equals a fresh dry run's


@contextlib.contextmanager
def in_process() -> Iterator[None]:
    """Each dry run imports conftest.py and step modules afresh, as a new process would."""
    modules, path = dict(sys.modules), list(sys.path)
    try:
        yield
    finally:
        for name in set(sys.modules) - set(modules):
            del sys.modules[name]
        sys.path[:] = path


def status(argv: list[str]) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    with in_process(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["status", *argv])
    return out.getvalue(), err.getvalue(), code


SERVED: list[int] = []


class SnapshotMachine(RuleBasedStateMachine):
    """Random edits to a project; after each, two dry runs (the second usually served) and a
    fresh one (--no-cache) must print the same."""

    root: Path
    monkeypatch: pytest.MonkeyPatch
    tmp: Path

    @initialize()
    def start(self) -> None:
        self.root = project(Path(self.tmp) / f"p{len(list(Path(self.tmp).iterdir()))}")
        self.monkeypatch.chdir(self.root)
        self.argv: list[str] = []
        self.serial = 10
        status([])  # makes .pytest_cache
        age_tree(self.root)

    def edited(self, *paths: Path) -> None:
        age(*paths, *{p.parent for p in paths})

    @rule(n=st.integers(1, 5), text=st.sampled_from(["the counter is 3", "the counter is TBD", "nothing defined"]))
    def write_feature(self, n: int, text: str) -> None:
        path = self.root / "features" / f"f{n}.feature"
        path.write_text(FEATURE.format(n=n).replace("the counter is 3", text), encoding="utf-8")
        self.edited(path)

    @rule(n=st.integers(1, 5))
    def remove_feature(self, n: int) -> None:
        path = self.root / "features" / f"f{n}.feature"
        path.unlink(missing_ok=True)
        self.edited(path.parent)

    @rule(n=st.integers(1, 5), data=st.sampled_from([b"Feature: x\n  Nonsense\n", b"Feature: \xff\xfe\n"]))
    def break_feature(self, n: int, data: bytes) -> None:
        path = self.root / "features" / f"f{n}.feature"
        path.write_bytes(data)
        self.edited(path)

    @rule(then=st.booleans())
    def edit_conftest(self, then: bool) -> None:
        path = self.root / "conftest.py"
        path.write_text(STEPS + (THEN if then else ""), encoding="utf-8")
        self.edited(path)

    @rule(present=st.booleans())
    def nested_conftest(self, present: bool) -> None:
        """A conftest.py appearing in (or leaving) the features folder, defining the last step there."""
        path = self.root / "features" / "conftest.py"
        if present:
            path.write_text("from pytest_bdd import parsers, then\n" + THEN, encoding="utf-8")
        else:
            path.unlink(missing_ok=True)
        self.edited(path if present else path.parent)

    @rule(require_ids=st.booleans())
    def edit_ini(self, require_ids: bool) -> None:
        path = self.root / "pyproject.toml"
        path.write_text(INI + f"checklist_require_ids = {str(require_ids).lower()}\n", encoding="utf-8")
        self.edited(path)

    @rule(argv=st.sampled_from([[], ["--format", "json"], ["-q"], ["-o", "checklist_require_ids=false"]]))
    def arguments(self, argv: list[str]) -> None:
        self.argv = argv

    @rule(value=st.sampled_from([None, "-o checklist_require_ids=false", "-o checklist_id_pattern=CNT-[0-9]+"]))
    def environment(self, value: str | None) -> None:
        if value is None:
            self.monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
        else:
            self.monkeypatch.setenv("PYTEST_ADDOPTS", value)

    @invariant()
    def served_equals_fresh(self) -> None:
        if not hasattr(self, "argv"):
            return
        runs = [status(self.argv), status(self.argv)]
        fresh = status([*self.argv, snapshot.NO_CACHE])
        assert runs[0] == fresh
        assert runs[1] == fresh


def test_never_stale_whatever_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_serve = snapshot.serve

    def counting_serve(argv: list[str]) -> int | None:
        code = real_serve(argv)
        if code is not None:
            SERVED.append(code)
        return code

    monkeypatch.setattr(snapshot, "serve", counting_serve)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # no __pycache__ written into the projects
    SERVED.clear()

    class Machine(SnapshotMachine):
        pass

    Machine.tmp = tmp_path
    Machine.monkeypatch = monkeypatch
    run_state_machine_as_test(
        Machine, settings=settings(max_examples=8, stateful_step_count=6, deadline=None, database=None)
    )
    assert SERVED  # the property was not vacuous: snapshots were served
