"""Readers: a requirement document → its requirements (external id, title, text), in document order."""

from __future__ import annotations

import csv
import importlib
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from living_checklist.exchange.model import SourceError as SourceError
from living_checklist.exchange.model import SourceRequirement as SourceRequirement

FORMATS = ("csv", "xlsx", "reqif", "needs", "xray")


@dataclass(frozen=True)
class Columns:
    id: str = "id"
    text: str = "text"
    title: str = "title"  # used when present
    sheet: str = ""  # XLSX: the first sheet unless named


_SUFFIXES = {
    ".zip": "xray",
    ".csv": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".reqif": "reqif",
    ".reqifz": "reqif",
    ".json": "needs",
}


def guess_format(path: Path) -> str:
    name = path.name.lower()
    if path.is_dir():
        return "xray"
    for suffix, kind in _SUFFIXES.items():
        if name.endswith(suffix):
            return kind
    raise SourceError(f"{path}: cannot tell the format from the name; give --format {'|'.join(FORMATS)}")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _at(cells: Sequence[str], at: int | None) -> str:
    return cells[at] if at is not None and at < len(cells) else ""


def _header(header: Sequence[object], columns: Columns, where: str) -> tuple[int, int, int | None]:
    """Where the id, text and (optional) title columns are; names compare without case."""
    names = [_cell(h) for h in header]
    lowered = [n.lower() for n in names]

    def required(wanted: str, option: str) -> int:
        if wanted.lower() in lowered:
            return lowered.index(wanted.lower())
        found = ", ".join(repr(n) for n in names if n) or "none"
        raise SourceError(f"{where}: no column {wanted!r} in the header row (found {found}); name it with {option}")

    title = lowered.index(columns.title.lower()) if columns.title.lower() in lowered else None
    return required(columns.id, "--id-column"), required(columns.text, "--text-column"), title


def from_rows(rows: Iterable[Sequence[object]], columns: Columns, where: str) -> list[SourceRequirement]:
    """Rows whose first row is the header: one requirement per row with an id (blank rows skipped)."""
    iterator = iter(rows)
    header = next(iterator, None)
    if header is None:
        raise SourceError(
            f"{where}: empty: expected a header row naming the columns {columns.id!r} and {columns.text!r}"
        )
    id_at, text_at, title_at = _header(header, columns, where)
    out: list[SourceRequirement] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(iterator, start=2):
        cells = [_cell(c) for c in row]
        if not any(cells):
            continue
        ext = _at(cells, id_at)
        _check_id(ext, seen, f"{where}: row {number}", columns.id)
        seen[ext] = number
        out.append(SourceRequirement(ext, _at(cells, text_at), _at(cells, title_at)))
    return out


def _check_id(ext: str, seen: Mapping[str, int], where: str, column: str) -> None:
    """A row's id is there and on no earlier row (``seen``: id → its row)."""
    if not ext:
        raise SourceError(f"{where}: the {column!r} column is empty")
    if ext in seen:
        raise SourceError(f"{where}: id {ext!r} appears again (first on row {seen[ext]})")


def _delimiter(path: Path, text: str) -> str:
    if path.suffix.lower() == ".tsv":
        return "\t"
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","  # ";": locales whose decimal mark is a comma


def read_csv(path: Path, columns: Columns) -> list[SourceRequirement]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot be read as UTF-8 text ({exc})") from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(path, text)))
    except csv.Error as exc:
        raise SourceError(f"{path}: not CSV ({exc})") from None
    return from_rows(rows, columns, str(path))


def read_xlsx(path: Path, columns: Columns) -> list[SourceRequirement]:
    import zipfile

    import openpyxl  # type: ignore[import-untyped]

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise SourceError(f"{path}: not an XLSX workbook ({exc})") from None
    try:
        if columns.sheet:
            if columns.sheet not in book.sheetnames:
                raise SourceError(f"{path}: no sheet {columns.sheet!r} (sheets: {', '.join(book.sheetnames)})")
            sheet = book[columns.sheet]
        else:
            sheet = book.worksheets[0]
        return from_rows(sheet.iter_rows(values_only=True), columns, f"{path} (sheet {sheet.title})")
    finally:
        book.close()


def read(path: Path, kind: str, columns: Columns) -> list[SourceRequirement]:
    if kind == "csv":
        return read_csv(path, columns)
    if kind == "xlsx":
        return read_xlsx(path, columns)
    if kind in ("reqif", "needs", "xray"):  # imported when used: reqif needs the optional package
        reader: Callable[[Path], list[SourceRequirement]] = importlib.import_module(
            f"living_checklist.exchange.{kind}_io"
        ).read
        return reader(path)
    raise SourceError(f"unknown format {kind!r}; one of {', '.join(FORMATS)}")
