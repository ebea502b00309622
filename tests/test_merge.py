"""``living-checklist merge``: shard reports of the skeleton give the checklist one unsharded run gives.

The skeleton is what ``living-checklist init`` writes, with a few values filled in so that some
requirements are verified and one fails; the shards are made the way pytest-split makes them,
by deselecting every item but one slice, so each shard's report covers the whole inventory.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from living_checklist import cli
from living_checklist.reports.json import from_data
from living_checklist.reports.merge import MergeError, merge
from tests.helpers import SCHEMA

SHARDS = 3
SHARDING = """

def pytest_addoption(parser):
    parser.addoption("--shard", type=int, default=None)


def pytest_collection_modifyitems(config, items):
    shard = config.getoption("--shard")
    if shard is None:
        return
    keep = [item for i, item in enumerate(items) if i % 3 == shard]
    config.hook.pytest_deselected(items=[item for item in items if item not in keep])
    items[:] = keep
"""


def _init(pytester: pytest.Pytester) -> Path:
    (pytester.path / "tox.ini").unlink(missing_ok=True)
    (pytester.path / "pytest.ini").unlink(missing_ok=True)
    assert cli.main(["init", str(pytester.path)]) == 0
    machine = pytester.path / "features" / "hardware" / "machine.feature"
    text = machine.read_text(encoding="utf-8")
    text = text.replace("at least TBD CPU cores", "at least 1 CPU cores")  # verified
    text = text.replace("at least TBD GiB of memory", "at least 100000 GiB of memory")  # failing
    text = text.replace("at least TBD GiB of free disk space", "at least 0 GiB of free disk space")  # verified
    machine.write_text(text, encoding="utf-8")
    with open(pytester.path / "conftest.py", "a", encoding="utf-8") as handle:
        handle.write(SHARDING)
    return pytester.path


def _report(pytester: pytest.Pytester, name: str, *args: str) -> Path:
    path = pytester.path / name
    pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly", f"--checklist-json={path}", *args)
    data = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA, cls=jsonschema.Draft202012Validator)
    return path


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA, cls=jsonschema.Draft202012Validator)
    return data


def _statuses(data: dict[str, Any]) -> dict[str, tuple[str, str, list[tuple[str, str, str]]]]:
    return {
        r["id"]: (r["status"], r["reason"], [(c["nodeid"], c["status"], c["reason"]) for c in r["cases"]])
        for r in data["requirements"]
    }


@pytest.fixture
def shards(pytester: pytest.Pytester) -> tuple[pytest.Pytester, Path, list[Path]]:
    _init(pytester)
    whole = _report(pytester, "whole.json")
    parts = [_report(pytester, f"shard{n}.json", "--shard", str(n)) for n in range(SHARDS)]
    return pytester, whole, parts


def test_three_shards_merge_to_the_unsharded_checklist(
    shards: tuple[pytest.Pytester, Path, list[Path]], capsys: pytest.CaptureFixture[str]
) -> None:
    pytester, whole, parts = shards
    one = _load(whole)
    assert one["totals"]["verified"] == 2 and one["totals"]["failing"] == 1  # the filled-in values ran
    for part in parts:  # each shard alone is not the checklist
        assert _load(part)["totals"] != one["totals"]
    out = pytester.path / "merged.json"
    md, html, badge = (pytester.path / name for name in ("merged.md", "merged.html", "badge.svg"))
    code = cli.main(
        [
            "merge",
            "-o",
            str(out),
            *map(str, parts),
            "--md",
            str(md),
            "--html",
            str(html),
            "--badge",
            str(badge),
            "--rootdir",
            str(pytester.path),
        ]
    )
    printed = capsys.readouterr()
    assert code == 1, printed  # a requirement fails, as in the unsharded run
    merged = _load(out)
    assert merged["totals"] == one["totals"]
    assert _statuses(merged) == _statuses(one)
    assert merged["complete"] is True
    assert "missing" not in printed.out and "overlapping" not in printed.out
    assert "requirements: " in printed.out
    # The other formats are written from the merged report, with the Gherkin from the files.
    assert f"**{one['totals']['verified']} of {one['totals']['requirements']} requirements verified**" in md.read_text()
    page = html.read_text(encoding="utf-8")
    assert "HW-002" in page and "Given the machine has at least 100000 GiB of memory" in page
    assert f"defined {one['totals']['defined']}/{one['totals']['requirements']}" in badge.read_text()


def test_merging_in_any_order_gives_the_same_checklist(shards: tuple[pytest.Pytester, Path, list[Path]]) -> None:
    _, _, parts = shards
    checklists = [(str(p), from_data(_load(p))) for p in parts]
    forward = merge(checklists).checklist
    backward = merge(list(reversed(checklists))).checklist
    assert forward.totals == backward.totals
    assert [(r.status, r.reason) for r in forward.results] == [(r.status, r.reason) for r in backward.results]


def test_a_missing_shard_is_named(
    shards: tuple[pytest.Pytester, Path, list[Path]], capsys: pytest.CaptureFixture[str]
) -> None:
    pytester, _, parts = shards
    out = pytester.path / "two.json"
    code = cli.main(["merge", "-o", str(out), str(parts[0]), str(parts[1])])
    text = capsys.readouterr().out
    assert code == 1
    assert "missing: " in text and "case(s) no shard ran (did a shard not report?)" in text
    assert _load(out)["totals"]["verified"] + _load(out)["totals"]["failing"] < 3


def test_overlapping_shards_are_named(
    shards: tuple[pytest.Pytester, Path, list[Path]], capsys: pytest.CaptureFixture[str]
) -> None:
    pytester, whole, parts = shards
    code = cli.main(["merge", "-o", str(pytester.path / "o.json"), str(whole), *map(str, parts), "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1  # HW-002 fails
    assert data["missing"] == []
    assert {o["nodeid"] for o in data["overlapping"]} >= {"features/hardware/machine.feature::HW-001"}
    assert all(str(whole) in o["shards"] for o in data["overlapping"])


def test_reports_of_different_feature_sets_are_refused(
    shards: tuple[pytest.Pytester, Path, list[Path]], capsys: pytest.CaptureFixture[str]
) -> None:
    pytester, _, parts = shards
    extra = pytester.path / "features" / "extra.feature"
    extra.write_text("Feature: Extra\n  @EXTRA-001\n  Scenario: more\n    Given the machine has at least TBD GPUs\n")
    other = _report(pytester, "other.json", "--shard", "0")
    out = pytester.path / "refused.json"
    code = cli.main(["merge", "-o", str(out), str(parts[0]), str(other)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{other} covers other feature files than {parts[0]}" in err
    assert "features/extra.feature:3" in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [("{oops", "not JSON"), ('{"schema": 9}', '"schema" is 9'), ("[]", "expected a JSON object")],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    code = cli.main(["merge", "-o", str(tmp_path / "out.json"), str(bad)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"{bad}: ") and expected in err and err.count("\n") == 1


def test_no_report_is_a_usage_error(tmp_path: Path) -> None:
    assert cli.main(["merge", "-o", str(tmp_path / "o.json")]) == 2
    with pytest.raises(MergeError):
        merge([])


@pytest.mark.parametrize(
    "selections",
    [
        [("features/hardware",), ("features/behaviour", "features/performance"), ("features/reliability",)],
        [("-k", "HW"), ("-k", "not HW")],
        [("features/hardware",), ("-k", "not HW")],
    ],
    ids=["by-path", "by-k", "path-and-k"],
)
def test_shards_selected_by_path_or_k_merge_and_keep_the_denominator(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str], selections: list[tuple[str, ...]]
) -> None:
    """A CI that splits by folder (or by -k) gets the whole checklist back; each shard counts every
    requirement of the inventory, those it did not run as "not run"."""
    _init(pytester)
    one = _load(_report(pytester, "whole.json"))
    areas = {r["area"] for r in one["requirements"]}
    if selections[0] == ("features/hardware",) and len(selections) == 3:
        rest = sorted(areas - {"hardware", "behaviour", "performance", "reliability"})
        selections = [*selections, tuple(f"features/{area}" for area in rest)]
    parts = [_report(pytester, f"part{n}.json", *args) for n, args in enumerate(selections)]
    for part in parts:
        data = _load(part)
        assert data["totals"]["requirements"] == one["totals"]["requirements"]
    if selections[0][0].startswith("features/"):
        assert _load(parts[0])["totals"]["not_run"] > 0  # what the path did not reach is counted, not dropped
    out = pytester.path / "merged.json"
    code = cli.main(["merge", "-o", str(out), *map(str, parts), "--rootdir", str(pytester.path)])
    printed = capsys.readouterr()
    assert code == 1, printed  # HW-002 fails, as in the unsharded run
    merged = _load(out)
    assert merged["totals"] == one["totals"]
    assert _statuses(merged) == _statuses(one)
    assert "missing" not in printed.out
