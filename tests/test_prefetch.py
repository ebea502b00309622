"""The cold dry run's prefetch: a child parses feature files while pytest starts; nothing it does
(or fails to do) changes a byte of the output."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from living_checklist.core.inventory import DEFAULT_ID_PATTERN, discover, load_feature
from living_checklist.dryrun import prefetch
from living_checklist.run.cache import InventoryCache
from tests.helpers import COUNTER_STEPS

FEATURE = """\
Feature: Area {n}

  @PRE-{n}
  Scenario: counting {n}
    Given a counter at {n}
    When I add 2
    Then the counter is TBD
{more}"""

MORE = "".join(f"\n  @PRE-{{n}}{i:03d}\n  Scenario: more {i}\n    Given a counter at {i}\n" for i in range(40))

STEPS = COUNTER_STEPS


def project(root: Path, files: int = 12) -> Path:
    (root / "pyproject.toml").write_text('[tool.pytest.ini_options]\nchecklist_features = "features"\n')
    (root / "conftest.py").write_text(STEPS, encoding="utf-8")
    for n in range(files):
        folder = root / "features" / f"area{n % 3}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{n:02d}.feature").write_text(FEATURE.format(n=n, more=MORE.format(n=n)), encoding="utf-8")
    other = root / "other"
    other.mkdir()
    (other / "x.feature").write_text(FEATURE.format(n=99, more=""), encoding="utf-8")
    return root


def status(root: Path, *args: str, prefetching: bool, env: dict[str, str] | None = None) -> tuple[bytes, bytes, int]:
    environ = {**os.environ, **(env or {}), prefetch.ENV: "1" if prefetching else "0"}
    proc = subprocess.run(
        [sys.executable, "-m", "living_checklist", "status", "--no-cache", *args],
        cwd=root,
        env=environ,
        capture_output=True,
        timeout=120,
    )
    return proc.stdout, proc.stderr, proc.returncode


@pytest.mark.parametrize(
    ("args", "env", "edit"),
    [
        ((), {}, None),
        (("--format", "json"), {}, "unparsable"),
        ((), {}, "not utf-8"),
        (("features/area1",), {}, None),
        # The child guesses from the ini file alone: here the features folder and the rootdir differ.
        ((), {"PYTEST_ADDOPTS": "-o checklist_features=other"}, None),
        ((), {"PYTEST_ADDOPTS": "-o checklist_id_pattern=PRE-1[0-9]*"}, None),
        (("-o", "checklist_features=other"), {}, None),
        ((), {"PYTEST_ADDOPTS": "--rootdir=features -c pyproject.toml"}, None),
    ],
)
def test_the_output_is_the_same_with_and_without_prefetch(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str], edit: str | None
) -> None:
    root = project(tmp_path)
    if edit == "unparsable":
        bad = "Feature: x\n  Scenario: y\n    Given a\n  Oops not a keyword\n"
        (root / "features" / "area0" / "bad.feature").write_text(bad, encoding="utf-8")
    if edit == "not utf-8":
        (root / "features" / "area2" / "latin.feature").write_bytes(b"Feature: caf\xe9\n  Scenario: s\n")
    without = status(root, *args, prefetching=False, env=env)
    with_prefetch = status(root, *args, prefetching=True, env=env)
    assert with_prefetch == without
    if edit:
        assert without[2] == 2 and b".feature:" in without[1]  # path:line:col on stderr, unchanged


def files_and_cache(root: Path) -> tuple[list[Path], InventoryCache]:
    files = sorted(discover(root / "features"))
    return files, InventoryCache(None, "features", DEFAULT_ID_PATTERN)


def expected(root: Path, files: list[Path]) -> list[object]:
    return [load_feature(path, root, "features") for path in files]


def test_a_child_killed_by_a_signal_costs_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, files=30)
    monkeypatch.chdir(root)
    files, cache = files_and_cache(root)
    prefetch.start([], [])
    handle = prefetch.current()
    assert handle is not None and handle.pid is not None
    pid = handle.pid
    deadline = time.monotonic() + 30
    while handle.read()[0] < 2 and time.monotonic() < deadline:  # it is parsing
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    docs = prefetch.take(files, lambda path, pre: cache.load_feature(path, root, pre))
    assert docs == expected(root, files)
    assert prefetch.current() is None
    with pytest.raises(ChildProcessError):  # reaped: no zombie left
        os.waitpid(pid, os.WNOHANG)


def test_a_stopped_child_is_killed_after_a_while(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, files=30)
    monkeypatch.chdir(root)
    monkeypatch.setattr(prefetch, "WAIT_S", 0.2)
    files, cache = files_and_cache(root)
    prefetch.start([], [])
    handle = prefetch.current()
    assert handle is not None and handle.pid is not None
    pid = handle.pid
    deadline = time.monotonic() + 30
    while handle.read()[0] < len(files) // 2 and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(pid, signal.SIGSTOP)  # hung half-way: the parent meets it, waits a little, kills it
    docs = prefetch.take(files, lambda path, pre: cache.load_feature(path, root, pre))
    assert docs == expected(root, files)
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_documents_are_taken_from_the_child_only_when_the_bytes_and_inputs_match(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path, files=6)
    monkeypatch.chdir(root)
    files, cache = files_and_cache(root)
    prefetch.start([], [])
    handle = prefetch.current()
    assert handle is not None
    deadline = time.monotonic() + 30
    while handle.read()[0] < len(files) - 1 and time.monotonic() < deadline:
        time.sleep(0.005)
    handle.reap(30)  # the child has parsed every file
    # Edited since the child read it: the parent's bytes decide.
    files[0].write_text(FEATURE.format(n=50, more=""), encoding="utf-8")
    taken: list[bool] = []

    def load(path: Path, pre: prefetch.Prefetched | None) -> object:
        doc = cache.load_feature(path, root, pre)
        taken.append(pre is not None and doc is pre[4])
        return doc

    docs = prefetch.take(files, load)  # type: ignore[arg-type]
    assert docs == expected(root, files)
    assert taken[0] is False and all(taken[1:])
    # Parsed with another id pattern (or features folder, or relpath) than this run's: not taken.
    other = InventoryCache(None, "features", "OTHER-[0-9]+")
    data = files[1].read_bytes()
    sent = (prefetch.file_digest(data), files[1].relative_to(root).as_posix(), "features", DEFAULT_ID_PATTERN, docs[1])
    doc = other.load_feature(files[1], root, sent)  # type: ignore[arg-type]
    assert doc is not docs[1]
    assert doc == load_feature(files[1], root, "features", "OTHER-[0-9]+")


def test_the_child_dies_with_its_parent(tmp_path: Path) -> None:
    root = project(tmp_path, files=60)
    script = (
        "import os, signal, sys\n"
        "from living_checklist.dryrun import prefetch\n"
        "prefetch.start([], [])\n"
        "print(prefetch.current().pid, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL
    child = int(proc.stdout.split()[0])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if psutil.Process(child).status() == psutil.STATUS_ZOMBIE:
                break
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"the prefetch child {child} outlived its parent")


def test_no_child_where_the_full_runs_inventory_cache_is() -> None:
    from living_checklist.run.cache import CACHE_FILE, CACHE_FOLDER

    assert f".pytest_cache/d/{CACHE_FOLDER}/{CACHE_FILE}" == prefetch.INVENTORY_CACHE
