"""Only regular files are read: a feature file, a reference, a sample, a log, a shard's source.

A path may name a character device (``/dev/zero`` never ends), a FIFO (reading waits for a writer
that never comes), a socket or a folder, directly or through a symbolic link. Such a path is opened
without blocking and checked on the open descriptor (no race between a check and the read); it is
refused with ``NotRegularFile``, an ``OSError`` whose message names the path and what it is.
Pure, standard library only.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

__all__ = ["NotRegularFile", "file_kind", "read_regular", "regular_text"]


class NotRegularFile(OSError):
    """The path is not a regular file (a device, FIFO, socket or folder), or too large to read."""

    def __init__(self, path: str | os.PathLike[str], what: str) -> None:
        super().__init__(errno.EINVAL, what, os.fspath(path))
        self.what = what

    def __str__(self) -> str:
        return f"{self.filename}: {self.what}"


def file_kind(mode: int) -> str:
    """``a FIFO``, ``a character device`` ... for a mode that is not a regular file's."""
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def read_regular(path: str | os.PathLike[str], limit: int | None = None) -> bytes:
    """The bytes of ``path`` if it is a regular file (links followed) of at most ``limit`` bytes;
    ``NotRegularFile`` otherwise, other ``OSError`` when it cannot be opened. Never blocks."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        _check_regular(path, os.fstat(fd), limit)
        with os.fdopen(fd, "rb", closefd=True) as handle:
            fd = -1
            data = handle.read() if limit is None else handle.read(limit + 1)
    finally:
        if fd >= 0:
            os.close(fd)
    if limit is not None and len(data) > limit:
        raise NotRegularFile(path, f"grew past the {limit} bytes read")
    return data


def _check_regular(path: str | os.PathLike[str], info: os.stat_result, limit: int | None) -> None:
    """``NotRegularFile`` unless ``info`` is a regular file's of at most ``limit`` bytes."""
    if not stat.S_ISREG(info.st_mode):
        raise NotRegularFile(path, f"is {file_kind(info.st_mode)}, not a regular file; only regular files are read")
    if limit is not None and info.st_size > limit:
        raise NotRegularFile(path, f"is {info.st_size} bytes, more than the {limit} bytes read")


def regular_text(path: Path, limit: int | None = None) -> str:
    """``read_regular`` decoded as UTF-8 (undecodable bytes replaced, a BOM dropped)."""
    return read_regular(path, limit).decode("utf-8", errors="replace").removeprefix("\ufeff")


def walk_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """Every file under ``folder`` (sorted), symbolic links to folders followed, each folder once
    (a link loop ends there): the regular files, and the entries that are not (FIFOs, devices,
    sockets, dangling links), which a caller reports instead of skipping them silently."""
    regular: list[Path] = []
    other: list[Path] = []
    seen: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        try:
            info = os.stat(dirpath)
        except OSError:
            dirnames[:] = []
            continue
        if (info.st_dev, info.st_ino) in seen:
            dirnames[:] = []
            continue
        seen.add((info.st_dev, info.st_ino))
        dirnames.sort()
        for name in filenames:
            path = Path(dirpath, name)
            (regular if stat.S_ISREG(_mode(path)) else other).append(path)
    return sorted(regular), sorted(other)


def _mode(path: Path) -> int:
    """The mode of what ``path`` leads to (links followed); 0 when there is nothing to stat."""
    try:
        return os.stat(path).st_mode
    except OSError:
        return 0
