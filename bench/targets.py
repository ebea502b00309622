"""The bench's targets: which jobs each target adds and the verdicts it draws (``Bench``).

Targets 1-5 are the first round's; F1-F4 and the peers are in ``comparisons.py``. A verdict is a
ratio of medians of the same run; target 5's speed-up is printed for information only.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from comparisons import add_comparison_jobs, comparison_verdicts
from harness import Job, Results, Sample, Verdict, expect, expect_exit, info, ratio, report_statuses, timed, verdict
from workloads import (
    BARE_INI,
    GHERKIN_FLOOR,
    LOOKUP_DISTINCT_STEPS,
    LOOKUP_DISTINCT_STRING_STEPS,
    LOOKUP_ONE_SHARED_STEP,
    LOOKUP_TITLES,
    NO_CHECKLIST,
    PROJECT_INI,
    PYTEST,
    SCENARIOS_PER_FILE,
    STATUS,
    STATUS_TITLE,
    STEP_WORK_MS,
    TRIVIAL_STEPS,
    WORK_STEPS,
    Project,
    Sizes,
    counter_features,
    label_of,
    lookup_features,
    work_expected,
    work_features,
)


class Bench:
    def __init__(
        self,
        sizes: Sizes,
        workdir: Path,
        targets: set[str],
        burn: bool,
        bare_undefined: bool,
        *,
        env: dict[str, str],
        behave: list[str] | None = None,
        cucumber_js: str | None = None,
    ) -> None:
        self.sizes = sizes
        self.workdir = workdir
        self.targets = targets
        self.burn = burn
        self.bare_undefined = bare_undefined
        self.has_cli = importlib.util.find_spec("living_checklist.__main__") is not None
        self.jobs: list[Job] = []
        self.warm_runs: list[Job] = []  # untimed runs before the rounds (fill caches)
        self.behave = behave
        self.cucumber_js = cucumber_js
        self.env = env
        self.report_options: list[str] = []
        self.report_bytes: dict[str, list[int]] = {}

    # -- building the jobs ----------------------------------------------------------------

    def project(self, name: str) -> Project:
        return Project(self.workdir / name)

    def build(self) -> list[Job]:
        if self.targets & {"1", "2", "3", "F3"}:
            self.add_growth_jobs()
        if "4" in self.targets:
            self.add_lookup_jobs()
        if "5" in self.targets:
            self.add_parallel_jobs()
        add_comparison_jobs(self)
        return self.jobs

    def add_growth_jobs(self) -> None:
        """Targets 1-3 (and F3's W10k floor and cold dry run): W10k and W1k, ours and bare pytest-bdd."""
        s = self.sizes
        big, small = label_of(s.big), label_of(s.small)
        for files, label in ((s.big_files, big), (s.small_files, small)):
            if label == small and "3" not in self.targets:
                continue  # the small workload only serves the growth ratios
            n = files * SCENARIOS_PER_FILE
            features = counter_features(files)
            undefined = self.project(f"{label}-ours-undefined").write(features, ini=PROJECT_INI, conftest=None)
            if self.targets & {"1", "3"}:
                self.add(
                    f"{label}:ours:undefined",
                    f"{label} ours, every step undefined",
                    undefined.root,
                    PYTEST,
                    expect({"xfailed": n}),
                )
            if self.targets & {"2", "3", "F3"}:
                floor = undefined.root / "gherkin_floor.py"
                floor.write_text(GHERKIN_FLOOR, encoding="utf-8")
                self.add(
                    f"{label}:floor",
                    f"{label} gherkin-official parse+compile",
                    undefined.root,
                    [sys.executable, str(floor), "features"],
                    expect_exit(0),
                )
                if self.has_cli:
                    # Cold: pytest's cache folder (and the inventory cache in it) is removed first.
                    self.add(
                        f"{label}:status",
                        f"{label} {STATUS_TITLE}, cold",
                        undefined.root,
                        STATUS,
                        expect_exit(0),
                        before=undefined.clear_cache,
                    )
            if label == big and self.targets & {"1", "3"}:
                bare = self.project(f"{label}-bare-defined").write(
                    features, ini=BARE_INI, conftest=TRIVIAL_STEPS, test_module=True
                )
                self.add(
                    f"{label}:bare:defined",
                    f"{label} bare pytest-bdd, trivial steps",
                    bare.root,
                    [*PYTEST, *NO_CHECKLIST],
                    expect({"passed": n}),
                )
                if self.bare_undefined:
                    bare_u = self.project(f"{label}-bare-undefined").write(
                        features, ini=BARE_INI, conftest=None, test_module=True
                    )
                    self.add(
                        f"{label}:bare:undefined",
                        f"{label} bare pytest-bdd, every step undefined",
                        bare_u.root,
                        [*PYTEST, *NO_CHECKLIST],
                        expect({"failed": n}, (1,)),
                    )
            if "3" in self.targets:
                defined = self.project(f"{label}-ours-defined").write(features, ini=PROJECT_INI, conftest=TRIVIAL_STEPS)
                self.add(
                    f"{label}:ours:defined",
                    f"{label} ours, trivial steps",
                    defined.root,
                    PYTEST,
                    expect({"passed": n}),
                )

    def add_lookup_jobs(self) -> None:
        """Target 4: one step definition per scenario against one shared definition."""
        s = self.sizes
        n = s.lookup_scenarios
        features = lookup_features(n)
        variants = {
            "distinct": LOOKUP_DISTINCT_STEPS.format(count=n),
            "distinct-string": LOOKUP_DISTINCT_STRING_STEPS.format(count=n),
            "shared": LOOKUP_ONE_SHARED_STEP,
        }
        for side, kinds in (("ours", variants), ("bare", ("distinct", "shared"))):
            is_bare = side == "bare"
            for kind in kinds:
                project = self.project(f"lookup-{side}-{kind}").write(
                    features, ini=BARE_INI if is_bare else PROJECT_INI, conftest=variants[kind], test_module=is_bare
                )
                self.add(
                    f"lookup:{side}:{kind}",
                    f"{n} scenarios, {side}, {LOOKUP_TITLES[kind]}",
                    project.root,
                    [*PYTEST, *NO_CHECKLIST] if is_bare else PYTEST,
                    expect({"passed": n}),
                )

    def add_parallel_jobs(self) -> None:
        """Target 5: the working suite serially and with -n 2 (the JSON reports are compared)."""
        s = self.sizes
        n = s.work_scenarios
        project = self.project("work").write(
            work_features(n, int(STEP_WORK_MS)), ini=PROJECT_INI, conftest=WORK_STEPS.format(burn=self.burn)
        )
        counts = work_expected(n)
        for key, extra in (("serial", []), ("n2", ["-n", "2"])):
            report = project.root / f"report-{key}.json"
            self.add(
                f"work:{key}",
                f"{n} working scenarios, {'-n 2' if key == 'n2' else 'serial'}",
                project.root,
                [*PYTEST, *extra, f"--checklist-json={report}"],
                expect(counts, (1,)),
                sample_tree=True,
                after=self.keep_report(key),
            )

    def warm_up_jobs(self) -> list[Job]:
        """One tiny run of every kind of command, on a suite with every status, before the rounds."""
        work = self.project("warm-up").write(
            work_features(50, 1), ini=PROJECT_INI, conftest=WORK_STEPS.format(burn=False)
        )
        bare = self.project("warm-up-bare").write(
            counter_features(1), ini=BARE_INI, conftest=TRIVIAL_STEPS, test_module=True
        )
        floor = work.root / "gherkin_floor.py"
        floor.write_text(GHERKIN_FLOOR, encoding="utf-8")
        report = str(work.root / "report.json")
        jobs = [
            Job(
                "warm:serial",
                "ours",
                work.root,
                (*PYTEST, f"--checklist-json={report}"),
                expect(work_expected(50), (1,)),
            ),
            Job("warm:n2", "ours -n 2", work.root, (*PYTEST, "-n", "2", f"--checklist-json={report}"), expect_exit(1)),
            Job("warm:bare", "bare", bare.root, (*PYTEST, *NO_CHECKLIST), expect({"passed": SCENARIOS_PER_FILE})),
            # Proves that the bare side really runs without our plugin: the same feature files collect nothing.
            Job(
                "warm:no-checklist",
                "-p no:living_checklist collects no .feature file",
                work.root,
                (*PYTEST, *NO_CHECKLIST, "--collect-only", "features"),
                expect_exit(5),
            ),
            Job("warm:floor", "floor", work.root, (sys.executable, str(floor), "features"), expect_exit(0)),
        ]
        if self.has_cli:
            jobs.append(Job("warm:status", "status", work.root, tuple(STATUS), expect_exit(0, 1)))
        return jobs + self.warm_runs

    def add(
        self,
        key: str,
        title: str,
        cwd: Path,
        argv: Sequence[str],
        check: Callable[[Sample], str | None],
        sample_tree: bool = False,
        after: Callable[[int], None] | None = None,
        before: Callable[[int], None] | None = None,
    ) -> None:
        self.jobs.append(Job(key, title, cwd, tuple(argv), check, sample_tree, after, before))

    def keep_report(self, key: str) -> Callable[[int], None]:
        """After a run of the working suite: keep its JSON report under the round's number."""

        def keep(number: int) -> None:
            report = self.workdir / "work" / f"report-{key}.json"
            if report.exists():
                report.replace(report.with_name(f"report-{key}-{number}.json"))

        return keep

    def compare_reports(self, rounds: int) -> tuple[bool, str]:
        """Serial and -n 2 reports of the same round must agree on every status, reason and message."""
        root = self.workdir / "work"
        problems = []
        for number in range(rounds):
            serial, parallel = (root / f"report-{key}-{number}.json" for key in ("serial", "n2"))
            if not serial.exists() or not parallel.exists():
                problems.append(f"round {number + 1}: a JSON report is missing")
                continue
            a, b = report_statuses(serial), report_statuses(parallel)
            if a != b:
                problems.append(f"round {number + 1}: they differ in {', '.join(k for k in a if a[k] != b[k])}")
        if not rounds:
            return False, "not run"
        return not problems, "; ".join(problems) or f"identical in {rounds} of {rounds} rounds"

    # -- verdicts --------------------------------------------------------------------------

    def verdicts(self, r: Results) -> list[Verdict]:
        s = self.sizes
        big, small = label_of(s.big), label_of(s.small)
        out: list[Verdict] = []
        if "1" in self.targets:
            text = f"{big} ours all-undefined / bare pytest-bdd trivial-defined"
            out.append(timed("1", text, r, f"{big}:ours:undefined", f"{big}:bare:defined", 0.6))
        if "2" in self.targets:
            text = f"{big} `python -m living_checklist status` / gherkin-official parse floor"
            out.append(timed("2", text, r, f"{big}:status", f"{big}:floor", 2.0))
        if "3" in self.targets:
            for key, text in (("ours:undefined", "run, all undefined"), ("ours:defined", "run, trivial steps")):
                out.append(timed("3", f"{text}: {big} / {small}", r, f"{big}:{key}", f"{small}:{key}", 11))
            out.append(timed("3", f"dry run: {big} / {small}", r, f"{big}:status", f"{small}:status", 11))
            bare_rss = r.rss(f"{big}:bare:defined")
            for kind in ("undefined", "defined"):
                text = f"peak RSS {big} ours ({kind}) / bare pytest-bdd (trivial steps)"
                out.append(verdict("3", text, ratio(r.rss(f"{big}:ours:{kind}"), bare_rss), 1.0))
        if "4" in self.targets:
            for kind in ("distinct", "distinct-string"):
                text = f"ours, {s.lookup_scenarios} {kind} definitions / one shared"
                out.append(timed("4", text, r, f"lookup:ours:{kind}", "lookup:ours:shared", 1.3))
            text = "bare pytest-bdd distinct / ours distinct"
            out.append(timed("4", text, r, "lookup:bare:distinct", "lookup:ours:distinct", 3.0, at_least=True))
        if "5" in self.targets:
            text = f"{s.work_scenarios} working scenarios: serial / -n 2"
            # Information only: with steps that sleep, the ratio measures the CPU's speed against a
            # fixed sleep (the fixed costs are paid by three processes) more than this harness.
            out.append(info("5", text, r, "work:serial", "work:n2"))
            same, detail = self.compare_reports(len(r.samples.get("work:n2", [])))
            out.append(Verdict("5", f"JSON report serial vs -n 2 (statuses, reasons, messages): {detail}", same))
        return out + comparison_verdicts(self, r)
