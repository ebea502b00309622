"""Prefetch: a cold dry run parses feature files while pytest starts.

Parsing the feature files is as long as pytest's own start-up, and neither needs the other until
the dry run reaches its inventory. So ``status`` forks one child before pytest is imported (where
``os.fork`` exists). The child works out the features folder the way the run will (pytest's
``determine_setup`` through ``living_checklist.run._compat``, the ``-o`` overrides and paths given to
``status``), lists the feature files with ``inventory.discover`` and parses them from the front,
writing ``[path, digest, relpath, features_dir, id_pattern, document]`` JSON lines (the document
as ``living_checklist.core.plain`` writes it, checked field by field when read) to an unlinked
temporary file (not a pipe: the child must never block on a parent busy starting pytest).

The work is split without a lock, through a small shared anonymous mmap: the child publishes the
digest of its file list and the index it is starting; the parent, once at the inventory, parses
from the back, publishing the lowest index it started, and stops where the child is (when both
lists agree); the child stops where the parent is. A file may be parsed twice; none is missed.
The parent then waits for the child (a few seconds at most; then it is killed), and uses a
prefetched document only when its path, the digest of the bytes the parent reads now, its
relpath, features folder and id pattern are the parent's own; everything else it parses itself.
So a child that crashed, was killed or guessed wrong (``-c`` or ``--rootdir`` in
``PYTEST_ADDOPTS``, an override the child did not see) costs time, never a difference.

The child never prints (its stdout and stderr are /dev/null), dies with the parent (Linux:
``PR_SET_PDEATHSIG``; elsewhere it checks its parent between files), and is always reaped.
``LIVING_CHECKLIST_PREFETCH=0`` turns it off.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import mmap
import os
import signal
import struct
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

from living_checklist.core import keys
from living_checklist.dryrun import snapshot

if TYPE_CHECKING:
    from living_checklist.core.inventory import FeatureDoc

ENV = keys.ENV_PREFETCH  # "0": no prefetch
_SLOTS = struct.Struct("=qq16s")  # the child's index, the parent's lowest index, the child's list digest
NOT_STARTED = -1
GONE = -2  # the child stopped early: the parent must not count on it
_FAR = 2**62
INVENTORY_CACHE = ".pytest_cache/d/living_checklist/inventory.json"  # cache.CACHE_FOLDER / CACHE_FILE
NICE = 10  # the child's niceness: it works on a core the parent leaves idle
WAIT_S = 3.0  # the most the parent waits for the child once they met (it has one file left to finish)

Prefetched = tuple[str, str, str, str, "FeatureDoc"]  # digest, relpath, features_dir, id_pattern, doc


def list_digest(files: Sequence[Path]) -> bytes:
    return hashlib.blake2b("\0".join(str(p) for p in files).encode("utf-8", "surrogateescape"), digest_size=16).digest()


def file_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class Prefetch:
    """The parent's handle on the child."""

    def __init__(self, pid: int, shared: mmap.mmap, results: IO[bytes]) -> None:
        self.pid: int | None = pid
        self.shared = shared
        self.results = results

    def read(self) -> tuple[int, int, bytes]:
        child, parent, digest = _SLOTS.unpack(self.shared[: _SLOTS.size])
        return int(child), int(parent), bytes(digest)

    def publish(self, lowest: int) -> None:
        self.shared[8:16] = struct.pack("=q", lowest)

    def reap(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for the child to end, then kill it; always reaped."""
        if self.pid is None:
            return
        deadline = time.monotonic() + timeout
        while True:
            try:
                done, _ = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                break
            if done:
                break
            if time.monotonic() >= deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(self.pid, 0)
                break
            time.sleep(0.0005)
        self.pid = None

    def documents(self) -> dict[str, Prefetched]:
        """What the child wrote, up to the first incomplete record (it may have been killed)."""
        from living_checklist.core.plain import decode_doc

        found: dict[str, Prefetched] = {}
        self.results.seek(0)
        enabled = gc.isenabled()
        gc.disable()
        try:
            for line in self.results:
                record = _record(line, decode_doc)
                if record is None:
                    break
                found[record[0]] = record[1]
        finally:
            if enabled:
                gc.enable()
        return found

    def close(self) -> None:
        self.publish(-1)  # stop
        self.reap(0.0)
        with contextlib.suppress(Exception):
            self.shared.close()
        with contextlib.suppress(Exception):
            self.results.close()


def _record(line: bytes, decode_doc: Callable[[object], FeatureDoc]) -> tuple[str, Prefetched] | None:
    """A file's path and what the child parsed of it; None for a record the child did not finish."""
    try:
        path, digest, rel, features_dir, id_pattern, raw = json.loads(line)
        if not all(type(v) is str for v in (path, digest, rel, features_dir, id_pattern)):
            return None
        return path, (digest, rel, features_dir, id_pattern, decode_doc(raw))
    except (ValueError, TypeError, RecursionError):
        return None


_current: Prefetch | None = None


def start(paths: Sequence[str], overrides: Sequence[str]) -> None:
    """Fork the child that parses the feature files this dry run will read (no-op where it cannot)."""
    global _current
    if not _wanted():
        return
    try:
        shared = mmap.mmap(-1, _SLOTS.size)
        results = tempfile.TemporaryFile()  # noqa: SIM115 -- the Prefetch handle closes it
    except OSError:
        return
    shared[: _SLOTS.size] = _SLOTS.pack(NOT_STARTED, _FAR, b"\0" * 16)
    parent = os.getpid()
    for stream in (sys.stdout, sys.stderr):  # nothing buffered may be written twice
        with contextlib.suppress(Exception):
            stream.flush()
    try:
        with warnings.catch_warnings():  # Python 3.12 warns when a (test) process has threads
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except OSError:
        shared.close()
        results.close()
        return
    if pid == 0:  # the child: whatever happens, it ends here, silently
        _child_main(shared, results, list(paths), list(overrides), parent)
    _current = Prefetch(pid, shared, results)


def _wanted() -> bool:
    """Whether to fork a child: none yet, fork exists, not switched off, and no full run's cache."""
    if _current is not None or not hasattr(os, "fork") or os.environ.get(ENV, "1") == "0":
        return False
    return not Path(INVENTORY_CACHE).is_file()  # the full run's inventory cache (rootdir = cwd) has the documents


def _child_main(shared: mmap.mmap, results: IO[bytes], paths: list[str], overrides: list[str], parent: int) -> NoReturn:
    """The forked child's whole life: it parses, says so when it fails, and exits, silently."""
    try:
        with snapshot.paused():  # the parent records what the dry run reads; the child's reads are its own
            _child(shared, results, paths, overrides, parent)
    except BaseException:
        with contextlib.suppress(Exception):
            shared[:8] = struct.pack("=q", GONE)
    finally:
        os._exit(0)


def current() -> Prefetch | None:
    return _current


def stop() -> None:
    """End the child, if any (every exit path of ``status``): killed if still running, and reaped."""
    global _current
    if _current is not None:
        _current.close()
        _current = None


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before we asked
        os._exit(0)


def _child(shared: mmap.mmap, results: IO[bytes], paths: list[str], overrides: list[str], parent: int) -> None:
    _quiet_child(parent)
    from living_checklist.core.files import read_regular
    from living_checklist.core.inventory import area_of, parse_feature, relpath
    from living_checklist.core.plain import encode_doc

    rootdir, features_dir, id_pattern, files = _project(paths, overrides)
    shared[16:32] = list_digest(files)
    out = _Writer(results)
    for index, path in enumerate(files):
        shared[:8] = struct.pack("=q", index)
        (lowest,) = struct.unpack("=q", shared[8:16])
        if index >= lowest or os.getppid() != parent:
            break
        try:
            data = read_regular(path)
            rel = relpath(path, rootdir)
            doc = parse_feature(data, rel, area=area_of(rel, features_dir), id_pattern=id_pattern)
        except Exception:
            continue  # the parent reads and parses it itself, and says what is wrong
        out.write([str(path), file_digest(data), rel, features_dir, id_pattern, encode_doc(doc)])
    out.flush()


def _quiet_child(parent: int) -> None:
    """No terminal, default signals, dies with ``parent``, nicer than it, records nothing, no GC."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(Exception):
            signal.signal(number, signal.SIG_DFL)
    _die_with_parent(parent)
    # Help, never compete: on a busy machine the parent (starting pytest) goes first.
    with contextlib.suppress(OSError):
        os.nice(NICE)
    gc.disable()


def _project(paths: list[str], overrides: list[str]) -> tuple[Path, str, str, list[Path]]:
    """The rootdir, features folder, id pattern and feature files the dry run will read."""
    from living_checklist.core.inventory import discover
    from living_checklist.run._compat import ini_setup

    cwd = Path.cwd()
    targets = [Path(os.path.abspath(cwd / p)) for p in paths]
    rootdir, ini = ini_setup([str(t) for t in targets], overrides, cwd)
    features_dir, id_pattern = _checklist_ini(ini, rootdir)
    if not targets:
        targets = [rootdir / features_dir]
    files = sorted({Path(os.path.abspath(p)) for target in targets for p in discover(target)})
    return rootdir, features_dir, id_pattern, files


def _checklist_ini(ini: Mapping[str, str], rootdir: Path) -> tuple[str, str]:
    """The features folder and id pattern; LookupError when there is nothing for the child to do."""
    from living_checklist.core.inventory import DEFAULT_ID_PATTERN
    from living_checklist.run.settings import INI_FEATURES, INI_ID_PATTERN

    features_dir = ini.get(INI_FEATURES, "")
    id_pattern = ini.get(INI_ID_PATTERN, "") or DEFAULT_ID_PATTERN
    if not features_dir:
        raise LookupError("not a checklist project")
    if (rootdir / INVENTORY_CACHE).is_file():
        raise LookupError("the full run's inventory cache has the documents")  # the parent reads it
    return features_dir, id_pattern


class _Writer:
    """JSON lines appended to the results file, a few at a time (a torn last line is not read)."""

    def __init__(self, results: IO[bytes]) -> None:
        self.results = results
        self.pending: list[bytes] = []

    def write(self, record: list[Any]) -> None:
        self.pending.append(json.dumps(record, separators=(",", ":")).encode("ascii") + b"\n")
        if len(self.pending) >= 16:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.results.write(b"".join(self.pending))
            self.results.flush()
            self.pending = []


def take(files: Sequence[Path], load: Callable[[Path, Prefetched | None], FeatureDoc]) -> list[FeatureDoc]:
    """The parent's side: each file's document, parsed from the back here, from the front by the child.

    ``load(path, prefetched)`` reads the file and returns the prefetched document when it matches
    what it read, else parses (or takes the inventory cache's).
    """
    handle = _current
    if handle is None:
        return [load(path, None) for path in files]
    docs: list[FeatureDoc | None] = [None] * len(files)
    met, slowest = _from_the_back(handle, files, docs, load)
    if met:
        # The child has started every file up to ``index``: at most one is still being parsed.
        handle.reap(WAIT_S + 10 * slowest)
        found = handle.documents()
    else:
        handle.publish(-1)
        found = {}
    stop()
    return [doc if doc is not None else load(path, found.get(str(path))) for path, doc in zip(files, docs, strict=True)]


def _from_the_back(
    handle: Prefetch,
    files: Sequence[Path],
    docs: list[FeatureDoc | None],
    load: Callable[[Path, Prefetched | None], FeatureDoc],
) -> tuple[bool, float]:
    """Load files into ``docs`` from the last one down until the child has started the next one:
    whether it met the child, and the slowest load here (seconds)."""
    digest = list_digest(files)
    slowest = 0.0
    index = len(files) - 1
    while index >= 0:
        handle.publish(index)
        child, _, child_digest = handle.read()
        if child_digest == digest and child >= index:
            return True, slowest
        began = time.perf_counter()
        docs[index] = load(files[index], None)
        slowest = max(slowest, time.perf_counter() - began)
        index -= 1
    return False, slowest
