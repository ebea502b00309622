"""The bench's command line: options, the run of every selected target, the table and the verdicts."""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from harness import Job, Results, Verdict, clean_env, run_rounds, warm_up
from targets import Bench
from workloads import ALL_TARGETS, DEFAULT_TARGETS, FULL, QUICK

# ---------------------------------------------------------------------------------------------
# Output


def versions() -> str:
    names = ("pytest", "pytest-bdd", "pytest-xdist", "gherkin-official", "living-checklist")
    found = []
    for name in names:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def source_state() -> str:
    """The commit the checklist was measured at, and whether its package had uncommitted changes."""
    repo = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)
        except OSError:
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--", "living_checklist")
    return f"checklist at commit {head}" + (" plus uncommitted changes in living_checklist/" if changed else "")


def machine() -> str:
    return (
        f"{platform.system()} {platform.release()} {platform.machine()}, nproc {os.cpu_count()}, "
        f"Python {platform.python_version()}"
    )


def print_table(jobs: Sequence[Job], r: Results) -> None:
    print()
    print(f"{'median wall':>12} {'min..max':>15} {'CPU':>8} {'peak RSS':>10} {'tree RSS':>9}  run")
    for job in jobs:
        runs = r.samples.get(job.key, [])
        if not runs:
            continue
        walls = [s.wall for s in runs]
        tree = r.tree(job.key)
        tree_text = f"{tree:6.0f} MiB" if tree is not None else ""
        print(
            f"{r.wall(job.key):10.2f} s {min(walls):6.2f}..{max(walls):6.2f} s {r.cpu(job.key):6.2f} s "
            f"{r.rss(job.key):6.0f} MiB "
            f"{tree_text:>9}  {job.title}"
        )


def print_verdicts(verdicts: Sequence[Verdict]) -> bool:
    print()
    all_ok = True
    for v in verdicts:
        mark = "info" if v.info else "PASS" if v.ok else "n/a " if v.ok is None else "FAIL"
        all_ok = all_ok and v.ok is not False
        print(f"[{mark}] target {v.target}: {v.text}")
    return all_ok


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    description = "Benchmarks: the checklist against bare pytest-bdd, pytest alone and its peers, side by side."
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rounds", type=int, default=3, help="rounds per measured command (default 3)")
    parser.add_argument("--quick", action="store_true", help="W1k-size workloads (about 1.5 minutes)")
    parser.add_argument(
        "--targets",
        default=",".join(DEFAULT_TARGETS),
        help=f"comma-separated targets to measure, of {','.join(ALL_TARGETS)} (default {','.join(DEFAULT_TARGETS)}; "
        "F4 runs W100k, several minutes a round)",
    )
    parser.add_argument("--w100k", action="store_true", help="also measure F4 (W100k: 1,000 files x 100 scenarios)")
    parser.add_argument("--behave", metavar="CMD", default=None, help="how to run behave (default: found by itself)")
    parser.add_argument(
        "--cucumber-js", metavar="PATH", default=None, help="the cucumber-js executable (default: found by itself)"
    )
    parser.add_argument(
        "--work-scenarios", type=int, default=None, help="target 5: size of the working suite (default 1000; quick 300)"
    )
    parser.add_argument("--burn", action="store_true", help="target 5: steps burn 5 ms of CPU instead of sleeping")
    parser.add_argument(
        "--bare-undefined", action="store_true", help="also time bare pytest-bdd with every step undefined (slow)"
    )
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="inherit the environment's bytecode setting (PYTHONDONTWRITEBYTECODE=1 makes every run recompile)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated projects and print where")
    parser.add_argument(
        "--live",
        action="store_true",
        help="also print the rows of bench/live_system.py and bench/live_load.py (skipped with a note when absent)",
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="print every run as it finishes")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.work_scenarios is not None and args.work_scenarios < 50:
        parser.error("--work-scenarios must be at least 50 (every status must occur)")
    args.target_set = {t.strip() for t in args.targets.split(",") if t.strip()}
    if args.w100k:
        args.target_set.add("F4")
    unknown = args.target_set - set(ALL_TARGETS)
    if unknown:
        parser.error(
            f"--targets takes {','.join(ALL_TARGETS)} separated by commas; unknown: {', '.join(sorted(unknown))}"
        )
    return args


LIVE_MODULES = ("live_system", "live_load")


def live_rows() -> list[Verdict]:
    """The rows of the live benchmarks (standalone modules next to this one), when present.

    Each module exposes ``rows()`` (returning ``(target, text, ok)`` triples or ``Verdict``s, ok None
    for an information row) or else ``main()`` (run with its own default options; it prints its
    own rows, and its exit status is one row here).
    """
    out: list[Verdict] = []
    for name in LIVE_MODULES:
        if importlib.util.find_spec(name) is None:
            out.append(Verdict("live", f"{name}: skipped, bench/{name}.py is not there", None, info=True))
            continue
        module = importlib.import_module(name)
        if hasattr(module, "rows"):
            for row in module.rows():
                out.append(row if isinstance(row, Verdict) else Verdict(row[0], row[1], row[2], info=row[2] is None))
        elif hasattr(module, "main"):
            print(f"\n{name}:", flush=True)
            code = _run_main(module, name)
            out.append(Verdict("live", f"{name}: exit status {code}", code in (0, None)))
        else:
            out.append(Verdict("live", f"{name}: neither rows() nor main()", False))
    return out


def _run_main(module: Any, name: str) -> object:
    """``module.main()`` with its own defaults: it parses ``sys.argv``, which holds the bench's options."""
    saved = sys.argv
    sys.argv = [f"bench/{name}.py"]
    try:
        return module.main()
    except SystemExit as exc:
        return exc.code
    finally:
        sys.argv = saved


def find_behave(given: str | None) -> list[str] | None:
    """behave in this environment (``python -m behave``), else on PATH; None when it is not installed."""
    if given:
        return given.split()
    if importlib.util.find_spec("behave") is not None:
        return [sys.executable, "-m", "behave"]
    found = shutil.which("behave")
    return [found] if found else None


def find_cucumber_js(given: str | None) -> str | None:
    """cucumber-js from bench/.peers (see README), else on PATH; None when it is not installed."""
    if given:
        return given
    local = Path(__file__).resolve().parent / ".peers" / "node_modules" / ".bin" / "cucumber-js"
    if local.exists():
        return str(local)
    return shutil.which("cucumber-js")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.work_scenarios is not None:
        sizes = dataclasses.replace(sizes, work_scenarios=args.work_scenarios)
    workdir = Path(tempfile.mkdtemp(prefix="checklist-bench-"))
    try:
        env = clean_env(None if args.no_bytecode_cache else workdir / "pycache")
        peers = "peers" in args.target_set
        bench = Bench(
            sizes,
            workdir,
            args.target_set,
            args.burn,
            args.bare_undefined,
            env=env,
            behave=find_behave(args.behave) if peers else None,
            cucumber_js=find_cucumber_js(args.cucumber_js) if peers else None,
        )
        jobs = bench.build()
        command = " ".join(["python", "bench/run.py", *(argv if argv is not None else sys.argv[1:])])
        print(f"$ {command}")
        print(f"{time.strftime('%Y-%m-%d %H:%M %Z')}; {machine()}; load average {os.getloadavg()[0]:.2f}")
        print(versions())
        print(source_state())
        if not bench.has_cli and args.target_set & {2, 3}:
            print("python -m living_checklist status: n/a (living_checklist/__main__.py not present)")
        print(f"workloads in {workdir}; {len(jobs)} commands x {args.rounds} rounds")
        started = time.perf_counter()
        cache = "off (as inherited)" if args.no_bytecode_cache else "private cache, warmed by an untimed warm-up"
        print(
            f"bytecode: {cache}; PYTHONDONTWRITEBYTECODE in the caller's environment: "
            f"{os.environ.get('PYTHONDONTWRITEBYTECODE', 'unset')}"
        )
        print("warm-up", flush=True)
        setup_problems = warm_up(bench.warm_up_jobs(), env)
        results = run_rounds(jobs, args.rounds, env, args.verbose)
        results.problems[:0] = setup_problems
        print_table(jobs, results)
        verdicts = bench.verdicts(results)
        if args.live:
            verdicts += live_rows()
        ok = print_verdicts(verdicts)
        for problem in results.problems:
            print(f"problem: {problem}")
        print(f"\nbench took {time.perf_counter() - started:.0f} s; load average now {os.getloadavg()[0]:.2f}")
        return 0 if ok and not results.problems else 1
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
