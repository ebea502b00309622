"""A stream of the system's output, kept whole: the first part in memory, the rest in a spool file.

What messages show stays capped (the head in memory); what checks see is everything the system
wrote, read back in chunks from the spool. A spool that could not hold everything (past
``MAX_SPOOL`` bytes per stream, past ``SPOOL_BUDGET`` bytes of spools alive at once, or a full
disk) marks the stream incomplete, and saying so is the checks' business: never a verdict on part
of the output.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass

CHUNK = 1 << 16
MAX_SPOOL = 4 << 30  # bytes of one stream kept on disk
SPOOL_BUDGET = 16 << 30  # bytes of spools alive at once (a long series of chatty runs)

_lock = threading.Lock()
_alive = [0]  # bytes held by spools that still exist


def _release(path: str, size: int) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
    with _lock:
        _alive[0] -= size


def _reserve(size: int) -> bool:
    with _lock:
        if _alive[0] + size > SPOOL_BUDGET:
            return False
        _alive[0] += size
        return True


class Spool:
    """A temporary file holding one whole stream; removed when no result refers to it any more."""

    def __init__(self) -> None:
        fd, self.path = tempfile.mkstemp(prefix="checklist-output-")
        self._file = os.fdopen(fd, "wb", buffering=0)
        self.size = 0
        self._finalizer = weakref.finalize(self, _release, self.path, 0)

    def write(self, data: bytes) -> bool:
        """Append ``data``; False (nothing written) past the limits or on a full disk."""
        if self.size + len(data) > MAX_SPOOL or not _reserve(len(data)):
            return False
        try:
            self._file.write(data)
        except OSError:
            with _lock:
                _alive[0] -= len(data)
            return False
        self.size += len(data)
        self._finalizer.detach()
        self._finalizer = weakref.finalize(self, _release, self.path, self.size)
        return True

    def close(self) -> None:
        self._file.close()

    def chunks(self) -> Iterator[bytes]:
        with open(self.path, "rb") as handle:
            while True:
                data = handle.read(CHUNK * 16)
                if not data:
                    return
                yield data


class Capture:
    """Collects one stream as it arrives: ``keep`` bytes in memory, everything in a spool past that."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.head = bytearray()
        self.total = 0
        self.spool: Spool | None = None
        self.complete = True

    def feed(self, data: bytes) -> None:
        self.total += len(data)
        if self.spool is None and len(self.head) + len(data) <= self.keep:
            self.head += data
            return
        if self.spool is None and self.complete:  # the first overflow: the head so far goes first
            self._start_spool()
        room = self.keep - len(self.head)
        if room > 0:
            self.head += data[:room]
        if self.complete and self.spool is not None:
            self.complete = self.spool.write(data)

    def _start_spool(self) -> None:
        """Open the spool with the head so far in it; the capture is incomplete when that fails."""
        try:
            self.spool = Spool()
        except OSError:
            self.complete = False
        else:
            self.complete = self.spool.write(bytes(self.head))

    def finish(self) -> Captured:
        if self.spool is not None:
            self.spool.close()
        return Captured(bytes(self.head), self.total, self.spool if self.complete else None, self.complete)


@dataclass(frozen=True)
class Captured:
    """One finished stream: the head kept for messages, and the means to read all of it."""

    head: bytes
    total: int
    spool: Spool | None
    complete: bool  # every byte can be read back (in the head, or in the spool)

    @property
    def seen(self) -> int:
        """Bytes a check can read: all of them, or the head alone when the spool failed."""
        return self.total if self.complete else len(self.head)

    def chunks(self) -> Iterator[bytes]:
        """Every byte of the stream, in order (only the head when it is incomplete)."""
        if self.spool is not None:
            yield from self.spool.chunks()
        elif self.head:
            yield self.head

    def whole(self) -> bytes:
        return self.head if self.spool is None else b"".join(self.chunks())


EMPTY = Captured(b"", 0, None, True)
