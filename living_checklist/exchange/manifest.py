"""The seeds manifest entry of an imported file, written without disturbing the other entries."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

_HEADER = re.compile(r"^\s*\[\[\s*seed\s*\]\]\s*(#.*)?$")
_TABLE = re.compile(r"^\s*\[")
_ID = re.compile(r"^\s*id\s*=\s*\"([^\"]*)\"\s*(#.*)?$")


def _string(value: str) -> str:
    # A JSON string is a TOML basic string (the escapes json.dumps writes are TOML's too).
    return json.dumps(value, ensure_ascii=False)


def entry(seed: str, file: str, sha256: str, kind: str, date: str, title: str, requirements: Sequence[str]) -> str:
    ids = ", ".join(_string(r) for r in requirements)
    if len(requirements) > 3:  # one a line: a re-import's diff shows the ids that came and went
        ids = "\n" + "".join(f"    {_string(r)},\n" for r in requirements)
    lines = [
        "[[seed]]",
        f"id = {_string(seed)}",
        f"file = {_string(file)}",
        f"sha256 = {_string(sha256)}",
        f"kind = {_string(kind)}",
        f"date = {_string(date)}",
        f"title = {_string(title)}",
        f"requirements = [{ids}]",
    ]
    if not requirements:
        lines.append(f"verdict = {_string('No requirement drawn: the imported file holds none.')}")
    return "\n".join(lines) + "\n"


def _blocks(lines: list[str]) -> list[tuple[int, int]]:
    """(start, end) line indexes of each ``[[seed]]`` table: up to the next table header or EOF."""
    starts = [i for i, line in enumerate(lines) if _HEADER.match(line)]
    return [(start, _table_end(lines, start)) for start in starts]


def _table_end(lines: list[str], start: int) -> int:
    return next((j for j in range(start + 1, len(lines)) if _TABLE.match(lines[j])), len(lines))


def field(text: str, seed: str, key: str) -> str | None:
    """A string field of the entry of ``seed``, if the manifest has one (for the date of a re-import)."""
    lines = text.splitlines()
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=\s*(\".*\")\s*$")
    for start, end in _seed_blocks(lines, seed):
        for line in lines[start:end]:
            found = pattern.match(line)
            if found:
                value = json.loads(found.group(1))
                return value if isinstance(value, str) else None
    return None


def upsert(text: str, seed: str, new_entry: str) -> str:
    """The manifest with the entry of ``seed`` replaced by ``new_entry``, or appended when it has none."""
    if not text.strip():
        text = "# Source documents that requirements may be traced to. Format: seeds/README.md.\nschema = 1\n"
    lines = text.splitlines()
    for start, end in _seed_blocks(lines, seed)[:1]:
        tail = _separator_start(lines, start, end)  # the blank lines and comments before the next table stay
        return "\n".join([*lines[:start], *new_entry.rstrip("\n").split("\n"), *lines[tail:end], *lines[end:]]) + "\n"
    return text.rstrip("\n") + "\n\n" + new_entry


def _seed_blocks(lines: list[str], seed: str) -> list[tuple[int, int]]:
    """The ``[[seed]]`` tables whose id is ``seed``."""
    return [(start, end) for start, end in _blocks(lines) if _holds_id(lines[start:end], seed)]


def _holds_id(block: list[str], seed: str) -> bool:
    return any((m := _ID.match(line)) and m.group(1) == seed for line in block)


def _separator_start(lines: list[str], start: int, end: int) -> int:
    """Where the blank and comment lines that end the table ``lines[start:end]`` begin."""
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return end
