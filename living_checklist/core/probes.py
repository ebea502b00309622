"""Measure the machine running the checks: CPUs, memory, free disk, GPUs, OS and architecture.

Pure functions over psutil and the standard library; the hardware steps only compare their
results with the requirement. Nothing here guesses: a figure that cannot be measured is 0 with
the reason in ``source`` (GPUs), never an assumed value.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil  # type: ignore[import-untyped]

__all__ = [
    "GIB",
    "GpuCount",
    "canonical_arch",
    "canonical_os",
    "cpu_cores",
    "free_disk_bytes",
    "gpu_count",
    "memory_bytes",
    "os_and_arch",
    "parse_nvidia_smi_list",
]

GIB = 1 << 30
NVIDIA_SMI_TIMEOUT = 15.0  # seconds; the first call after boot can be slow while the driver loads

_OS_NAMES = {
    "linux": "Linux",
    "darwin": "macOS",
    "macos": "macOS",
    "mac": "macOS",
    "osx": "macOS",
    "windows": "Windows",
    "win32": "Windows",
    "freebsd": "FreeBSD",
}
_ARCH_NAMES = {
    "x86_64": "x86_64",
    "amd64": "x86_64",
    "x64": "x86_64",
    "x86-64": "x86_64",
    "aarch64": "aarch64",
    "arm64": "aarch64",
    "armv8": "aarch64",
    "i386": "x86",
    "i686": "x86",
    "x86": "x86",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
    "riscv64": "riscv64",
}


@dataclass(frozen=True)
class GpuCount:
    """GPUs the NVIDIA driver lists, and how we know (``nvidia-smi -L``, or why there is no answer)."""

    count: int
    source: str


def cpu_cores() -> int:
    """Logical CPUs this process may run on (its affinity mask where the OS has one, else all)."""
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        return len(affinity(0))
    count = psutil.cpu_count(logical=True) or os.cpu_count()
    return int(count or 0)


def memory_bytes() -> int:
    """Total physical memory of the machine, in bytes."""
    return int(psutil.virtual_memory().total)


def free_disk_bytes(path: str | Path) -> int:
    """Bytes an unprivileged user can still write on the filesystem holding ``path``."""
    return int(shutil.disk_usage(path).free)


def parse_nvidia_smi_list(text: str) -> int:
    """Number of ``GPU <i>: <name> (UUID: ...)`` lines in the output of ``nvidia-smi -L``.

    MIG devices are listed indented under their GPU and are not counted separately.
    """
    return sum(1 for line in text.splitlines() if line.startswith("GPU ") and ":" in line)


Runner = Callable[..., "subprocess.CompletedProcess[str]"]


def gpu_count(
    which: Callable[[str], str | None] = shutil.which,
    run: Runner = subprocess.run,
    timeout: float = NVIDIA_SMI_TIMEOUT,
) -> GpuCount:
    """GPUs listed by ``nvidia-smi -L``; 0 when the tool is absent or fails, with the reason."""
    tool = which("nvidia-smi")
    if tool is None:
        return GpuCount(0, "nvidia-smi not found: no NVIDIA driver")
    try:
        done = run([tool, "-L"], capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return GpuCount(0, f"nvidia-smi -L did not answer within {timeout:g} s")
    except OSError as exc:
        return GpuCount(0, f"nvidia-smi -L could not run: {exc.strerror or exc}")
    if done.returncode != 0:
        return GpuCount(0, f"nvidia-smi -L failed: {_why_failed(done)}")
    return GpuCount(parse_nvidia_smi_list(done.stdout), "nvidia-smi -L")


def _why_failed(done: subprocess.CompletedProcess[str]) -> str:
    """The first line the failed tool wrote (its errors, else its output), else its exit status."""
    detail = (done.stderr or done.stdout or "").strip().splitlines()
    return detail[0] if detail else f"exit status {done.returncode}"


def canonical_os(name: str) -> str:
    """``Linux``, ``macOS``, ``Windows``, ... for the spellings people and ``platform.system()`` use."""
    key = name.strip()
    return _OS_NAMES.get(key.lower(), key)


def canonical_arch(name: str) -> str:
    """``x86_64`` for amd64/x64, ``aarch64`` for arm64, ...; unknown names are kept as written."""
    key = name.strip()
    return _ARCH_NAMES.get(key.lower(), key)


def os_and_arch() -> tuple[str, str]:
    """This machine's operating system and CPU architecture, canonical names."""
    return canonical_os(platform.system()), canonical_arch(platform.machine())
