"""The bench's comparisons with pytest alone, the peers, a corpus and W100k (targets F1-F4, peers).

Functions of a ``Bench`` (``targets.py``): each adds its jobs (every compared pair next to each
other, so that it runs back to back in each round) or turns the results into verdicts.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from corpus import CORPUS_STEPS, corpus_expected, corpus_features
from harness import Job, Results, Verdict, expect, expect_exit, expect_text, info, ratio, timed, verdict
from workloads import (
    BEHAVE_ARGS,
    BEHAVE_NOTE,
    BEHAVE_STEPS,
    CACHE_WRITE_LOG,
    CACHE_WRITE_PROBE,
    CUCUMBER_JS_ARGS,
    CUCUMBER_JS_NOTE,
    CUCUMBER_JS_STEPS,
    GHERKIN_FLOOR,
    PARAM_INI,
    PROJECT_INI,
    PYTEST,
    PYTEST_CACHED,
    REPORT_OPTIONS,
    SCENARIOS_PER_FILE,
    STATUS,
    STATUS_TITLE,
    TRIVIAL_STEPS,
    Project,
    counter_features,
    label_of,
    param_modules,
)

if TYPE_CHECKING:
    from targets import Bench


def add_comparison_jobs(bench: Bench) -> None:
    """F1-F4 and the peers."""
    s = bench.sizes
    features = counter_features(s.big_files)
    cached: Project | None = None
    if bench.targets & {"F1", "F3", "peers"}:
        cached = add_cached_jobs(bench, features)
    if bench.targets & {"F1", "peers"} and cached is not None:
        add_pytest_alone_jobs(bench, cached)
    if "peers" in bench.targets:
        add_peer_jobs(bench, features, s.big)
    if bench.targets & {"F2", "F3"}:
        add_corpus_jobs(bench)
    if "F4" in bench.targets:
        add_scale_jobs(bench, features)


def add_cached_jobs(bench: Bench, features: dict[str, str]) -> Project:
    """The project whose full run (in the warm-up) wrote the inventory cache; F3's dry runs on it."""
    s = bench.sizes
    big = label_of(s.big)
    n = s.big
    # The full run writes the inventory cache (the untimed warm-up fills it); the dry run reads it.
    cached = bench.project(f"{big}-ours-cached").write(features, ini=PROJECT_INI, conftest=TRIVIAL_STEPS)
    bench.warm_runs.append(
        Job("warm:cached", "ours, fills the cache", cached.root, tuple(PYTEST_CACHED), expect({"passed": n}))
    )
    if "F3" in bench.targets and bench.has_cli:
        # Warm: nothing changed since the last dry run (its warm-up): served from its snapshot.
        # (Twice: a dry run that starts right after something it reads was modified, here the
        # cache folder the full run made, saves no snapshot; the second one does.)
        bench.warm_runs += [Job("warm:status-cached", "status", cached.root, tuple(STATUS), expect_exit(0))] * 2
        bench.add(f"{big}:status:warm", f"{big} {STATUS_TITLE}, warm", cached.root, STATUS, expect_exit(0))
        # The first dry run after a change: no snapshot, the inventory cache of the full run.
        bench.add(
            f"{big}:status:after-run",
            f"{big} {STATUS_TITLE}, warm after a full run only",
            cached.root,
            STATUS,
            expect_exit(0),
            before=cached.forget_snapshot,
        )
        # What any dry run pays before reading a feature file: pytest's start-up in this venv
        # (plugins, configuration, the project's conftest.py), collecting nothing.
        empty = bench.project("startup").write({}, ini=PROJECT_INI, conftest=TRIVIAL_STEPS)
        bench.add(
            "startup",
            "pytest start-up, conftest, no feature file (--collect-only)",
            empty.root,
            [*PYTEST_CACHED, "--collect-only"],
            expect_exit(5),
        )
    return cached


def add_pytest_alone_jobs(bench: Bench, cached: Project) -> None:
    """F1: pytest alone on as many trivial parametrized tests, next to ours with a warm cache."""
    s = bench.sizes
    big = label_of(s.big)
    n = s.big
    param = bench.project(f"{big}-pytest-param").files(
        {"pyproject.toml": PARAM_INI, **{f"tests/{k}": v for k, v in param_modules(s.big_files).items()}}
    )
    bench.warm_runs.append(Job("warm:param", "pytest alone", param.root, tuple(PYTEST_CACHED), expect({"passed": n})))
    bench.add(
        f"{big}:pytest:param",
        f"{big} pytest alone, {n} trivial parametrized tests",
        param.root,
        PYTEST_CACHED,
        expect({"passed": n}),
    )
    bench.add(
        f"{big}:ours:cached",
        f"{big} ours, trivial steps, warm cache",
        cached.root,
        PYTEST_CACHED,
        expect({"passed": n}),
    )


def add_corpus_jobs(bench: Bench) -> None:
    """F2 (reports on the corpus) and F3's corpus dry runs."""
    files = corpus_features()
    corpus = bench.project("corpus").write(files, ini=PROJECT_INI, conftest=CORPUS_STEPS)
    counts = corpus_expected()
    bench.warm_runs.append(Job("warm:corpus", "corpus", corpus.root, tuple(PYTEST_CACHED), expect(counts)))
    if "F3" in bench.targets and bench.has_cli:
        # Cold on a copy (its cache removed before each run); warm where the full runs wrote the cache.
        cold = bench.project("corpus-cold").write(files, ini=PROJECT_INI, conftest=CORPUS_STEPS)
        floor = corpus.root / "gherkin_floor.py"
        floor.write_text(GHERKIN_FLOOR, encoding="utf-8")
        bench.add(
            "corpus:floor",
            "corpus gherkin-official parse+compile",
            corpus.root,
            [sys.executable, str(floor), "features"],
            expect_exit(0),
        )
        bench.add(
            "corpus:status",
            f"corpus {STATUS_TITLE}, cold",
            cold.root,
            STATUS,
            expect_exit(0),
            before=cold.clear_cache,
        )
        # Warm on a copy of its own: the reports of F2's runs land in corpus.root, which is a change.
        warm = bench.project("corpus-warm").write(files, ini=PROJECT_INI, conftest=CORPUS_STEPS)
        bench.warm_runs.append(
            Job("warm:corpus-warm", "corpus, warm copy", warm.root, tuple(PYTEST_CACHED), expect(counts))
        )
        bench.warm_runs += [Job("warm:status-corpus", "status", warm.root, tuple(STATUS), expect_exit(0))] * 2
        bench.add("corpus:status:warm", f"corpus {STATUS_TITLE}, warm", warm.root, STATUS, expect_exit(0))
        bench.add(
            "corpus:status:after-run",
            f"corpus {STATUS_TITLE}, warm after a full run only",
            warm.root,
            STATUS,
            expect_exit(0),
            before=warm.forget_snapshot,
        )
    if "F2" in bench.targets:
        bench.add(
            "corpus:plain",
            "corpus ours, no report",
            corpus.root,
            PYTEST_CACHED,
            expect(counts),
            sample_tree=True,
        )
        options = [opt for opt in REPORT_OPTIONS if opt in help_text(bench, corpus.root)]
        bench.report_options = options
        argv = [*PYTEST_CACHED]
        for option in options:
            argv += [option, str(corpus.root / f"report{REPORT_OPTIONS[option]}")]
        bench.add(
            "corpus:reports",
            f"corpus ours, {len(options)} reports",
            corpus.root,
            argv,
            expect(counts),
            sample_tree=True,
            after=report_sizes(bench, corpus.root, options),
        )


def add_scale_jobs(bench: Bench, features: dict[str, str]) -> None:
    """F4: W100k against W10k and against pytest alone at 100k tests; every step undefined, as the
    issue measured; the first run of a fresh checkout (cache provider on, no cache yet, so the run
    writes the inventory cache, timed by a probe) and, for information, without the cache provider."""
    s = bench.sizes
    files = s.big_files * 10
    huge_n = files * SCENARIOS_PER_FILE
    for count, feature_files in ((s.big, features), (huge_n, None)):
        label = label_of(count)
        project = bench.project(f"{label}-ours-first-run").write(
            feature_files if feature_files is not None else counter_features(files),
            ini=PROJECT_INI,
            conftest=CACHE_WRITE_PROBE,
        )
        bench.add(
            f"{label}:undefined:first",
            f"{label} ours, every step undefined, first run (cache provider on, no cache yet)",
            project.root,
            PYTEST_CACHED,
            expect({"xfailed": count}),
            before=project.clear_cache,
        )
        bench.add(
            f"{label}:undefined:no-cache",
            f"{label} ours, every step undefined, -p no:cacheprovider",
            project.root,
            PYTEST,
            expect({"xfailed": count}),
        )
    param = bench.project(f"{label_of(huge_n)}-pytest-param").files(
        {"pyproject.toml": PARAM_INI, **{f"tests/{k}": v for k, v in param_modules(files).items()}}
    )
    bench.add(
        f"{label_of(huge_n)}:pytest:param",
        f"{label_of(huge_n)} pytest alone, {huge_n} trivial parametrized tests (no cache yet)",
        param.root,
        PYTEST_CACHED,
        expect({"passed": huge_n}),
        before=param.clear_cache,
    )


def cache_write_seconds(root: Path) -> list[float]:
    """What the probe recorded: seconds each run spent writing the inventory cache."""
    per_run: dict[str, float] = {}
    path = root / CACHE_WRITE_LOG
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        pid, seconds = line.split()
        per_run[pid] = per_run.get(pid, 0.0) + float(seconds)
    return list(per_run.values())


def scale_verdicts(bench: Bench, r: Results) -> list[Verdict]:
    big, huge = label_of(bench.sizes.big), label_of(bench.sizes.big * 10)
    out = [
        timed(
            "F4",
            f"{huge} ours, every step undefined, first run / pytest alone, {huge} tests",
            r,
            f"{huge}:undefined:first",
            f"{huge}:pytest:param",
            1.0,
        ),
        timed(
            "F4",
            f"run, every step undefined, first run: {huge} / {big}",
            r,
            f"{huge}:undefined:first",
            f"{big}:undefined:first",
            11,
        ),
        info(
            "F4",
            f"run, every step undefined, -p no:cacheprovider: {huge} / {big}",
            r,
            f"{huge}:undefined:no-cache",
            f"{big}:undefined:no-cache",
        ),
    ]
    writes = cache_write_seconds(bench.workdir / f"{huge}-ours-first-run")
    wall = r.wall(f"{huge}:undefined:first")
    share = statistics.median(writes) / wall if writes and wall else None
    detail = f" [{statistics.median(writes):.2f} s of {wall:.1f} s]" if share is not None and wall else ""
    out.append(verdict("F4", f"{huge} first run: share spent writing the inventory cache{detail}", share, 0.10))
    out.append(verdict("F4", f"peak RSS {huge}, MiB", r.rss(f"{huge}:undefined:first"), 1024))
    return out


def add_peer_jobs(bench: Bench, features: dict[str, str], n: int) -> None:
    """behave and cucumber-js on the same feature files and the same three definitions."""
    big = label_of(n)
    if bench.behave is not None:
        project = bench.project(f"{big}-behave").files(
            {**{f"features/{k}": v for k, v in features.items()}, "features/steps/steps.py": BEHAVE_STEPS}
        )
        warm = bench.project("warm-up-behave").files(
            {"features/area_000.feature": features["area_000.feature"], "features/steps/steps.py": BEHAVE_STEPS}
        )
        bench.warm_runs.append(Job("warm:behave", "behave", warm.root, (*bench.behave, *BEHAVE_ARGS), expect_exit(0)))
        bench.add(
            f"{big}:behave",
            f"{big} behave",
            project.root,
            [*bench.behave, *BEHAVE_ARGS],
            expect_text(f"{n} scenarios passed, 0 failed"),
        )
        bench.add(
            f"{big}:behave:dry",
            f"{big} behave --dry-run",
            project.root,
            [*bench.behave, "--dry-run", *BEHAVE_ARGS],
            expect_text(f"{n} untested"),
        )
    if bench.cucumber_js is not None:
        modules = Path(os.path.realpath(bench.cucumber_js)).parents[3]
        project = bench.project(f"{big}-cucumber-js").files(
            {**{f"features/{k}": v for k, v in features.items()}, "features/steps.js": CUCUMBER_JS_STEPS}
        )
        (project.root / "node_modules").symlink_to(modules, target_is_directory=True)
        bench.add(
            f"{big}:cucumber-js",
            f"{big} cucumber-js",
            project.root,
            [bench.cucumber_js, *CUCUMBER_JS_ARGS],
            expect_text(f"{n} scenarios ({n} passed)"),
        )
        bench.add(
            f"{big}:cucumber-js:dry",
            f"{big} cucumber-js --dry-run",
            project.root,
            [bench.cucumber_js, "--dry-run", *CUCUMBER_JS_ARGS],
            expect_text(f"{n} scenarios ({n} skipped)"),
        )


def help_text(bench: Bench, cwd: Path) -> str:
    done = subprocess.run([*PYTEST, "--help"], cwd=cwd, capture_output=True, text=True, check=False, env=bench.env)
    return done.stdout


def report_sizes(bench: Bench, root: Path, options: Sequence[str]) -> Callable[[int], None]:
    """After a run with every report: note the size of each report file, then remove them."""

    def note(_number: int) -> None:
        for option in options:
            path = root / f"report{REPORT_OPTIONS[option]}"
            if path.exists():
                bench.report_bytes.setdefault(option, []).append(path.stat().st_size)
                path.unlink()

    return note


def comparison_verdicts(bench: Bench, r: Results) -> list[Verdict]:
    s = bench.sizes
    big = label_of(s.big)
    out: list[Verdict] = []
    if "F1" in bench.targets:
        text = f"{big} ours, trivial steps (warm cache) / pytest alone, {s.big} trivial parametrized tests"
        out.append(timed("F1", text, r, f"{big}:ours:cached", f"{big}:pytest:param", 1.1))
        if f"{big}:ours:defined" in r.samples:
            text = f"{big} ours, trivial steps (no cache provider) / pytest alone"
            out.append(info("F1", text, r, f"{big}:ours:defined", f"{big}:pytest:param"))
    if "F2" in bench.targets:
        out += report_verdicts(bench, r)
    if "F3" in bench.targets:
        out += dry_run_verdicts(big, r)
    if "F4" in bench.targets:
        out += scale_verdicts(bench, r)
    if "peers" in bench.targets:
        out += peer_verdicts(bench, r)
    return out


def report_verdicts(bench: Bench, r: Results) -> list[Verdict]:
    """F2: the corpus with every report against without; the reports' sizes."""
    missing = [opt for opt in REPORT_OPTIONS if opt not in bench.report_options]
    text = f"corpus peak RSS with {len(bench.report_options)} reports / without"
    if missing:
        text += f" (not in this version: {', '.join(missing)})"
    out = [verdict("F2", text, ratio(r.rss("corpus:reports"), r.rss("corpus:plain")), 1.25)]
    out.append(info("F2", "corpus wall time with the reports / without", r, "corpus:reports", "corpus:plain"))
    sizes = bench.report_bytes.get("--checklist-json")
    mib = statistics.median(sizes) / 1e6 if sizes else None
    out.append(verdict("F2", "corpus JSON report size, MB", mib, 10.0))
    for option, found in bench.report_bytes.items():
        if option != "--checklist-json":
            text = f"corpus {option} report: {statistics.median(found) / 1e6:.1f} MB"
            out.append(Verdict("F2", text, None, info=True))
    return out


def dry_run_verdicts(big: str, r: Results) -> list[Verdict]:
    """F3: the dry run, cold and warm, against gherkin-official's parse (the floor)."""
    out = [info("F3", f"{big} pytest start-up alone / parse floor", r, "startup", f"{big}:floor")]
    for label in (big, "corpus"):
        out.append(timed("F3", f"{label} dry run, cold / parse floor", r, f"{label}:status", f"{label}:floor", 1.3))
        text = f"{label} dry run, warm / parse floor"
        out.append(timed("F3", text, r, f"{label}:status:warm", f"{label}:floor", 0.5))
        text = f"{label} dry run, warm after a full run only (no snapshot) / parse floor"
        out.append(info("F3", text, r, f"{label}:status:after-run", f"{label}:floor"))
    return out


def peer_verdicts(bench: Bench, r: Results) -> list[Verdict]:
    big = label_of(bench.sizes.big)
    out: list[Verdict] = []
    for peer, key in (("behave", bench.behave), ("cucumber-js", bench.cucumber_js)):
        if key is None:
            note = BEHAVE_NOTE if peer == "behave" else CUCUMBER_JS_NOTE
            out.append(Verdict("peers", f"{peer}: skipped, not installed ({note})", None, info=True))
            continue
        out.append(info("peers", f"{big} ours (warm cache) / {peer}", r, f"{big}:ours:cached", f"{big}:{peer}"))
        for kind, ours in (("cold", f"{big}:status"), ("warm", f"{big}:status:warm")):
            text = f"{big} dry run ours ({kind}) / {peer} --dry-run"
            out.append(info("peers", text, r, ours, f"{big}:{peer}:dry"))
    return out
