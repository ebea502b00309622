"""sphinx-needs ``needs.json``: every need of the ``current_version`` is a requirement; statuses go back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from living_checklist.exchange.model import SourceError, SourceRequirement


def current_needs(data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, dict) or not isinstance(data.get("versions"), dict):
        raise SourceError(f"{where}: not a needs.json (expected 'current_version' and 'versions')")
    version = data.get("current_version")
    block = data["versions"].get(version)
    if not isinstance(block, dict) or not isinstance(block.get("needs"), dict):
        raise SourceError(f"{where}: current_version {version!r} has no 'needs' in 'versions'")
    needs: dict[str, Any] = block["needs"]
    return needs


def read(path: Path) -> list[SourceRequirement]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(f"{path}: not JSON ({exc})") from None
    return [_requirement(key, need, path) for key, need in current_needs(data, str(path)).items()]


def _requirement(key: str, need: Any, path: Path) -> SourceRequirement:
    if not isinstance(need, dict):
        raise SourceError(f"{path}: need {key!r} is not an object")
    text = need.get("content") or need.get("description") or ""
    title = need.get("title") or ""
    return SourceRequirement(str(need.get("id") or key), str(text).strip(), str(title).strip())
