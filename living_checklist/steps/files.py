"""Live steps that prepare what the system reads: a file written by a command before the checks.

``Given the file "<path>" is written by "<command>"`` runs the command (split like a shell would,
never run by one, started in the rootdir) and puts its standard output into the file, a path
inside the project. It runs once per session for the same path and command, so a large input
that several scenarios read (a budget on a 100 MiB document) is made once. The command is
bounded by ``checklist_system_timeout`` seconds; a command that cannot start, fails or runs
out of time is an ``error`` of the requirement, not a failed check: nothing about the system
was measured.

PYTEST_DONT_REWRITE: the steps raise their own messages.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest
from pytest_bdd import given, parsers

from living_checklist import InvalidValue
from living_checklist.run import settings
from living_checklist.steps.common import quoted, quoted_value, split_arguments

ERROR_TAIL = 2000  # characters of the command's error output shown when it fails


@dataclass
class WrittenFiles:
    """The files written this session, by path and command, with their sizes."""

    done: dict[tuple[Path, tuple[str, ...]], int] = field(default_factory=dict)


@pytest.fixture(scope="session")
def written_files() -> WrittenFiles:
    """Per-session memory of ``the file ... is written by ...``, so each is written once."""
    return WrittenFiles()


@given(parsers.re(rf'the file "{quoted("path")}" is written by "{quoted("command")}"'))
def file_written_by(path: str, command: str, request: pytest.FixtureRequest, written_files: WrittenFiles) -> None:
    """Write the command's standard output into this file (a path inside the project, folders
    made as needed), once per session for the same path and command; no shell runs it.

    The file appears whole or not at all (written beside it, then renamed), so a run that stops
    half-way never leaves half an input for the next one.
    """
    root = request.config.rootpath.resolve()
    target = inside_project(root, quoted_value(path, "the file"))
    argv = tuple(split_arguments(command))
    if not argv:
        raise InvalidValue("the command is empty: write the command whose output becomes the file")
    key = (target, argv)
    if key in written_files.done and target.is_file():
        return
    written_files.done[key] = write_output(argv, target, root, settings.of(request.config).system_timeout)


def inside_project(root: Path, rel: str) -> Path:
    """The path ``rel`` names under ``root``; one that leaves the project (``..``, absolute, a
    link pointing out) is refused before anything runs."""
    target = (root / rel).resolve()
    if not rel.strip() or target == root or not target.is_relative_to(root):
        raise InvalidValue(f"the file {rel!r} is not inside the project ({root}): write a path under it")
    if target.is_dir():
        raise InvalidValue(f"the file {rel!r} is a folder: name the file to write")
    return target


def write_output(argv: tuple[str, ...], target: Path, cwd: Path, timeout: float) -> int:
    """Run ``argv`` with its standard output into ``target``; the file's size in bytes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    text = shlex.join(argv)
    with (
        tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", delete=False) as out,
        tempfile.TemporaryFile() as err,
    ):
        partial = Path(out.name)
        try:
            status = _run(argv, out, err, cwd, timeout)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        if status != 0:
            partial.unlink(missing_ok=True)
            err.seek(0)
            tail = err.read().decode("utf-8", errors="replace")[-ERROR_TAIL:]
            raise InvalidValue(f"the command {text!r} that writes {target.name} exited with status {status}\n{tail}")
    os.replace(partial, target)
    return target.stat().st_size


def _run(argv: tuple[str, ...], out: IO[bytes], err: IO[bytes], cwd: Path, timeout: float) -> int:
    text = shlex.join(argv)
    try:
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=cwd, start_new_session=True
        )
    except OSError as exc:
        raise InvalidValue(f"the command {text!r} cannot be started: {exc.strerror or exc}") from None
    try:
        return int(process.wait(timeout=timeout))
    except subprocess.TimeoutExpired:
        raise InvalidValue(
            f"the command {text!r} did not finish within {timeout:g} s (checklist_system_timeout)"
        ) from None
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)  # it, and whatever it left running
        process.wait()
