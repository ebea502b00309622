"""Live steps for the machine running the checks: CPUs, memory, free disk, GPUs, OS and architecture.

Each step measures with ``checklist.probes`` (psutil and the standard library), records the
figure and the requirement in the case's measurements, and fails with ``measured X, required >= Y``.
``TBD`` keeps a step pending; a value that is not a number is an error naming the file and line.

GPUs: a requirement for at least one GPU on a machine with none (no NVIDIA driver, or
``nvidia-smi -L`` lists none) is *skipped*, not failed: the check does not apply to this run
(skipped means "defined, but not applicable here"). The measured 0 is still recorded. A machine
that has GPUs but fewer than required fails.

PYTEST_DONT_REWRITE: the steps raise their own measured-vs-required messages.
"""

from __future__ import annotations

import pytest
from pytest_bdd import parsers, step

from living_checklist import Pending, check, record
from living_checklist.core import probes
from living_checklist.core.measure import Measurement, parse_value

TBD = "TBD"


def _gib(size: int) -> float:
    return round(size / probes.GIB, 2)


@step(parsers.re(r"the machine has at least (?P<n>\S+) CPU cores"))
def cpu_cores_at_least(n: str, request: pytest.FixtureRequest) -> None:
    """The logical CPUs this process may use (its affinity mask) number at least n."""
    required = parse_value(n, "CPU cores")
    check(request.node, "CPU cores", float(probes.cpu_cores()), "CPU cores", required, ">=")


@step(parsers.re(r"the machine has at least (?P<n>\S+) GiB of memory"))
def memory_at_least(n: str, request: pytest.FixtureRequest) -> None:
    """The machine's total physical memory is at least n GiB (1 GiB = 2**30 bytes)."""
    required = parse_value(n, "memory")
    check(request.node, "memory", _gib(probes.memory_bytes()), "GiB of memory", required, ">=")


@step(parsers.re(r"the machine has at least (?P<n>\S+) GiB of free disk space"))
def free_disk_at_least(n: str, request: pytest.FixtureRequest) -> None:
    """The filesystem holding the rootdir has at least n GiB free for an unprivileged user."""
    required = parse_value(n, "free disk space")
    root = request.config.rootpath
    measured = _gib(probes.free_disk_bytes(root))
    check(request.node, "free disk space", measured, "GiB of free disk space", required, ">=", f"on {root}")


@step(parsers.re(r"the machine has at least (?P<n>\S+) GPUs"))
def gpus_at_least(n: str, request: pytest.FixtureRequest) -> None:
    """``nvidia-smi -L`` lists at least n GPUs; skipped when n >= 1 and the machine has none."""
    required = parse_value(n, "GPUs")
    found = probes.gpu_count()
    if found.count == 0 and required >= 1:
        record(request.node, Measurement("GPUs", 0.0, "GPUs", required, ">="))
        pytest.skip(f"needs at least {required:g} GPUs and this machine has none ({found.source})")
    check(request.node, "GPUs", float(found.count), "GPUs", required, ">=", f"counted by {found.source}")


@step(parsers.re(r"the machine runs (?P<os>.+?) on (?P<arch>\S+)"))
def runs_os_on_arch(os: str, arch: str, request: pytest.FixtureRequest) -> None:
    """The operating system and CPU architecture, e.g. ``Linux on x86_64`` (amd64 = x86_64, arm64 = aarch64)."""
    if TBD in (os.strip(), arch.strip()):
        raise Pending("the operating system or architecture is TBD: write e.g. 'Linux on x86_64'", reason="tbd")
    measured_os, measured_arch = probes.os_and_arch()
    required = f"{probes.canonical_os(os)} on {probes.canonical_arch(arch)}"
    check(request.node, "OS and architecture", f"{measured_os} on {measured_arch}", "", required, "==")
