"""Export: a JSON report's statuses, keyed by external id, as CSV, needs.json, ReqIF or Xray JSON.

Each requirement's external id is the id of the document it was imported from (the import state
under ``<seeds>/imports`` keeps the mapping), else its checklist id. ``measured`` is every
measurement of its cases as ``name: measured X unit, required >= Y``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from living_checklist.core import imports

# Xray Cloud's test run statuses: pending is work still to do, never a failure; an error (could not
# be run) is aborted, a skipped requirement (not applicable here) is to do with the reason.
XRAY_STATUS = {"verified": "PASSED", "failing": "FAILED", "pending": "TODO", "skipped": "TODO", "error": "ABORTED"}
REQIF_NS = "http://www.omg.org/spec/ReqIF/20110401/reqif.xsd"


class ExportError(Exception):
    """A report that cannot be exported (not a checklist JSON report): one line naming the file."""


@dataclass(frozen=True)
class Row:
    external_id: str
    id: str
    name: str
    status: str
    reason: str
    message: str
    measured: str


def _measured(req: Mapping[str, Any]) -> str:
    parts = []
    for case in req.get("cases", ()):
        for m in case.get("measurements", ()):
            unit = f" {m['unit']}" if m.get("unit") else ""
            text = f"{m['name']}: measured {m['value']}{unit}"
            if m.get("required") is not None:
                text += f", required {m.get('comparison', '')} {m['required']}".replace("  ", " ")
            parts.append(text)
    return "; ".join(dict.fromkeys(parts))


def rows(report: Mapping[str, Any], external: Mapping[str, str]) -> list[Row]:
    out = []
    for req in report["requirements"]:
        out.append(
            Row(
                external_id=external.get(req["id"], req["id"]),
                id=req["id"],
                name=req.get("name", ""),
                status=req["status"],
                reason=req.get("reason", ""),
                message=req.get("message", ""),
                measured=_measured(req),
            )
        )
    return out


def load_report(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExportError(f"{path}: not a JSON report ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("requirements"), list):
        raise ExportError(f"{path}: not a --checklist-json report (no 'requirements' list)")
    return data


def external_ids(seeds_dir: Path) -> dict[str, str]:
    try:
        return imports.external_ids(imports.load_states(seeds_dir))
    except imports.StateError as exc:
        raise ExportError(str(exc)) from None


def to_csv(items: Sequence[Row]) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "requirement", "name", "status", "reason", "measured", "message"])
    for r in items:
        writer.writerow([r.external_id, r.id, r.name, r.status, r.reason, r.measured, r.message])
    return out.getvalue()


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def to_needs(items: Sequence[Row], project: str = "living-checklist") -> str:
    """A needs.json (sphinx-needs' schema): one need per requirement, its status in ``status``."""
    needs = {
        r.external_id: {
            "id": r.external_id,
            "title": r.name,
            "type": "req",
            "status": r.status,
            "tags": [],
            "content": r.message,
            "checklist_id": r.id,
            "checklist_reason": r.reason,
            "checklist_measured": r.measured,
        }
        for r in items
    }
    version = {"created": _now(), "needs": needs, "needs_amount": len(needs)}
    data = {"created": _now(), "current_version": "1.0", "project": project, "versions": {"1.0": version}}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def to_xray(items: Sequence[Row]) -> str:
    """Xray's JSON import of test results: one test per requirement, keyed by its (Jira) key."""
    tests = []
    for r in items:
        comment = f"{r.status}" + (f" ({r.reason})" if r.reason else "") + (f": {r.message}" if r.message else "")
        if r.measured:
            comment += f"\n{r.measured}"
        tests.append({"testKey": r.external_id, "status": XRAY_STATUS[r.status], "comment": comment})
    info = {"summary": "living checklist", "description": "statuses exported by living-checklist"}
    return json.dumps({"info": info, "tests": tests}, indent=2, ensure_ascii=False) + "\n"


_ATTRIBUTES = (
    ("ReqIF.ForeignID", "external_id"),
    ("ReqIF.Name", "name"),
    ("Checklist.Id", "id"),
    ("Checklist.Status", "status"),
    ("Checklist.Reason", "reason"),
    ("Checklist.Measured", "measured"),
    ("Checklist.Message", "message"),
)


def _ncname(text: str, used: set[str]) -> str:
    """An XML ID (the ReqIF IDENTIFIER): the external id when it is one, else a cleaned one, unique."""
    name = text if re.fullmatch(r"[A-Za-z_][\w.-]*", text) else "_" + re.sub(r"[^\w.-]", "_", text)
    base, number = name, 1
    while name in used:
        number += 1
        name = f"{base}_{number}"
    used.add(name)
    return name


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{REQIF_NS}}}{tag}", {k.replace("_", "-"): v for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _reqif_types(content: ET.Element, now: str) -> None:
    datatypes = _sub(content, "DATATYPES")
    _sub(datatypes, "DATATYPE-DEFINITION-STRING", IDENTIFIER="DT-STRING", LAST_CHANGE=now, LONG_NAME="String",
         MAX_LENGTH="1000000")  # fmt: skip
    spec_types = _sub(content, "SPEC-TYPES")
    object_type = _sub(spec_types, "SPEC-OBJECT-TYPE", IDENTIFIER="ST-REQUIREMENT", LAST_CHANGE=now,
                       LONG_NAME="Checklist requirement")  # fmt: skip
    attributes = _sub(object_type, "SPEC-ATTRIBUTES")
    for long_name, _ in _ATTRIBUTES:
        definition = _sub(attributes, "ATTRIBUTE-DEFINITION-STRING", IDENTIFIER=f"AD-{long_name}", LAST_CHANGE=now,
                          LONG_NAME=long_name)  # fmt: skip
        _sub(_sub(definition, "TYPE"), "DATATYPE-DEFINITION-STRING-REF", "DT-STRING")
    _sub(spec_types, "SPECIFICATION-TYPE", IDENTIFIER="ST-CHECKLIST", LAST_CHANGE=now, LONG_NAME="Living checklist")


def _spec_object(objects: ET.Element, row: Row, identifier: str, now: str) -> None:
    """The SPEC-OBJECT of one requirement: a string value per attribute."""
    spec_object = _sub(objects, "SPEC-OBJECT", IDENTIFIER=identifier, LAST_CHANGE=now)
    values = _sub(spec_object, "VALUES")
    for long_name, attribute in _ATTRIBUTES:
        value = _sub(values, "ATTRIBUTE-VALUE-STRING", THE_VALUE=str(getattr(row, attribute)))
        _sub(_sub(value, "DEFINITION"), "ATTRIBUTE-DEFINITION-STRING-REF", f"AD-{long_name}")
    _sub(_sub(spec_object, "TYPE"), "SPEC-OBJECT-TYPE-REF", "ST-REQUIREMENT")


def to_reqif(items: Sequence[Row], title: str = "Living checklist statuses") -> str:
    """A ReqIF 1.2 document: a SPEC-OBJECT per requirement with its external id and status attributes."""
    ET.register_namespace("", REQIF_NS)
    now = _now()
    root = ET.Element(f"{{{REQIF_NS}}}REQ-IF")
    header = _sub(_sub(root, "THE-HEADER"), "REQ-IF-HEADER", IDENTIFIER="HEADER")
    for tag, text in (("CREATION-TIME", now), ("REQ-IF-TOOL-ID", "living-checklist"), ("REQ-IF-VERSION", "1.0"),
                      ("SOURCE-TOOL-ID", "living-checklist"), ("TITLE", title)):  # fmt: skip
        _sub(header, tag, text)
    content = _sub(_sub(root, "CORE-CONTENT"), "REQ-IF-CONTENT")
    _reqif_types(content, now)
    objects = _sub(content, "SPEC-OBJECTS")
    used: set[str] = {"DT-STRING", "ST-REQUIREMENT", "ST-CHECKLIST", "HEADER", "SPECIFICATION"}
    used |= {f"AD-{name}" for name, _ in _ATTRIBUTES}
    identifiers = []
    for row in items:
        identifier = _ncname(row.external_id, used)
        identifiers.append(identifier)
        _spec_object(objects, row, identifier, now)
    specification = _sub(_sub(content, "SPECIFICATIONS"), "SPECIFICATION", IDENTIFIER="SPECIFICATION",
                         LAST_CHANGE=now, LONG_NAME=title)  # fmt: skip
    _sub(_sub(specification, "TYPE"), "SPECIFICATION-TYPE-REF", "ST-CHECKLIST")
    children = _sub(specification, "CHILDREN")
    for number, identifier in enumerate(identifiers, start=1):
        hierarchy = _sub(children, "SPEC-HIERARCHY", IDENTIFIER=f"H-{number}", LAST_CHANGE=now)
        _sub(_sub(hierarchy, "OBJECT"), "SPEC-OBJECT-REF", identifier)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


WRITERS = {"csv": to_csv, "needs": to_needs, "reqif": to_reqif, "xray": to_xray}
