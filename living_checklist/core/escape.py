"""What strict JSON and a terminal cannot carry, escaped. Pure, no imports of ours (the inventory
uses it too); the ``reports`` package re-exports it and its write path applies it.

A report is built from text nobody vetted: scenario names, step text, a program's output, file
names that are not UTF-8 (they arrive as lone surrogates). Strict JSON readers (JavaScript's
``JSON.parse``) reject ``NaN`` and ``Infinity``; UTF-8 cannot encode a lone surrogate; a terminal
acts on ANSI and OSC escape sequences instead of showing them. Each is shown, never dropped.
"""

from __future__ import annotations

import html
import json
import math
import re
from typing import Any

# C0 controls but tab and newline, DEL, C1 controls (CSI, OSC ...), lone surrogates, and the
# bidirectional overrides that reorder what a reader sees.
_UNSHOWABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")


_NAMED = {"\r": "\\r", "\b": "\\b", "\f": "\\f", "\v": "\\v", "\0": "\\0"}


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]  # a carriage return reads as \r, as a program writes it
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``); tabs and newlines stay."""
    return _UNSHOWABLE.sub(_escape_char, text)


def html_text(text: str, quote: bool = True) -> str:
    """``text`` for HTML: control characters shown as in the terminal (``\\r``, ``\\x1e``), then
    ``&<>`` (and, ``quote``, both quotes) escaped. Ids and values that links and filters match keep
    ``html.escape`` alone, so they stay equal to the percent-encoded links that point at them."""
    return html.escape(terminal_safe(text), quote)


def indented(text: str, prefix: str = "    ") -> str:
    """``text`` with control characters escaped and every line indented: what a system or service
    printed never reaches a terminal as escapes, nor a CI log at column 0, where ``::error::`` or
    ``::add-mask::`` would be read as a workflow command."""
    return "\n".join(prefix + line for line in terminal_safe(text).split("\n"))


def text_safe(text: str) -> str:
    """``text`` that UTF-8 can encode: a lone surrogate (an undecodable file name byte) becomes ``\\udcff``."""
    return _SURROGATE.sub(_escape_char, text)


def json_safe(value: Any) -> Any:
    """A copy strict JSON can carry: non-finite numbers as the strings ``NaN``, ``Infinity``,
    ``-Infinity``; lone surrogates escaped. Other values are returned as they are."""
    if isinstance(value, float):
        return _float_safe(value)
    if isinstance(value, str):
        return text_safe(value)
    if isinstance(value, dict):
        return {json_safe(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    return value


def _float_safe(value: float) -> float | str:
    if math.isfinite(value):
        return value
    return "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"


def json_dumps(data: Any, *, indent: int | None = 2, compact: bool = False) -> str:
    """Strict JSON text (RFC 8259) of ``data``, ending in a newline (``compact``: one line, no spaces,
    as NDJSON wants). The fast path is plain ``json.dumps``; only data holding something strict
    JSON cannot carry is copied by ``json_safe``."""
    separators = (",", ":") if compact else None
    indent = None if compact else indent
    try:
        text = json.dumps(data, indent=indent, separators=separators, ensure_ascii=False, allow_nan=False)
        if _SURROGATE.search(text) is None:
            return text + "\n"
    except ValueError:  # NaN or an infinity
        pass
    return json.dumps(json_safe(data), indent=indent, separators=separators, ensure_ascii=False, allow_nan=False) + "\n"
