"""What this machine can do, checked before a step starts: counts and durations a step may ask for.

A count beyond a ceiling is refused as an ``error`` naming the value, the ceiling and why, before
anything starts; a step never waits for threads or processes the machine cannot give it.
"""

from __future__ import annotations

import os
import resource

MAX_RUNS = 1_000_000  # runs of a series, arbitrary inputs, requests of a load
MAX_SECONDS = 7 * 24 * 3600.0  # a duration a step may ask for (a soak, a load for x s, a hang limit)
MAX_CONCURRENT = 4096  # copies at the same time, clients of a load


def _soft(limit: int) -> int | None:
    try:
        soft, _ = resource.getrlimit(limit)
    except (OSError, ValueError):
        return None
    return None if soft == resource.RLIM_INFINITY else int(soft)


def concurrency_ceiling() -> tuple[int, str]:
    """How many processes or threads a step may start at the same time here, and what sets it.

    Each concurrent copy or client holds a process or thread and a few descriptors: the ceiling is the
    lowest of the fixed cap, the open-file limit (4 descriptors each) and the process limit, less what
    this process already uses.
    """
    ceilings = [(MAX_CONCURRENT, f"the harness's cap of {MAX_CONCURRENT}")]
    files = _soft(resource.RLIMIT_NOFILE)
    if files is not None:
        ceilings.append((max(1, (files - 64) // 4), f"the open-file limit (ulimit -n {files}, 4 per copy)"))
    procs = _soft(resource.RLIMIT_NPROC)
    if procs is not None:
        used = _threads_in_use()
        ceilings.append((max(1, procs - used - 16), f"the process limit (ulimit -u {procs}, {used} in use)"))
    return min(ceilings)


def _threads_in_use() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 1


def count_problem(value: int, what: str, ceiling: int, why: str) -> str | None:
    """The message for a count over its ceiling, or None when it fits."""
    if value <= ceiling:
        return None
    return f"{what}: {value} is more than this machine can run ({ceiling}, {why}); lower it"
