"""Benchmarks: the checklist against bare pytest-bdd, pytest alone and its peers, side by side.

Usage (from the repository root, inside the project's virtualenv):

    python bench/run.py                 # full sizes, 3 rounds (5-8 minutes on 2 cores, more when busy)
    python bench/run.py --quick         # W1k-size workloads, about 1-2 minutes
    python bench/run.py --rounds 5 --targets 1,4

Every workload is generated into a fresh temporary folder (one small project per side). Each round
runs every measured command once, alternating the order between rounds so that drift on a shared
machine hits both sides alike. Times are wall-clock medians over the rounds; every target is a
ratio of medians taken in the same run, so machines of different speed give comparable verdicts.
Peak memory is ``ru_maxrss`` of the pytest process from ``os.wait4``; for ``-n 2`` that is the
largest single process of the tree (controller or a worker), and the summed RSS of the whole tree
is sampled every 50 ms as well.

Stdlib only, plus ``psutil`` (a dependency of the project) for the process-tree sample.

The modules next to this one: ``workloads`` (what is generated and run), ``harness`` (timing,
rounds, medians, ratios), ``targets`` and ``comparisons`` (the jobs of each target and their
verdicts), ``cli`` (options and output).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cli import main  # noqa: E402 - the bench's own modules are found through the path set above

if __name__ == "__main__":
    sys.exit(main())
