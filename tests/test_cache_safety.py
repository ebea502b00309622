"""No cache can run code: every cache is JSON, checked field by field, and a planted file is ignored.

A pickle runs whatever it names when loaded. The caches live in pytest's cache folder, where
anyone who can write to the checkout can leave a file; so they are JSON lines (the inventory
cache), a JSON document (the status snapshot) and JSON records (the prefetch's results file), and
loading accepts only the exact shape written. Planted here: a pickle that would write a marker
file, under every name a cache has or had, and malformed files of the new format; the output
must be a clean run's and the marker must never appear.
"""

from __future__ import annotations

import json
import os
import pickle
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from living_checklist.core.inventory import DEFAULT_ID_PATTERN, parse_feature
from living_checklist.core.plain import Malformed, decode_doc, encode_doc
from living_checklist.run.cache import CACHE_FILE, CACHE_FOLDER, FORMAT, InventoryCache
from tests.helpers import COUNTER_STEPS, COUNTER_THEN
from tests.strategies import GFeature, gfeatures

FEATURE = """\
Feature: Counting

  @CNT-1
  Scenario: adding works
    Given a counter at 1
    When I add 2
    Then the counter is 3

  Scenario Outline: adding <n>
    Given a counter at <n>
    When I add 2
    Then the counter is <total>

    Examples:
      | n | total |
      | 1 | 3     |
      | 2 | 4     |
"""


class Planted:
    """Unpickling this calls ``os.system``: what a planted cache would do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return os.system, (f"touch {self.marker}",)


def plant(root: Path, marker: Path) -> list[Path]:
    """A pickle that runs code, under every name a cache of this package has or had."""
    payload = pickle.dumps(Planted(marker))
    folder = root / ".pytest_cache" / "d" / CACHE_FOLDER
    (folder / "status").mkdir(parents=True, exist_ok=True)
    paths = [folder / "inventory.pickle", folder / CACHE_FILE]
    paths += [folder / "status" / f"{'0' * 40}.{ext}" for ext in ("pickle", "json")]
    for path in paths:
        path.write_bytes(payload)
    # And under the snapshot name of this very invocation, whatever its key is.
    return paths


@settings(max_examples=60, deadline=None)
@given(gfeatures())
def test_a_document_comes_back_equal(feature: GFeature) -> None:
    doc = parse_feature(feature.render().encode(), "features/a.feature", area="a", id_pattern=DEFAULT_ID_PATTERN)
    encoded = json.loads(json.dumps(encode_doc(doc)))
    assert decode_doc(encoded) == doc


def _paths(value: Any, at: tuple[int, ...] = ()) -> list[tuple[int, ...]]:
    """Every position in the nested lists (a field, an item, a cell)."""
    found = [at]
    if isinstance(value, list):
        for i, item in enumerate(value):
            found.extend(_paths(item, (*at, i)))
    return found


def _replace(value: Any, at: tuple[int, ...], new: Any) -> Any:
    if not at:
        return new
    copy = list(value)
    copy[at[0]] = _replace(value[at[0]], at[1:], new)
    return copy


WRONG = st.sampled_from([None, 1, 1.5, True, "x", [], [1], {"a": 1}])


@settings(max_examples=200, deadline=None)
@given(st.data(), WRONG)
def test_any_field_of_the_wrong_type_is_refused(data: st.DataObject, wrong: Any) -> None:
    """Replace any one value anywhere with another: refused (``Malformed``, never another error)
    unless it has the type the field had (or a null where a null was, or where one is allowed)."""
    doc = parse_feature(FEATURE.encode(), "features/a.feature", area="a")
    encoded = encode_doc(doc)
    at = data.draw(st.sampled_from(_paths(encoded)[1:]))
    changed = _replace(encoded, at, wrong)
    try:
        decoded = decode_doc(changed)
    except Malformed:
        return
    original = encoded
    for index in at:
        original = original[index]
    assert type(wrong) is type(original) or None in (wrong, original)
    assert decode_doc(json.loads(json.dumps(encode_doc(decoded)))) == decoded


def make_project(pytester: pytest.Pytester) -> Path:
    pytester.makefile(".toml", pyproject='[tool.pytest.ini_options]\nchecklist_features = "features"\n')
    pytester.makeconftest(COUNTER_STEPS + COUNTER_THEN)
    (pytester.path / "features").mkdir(exist_ok=True)
    (pytester.path / "features" / "counting.feature").write_text(FEATURE, encoding="utf-8")
    return pytester.path


def run_status(pytester: pytest.Pytester, command: str = "status") -> tuple[int, str]:
    result = pytester.run(sys.executable, "-m", "living_checklist", command)
    return result.ret, result.stdout.str()


def test_a_planted_pickle_runs_nothing(pytester: pytest.Pytester, tmp_path: Path) -> None:
    root = make_project(pytester)
    folder = root / ".pytest_cache" / "d" / CACHE_FOLDER
    clean_run = pytester.runpytest_subprocess()
    clean_run.assert_outcomes(passed=3)
    clean_lint = run_status(pytester, "lint")
    clean_status = run_status(pytester)
    assert run_status(pytester) == clean_status  # the second is served from its snapshot
    snapshots = list((folder / "status").glob("*"))
    assert snapshots
    marker = tmp_path / "ran"
    payload = pickle.dumps(Planted(marker))
    planted = [*snapshots, *plant(root, marker)]
    for path in planted:
        path.write_bytes(payload)
    assert run_status(pytester) == clean_status
    assert run_status(pytester, "lint") == clean_lint
    pytester.runpytest_subprocess().assert_outcomes(passed=3)
    assert not marker.exists()
    # The run replaced the planted inventory cache with its own, which loads.
    assert InventoryCache(folder, "features", DEFAULT_ID_PATTERN).entries
    header = json.loads((folder / CACHE_FILE).read_bytes().split(b"\n")[0])
    assert header[0] == FORMAT


def test_the_planted_pickle_would_run(tmp_path: Path) -> None:
    """The test above plants what really runs code when unpickled."""
    marker = tmp_path / "ran"
    pickle.loads(pickle.dumps(Planted(marker)))  # noqa: S301 - the point of the test
    assert marker.exists()


MALFORMED = [
    b"",
    b"[3]\n",
    b'[3,"KEY",1]\n',  # the header promises an entry that is not there
    b'[3,"KEY",1]\n["features/counting.feature","00000000000000000000000000000000",[]]\n',
    b'[3,"KEY",1]\n["features/counting.feature","not a digest",null]\n',
    b'[3,"KEY",1]\n' + b"[" * 100_000 + b"\n",  # nested past the recursion limit
    b'[3,"KEY",1]\n["features/counting.feature","00000000000000000000000000000000",' + b"1" * 10 + b"]\n",
    b'[3,"KEY",1]\n7\n',
    b"\xff\xfe not text",
]


def _cache_of(root: Path, folder: Path) -> InventoryCache:
    cache = InventoryCache(folder, "features", DEFAULT_ID_PATTERN)
    cache.load_feature(root / "features" / "counting.feature", root)
    return cache


@pytest.mark.parametrize("body", MALFORMED)
def test_a_malformed_inventory_cache_is_ignored_and_rebuilt(tmp_path: Path, body: bytes) -> None:
    (tmp_path / "features").mkdir()
    (tmp_path / "features" / "counting.feature").write_text(FEATURE, encoding="utf-8")
    folder = tmp_path / "cache"
    folder.mkdir()
    _cache_of(tmp_path, folder).save(tmp_path, lambda: folder)
    good = (folder / CACHE_FILE).read_bytes()
    key = json.loads(good.split(b"\n")[0])[1]
    (folder / CACHE_FILE).write_bytes(body.replace(b"KEY", key.encode()))
    cache = _cache_of(tmp_path, folder)
    assert (cache.hits, cache.misses, cache.dirty) == (0, 1, True)
    cache.save(tmp_path, lambda: folder)
    assert (folder / CACHE_FILE).read_bytes() == good  # rewritten as a clean run writes it


def test_a_malformed_cache_gives_a_clean_run(pytester: pytest.Pytester) -> None:
    root = make_project(pytester)
    clean = pytester.runpytest()
    clean.assert_outcomes(passed=3)
    folder = root / ".pytest_cache" / "d" / CACHE_FOLDER
    for path in [folder / CACHE_FILE, *(folder / "status").glob("*")]:
        path.write_bytes(MALFORMED[3])
    pytester.runpytest().assert_outcomes(passed=3)
    assert InventoryCache(folder, "features", DEFAULT_ID_PATTERN).entries


def test_a_document_of_another_file_is_refused(tmp_path: Path) -> None:
    """A well-formed entry whose document names another path is not this file's parse."""
    (tmp_path / "features").mkdir()
    (tmp_path / "features" / "counting.feature").write_text(FEATURE, encoding="utf-8")
    folder = tmp_path / "cache"
    folder.mkdir()
    _cache_of(tmp_path, folder).save(tmp_path, lambda: folder)
    header, entry, _ = (folder / CACHE_FILE).read_bytes().split(b"\n")
    rel, digest, doc = json.loads(entry)
    assert InventoryCache(folder, "features", DEFAULT_ID_PATTERN).entries
    doc[0] = "features/b.feature"
    (folder / CACHE_FILE).write_bytes(header + b"\n" + json.dumps([rel, digest, doc]).encode() + b"\n")
    assert InventoryCache(folder, "features", DEFAULT_ID_PATTERN).entries == {}
