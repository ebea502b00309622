"""Manual evidence: a person's recorded verdict on a requirement only a person can decide. Pure, no pytest.

One TOML file per record, ``<evidence>/<ID>.toml``::

    requirement = "UX-003"
    result = "pass"                  # or "fail"
    who = "A. Tester, usability lead"
    when = "2026-11-30"
    valid_until = "2027-05-30"       # optional: no date, no expiry
    artifact = "ux-003-report.pdf"   # optional, from the evidence folder or the rootdir
    sha256 = "..."                   # required with an artifact

A current record makes the requirement ``verified`` (pass) or ``failing`` (fail); past its
``valid_until`` it is ``pending`` (``expired``); a record that cannot be read, or whose artifact is
missing or has another digest, is an ``error`` naming the file and the field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_EVIDENCE = "evidence"
RESULTS = {"pass": "verified", "fail": "failing"}
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Verdict:
    """What a record decides: status, reason and a message that says who decided and when."""

    status: str
    reason: str
    message: str
    record: str  # the record's path, as shown


class _Bad(Exception):
    pass


def _field(data: Mapping[str, Any], key: str, *, required: bool = True) -> str:
    value = data.get(key)
    if value is None:
        if required:
            raise _Bad(f"field {key!r} is missing")
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise _Bad(f"field {key!r} must be a non-empty quoted string, found {value!r}")
    return value.strip()


def _date(data: Mapping[str, Any], key: str, *, required: bool) -> dt.date | None:
    text = _field(data, key, required=required)
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _Bad(f'field {key!r} must be an ISO date such as "2026-12-31", found {text!r}') from None


def _inside(path: Path, root: Path) -> bool:
    resolved, base = path.resolve(), root.resolve()
    return resolved == base or base in resolved.parents


def _artifact(data: Mapping[str, Any], folder: Path, rootdir: Path) -> str:
    artifact = _field(data, "artifact", required=False)
    digest = _field(data, "sha256", required=False).lower()
    if not artifact:
        if digest:
            raise _Bad("field 'sha256' is given without an 'artifact' it is the digest of")
        return ""
    if not _SHA256.match(digest):
        raise _Bad(f"field 'sha256' must be the 64 hex digits of {artifact}'s digest, found {digest!r}")
    _check_artifact(artifact, digest, folder, rootdir)
    return f"; artifact {artifact} (sha256 {digest[:12]}…)"


def _check_artifact(artifact: str, digest: str, folder: Path, rootdir: Path) -> None:
    """Raises _Bad unless ``artifact`` is a file (in ``folder`` or the rootdir) with this digest."""
    candidates = [folder / artifact, rootdir / artifact]
    found = next((p for p in candidates if _inside(p, rootdir) and p.is_file()), None)
    if found is None:
        raise _Bad(f"artifact {artifact!r} is not a file in the evidence folder or the rootdir")
    actual = hashlib.sha256(found.read_bytes()).hexdigest()
    if actual != digest:
        raise _Bad(f"artifact {artifact} changed since the record: its sha256 is {actual}, the record says {digest}")


def decide(data: Mapping[str, Any], folder: Path, rootdir: Path, today: dt.date) -> tuple[str, str, str]:
    """(status, reason, message) of one parsed record; raises _Bad for a record that cannot count."""
    result = _field(data, "result")
    if result not in RESULTS:
        raise _Bad(f'field \'result\' must be "pass" or "fail", found {result!r}')
    who = _field(data, "who")
    when = _date(data, "when", required=True)
    until = _date(data, "valid_until", required=False)
    artifact = _artifact(data, folder, rootdir)
    if when is not None and when > today:
        raise _Bad(f"field 'when' is {when.isoformat()}, after today ({today.isoformat()})")
    validity = f"; valid until {until.isoformat()}" if until else ""
    said = f"manual evidence: {result}, by {who} on {when}{validity}{artifact}"
    if until is not None and until < today:
        return "pending", "expired", f"{said}\nexpired: repeat the check and write a new record"
    return RESULTS[result], "manual", said


def load(folder: Path, rootdir: Path, today: dt.date | None = None) -> dict[str, Verdict]:
    """Requirement id → what its record decides; an empty mapping when the folder does not exist."""
    today = today or dt.date.today()
    verdicts: dict[str, Verdict] = {}
    if not folder.is_dir():
        return verdicts
    for path in sorted(folder.glob("*.toml")):
        verdicts[path.stem] = _verdict(path, folder, rootdir, today)
    return verdicts


def _verdict(path: Path, folder: Path, rootdir: Path, today: dt.date) -> Verdict:
    """What one record decides, or the error that keeps it from counting."""
    shown = _shown(path, rootdir)
    stem = path.stem
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return Verdict("error", "evidence", f"{shown}: the record cannot be read ({exc})", shown)
    requirement = data.get("requirement")
    if not isinstance(requirement, str) or requirement.strip() != stem:
        message = f"{shown}: field 'requirement' must be {stem!r} (the file's name), found {requirement!r}"
        return Verdict("error", "evidence", message, shown)
    try:
        status, reason, message = decide(data, folder, rootdir, today)
    except (_Bad, OSError) as exc:
        return Verdict("error", "evidence", f"{shown}: {exc}", shown)
    return Verdict(status, reason, f"{message} ({shown})", shown)


def _shown(path: Path, rootdir: Path) -> str:
    try:
        return path.resolve().relative_to(rootdir.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
