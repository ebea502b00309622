"""Where the checks ran: the system under test, the machine, the software, the commit.

Every report carries this (JSON ``environment``, a Markdown and an HTML section), because a
measured figure means little without the machine and the versions it was measured with. Pure
gathering over the standard library and ``probes``; nothing here fails a run: what cannot be
found out is ``None``.
"""

from __future__ import annotations

import platform
import subprocess
import sys
from collections.abc import Callable, Mapping
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from living_checklist.core import probes
from living_checklist.core.keys import TBD
from living_checklist.core.redact import redact_argv, redact_text, redact_url

if TYPE_CHECKING:
    from living_checklist.run.settings import Settings

GIT_TIMEOUT = 5.0  # seconds; a slow or hung git must not hold up the reports
DISTRIBUTIONS = ("living-checklist", "pytest", "pytest-bdd")


class Environment(TypedDict):
    system: str | None  # checklist_system, None while TBD
    systems: dict[str, str | None]  # checklist_systems: name -> command line, None while TBD
    url: str | None  # checklist_url, None while TBD
    service: str | None  # checklist_service, None when the harness starts none
    services: dict[str, dict[str, str | None]]  # checklist_services: name -> url, service
    cpu_model: str | None
    cpu_cores: int
    memory_bytes: int
    os: str
    python: str
    versions: dict[str, str | None]
    git_commit: str | None


def gather(settings: Settings) -> Environment:
    """The environment of this run (called once, on the controller, when the reports are written);
    secrets in the command lines and the URL are masked (``core.redact``)."""
    return {
        "system": _given(settings.system, redact_text),
        "systems": {named.name: _given(named.command, redact_text) for named in settings.systems},
        "url": _given(settings.url, redact_url),
        "service": " ".join(redact_argv(settings.service)) or None,
        "services": {
            named.name: {
                "url": _given(named.url, redact_url),
                "service": " ".join(redact_argv(named.argv)) or None,
            }
            for named in settings.services
        },
        "cpu_model": cpu_model(),
        "cpu_cores": probes.cpu_cores(),
        "memory_bytes": probes.memory_bytes(),
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "versions": {name: _version(name) for name in DISTRIBUTIONS},
        "git_commit": git_commit(settings.rootdir),
    }


def _given(value: str, redact: Callable[[str], str]) -> str | None:
    """``value`` with its secrets masked, or None when it is not set (empty or TBD)."""
    return None if value in ("", TBD) else redact(value)


def cpu_model() -> str | None:
    """The processor's model name (``/proc/cpuinfo`` on Linux, ``platform.processor()`` elsewhere)."""
    return _cpuinfo_model() or platform.processor() or platform.machine() or None


def _cpuinfo_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as cpuinfo:
            for line in cpuinfo:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Model", "cpu model", "Processor") and value.strip():
                    return value.strip()
    except OSError:
        pass
    return None


def git_commit(rootdir: Path) -> str | None:
    """The commit checked out at ``rootdir`` (with ``+dirty`` for local changes), or None outside git."""
    try:
        head = subprocess.run(
            ["git", "-C", str(rootdir), "rev-parse", "--verify", "HEAD"],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
        if head.returncode != 0:
            return None
        status = subprocess.run(
            ["git", "-C", str(rootdir), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = head.stdout.strip()
    return f"{commit}+dirty" if status.returncode == 0 and status.stdout.strip() else commit


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def describe(environment: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Label and text pairs, in reading order, for the Markdown and HTML reports."""
    versions = environment["versions"]
    return [
        *_under_test(environment),
        ("machine", _machine(environment)),
        ("OS", environment["os"]),
        ("Python", environment["python"] or sys.version.split()[0]),
        ("versions", ", ".join(f"{name} {version or 'not installed'}" for name, version in versions.items())),
        ("git commit", environment["git_commit"] or "not a git checkout"),
    ]


def _machine(environment: Mapping[str, Any]) -> str:
    memory = environment["memory_bytes"]
    parts = (
        environment["cpu_model"] or "CPU model unknown",
        f"{environment['cpu_cores']} cores",
        f"{memory / probes.GIB:.1f} GiB memory" if memory else "",
    )
    return ", ".join(part for part in parts if part)


def _under_test(environment: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The systems and services the checks ran against."""
    rows = [("system", environment["system"] or "TBD")]
    rows += [(f"system {name}", command or "TBD") for name, command in _named(environment, "systems")]
    rows.append(("url", environment["url"] or "TBD"))
    if environment["service"]:
        rows.append(("service", environment["service"]))
    return rows + [_service_row(name, named) for name, named in _named(environment, "services")]


def _named(environment: Mapping[str, Any], key: str) -> list[tuple[str, Any]]:
    """The (name, value) pairs under ``systems`` or ``services``; none when the key is absent or empty."""
    return list((environment.get(key) or {}).items())


def _service_row(name: str, named: Mapping[str, Any]) -> tuple[str, str]:
    started = f", started by {named['service']}" if named.get("service") else ""
    return f"service {name}", f"{named.get('url') or 'TBD'}{started}"
