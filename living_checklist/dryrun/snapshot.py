"""The dry run's snapshot: ``status`` answered again without starting pytest, when nothing it read changed.

A dry run's output depends only on what it reads: the command's arguments, the environment, the
Python and the code installed, the ini file, conftest.py and step modules, and the feature files.
After a dry run that ran pytest (the *slow path*), this module writes, in pytest's cache folder
(``.pytest_cache/d/living_checklist/status/<key>.json``; JSON, since loading a pickle would run
whatever it names, and it is checked field by field when read), the exact output (the ordered
stdout and stderr chunks and the exit status) together with what the run depended on. The next
``status`` with the same invocation (the key: arguments, cwd, interpreter, this package, the
environment) checks those dependencies and, when none changed, writes the same bytes and returns
the same exit status without importing pytest, pytest-bdd, gherkin or the dry run (the *fast path*).

What the run depended on is recorded while it runs, by an audit hook (``sys.addaudithook``):

- every path opened for reading (``open``, including the ``io.open_code`` of every module) and
  every folder listed (``os.listdir``, ``os.scandir``), each stat'ed when the event happens (a
  path that did not exist must still not exist);
- the ``__file__`` of every module imported by the end (a module loaded from a ``.pyc`` under
  ``PYTHONPYCACHEPREFIX`` never opens its ``.py``), and the ``sys.path`` folders (installing or
  removing a package changes site-packages);
- the current folder, the rootdir and every folder between them (a new pytest.ini, conftest.py or
  pyproject.toml changes a folder's modification time); above those, the names pytest looks for
  there (``pytest.ini``, ``pyproject.toml``, ``tox.ini``, ``setup.cfg``, ``setup.py``,
  ``conftest.py``, ...), by name, so that an unrelated file created in ``/tmp`` does not count;
- paths the dry run checks without opening (the features folder, the paths given).

Files and folders compare by (type, size, mtime, ctime, inode) and existence; feature files also
by a digest of their bytes. A run during which anything it depends on was modified (a
modification time later than 50 ms before it started, two seconds on a file system that stamps
whole seconds) writes no snapshot, so that a change in the same clock tick as the run cannot go
unseen (``.pyc`` files excepted: Python writes them anew and renames, a new inode each time). Paths in
pytest's cache folder are not dependencies: what is there (the inventory cache) is keyed by
content. A miss only costs the slow path; a snapshot that cannot be written is skipped.

Only the standard library here: the fast path must stay cheap.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from living_checklist.core import keys
from living_checklist.core.files import read_regular
from living_checklist.core.gherkin_files import is_feature_file

FORMAT = 2  # 1 was a pickle (never read: loading one runs whatever it names)
CACHE_DIR = keys.PYTEST_CACHE_DIR  # pytest's default cache_dir; a custom one never hits the fast path
SUBFOLDER = keys.SNAPSHOT_FOLDER
NO_CACHE = "--no-cache"
KEEP = 32  # snapshots kept per project (one per distinct invocation); the oldest go first
# A dependency modified this close before the run started: no snapshot (a change in the same clock
# tick would keep its modification time). Linux file systems stamp with the kernel's coarse clock
# (a few ms); one whose times are whole seconds (FAT: 2 s) gets the wider margin.
RACY_NS = 50_000_000
RACY_COARSE_NS = 2_000_000_000
# Environment variables that differ between two identical invocations from a shell.
VOLATILE_ENV = frozenset({"_", "OLDPWD", "SHLVL"})
# What pytest (and Python's site) look for in the folders above the rootdir.
LOOKED_FOR = ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg", "setup.py", "conftest.py")
_IGNORED_ROOTS = ("/proc/", "/sys/", "/dev/")
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

Stat = tuple[int, int, int, int, int] | None  # (type, size, mtime_ns, ctime_ns, inode); None: absent


def _stat(path: str) -> Stat:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (stat.S_IFMT(st.st_mode), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _racy(mtime_ns: int, started_ns: int) -> bool:
    margin = RACY_COARSE_NS if mtime_ns % 1_000_000_000 == 0 else RACY_NS
    return mtime_ns >= started_ns - margin


def _digest(path: str) -> str | None:
    try:
        return hashlib.blake2b(read_regular(path), digest_size=16).hexdigest()
    except OSError:
        return None


def wanted(argv: Sequence[str]) -> bool:
    """Whether this invocation may be served from, and recorded into, a snapshot."""
    # argparse takes an abbreviation (--no-c) for --no-cache: any of them bypasses the snapshot.
    bypass = any(len(a) > 4 and NO_CACHE.startswith(a) for a in argv[1:])
    return bool(argv) and argv[0] == "status" and not bypass


def invocation_key(argv: Sequence[str]) -> str:
    """Everything besides files that decides the output: arguments, cwd, interpreter, code, environment."""
    env = sorted((k, v) for k, v in os.environ.items() if k not in VOLATILE_ENV)
    streams = [_stream(s) for s in (sys.stdout, sys.stderr)]
    parts = (
        FORMAT,
        list(argv),
        os.getcwd(),
        sys.executable,
        sys.version,
        sys.flags,
        sys._xoptions,
        Path(__file__).resolve().parent.parent.as_posix(),  # the package folder
        env,
        streams,
    )
    return hashlib.blake2b(repr(parts).encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()


def _stream(stream: Any) -> tuple[object, ...]:
    """What of an output stream can change the bytes written: a terminal or not, the encoding."""
    try:
        return (stream.isatty(), getattr(stream, "encoding", None), getattr(stream, "errors", None))
    except Exception:  # closed, or None
        return (repr(stream),)


def _candidates(key: str) -> list[Path]:
    """Where a snapshot of this key may be: pytest's cache folder of the cwd or any folder above it."""
    cwd = Path(os.getcwd())
    return [folder.joinpath(CACHE_DIR, *SUBFOLDER, f"{key}.json") for folder in (cwd, *cwd.parents)]


def _valid(entries: Sequence[tuple[str, Stat, str | None]]) -> bool:
    for path, expected, digest in entries:
        if _stat(path) != expected:
            return False
        if digest is not None and _digest(path) != digest:
            return False
    return True


def serve(argv: Sequence[str]) -> int | None:
    """Write the output of an earlier identical dry run and return its exit status; None on a miss."""
    key = invocation_key(argv)
    for candidate in _candidates(key):
        loaded = _load(candidate, key)
        if loaded is None:
            continue
        entries, chunks, code = loaded
        if not _valid(entries):
            continue
        for stream, text in chunks:
            (sys.stdout if stream == 1 else sys.stderr).write(text)
        return code
    return None


def _load(candidate: Path, key: str) -> Loaded | None:
    """The snapshot in ``candidate`` for this key; None when there is none, or none to trust."""
    try:
        with open(candidate, "rb") as handle:
            return _checked(json.loads(handle.read()), key)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, RecursionError):  # torn, foreign or planted: not ours to trust
        return None


Loaded = tuple[list[tuple[str, Stat, str | None]], list[tuple[int, str]], int]


def _checked(data: Any, key: str) -> Loaded | None:
    """A snapshot exactly as ``Recorder.finish`` writes it, for this key; None for anything else."""
    if not _is_snapshot(data, key):
        return None
    _, _, raw_entries, raw_chunks, code = data
    entries = [_entry(entry) for entry in raw_entries]
    chunks = [_chunk(chunk) for chunk in raw_chunks]
    if None in entries or None in chunks:
        return None
    return entries, chunks, code  # type: ignore[return-value]  # no None left


def _is_snapshot(data: Any, key: str) -> bool:
    """``[FORMAT, key, entries, chunks, exit status]`` with lists and an integer where they belong."""
    if type(data) is not list or len(data) != 5 or data[0] != FORMAT or data[1] != key:
        return False
    return type(data[2]) is list and type(data[3]) is list and type(data[4]) is int


def _entry(entry: Any) -> tuple[str, Stat, str | None] | None:
    if type(entry) is not list or len(entry) != 3:
        return None
    path, found, digest = entry
    if type(path) is not str or not _is_digest(digest):
        return None
    if found is None:
        return (path, None, digest)
    if not _is_stat(found):
        return None
    return (path, tuple(found), digest)  # five integers


def _is_digest(digest: Any) -> bool:
    """A feature file's digest (a string) or None (no digest kept)."""
    return digest is None or type(digest) is str


def _is_stat(found: Any) -> bool:
    return type(found) is list and len(found) == 5 and all(type(n) is int for n in found)


def _chunk(chunk: Any) -> tuple[int, str] | None:
    if type(chunk) is not list or len(chunk) != 2 or type(chunk[0]) is not int or type(chunk[1]) is not str:
        return None
    return (chunk[0], chunk[1]) if chunk[0] in (1, 2) else None


class _Tee:
    """stdout or stderr as seen by the dry run: writes go through and are kept, in order."""

    _PASS = frozenset({"encoding", "errors", "isatty", "writable", "closed", "line_buffering", "newlines", "mode"})

    def __init__(self, stream: TextIO, number: int, recorder: Recorder) -> None:
        self._stream = stream
        self._number = number
        self._recorder = recorder

    def write(self, text: str) -> int:
        self._recorder.chunks.append((self._number, text))
        return self._stream.write(text)

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        # Anything else (the byte buffer, the file descriptor) could write around the record.
        if name not in self._PASS:
            self._recorder.unsafe = True
        return getattr(self._stream, name)


_active: Recorder | None = None
_hooked = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    recorder = _active
    if recorder is None:  # an audit hook cannot be removed: between recordings it does nothing
        return
    if event == "open":
        _saw_open(recorder, *args)
    elif event in ("os.listdir", "os.scandir"):
        _saw_listing(recorder, args[0])


def _saw_open(recorder: Recorder, path: Any, mode: str | None, flags: Any) -> None:
    """A file opened by path (not by descriptor) for reading only."""
    if not isinstance(path, int) and _reads(mode, flags):
        recorder.saw(path)


def _saw_listing(recorder: Recorder, path: Any) -> None:
    """A folder listed by path (None: the cwd)."""
    if not isinstance(path, int):
        recorder.saw("." if path is None else path)


def _reads(mode: str | None, flags: Any) -> bool:
    """Whether an ``open`` audit event opens for reading only (by its mode, else by its flags)."""
    if mode is not None:
        return not any(c in mode for c in "wax+")
    return not (isinstance(flags, int) and flags & _WRITE_FLAGS)


class Recorder:
    """What one slow-path ``status`` run writes and depends on; ``finish`` writes the snapshot."""

    def __init__(self, argv: Sequence[str]) -> None:
        self.argv = list(argv)
        self.key = invocation_key(argv)
        self.started_ns = time.time_ns()
        self.cwd = os.getcwd()
        self.entries: dict[str, Stat] = {}
        self.chunks: list[tuple[int, str]] = []
        self.unsafe = False
        self.cache_root: str | None = None  # pytest's cache folder: not a dependency
        self.make_folder: Callable[[], Path] | None = None
        self.rootdir: str | None = None
        self.streams = (sys.stdout, sys.stderr)
        self.settled: set[str] = set()  # modified by this run itself, stat'ed again once settled
        self.listings: dict[str, frozenset[str]] = {}  # the cwd's and the rootdir's names at the start
        self._ancestry(self.cwd)

    @classmethod
    def start(cls, argv: Sequence[str]) -> Recorder:
        global _active, _hooked
        recorder = cls(argv)
        if not _hooked:
            sys.addaudithook(_audit)
            _hooked = True
        sys.stdout = _Tee(sys.stdout, 1, recorder)
        sys.stderr = _Tee(sys.stderr, 2, recorder)
        _active = recorder
        return recorder

    def saw(self, path: str | bytes | os.PathLike[Any]) -> None:
        full = os.path.abspath(os.fsdecode(path))
        if full not in self.entries and not full.startswith(_IGNORED_ROOTS):
            self.entries[full] = _stat(full)

    def _ancestry(self, folder: str) -> None:
        """The folder by its modification time; each one above it by the names pytest looks for there."""
        full = os.path.abspath(folder)
        if full not in self.entries:  # its names, listed right before its stat (see _settle_cache_parent)
            with contextlib.suppress(OSError):
                self.listings[full] = frozenset(os.listdir(full))
        self.saw(folder)
        for parent in Path(folder).parents:
            for name in LOOKED_FOR:
                self.saw(parent / name)

    def note_rootdir(self, rootdir: Path) -> None:
        """Called by the dry run once pytest knows its rootdir."""
        self.rootdir = str(rootdir)
        self._ancestry(self.rootdir)
        # Between the cwd and the rootdir (one inside the other), every folder by its modification time.
        for inner, outer in ((Path(self.cwd), rootdir), (rootdir, Path(self.cwd))):
            for folder in _between(inner, outer):
                self.saw(folder)

    def note_cache(self, cache_folder: Path | None, make_folder: Callable[[], Path]) -> None:
        """Called by the dry run when pytest is done: our folder in pytest's cache (None: no cache)."""
        if cache_folder is not None:
            self.cache_root = os.path.abspath(cache_folder.parents[1])  # <cache_dir>/d/living_checklist
            self.make_folder = make_folder

    def stop(self) -> None:
        global _active
        if _active is self:
            _active = None
        out, err = self.streams
        sys.stdout = self._untee(sys.stdout, out)
        sys.stderr = self._untee(sys.stderr, err)

    def _untee(self, stream: TextIO, original: TextIO) -> TextIO:
        """``original`` where ``stream`` is this recorder's tee, else ``stream`` as it is."""
        return original if isinstance(stream, _Tee) and stream._recorder is self else stream

    def finish(self, code: int) -> None:
        """Stop recording; write the snapshot when pytest had a cache folder and nothing moved."""
        self.stop()
        if self.unsafe or self.make_folder is None or self.cache_root is None:
            return
        if not self._settle_cache_parent():
            return
        self._saw_code()
        entries = self._entries()
        if entries is not None:
            self._write((FORMAT, self.key, entries, self.chunks, code))

    def _saw_code(self) -> None:
        """Every module imported by the end and every ``sys.path`` entry: code the output depends on."""
        for module in list(sys.modules.values()):
            file = getattr(module, "__file__", None)
            if isinstance(file, str):
                self.saw(file)
        for entry in sys.path:
            self.saw(entry or self.cwd)

    def _entries(self) -> list[tuple[str, Stat, str | None]] | None:
        """What was read, outside the cache folder, with feature files' digests; None when a file
        was modified while it was read, or just before (the next run decides). Python writes a .pyc
        to a new file and renames it: a new inode, never the same stat."""
        excluded = self.cache_root + os.sep if self.cache_root else None
        entries: list[tuple[str, Stat, str | None]] = []
        for path, found in self.entries.items():
            if path == self.cache_root or (excluded is not None and path.startswith(excluded)):
                continue
            if found is not None and self._racy_read(path, found):
                return None
            digest = _digest(path) if found is not None and is_feature_file(path) else None
            entries.append((path, found, digest))
        return entries

    def _racy_read(self, path: str, found: tuple[int, ...]) -> bool:
        """Whether ``path`` (not a .pyc, not settled) was modified too close to this run's start."""
        return _racy(found[2], self.started_ns) and path not in self.settled and not path.endswith(".pyc")

    def _settle_cache_parent(self) -> bool:
        """Make pytest's cache folder if needed and, when this run made it, take its parent again.

        A fresh clone has no cache folder; making it (here, or pytest during the run) changes the
        folder it is in, a dependency: without this the first run could not save a valid snapshot
        and only the third would be served. The new stat is taken only when the cache folder is
        the one name that appeared there since the start of the run (none went away) and, so
        that a change in the same clock tick cannot hide behind it, once the folder's modification
        time is older than the margin (the next change then moves it). False: no snapshot now.
        """
        assert self.cache_root is not None and self.make_folder is not None
        parent, name = os.path.split(self.cache_root)
        before = self.listings.get(parent)
        try:
            if not os.path.isdir(self.cache_root):
                self.make_folder()
            if parent not in self.entries or before is None or name in before:
                return True  # not a dependency, or the cache folder was there from the start
            now, after = _restat(parent)
        except Exception:
            return False
        if not _settled(now, after, before | {name}):
            return False  # another change, or a file system that stamps whole seconds: next run
        self.entries[parent] = now
        self.settled.add(parent)
        return True

    def _write(self, data: object) -> None:
        assert self.make_folder is not None
        try:
            folder = self.make_folder().joinpath(*SUBFOLDER[2:])
            folder.mkdir(exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.key}.", dir=folder)
            try:
                with os.fdopen(fd, "wb") as handle:
                    # ASCII (\u escapes): text a stream could not encode (surrogates) survives too.
                    handle.write(json.dumps(data, separators=(",", ":")).encode("ascii"))
                os.replace(tmp, folder / f"{self.key}.json")
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            _prune(folder)
        except Exception:  # a read-only checkout, a full disk: the next run takes the slow path again
            return


def _between(inner: Path, outer: Path) -> Iterator[Path]:
    """The folders above ``inner`` and below ``outer``, nearest first (none unless outer holds inner)."""
    if outer in inner.parents:
        for folder in inner.parents:
            if folder == outer:
                return
            yield folder


def _restat(parent: str) -> tuple[Stat, frozenset[str]]:
    """The folder's stat and names again, once its modification time is older than the margin."""
    now = _stat(parent)
    if now is not None and _racy(now[2], time.time_ns()):
        time.sleep(1.2 * RACY_NS / 1e9)
    after = frozenset(os.listdir(parent))
    return _stat(parent), after


def _settled(now: Stat, after: frozenset[str], expected: frozenset[str]) -> bool:
    """Whether the folder holds just the names expected and its stat can be trusted as it is."""
    if now is None or after != expected:
        return False
    return not _racy(now[2], time.time_ns()) and now[2] % 1_000_000_000 != 0


def _prune(folder: Path) -> None:
    for old in folder.glob("*.pickle"):  # written by format 1, never read
        old.unlink(missing_ok=True)
    snapshots = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
    for old in snapshots[:-KEEP]:
        old.unlink(missing_ok=True)


def recording() -> Recorder | None:
    """The recorder of the ``status`` run in progress, if any (the dry run reports pytest's setup to it)."""
    return _active


def depends_on(path: Path) -> None:
    """A path the dry run checks without opening it (whether the features folder exists)."""
    if _active is not None:
        _active.saw(path)


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Nothing done inside is recorded (the parent's streams stay as they are): a forked prefetch
    child's reads, or pytest making its cache folder (under a temporary name beside it, renamed)."""
    global _active
    recorder, _active = _active, None
    try:
        yield
    finally:
        _active = recorder


def volatile() -> None:
    """The output depends on more than files (today's date, for manual evidence): save no snapshot."""
    if _active is not None:
        _active.unsafe = True
