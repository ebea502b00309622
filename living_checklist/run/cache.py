"""The inventory cache: parsed feature files, keyed by their content, in pytest's cache folder.

Parsing is most of a dry run and a large part of collection. A feature file whose bytes are the
same as last time parses to the same ``FeatureDoc``, so the cache maps each file (by its path
from the rootdir) to the digest of its bytes and the document parsed from them. Every lookup
reads the file and compares digests: a changed file is parsed again, an added one is parsed, a
removed one is never asked for (and is dropped from the cache when it is saved). Nothing depends
on modification times. The key also holds what else decides the result (the features folder, the
id pattern, this package's inventory code and gherkin's version), so a change to any of them
starts afresh.

One file per project, JSON lines (never a pickle: loading one runs whatever it names, and anyone
who can write to the checkout can plant one): a header ``[format, key, count]``, then one
``[relpath, digest, document]`` per file, the document as ``living_checklist.core.plain`` writes
it. Loading checks every field's type; a file that is not exactly that shape (torn, foreign,
planted) is ignored and rewritten. The full run reads and writes it; the dry run (``living-checklist
status``) only reads it. (The dry run writes its own output's snapshot next to it, under
``status/``: see ``living_checklist.dryrun.snapshot``. Both live in pytest's cache folder, which pytest's
``.gitignore`` keeps out of version control.)
File handling only: pytest appears just to find its cache folder (``cache_folder``).
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from living_checklist.core import inventory, keys, plain
from living_checklist.core.files import read_regular
from living_checklist.core.inventory import FeatureDoc, area_of, parse_feature, relpath, unreadable
from living_checklist.core.plain import Malformed, decode_doc, encode_doc, integer, text
from living_checklist.run._compat import cache_subdir

if TYPE_CHECKING:
    import pytest

CACHE_FOLDER = keys.CACHE_FOLDER  # under pytest's cache folder: .pytest_cache/d/living_checklist
CACHE_FILE = "inventory.json"
OLD_FILE = "inventory.pickle"  # what versions before 3 wrote: removed when the cache is saved, never read
FORMAT = 3  # JSON lines: a header [format, key, count], then one [relpath, digest, document] per file
_DIGEST_CHARS = frozenset("0123456789abcdef")


def _code_version() -> str:
    """What, besides the file, decides a parse: our inventory code and gherkin-official's version."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"format {FORMAT}\n".encode())
    digest.update(Path(inventory.__file__).read_bytes())
    digest.update(Path(plain.__file__).read_bytes())
    digest.update(version("gherkin-official").encode())
    return digest.hexdigest()


def cache_folder(config: pytest.Config) -> Path | None:
    """The cache's folder in pytest's cache directory (not created); None with ``-p no:cacheprovider``."""
    return cache_subdir(config, CACHE_FOLDER)


def make_cache_folder(config: pytest.Config) -> Path:
    """Create the folder the way pytest's cache does (with its ``.gitignore``, so it is never committed)."""
    return Path(config.cache.mkdir(CACHE_FOLDER))


@contextmanager
def _no_gc() -> Iterator[None]:
    """Unpickling and parsing create tens of thousands of objects and no garbage cycles; the
    collector would rescan the growing heap many times over (W10k: 0.34 s -> 0.10 s to load)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class InventoryCache:
    """Feature documents by path and content digest; ``folder`` None means no cache (parse only)."""

    def __init__(self, folder: Path | None, features_dir: str, id_pattern: str) -> None:
        self.folder = folder
        self.features_dir = features_dir
        self.id_pattern = id_pattern
        self.key = f"{_code_version()}:{features_dir}:{id_pattern}" if folder is not None else ""
        self.entries: dict[str, tuple[str, FeatureDoc]] = {}
        self.dirty = False
        self.hits = 0
        self.misses = 0
        if folder is not None:
            self.entries = self._read(folder / CACHE_FILE)

    def _read(self, path: Path) -> dict[str, tuple[str, FeatureDoc]]:
        try:
            data = read_regular(path)
        except FileNotFoundError:
            return {}
        except OSError:
            self.dirty = True
            return {}
        try:
            with _no_gc():
                return self._decode(data)
        except (ValueError, TypeError, RecursionError):  # torn, foreign or planted (Malformed is a ValueError)
            self.dirty = True
            return {}

    def _decode(self, data: bytes) -> dict[str, tuple[str, FeatureDoc]]:
        lines = data.split(b"\n")
        fmt, key, count = _header(json.loads(lines[0]))
        if fmt != FORMAT or key != self.key:
            raise Malformed("another format or key")
        if len(lines) != count + 2 or lines[-1] != b"":
            raise Malformed("not as many entries as the header says")
        entries: dict[str, tuple[str, FeatureDoc]] = {}
        for line in lines[1:-1]:
            rel, digest, doc = _entry(line, entries)
            entries[rel] = (digest, doc)
        return entries

    def load_feature(
        self, path: Path, rootdir: Path, prefetched: tuple[str, str, str, str, FeatureDoc] | None = None
    ) -> FeatureDoc:
        """The parsed document of ``path``: from the cache when its bytes are unchanged, else parsed.

        ``prefetched`` (digest, relpath, features folder, id pattern, document) is what the dry
        run's prefetch parsed (see ``living_checklist.dryrun.prefetch``): taken instead of parsing only
        when all four inputs are the ones this parse would have.
        """
        rel = relpath(path, rootdir)
        try:
            data = read_regular(path)
        except OSError as exc:
            return unreadable(path, rel, exc)
        if self.folder is None and prefetched is None:
            return self._parse(data, rel)
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        cached = self._hit(rel, digest)
        if cached is not None:
            return cached
        self.misses += 1
        doc = self._parsed(data, rel, digest, prefetched)
        if self.folder is None:
            return doc
        self.entries[rel] = (digest, doc)
        self.dirty = True
        return doc

    def _hit(self, rel: str, digest: str) -> FeatureDoc | None:
        """The cached document of ``rel`` when its bytes are the ones cached (counted as a hit)."""
        entry = self.entries.get(rel)
        if entry is None or entry[0] != digest:
            return None
        self.hits += 1
        return entry[1]

    def _parsed(
        self, data: bytes, rel: str, digest: str, prefetched: tuple[str, str, str, str, FeatureDoc] | None
    ) -> FeatureDoc:
        """The prefetched document when it was parsed from these inputs, else a parse of ``data``."""
        if prefetched is not None and prefetched[:4] == (digest, rel, self.features_dir, self.id_pattern):
            return prefetched[4]
        return self._parse(data, rel)

    def _parse(self, data: bytes, rel: str) -> FeatureDoc:
        with _no_gc():
            return parse_feature(data, rel, area=area_of(rel, self.features_dir), id_pattern=self.id_pattern)

    def save(self, rootdir: Path, make_folder: Callable[[], Path]) -> None:
        """Write the cache if anything changed: atomically, without files that no longer exist.

        ``make_folder`` creates the cache's folder. A cache that cannot be written (a read-only
        checkout) is not an error: the next run parses again.
        """
        if self.folder is None:
            return
        if not self._drop_gone(rootdir) and not self.dirty:
            return
        try:
            self._write(make_folder())
        except OSError:
            return
        self.dirty = False

    def _drop_gone(self, rootdir: Path) -> bool:
        """Forget the files that no longer exist; whether there was any."""
        gone = [rel for rel in self.entries if not (rootdir / rel).is_file()]
        for rel in gone:
            del self.entries[rel]
        return bool(gone)

    def _write(self, folder: Path) -> None:
        """The whole cache into ``folder``, atomically (a temporary file renamed over the old one)."""
        fd, tmp = tempfile.mkstemp(prefix=f".{CACHE_FILE}.", dir=folder)
        try:
            # Without the collector: encoding allocates millions of short-lived lists and no
            # cycles, and every full collection would rescan the whole collected session (W100k:
            # 27 s -> 6 s to save on a loaded machine, most of the first run's cost of the cache).
            with os.fdopen(fd, "wb") as handle, _no_gc():
                handle.write(_line([FORMAT, self.key, len(self.entries)]))
                for rel, (digest, doc) in self.entries.items():
                    handle.write(_line([rel, digest, encode_doc(doc)]))
            os.replace(tmp, folder / CACHE_FILE)
            (folder / OLD_FILE).unlink(missing_ok=True)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _line(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("ascii") + b"\n"  # ASCII: \u escapes


def _entry(line: bytes, entries: dict[str, tuple[str, FeatureDoc]]) -> tuple[str, str, FeatureDoc]:
    """One entry line (relative path, digest, document) of a file not yet in ``entries``; ``Malformed`` otherwise."""
    rel, digest, raw = json.loads(line)
    if type(rel) is not str or not _is_digest(digest) or rel in entries:
        raise Malformed("not an entry")
    doc = decode_doc(raw)
    if doc.path != rel:
        raise Malformed("a document of another file")
    return rel, digest, doc


def _header(value: object) -> tuple[int, str, int]:
    if type(value) is not list or len(value) != 3:
        raise Malformed("not a header")
    return integer(value[0]), text(value[1]), integer(value[2])


def _is_digest(value: object) -> bool:
    return type(value) is str and len(value) == 32 and _DIGEST_CHARS.issuperset(value)
