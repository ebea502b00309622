"""Seeds: the manifest of source documents, its checks, and the trace from requirements to seeds.

A document present on disk is checksummed; one that is absent is not an error. A path that
leaves ``seeds/`` is refused and never read. A malformed manifest is a finding naming
``seeds/manifest.toml:line``, never a traceback.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from living_checklist.core import seeds
from living_checklist.core.inventory import Inventory, discover, load_feature, parse_feature
from living_checklist.core.lint import Finding
from tests.helpers import run_with_report, write_files

ROOT = Path(__file__).resolve().parents[1]
SHARED_SEEDS = ROOT.parent / "shared" / "seeds"

DOC = b"A customer brief: the system answers within 200 ms.\n"
DOC_SHA = hashlib.sha256(DOC).hexdigest()
ZEROS = "0" * 64


def entry(
    seed_id: str = "004",
    file: str = "004.txt",
    sha256: str = DOC_SHA,
    *,
    digest: str = "",
    requirements: str = "[]",
    verdict: str = '"nothing drawn"',
    extra: str = "",
) -> str:
    lines = [
        "[[seed]]",
        f"id = {json.dumps(seed_id)}",
        f"file = {json.dumps(file)}",
        f"sha256 = {json.dumps(sha256)}",
        'kind = "customer brief"',
        'date = "2024-03-01"',
        'title = "A brief"',
    ]
    if digest:
        lines.append(f"digest = {json.dumps(digest)}")
    lines += [f"requirements = {requirements}", f"verdict = {verdict}"]
    if extra:
        lines.append(extra)
    return "\n".join(lines) + "\n"


def manifest(*entries: str) -> str:
    return "# seeds\nschema = 1\n\n" + "\n".join(entries)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "seeds").mkdir()
    return tmp_path


def write_manifest(root: Path, text: str | bytes) -> None:
    path = root / "seeds" / seeds.MANIFEST
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


def load(root: Path, text: str | bytes) -> tuple[list[seeds.SeedState], list[Finding]]:
    write_manifest(root, text)
    return seeds.load(root / "seeds", root)


def where(findings: list[Finding]) -> list[tuple[str, int, str, bool]]:
    return [(f.path, f.line, f.rule, f.fails) for f in findings]


# ---------------------------------------------------------------------------------------------
# Documents on disk


def test_no_manifest_means_no_seeds(root: Path) -> None:
    assert seeds.load(root / "seeds", root) == ([], [])
    assert seeds.load(root / "nowhere", root) == ([], [])


def test_a_present_document_is_verified_and_an_absent_one_is_not_an_error(root: Path) -> None:
    (root / "seeds" / "004.txt").write_bytes(DOC)
    (root / "seeds" / "004.md").write_text("digest\n", encoding="utf-8")
    states, findings = load(root, manifest(entry(digest="004.md"), entry("005", "005.txt", ZEROS)))
    assert findings == []
    assert [(s.seed.id, s.present, s.verified) for s in states] == [("004", True, True), ("005", False, None)]
    first = states[0].seed
    assert (first.file, first.sha256, first.kind, first.date, first.title, first.digest, first.verdict) == (
        "004.txt",
        DOC_SHA,
        "customer brief",
        "2024-03-01",
        "A brief",
        "004.md",
        "nothing drawn",
    )
    assert first.line == 4


def test_a_checksum_mismatch_is_a_failing_finding_at_the_entry(root: Path) -> None:
    (root / "seeds" / "004.txt").write_bytes(DOC + b"changed\n")
    states, findings = load(root, manifest(entry()))
    assert [(s.present, s.verified) for s in states] == [(True, False)]
    assert where(findings) == [("seeds/manifest.toml", 4, "seed-file", True)]
    assert DOC_SHA in findings[0].message and hashlib.sha256(DOC + b"changed\n").hexdigest() in findings[0].message


def test_an_uppercase_checksum_is_the_same_checksum(root: Path) -> None:
    (root / "seeds" / "004.txt").write_bytes(DOC)
    states, findings = load(root, manifest(entry(sha256=DOC_SHA.upper())))
    assert findings == []
    assert states[0].verified is True


def test_a_missing_digest_file_is_named(root: Path) -> None:
    states, findings = load(root, manifest(entry(digest="004.md")))
    assert where(findings) == [("seeds/manifest.toml", 4, "seed-file", True)]
    assert "'004.md' does not exist" in findings[0].message
    assert len(states) == 1


def test_a_path_that_stays_inside_seeds_is_accepted(root: Path) -> None:
    (root / "seeds" / "docs").mkdir()
    (root / "seeds" / "docs" / "004.txt").write_bytes(DOC)
    (root / "seeds" / "004.md").write_text("digest\n", encoding="utf-8")
    os.symlink("docs/004.txt", root / "seeds" / "link.txt")
    states, findings = load(
        root, manifest(entry(file="docs/../docs/004.txt", digest="docs/../004.md"), entry("005", "link.txt"))
    )
    assert findings == []
    assert [(s.present, s.verified) for s in states] == [(True, True), (True, True)]


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Path]]:
    """Every file the code under test opens through pathlib or open(), resolved."""
    opened: list[Path] = []

    def spy(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(self: Path, *args: Any, **kwargs: Any) -> Any:
            opened.append(Path(self).resolve())
            return original(self, *args, **kwargs)

        return wrapper

    for name in ("read_bytes", "read_text", "open"):
        monkeypatch.setattr(Path, name, spy(getattr(Path, name)))
    yield opened


def _outside(root: Path) -> dict[str, str]:
    """Manifest paths that leave seeds/, each to a file whose checksum would verify if it were read."""
    (root / "outside.txt").write_bytes(DOC)
    os.symlink(root / "outside.txt", root / "seeds" / "absolute-link.txt")
    os.symlink("../outside.txt", root / "seeds" / "relative-link.txt")
    os.symlink("..", root / "seeds" / "up")
    return {
        "dotdot": "../outside.txt",
        "absolute": str(root / "outside.txt"),
        "etc-passwd": "/etc/passwd",
        "absolute-link": "absolute-link.txt",
        "relative-link": "relative-link.txt",
        "linked-folder": "up/outside.txt",
    }


@pytest.mark.parametrize(
    "case", ["dotdot", "absolute", "etc-passwd", "absolute-link", "relative-link", "linked-folder"]
)
def test_a_document_outside_seeds_is_refused_and_never_read(root: Path, reads: list[Path], case: str) -> None:
    path = _outside(root)[case]
    (root / "seeds" / "004.md").write_text("digest\n", encoding="utf-8")
    write_manifest(root, manifest(entry(file=path, digest="004.md"), entry("005", "005.txt", ZEROS)))
    reads.clear()
    states, findings = seeds.load(root / "seeds", root)
    assert where(findings) == [("seeds/manifest.toml", 4, "seed-file", True)]
    assert f"file {path!r} points outside the seeds folder; refused" in findings[0].message
    assert [(s.seed.id, s.present, s.verified) for s in states] == [("004", False, None), ("005", False, None)]
    assert set(reads) == {(root / "seeds" / "manifest.toml").resolve()}


@pytest.mark.parametrize(
    "case", ["dotdot", "absolute", "etc-passwd", "absolute-link", "relative-link", "linked-folder"]
)
def test_a_digest_outside_seeds_is_refused_and_never_read(root: Path, reads: list[Path], case: str) -> None:
    path = _outside(root)[case]
    (root / "seeds" / "004.txt").write_bytes(DOC)
    write_manifest(root, manifest(entry(digest=path)))
    reads.clear()
    states, findings = seeds.load(root / "seeds", root)
    assert where(findings) == [("seeds/manifest.toml", 4, "seed-file", True)]
    assert f"digest {path!r} points outside the seeds folder; refused" in findings[0].message
    assert [(s.present, s.verified) for s in states] == [(True, True)]
    assert set(reads) == {(root / "seeds" / "manifest.toml").resolve(), (root / "seeds" / "004.txt").resolve()}


# ---------------------------------------------------------------------------------------------
# Malformed manifests: a finding at manifest.toml:line, the rest still loaded

GOOD = entry("good", "good.txt", ZEROS)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        pytest.param(manifest(GOOD, "[[seed]]\nid = \n"), 15, "cannot be read", id="bad-toml"),
        pytest.param(manifest(GOOD, "[[seed]]\nid = 'x'\nid = 'y'\n"), 16, "cannot be read", id="toml-duplicate-key"),
        pytest.param("schema = 1\nseed = 'x'\n", 1, "expected [[seed]] tables", id="seed-not-a-list"),
        pytest.param("schema = 1\nseed = [1]\n", 1, "must be a table", id="entry-not-a-table"),
        pytest.param(manifest(GOOD, entry(requirements='"X-1"')), 14, "requirements must be a list", id="reqs-str"),
        pytest.param(manifest(GOOD, entry(requirements="[1]")), 14, "requirements must be a list", id="reqs-ints"),
        pytest.param(manifest(GOOD, entry(verdict="3")), 14, "'verdict' must be a string, found int", id="verdict-int"),
        pytest.param(
            manifest(GOOD, entry(extra="title = 3").replace('title = "A brief"\n', "")),
            14,
            "'title' must be a string, found int",
            id="title-int",
        ),
        pytest.param(
            manifest(GOOD, entry().replace('date = "2024-03-01"', "date = 2024-03-01")),
            14,
            "'date' must be a string, found date",
            id="date-unquoted",
        ),
        pytest.param(manifest(GOOD, entry().replace('id = "004"\n', "")), 14, "'id' is missing", id="missing-id"),
        pytest.param(manifest(GOOD, entry(seed_id="  ")), 14, "'id' is missing", id="blank-id"),
        pytest.param(manifest(GOOD, entry(seed_id="Bad Id")), 14, "lowercase letters, digits", id="bad-id"),
        pytest.param(manifest(GOOD, entry().replace('file = "004.txt"\n', "")), 14, "'file' is missing", id="no-file"),
        pytest.param(manifest(GOOD, entry(sha256="abc")), 14, "sha256 must be 64 hex digits", id="short-sha"),
        pytest.param(manifest(GOOD, entry(sha256="g" * 64)), 14, "sha256 must be 64 hex digits", id="non-hex-sha"),
        pytest.param(manifest(GOOD, entry(sha256="")), 14, "'sha256' is missing", id="no-sha"),
        pytest.param(manifest(GOOD, entry("good")), 14, "seed id 'good' appears twice", id="duplicate-id"),
        pytest.param(
            manifest(GOOD, entry(verdict='""')), 14, "neither requirements nor a verdict", id="neither-reqs-nor-verdict"
        ),
        pytest.param(
            manifest(GOOD, entry(verdict='"  "')), 14, "neither requirements nor a verdict", id="blank-verdict"
        ),
    ],
)
def test_a_malformed_manifest_is_a_finding_at_its_line(root: Path, text: str, line: int, message: str) -> None:
    states, findings = load(root, text)
    assert findings, "expected a finding"
    assert all(f.path == "seeds/manifest.toml" and f.fails for f in findings)
    assert (line, True) in [(f.line, message in f.message) for f in findings], [str(f) for f in findings]
    if "cannot be read" not in message and "[[seed]]" not in message and "table" not in message:
        assert "good" in [s.seed.id for s in states]  # the well-formed entry is still there


def test_a_manifest_that_is_not_utf8_is_a_finding(root: Path) -> None:
    states, findings = load(root, manifest(GOOD).encode() + b"\n# caf\xe9\n")
    assert states == []
    assert where(findings) == [("seeds/manifest.toml", 1, "seed-manifest", True)]
    assert "utf-8" in findings[0].message.lower()


def test_entries_after_a_bad_one_are_still_checked(root: Path) -> None:
    (root / "seeds" / "ok.txt").write_bytes(DOC)
    text = manifest(entry("bad", "bad.txt", "nope"), entry("ok", "ok.txt"), entry("bad2", "../x.txt", ZEROS))
    states, findings = load(root, text)
    assert [(s.seed.id, s.verified) for s in states] == [("bad", None), ("ok", True), ("bad2", None)]
    assert [(f.line, f.rule) for f in findings] == [(4, "seed-manifest"), (24, "seed-file")]


def test_a_finding_points_at_its_own_entry_when_the_header_has_a_comment(root: Path) -> None:
    text = manifest(entry("a", "a.txt", "y").replace("[[seed]]", "[[seed]]  # the first"), entry("b", "b.txt", "x"))
    _, findings = load(root, text)
    assert sorted((f.line, f.message) for f in findings) == [
        (4, "seed a: sha256 must be 64 hex digits, found 'y'"),
        (14, "seed b: sha256 must be 64 hex digits, found 'x'"),
    ]


@pytest.mark.parametrize(
    "file",
    [
        pytest.param("nul\u0000byte.txt", id="nul-byte"),
        pytest.param("x" * 300 + ".txt", id="name-too-long"),
        pytest.param("loop.txt", id="symlink-loop"),
    ],
)
@pytest.mark.parametrize("field", ["file", "digest"])
def test_an_unusable_path_is_a_finding_not_a_traceback(root: Path, file: str, field: str) -> None:
    os.symlink("loop.txt", root / "seeds" / "loop.txt")
    (root / "seeds" / "ok.txt").write_bytes(DOC)
    bad = entry(file=file) if field == "file" else entry(file="ok.txt", digest=file)
    states, findings = load(root, manifest(bad, entry("ok", "ok.txt")))
    assert findings and all(f.path == "seeds/manifest.toml" and f.line == 4 and f.fails for f in findings)
    assert ("ok", True) in [(s.seed.id, s.verified) for s in states]


@st.composite
def manifests(draw: st.DrawFn) -> list[tuple[str, str, str, str]]:
    """Entries as (id, file, sha256, verdict), some repeated, bad, absent or outside seeds/."""
    return draw(
        st.lists(
            st.tuples(
                st.sampled_from(["a", "b", "c-1", "Bad", ""]),
                st.sampled_from(["doc.txt", "absent.txt", "../doc.txt", "/etc/passwd", ""]),
                st.sampled_from([DOC_SHA, ZEROS, "abc", ""]),
                st.sampled_from(["why not", ""]),
            ),
            max_size=6,
        )
    )


@given(manifests())
@example([("a", "doc.txt", DOC_SHA, "x"), ("a", "doc.txt", DOC_SHA, "x")])
def test_generated_manifests_give_findings_at_their_entries(entries: list[tuple[str, str, str, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "seeds").mkdir()
        (root / "seeds" / "doc.txt").write_bytes(DOC)
        text = manifest(*(entry(i, f, sha, verdict=json.dumps(v)) for i, f, sha, v in entries))
        states, findings = load(root, text)
    header_lines = [n for n, line in enumerate(text.splitlines(), start=1) if line == "[[seed]]"]
    assert {f.line for f in findings} <= set(header_lines)
    assert all(f.path == "seeds/manifest.toml" and f.fails for f in findings)
    ids = [s.seed.id for s in states]
    assert len(ids) == len(set(ids))
    usable = [i for i, f, _, _ in entries if i and f]
    assert sum("appears twice" in f.message for f in findings) == len(usable) - len(set(usable))
    for state in states:
        inside = not state.seed.file.startswith(("/", ".."))
        assert state.present == (inside and state.seed.file == "doc.txt")
        assert state.verified == ((state.seed.sha256 == DOC_SHA) if state.present else None)
    bad_entries = sum(
        1
        for i, f, sha, v in entries
        if not (i and f and sha) or i == "Bad" or sha == "abc" or not v or f.startswith(("/", ".."))
    )
    clean = bad_entries == 0 and len(usable) == len(set(usable)) and not any(s.verified is False for s in states)
    assert (not findings) == clean


def test_a_manifest_that_is_a_folder_is_a_finding(root: Path) -> None:
    (root / "seeds" / seeds.MANIFEST).mkdir()
    states, findings = seeds.load(root / "seeds", root)
    assert states == []
    assert where(findings) == [("seeds/manifest.toml", 1, "seed-manifest", True)]


# ---------------------------------------------------------------------------------------------
# The trace: manifest requirements and @seed-<id> citations

TRACE_FEATURE = """\
Feature: Traced

  @PERF-2 @seed-004
  Scenario: cites 004
    Given a step

  @seed-004 @seed-005
  Scenario: cites both, no id
    Given a step

  @SEC-1
  Scenario: cites nothing
    Given a step
"""


def test_report_lists_manifest_requirements_then_citations(root: Path) -> None:
    text = manifest(
        entry(requirements='["SEC-1", "PERF-2"]', digest="004.md"), entry("005", "005.txt", ZEROS), entry("006")
    )
    states, _ = load(root, text)
    inventory = Inventory((parse_feature(TRACE_FEATURE, "features/t.feature"),))
    report = seeds.report(states, inventory)
    assert [(s["id"], s["requirements"]) for s in report] == [
        ("004", ["SEC-1", "PERF-2", "features/t.feature:8"]),
        ("005", ["features/t.feature:8"]),
        ("006", []),
    ]
    first = report[0]
    assert first == {
        "id": "004",
        "file": "004.txt",
        "sha256": DOC_SHA,
        "kind": "customer brief",
        "date": "2024-03-01",
        "title": "A brief",
        "digest": "004.md",
        "present": False,
        "verified": None,
        "verdict": "nothing drawn",
        "requirements": ["SEC-1", "PERF-2", "features/t.feature:8"],
    }


# ---------------------------------------------------------------------------------------------
# In a real run

CONFTEST = "# no step definitions: every scenario is pending (undefined)\n"


def project(pytester: pytest.Pytester, files: dict[str, str | bytes]) -> None:
    pytester.makeini(
        "[pytest]\nchecklist_features = features\ntestpaths = features\nfilterwarnings =\n    error\n"
        "checklist_require_ids = true\n"
    )
    pytester.makeconftest(CONFTEST)
    write_files(pytester.path, files)


run = run_with_report


RUN_FEATURE = """\
Feature: Run

  @PERF-1 @seed-004
  Scenario: traced
    Given a step

  @PERF-2
  Scenario: not traced
    Given a step
"""


def test_seeds_in_the_report_and_the_terminal(pytester: pytest.Pytester) -> None:
    text = manifest(entry(requirements='["PERF-9"]', digest="004.md"), entry("005", "005.txt", ZEROS))
    project(
        pytester,
        {
            "features/run.feature": RUN_FEATURE,
            "seeds/manifest.toml": text,
            "seeds/004.txt": DOC,
            "seeds/004.md": "digest\n",
        },
    )
    result, data = run(pytester)
    assert result.ret == pytest.ExitCode.OK
    assert data["errors"] == []
    assert [
        (s["id"], s["sha256"], s["verdict"], s["requirements"], s["present"], s["verified"]) for s in data["seeds"]
    ] == [
        ("004", DOC_SHA, "nothing drawn", ["PERF-9", "PERF-1"], True, True),
        ("005", ZEROS, "nothing drawn", [], False, None),
    ]
    assert {r["id"]: r["seeds"] for r in data["requirements"]} == {"PERF-1": ["004"], "PERF-2": []}
    result.stdout.fnmatch_lines(
        ["seeds: 2 document(s) (1 checksum verified, 1 not on disk); requirements traced to a seed: 1, not traced: 1"]
    )


def test_a_checksum_mismatch_fails_the_run(pytester: pytest.Pytester) -> None:
    project(
        pytester,
        {"features/run.feature": RUN_FEATURE, "seeds/manifest.toml": manifest(entry()), "seeds/004.txt": b"other\n"},
    )
    result, data = run(pytester)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(xfailed=2)
    assert [(e["path"], e["line"], e["kind"], e["severity"]) for e in data["errors"]] == [
        ("seeds/manifest.toml", 4, "seed-file", "error")
    ]
    assert [(s["present"], s["verified"]) for s in data["seeds"]] == [(True, False)]
    result.stdout.fnmatch_lines(["lint: 1 error(s), 0 warning(s)", "  seeds/manifest.toml:4:1: seed 004: sha256 of*"])


def test_paths_outside_seeds_fail_the_run_unread(pytester: pytest.Pytester) -> None:
    (pytester.path / "seeds").mkdir()
    (pytester.path / "outside.txt").write_bytes(DOC)
    os.symlink(pytester.path / "outside.txt", pytester.path / "seeds" / "link.txt")
    text = manifest(
        entry(file="../outside.txt"), entry("005", "/etc/passwd"), entry("006", "link.txt"), entry("007", digest="../x")
    )
    project(pytester, {"features/run.feature": RUN_FEATURE, "seeds/manifest.toml": text})
    result, data = run(pytester)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert [(e["line"], e["kind"]) for e in data["errors"]] == [
        (4, "seed-file"),
        (14, "seed-file"),
        (24, "seed-file"),
        (34, "seed-file"),
    ]
    assert [(s["id"], s["present"], s["verified"]) for s in data["seeds"]] == [
        ("004", False, None),
        ("005", False, None),
        ("006", False, None),
        ("007", False, None),
    ]
    # 007's document (004.txt) is absent; its digest is refused: a finding, and no read of it.
    assert "digest '../x' points outside the seeds folder; refused" in result.stdout.str()
    assert "root:" not in result.stdout.str()  # nothing of /etc/passwd leaks into the output


def test_a_broken_manifest_is_reported_and_everything_else_still_is(pytester: pytest.Pytester) -> None:
    feature = RUN_FEATURE.replace("@PERF-2", "@PERF-1")  # a duplicate id: lint still runs
    project(pytester, {"features/run.feature": feature, "seeds/manifest.toml": "schema = 1\n\n[[seed]\nid = 1\n"})
    result, data = run(pytester)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "Traceback" not in result.stdout.str() and "INTERNALERROR" not in result.stdout.str()
    assert sorted((e["path"], e["line"], e["kind"]) for e in data["errors"]) == [
        ("features/run.feature", 4, "unknown-seed"),
        ("features/run.feature", 8, "duplicate-id"),
        ("seeds/manifest.toml", 3, "seed-manifest"),
    ]
    assert data["seeds"] == []
    assert data["totals"]["requirements"] == 2
    result.stdout.fnmatch_lines(["  seeds/manifest.toml:3:1: seeds manifest cannot be read*"])


def test_an_unusable_manifest_path_is_not_an_internal_error(pytester: pytest.Pytester) -> None:
    project(pytester, {"features/run.feature": RUN_FEATURE, "seeds/manifest.toml": manifest(entry(file="a\u0000b"))})
    result = pytester.runpytest("-p", "no:cacheprovider")
    output = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in output and "INTERNALERROR" not in output, output[-1500:]
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["  seeds/manifest.toml:4:1: *"])


# ---------------------------------------------------------------------------------------------
# The project's own seeds


def test_the_projects_manifest_loads_cleanly() -> None:
    states, findings = seeds.load(ROOT / "seeds", ROOT)
    assert findings == []
    assert [s.seed.id for s in states] == ["000", "003"]
    for state in states:
        seed = state.seed
        assert seed.requirements == ()
        assert seed.verdict.strip()
        assert seed.digest and (ROOT / "seeds" / seed.digest).is_file()


@pytest.mark.skipif(not SHARED_SEEDS.is_dir(), reason=f"the source documents are not at {SHARED_SEEDS}")
def test_the_projects_source_documents_verify(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    states, _ = seeds.load(tmp_path / "seeds", tmp_path)
    for state in states:
        shutil.copyfile(SHARED_SEEDS / state.seed.file, tmp_path / "seeds" / state.seed.file)
    states, findings = seeds.load(tmp_path / "seeds", tmp_path)
    assert findings == []
    assert [(s.seed.id, s.present, s.verified) for s in states] == [("000", True, True), ("003", True, True)]


def test_no_feature_of_the_project_cites_a_seed() -> None:
    paths = discover(ROOT / "features")
    assert paths
    requirements = [req for path in paths for req in load_feature(path, ROOT, "features").requirements]
    assert requirements
    assert [req.id for req in requirements if req.seeds] == []
