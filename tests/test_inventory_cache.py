"""The inventory cache: parsed feature files keyed by content, shared by the full run and the dry run.

Whatever the cache holds, a run sees exactly what parsing the files on disk now would give: a
changed, added or removed file is never served stale, whatever its modification time says.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from living_checklist import cli
from living_checklist.core.inventory import DEFAULT_ID_PATTERN, discover, load_feature
from living_checklist.run import cache as cache_module
from living_checklist.run.cache import CACHE_FILE, CACHE_FOLDER, InventoryCache
from tests.helpers import COUNTER_STEPS, COUNTER_THEN
from tests.strategies import GFeature, gfeatures

FEATURE = """\
Feature: Counting

  @CNT-1
  Scenario: adding works
    Given a counter at 1
    When I add 2
    Then the counter is 3
"""

STEPS = COUNTER_STEPS + COUNTER_THEN


def cache_file(root: Path) -> Path:
    return root / ".pytest_cache" / "d" / CACHE_FOLDER / CACHE_FILE


def make_folder(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def same_size_and_mtime(path: Path, old: str, new: str) -> None:
    """Rewrite ``path`` with ``old`` replaced by ``new`` (same length), keeping its modification time."""
    assert len(old) == len(new)
    stat = path.stat()
    path.write_bytes(path.read_bytes().replace(old.encode(), new.encode(), 1))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size


# ---------------------------------------------------------------------------------------------
# The cache on its own


OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["write", "remove", "same-stat"]), st.integers(0, 2), gfeatures()),
    min_size=1,
    max_size=8,
)


@given(OPERATIONS)
@settings(max_examples=25, deadline=None)
def test_never_stale_whatever_happens_to_the_files(operations: list[tuple[str, int, GFeature]]) -> None:
    """After any sequence of edits, each new run's cached documents equal a fresh parse, and the
    saved cache holds exactly the files that exist."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        features = root / "features"
        features.mkdir()
        folder = root / "cache"
        for operation, slot, feature in operations:
            path = features / f"f{slot}.feature"
            if operation == "remove":
                path.unlink(missing_ok=True)
            elif operation == "same-stat" and path.exists():
                text = path.read_bytes().decode("utf-8")
                if text:
                    # One character changes, size and modification time stay: only the content tells.
                    first = text[0]
                    same_size_and_mtime(path, first, "#" if first != "#" else "F")
            else:
                path.write_text(feature.render(), encoding="utf-8")
            cache = InventoryCache(folder, "features", DEFAULT_ID_PATTERN)
            for found in discover(features):
                assert cache.load_feature(found, root) == load_feature(found, root, "features")
            cache.save(root, lambda: make_folder(folder))
            saved = InventoryCache(folder, "features", DEFAULT_ID_PATTERN).entries
            assert set(saved) == {f"features/{p.name}" for p in discover(features)}


def test_an_unchanged_file_is_served_from_the_cache(tmp_path: Path) -> None:
    (tmp_path / "features").mkdir()
    path = tmp_path / "features" / "a.feature"
    path.write_text(FEATURE, encoding="utf-8")
    folder = tmp_path / "cache"
    first = InventoryCache(folder, "features", DEFAULT_ID_PATTERN)
    doc = first.load_feature(path, tmp_path)
    assert (first.hits, first.misses) == (0, 1)
    first.save(tmp_path, lambda: make_folder(folder))
    second = InventoryCache(folder, "features", DEFAULT_ID_PATTERN)
    assert second.load_feature(path, tmp_path) == doc
    assert (second.hits, second.misses) == (1, 0)
    mtime = (folder / CACHE_FILE).stat().st_mtime_ns
    second.save(tmp_path, lambda: make_folder(folder))
    assert (folder / CACHE_FILE).stat().st_mtime_ns == mtime  # nothing changed: not rewritten


def test_other_settings_or_a_broken_file_start_afresh(tmp_path: Path) -> None:
    """The id pattern and the features folder decide a parse too; a torn cache file is no error."""
    (tmp_path / "features").mkdir()
    path = tmp_path / "features" / "a.feature"
    path.write_text(FEATURE, encoding="utf-8")
    folder = tmp_path / "cache"
    first = InventoryCache(folder, "features", DEFAULT_ID_PATTERN)
    first.load_feature(path, tmp_path)
    first.save(tmp_path, lambda: make_folder(folder))

    other = InventoryCache(folder, "features", r"^NOPE-\d+$")
    doc = other.load_feature(path, tmp_path)
    assert (other.hits, other.misses) == (0, 1)
    assert doc.requirements[0].id == "features/a.feature:4"  # parsed with the other pattern

    moved = InventoryCache(folder, ".", DEFAULT_ID_PATTERN)
    moved.load_feature(path, tmp_path)
    assert moved.misses == 1

    whole = (folder / CACHE_FILE).read_bytes()
    (folder / CACHE_FILE).write_bytes(whole[: len(whole) - 10])  # torn in the middle of a record
    torn = InventoryCache(folder, "features", DEFAULT_ID_PATTERN)
    assert (torn.entries, torn.dirty) == ({}, True)

    (folder / CACHE_FILE).write_bytes(b"not a pickle")
    broken = InventoryCache(folder, "features", DEFAULT_ID_PATTERN)
    assert broken.load_feature(path, tmp_path) == load_feature(path, tmp_path, "features")
    broken.save(tmp_path, lambda: make_folder(folder))
    assert InventoryCache(folder, "features", DEFAULT_ID_PATTERN).load_feature(path, tmp_path).requirements


# ---------------------------------------------------------------------------------------------
# End to end: the full run writes it, the dry run reads it


def make_project(pytester: pytest.Pytester) -> Path:
    pytester.makefile(".toml", pyproject='[tool.pytest.ini_options]\nchecklist_features = "features"\n')
    pytester.makeconftest(STEPS)
    (pytester.path / "features").mkdir(exist_ok=True)
    (pytester.path / "features" / "counting.feature").write_text(FEATURE, encoding="utf-8")
    return pytester.path


def status(capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    cli.main(["status"])
    out, _ = capsys.readouterr()
    return out


def test_the_full_run_writes_the_cache_and_the_dry_run_reads_it(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(pytester)
    pytester.runpytest().assert_outcomes(passed=1)
    written = cache_file(root)
    assert written.is_file()
    assert (root / ".pytest_cache" / ".gitignore").is_file()  # made the way pytest makes its cache
    mtime = written.stat().st_mtime_ns

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("an unchanged file must come from the cache")

    with monkeypatch.context() as patch:
        patch.setattr(cache_module, "parse_feature", no_parsing)
        out = status(capsys)
        assert "requirements: 1  ready: 1" in out
        pytester.runpytest().assert_outcomes(passed=1)  # the second full run reads it too
    assert written.stat().st_mtime_ns == mtime  # nothing changed, nothing rewritten

    # The dry run only reads: a new file is parsed but not written into the cache.
    (root / "features" / "more.feature").write_text(FEATURE.replace("CNT-1", "CNT-2"), encoding="utf-8")
    assert "requirements: 2  ready: 2" in status(capsys)
    assert written.stat().st_mtime_ns == mtime


def test_changed_added_and_removed_files_are_never_served_stale(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(pytester)
    pytester.runpytest().assert_outcomes(passed=1)

    # Changed in place: same size, same modification time, different meaning.
    same_size_and_mtime(root / "features" / "counting.feature", "the counter is 3", "the counter is 4")
    pytester.runpytest().assert_outcomes(failed=1)
    same_size_and_mtime(root / "features" / "counting.feature", "adding works", "adding fails")
    assert "CNT-1 adding fails" in status(capsys)

    # Added, then removed.
    (root / "features" / "extra.feature").write_text(FEATURE.replace("CNT-1", "CNT-9"), encoding="utf-8")
    pytester.runpytest().assert_outcomes(passed=1, failed=1)
    assert "requirements: 2 " in status(capsys)
    (root / "features" / "extra.feature").unlink()
    pytester.runpytest().assert_outcomes(failed=1)
    assert "requirements: 1 " in status(capsys)
    entries = InventoryCache(cache_file(root).parent, "features", DEFAULT_ID_PATTERN).entries
    assert set(entries) == {"features/counting.feature"}


def test_without_the_cache_provider_nothing_is_cached(pytester: pytest.Pytester) -> None:
    root = make_project(pytester)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
    assert not (root / ".pytest_cache").exists()
