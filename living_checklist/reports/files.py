"""Writing a report file: where it may go (checked before the run), written through to a device or
pipe, or replaced atomically so that no reader sees half a report. Pure file handling, no pytest."""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path


def check_output_path(option: str, value: str, path: Path, suffix: str = ".json") -> str | None:
    """Why ``path`` cannot take a report, or None; checked before anything runs.

    A missing folder is fine (it is created), as is a symbolic link (the file it points to is
    written, the link stays) and a device or pipe such as ``/dev/null`` or ``/dev/stdout`` (written
    through). Otherwise a file is created in the folder to be sure the report can be written there.
    """
    where = f"{option} {value}"
    try:
        info = _stat(path)
    except OSError as exc:  # a symlink loop, a folder we may not enter
        return f"{where}: cannot be used ({exc.strerror or exc})"
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            return f"{where}: is a directory; give a file name, e.g. {Path(value, 'checklist' + suffix)}"
        if writes_through(path, info):
            return None if os.access(path, os.W_OK) else f"{where}: cannot be written (permission denied)"
    return _folder_problem(where, path)


def _stat(path: Path) -> os.stat_result | None:
    """The path's status, None when nothing is there (or a parent is a file); raises other ``OSError``."""
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def _folder_problem(where: str, path: Path) -> str | None:
    """Why no report can be created at ``path`` (a new file), or None: a file is made and removed
    in the nearest folder that exists."""
    target = final_path(path)
    folder = next((parent for parent in target.parents if os.path.lexists(parent)), Path(target.anchor))
    if not folder.is_dir():
        return f"{where}: {folder} is a file, so the folder for the report cannot be created there"
    try:
        fd, probe = tempfile.mkstemp(prefix=".checklist-probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        return f"{where}: cannot write a file in {folder} ({exc.strerror or exc}); choose another path"
    return None


def writes_through(path: Path, info: os.stat_result) -> bool:
    """A device, pipe or socket, or a path on /dev or /proc (``/dev/stdout`` may stand for a regular
    file the shell opened): written in place, never replaced."""
    absolute = os.path.abspath(path)
    return not stat.S_ISREG(info.st_mode) or absolute.startswith(("/dev/", "/proc/"))


_OWN_DESCRIPTORS = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}


def _own_descriptor(path: Path) -> int | None:
    """The descriptor number ``/dev/stdout``, ``/dev/fd/N`` or ``/proc/self/fd/N`` names. Opening
    such a path opens the file again with an offset of its own, and when the shell redirected
    the output to a file, our text and pytest's would overwrite each other."""
    absolute = os.path.abspath(path)
    if absolute in _OWN_DESCRIPTORS:
        return _OWN_DESCRIPTORS[absolute]
    for prefix in ("/dev/fd/", "/proc/self/fd/", f"/proc/{os.getpid()}/fd/"):
        number = absolute.removeprefix(prefix)
        if number != absolute and number.isdigit():
            return int(number)
    return None


def final_path(path: Path) -> Path:
    """The file a (chain of) symbolic link(s) points to, so that writing it keeps the link."""
    return Path(os.path.realpath(path)) if os.path.islink(path) else Path(os.path.abspath(path))


_WRITE_BATCH = 1 << 16  # characters of a streamed report gathered before each write


def _encoded(text: str | Iterable[str]) -> Iterator[bytes]:
    """UTF-8 bytes of the text, or of its pieces in batches (a streamed report is never whole)."""
    if isinstance(text, str):
        yield text.encode("utf-8", errors="backslashreplace")
        return
    batch: list[str] = []
    size = 0
    for piece in text:
        batch.append(piece)
        size += len(piece)
        if size >= _WRITE_BATCH:
            yield "".join(batch).encode("utf-8", errors="backslashreplace")
            batch.clear()
            size = 0
    yield "".join(batch).encode("utf-8", errors="backslashreplace")


def write_report(path: Path, text: str | Iterable[str]) -> None:
    """Write one report: a device or pipe is written through; a file (or the file a symlink points
    to) is replaced atomically, so readers never see half a report. Raises ``OSError``.

    ``text`` is the whole text or its pieces in order: a streamed report is written as it is made
    (an error while making it leaves no file behind, only a device or pipe has the part written).
    Text UTF-8 cannot encode (a lone surrogate from a file name) is written as an escape.
    """
    chunks = _encoded(text)
    info = _stat(path)
    if info is None or not writes_through(path, info):
        _write_atomic(final_path(path), chunks, info)
        return
    fd = _own_descriptor(path)
    if fd is not None:  # /dev/stdout: write to our descriptor, so that its offset moves with it
        _write_descriptor(fd, chunks)
        return
    with open(path, "ab") as handle:
        for data in chunks:
            handle.write(data)


def _write_descriptor(fd: int, chunks: Iterable[bytes]) -> None:
    """Write to one of our own descriptors, after what Python buffered for stdout and stderr."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    for data in chunks:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]


def _write_atomic(path: Path, chunks: Iterable[bytes], info: os.stat_result | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            for data in chunks:
                handle.write(data)
        if info is not None:  # replacing a report: keep its permissions
            mode = stat.S_IMODE(info.st_mode)
        else:  # mkstemp makes the file private (0600); a report is as readable as any file we write
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
