"""ReqIF (``.reqif``, ``.reqifz``) through the ``reqif`` package: read spec objects, write statuses back.

What counts as one requirement: a SPEC-OBJECT, except headings and sections (its type is named like
Heading, Section or Chapter, or it has a ``ReqIF.ChapterName`` and no ``ReqIF.Text``), as StrictDoc
and DOORS/Polarion exports mark them. Its external id is ``ReqIF.ForeignID`` when present (the key
DOORS and Polarion users know, e.g. ``LOREM-818``), else the SPEC-OBJECT's IDENTIFIER; its text is
``ReqIF.Text`` (XHTML reduced to its words), else ``ReqIF.Name``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from living_checklist.exchange.model import SourceError, SourceRequirement

_SECTION_TYPE = re.compile(r"heading|section|chapter", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def plain(value: object) -> str:
    """An attribute value as text: XHTML tags dropped, entities decoded, whitespace per line collapsed."""
    text = value if isinstance(value, str) else "" if value is None else str(value)
    text = re.sub(r"<(br|/p|/div|/li)[^>]*>", "\n", text, flags=re.IGNORECASE)
    text = html.unescape(_TAG.sub(" ", text))
    return "\n".join(filter(None, (" ".join(line.split()) for line in text.splitlines())))


def _bundles(path: Path) -> Iterator[Any]:
    from reqif.parser import ReqIFParser, ReqIFZParser  # type: ignore[import-untyped]

    try:
        if path.suffix.lower() == ".reqifz":
            yield from ReqIFZParser.parse(str(path)).reqif_bundles.values()
        else:
            yield ReqIFParser.parse(str(path))
    except Exception as exc:  # the reqif package raises its own and lxml's errors
        raise SourceError(f"{path}: not a ReqIF document ({type(exc).__name__}: {exc})") from None


def _named_values(bundle: Any, spec_object: Any) -> tuple[str, dict[str, str]]:
    """The spec object's type name and its attribute values by attribute long name."""
    spec_type = bundle.lookup.get_spec_type_by_ref(spec_object.spec_object_type)
    names = _attribute_names(spec_type)
    values = {}
    for attribute in spec_object.attributes:
        name = names.get(attribute.definition_ref, attribute.definition_ref)
        values[name] = plain(attribute.value)
    return spec_type.long_name or "", values


def _attribute_names(spec_type: Any) -> dict[str, str]:
    """The long name of each of the type's attribute definitions (its identifier when it has none)."""
    return {d.identifier: d.long_name or d.identifier for d in spec_type.attribute_definitions or ()}


def read(path: Path) -> list[SourceRequirement]:
    out: list[SourceRequirement] = []
    seen: set[str] = set()
    for bundle in _bundles(path):
        for spec_object in _spec_objects(bundle):
            found = _requirement(bundle, spec_object)
            if found is None:
                continue
            if found.external_id in seen:
                raise SourceError(f"{path}: two SPEC-OBJECTs have the id {found.external_id!r}")
            seen.add(found.external_id)
            out.append(found)
    return out


def _spec_objects(bundle: Any) -> Sequence[Any]:
    content = bundle.core_content.req_if_content if bundle.core_content else None
    return content.spec_objects if content is not None and content.spec_objects else ()


def _is_section(type_name: str, values: dict[str, str]) -> bool:
    """A heading or section: its type says so, or it has a chapter name and no text."""
    heading = "ReqIF.ChapterName" in values and not values.get("ReqIF.Text")
    return bool(_SECTION_TYPE.search(type_name)) or heading


def _requirement(bundle: Any, spec_object: Any) -> SourceRequirement | None:
    """The requirement a SPEC-OBJECT states, or ``None`` for a section or a heading."""
    type_name, values = _named_values(bundle, spec_object)
    if _is_section(type_name, values):
        return None
    external_id = values.get("ReqIF.ForeignID") or spec_object.identifier
    text = values.get("ReqIF.Text") or values.get("ReqIF.Name", "")
    title = values.get("ReqIF.Name") or values.get("ReqIF.ChapterName", "")
    return SourceRequirement(external_id, text, title if title != text else "")
