"""Xray's export of Cucumber tests (``.feature`` files, a zip or a folder): one requirement per scenario.

Xray tags each exported scenario with its Test issue key, ``@TEST_CALC-2`` (Xray Cloud) or
``@CALC-2``; that key is the external id. The scenario's name is the title; its description and
steps, as Xray holds them, are the text (so a changed test definition makes the slot suspect).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from living_checklist.core.inventory import Requirement, parse_feature
from living_checklist.exchange.model import SourceError, SourceRequirement

_KEY = re.compile(r"^(?:TEST_)?([A-Z][A-Z0-9_]*-\d+)$")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def _features(path: Path) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of each .feature file of the folder or zip, by name."""
    if path.is_dir():
        files = (file for file in sorted(path.rglob("*.feature")) if file.is_file())
        yield from ((file.relative_to(path).as_posix(), file.read_bytes()) for file in files)
    else:
        yield from _zipped_features(path)


def _zipped_features(path: Path) -> Iterator[tuple[str, bytes]]:
    try:
        with zipfile.ZipFile(path) as archive:
            for name in sorted(archive.namelist()):
                if name.endswith(".feature"):
                    yield name, archive.read(name)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceError(f"{path}: not a zip of .feature files ({exc})") from None


def snapshot(path: Path) -> bytes:
    """The export's bytes: the file itself, or for a folder a zip of its .feature files built the same
    way every time (sorted names, fixed times), so that its sha256 changes only with its content."""
    if not path.is_dir():
        return path.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in _features(path):
            archive.writestr(zipfile.ZipInfo(name, date_time=_FIXED_TIME), data)
    return buffer.getvalue()


def _key(req: Requirement, where: str) -> str:
    for tag in req.own_tags:
        match = _KEY.match(tag)
        if match:
            return match.group(1)
    raise SourceError(f"{where}:{req.line}: scenario {req.name!r} has no Xray test key tag (e.g. @TEST_CALC-2)")


def read(path: Path) -> list[SourceRequirement]:
    out: list[SourceRequirement] = []
    seen: set[str] = set()
    for name, data in _features(path):
        doc = parse_feature(data, name, id_pattern=r"(?!)")
        if doc.errors:
            raise SourceError(f"{path}: {doc.errors[0]}")
        where = f"{path}/{name}" if path.is_dir() else f"{path}!{name}"
        for req in doc.requirements:
            key = _key(req, where)
            if key in seen:
                raise SourceError(f"{path}: two scenarios carry the test key {key}")
            seen.add(key)
            out.append(SourceRequirement(key, _text(req), req.name))
    return out


def _text(req: Requirement) -> str:
    """The scenario's description and steps, blank lines dropped."""
    steps = req.cases[0].steps if req.cases else req.outline_steps
    lines = [*req.description.splitlines(), *(f"{s.keyword.strip()} {s.text}" for s in steps)]
    return "\n".join(line for line in lines if line.strip())
