"""What every importer gives: one requirement of a source document, or one line saying why it cannot
be read. The format readers (csv and xlsx in ``sources``, ``reqif_io``, ``needs_io``, ``xray_io``) and
``slots`` import these, and ``sources`` dispatches to the readers: no reader imports ``sources``."""

from __future__ import annotations

from dataclasses import dataclass


class SourceError(Exception):
    """A document that cannot be read as the format says: one line naming the file, row or field."""


@dataclass(frozen=True)
class SourceRequirement:
    external_id: str
    text: str
    title: str = ""
