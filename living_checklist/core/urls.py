"""Why a request cannot go to a configured URL as written (``checklist_url``, ``checklist_services``).

Pure: no imports of ours, no pytest; the settings turn a problem into a usage error.
"""

from __future__ import annotations

import urllib.parse


def url_problem(parts: urllib.parse.SplitResult) -> str | None:
    """Why a request cannot go to this URL as written: a space or control character anywhere, a
    non-ASCII character outside the host, a host no resolver can be asked for; or None."""
    text = parts.geturl()
    return _unprintable(text) or _wide(parts, text) or _bad_host(parts)


def _unprintable(text: str) -> str | None:
    bad = next((c for c in text if ord(c) <= 0x20 or ord(c) == 0x7F), None)
    if bad is None:
        return None
    kind = "a space" if bad == " " else "a control character"
    return f"it contains {kind} ({bad!r}), which no request can carry as written: percent-encode it"


def _wide(parts: urllib.parse.SplitResult, text: str) -> str | None:
    """A non-ASCII character outside the host: in the user information or after the authority."""
    userinfo = parts.netloc.rpartition("@")[0]
    wide = next((c for c in userinfo + text[len(parts.scheme) + 2 + len(parts.netloc) :] if ord(c) > 0x7F), None)
    if wide is None:
        return None
    return f"it contains the non-ASCII {wide!r} outside the host: percent-encode it (UTF-8)"


def _bad_host(parts: urllib.parse.SplitResult) -> str | None:
    try:
        (parts.hostname or "").encode("idna")
    except UnicodeError as exc:
        return f"the host {parts.hostname!r} is not a valid host name ({exc})"
    return None
