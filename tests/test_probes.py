"""checklist.probes: hardware figures from psutil and the standard library, never guessed."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]
import pytest
from hypothesis import given
from hypothesis import strategies as st

from living_checklist.core import probes

NVIDIA_SMI_L = """\
GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-11111111-2222-3333-4444-555555555555)
  MIG 3g.20gb     Device  0: (UUID: MIG-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee)
GPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-66666666-7777-8888-9999-000000000000)
"""


def test_cpu_cores_is_what_this_process_may_use() -> None:
    cores = probes.cpu_cores()
    assert 1 <= cores <= (os.cpu_count() or cores)
    if hasattr(os, "sched_getaffinity"):
        assert cores == len(os.sched_getaffinity(0))


def test_memory_is_the_machines_total() -> None:
    assert probes.memory_bytes() == psutil.virtual_memory().total > 0


def test_free_disk_space_is_of_the_given_filesystem(tmp_path: Path) -> None:
    free = probes.free_disk_bytes(tmp_path)
    assert 0 <= free <= shutil.disk_usage(tmp_path).total


def test_parse_nvidia_smi_counts_gpus_not_mig_devices() -> None:
    assert probes.parse_nvidia_smi_list(NVIDIA_SMI_L) == 2
    assert probes.parse_nvidia_smi_list("") == 0
    assert probes.parse_nvidia_smi_list("No devices were found\n") == 0


def _fake_run(stdout: str = "", stderr: str = "", returncode: int = 0) -> Any:
    def run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        assert args[1:] == ["-L"] and kwargs["timeout"] > 0
        return subprocess.CompletedProcess(args, returncode, stdout, stderr)

    return run


def test_no_driver_means_zero_gpus_with_the_reason() -> None:
    found = probes.gpu_count(which=lambda name: None)
    assert found == probes.GpuCount(0, "nvidia-smi not found: no NVIDIA driver")


def test_gpus_are_counted_from_nvidia_smi() -> None:
    found = probes.gpu_count(which=lambda name: "/usr/bin/nvidia-smi", run=_fake_run(NVIDIA_SMI_L))
    assert found == probes.GpuCount(2, "nvidia-smi -L")


def test_a_failing_nvidia_smi_means_zero_gpus_with_its_message() -> None:
    run = _fake_run(stderr="NVIDIA-SMI has failed because it couldn't communicate with the driver\n", returncode=9)
    found = probes.gpu_count(which=lambda name: "/usr/bin/nvidia-smi", run=run)
    assert found.count == 0 and "couldn't communicate with the driver" in found.source


def test_a_hanging_nvidia_smi_means_zero_gpus() -> None:
    def hang(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        raise subprocess.TimeoutExpired(args, kwargs["timeout"])

    found = probes.gpu_count(which=lambda name: "/usr/bin/nvidia-smi", run=hang, timeout=3)
    assert found == probes.GpuCount(0, "nvidia-smi -L did not answer within 3 s")


def test_gpu_count_on_this_machine_agrees_with_the_driver_tool() -> None:
    found = probes.gpu_count()
    if shutil.which("nvidia-smi") is None:
        assert found.count == 0 and "not found" in found.source
    else:
        assert found.count >= 0 and found.source.startswith("nvidia-smi")


@pytest.mark.parametrize(
    ("written", "canonical"),
    [("linux", "Linux"), ("Darwin", "macOS"), ("macOS", "macOS"), ("win32", "Windows"), ("Plan9", "Plan9")],
)
def test_canonical_os(written: str, canonical: str) -> None:
    assert probes.canonical_os(written) == canonical


@pytest.mark.parametrize(
    ("written", "canonical"),
    [("amd64", "x86_64"), ("AMD64", "x86_64"), ("x64", "x86_64"), ("arm64", "aarch64"), ("riscv64", "riscv64")],
)
def test_canonical_arch(written: str, canonical: str) -> None:
    assert probes.canonical_arch(written) == canonical


@given(st.text(max_size=20))
def test_canonical_names_are_idempotent(name: str) -> None:
    assert probes.canonical_os(probes.canonical_os(name)) == probes.canonical_os(name)
    assert probes.canonical_arch(probes.canonical_arch(name)) == probes.canonical_arch(name)


def test_this_machine_reports_canonical_names() -> None:
    os_name, arch = probes.os_and_arch()
    assert os_name and arch
    assert (probes.canonical_os(os_name), probes.canonical_arch(arch)) == (os_name, arch)
