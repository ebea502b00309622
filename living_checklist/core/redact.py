"""Secrets masked before anything is shown or written: one rule for every report and the terminal.

A checklist's reports are artifacts: CI keeps them, uploads them, shows them to anyone with read
access, and never masks them. So whatever could carry a secret is redacted where it is made: the
environment (``checklist_url``, ``checklist_system``, ``checklist_service``) and every message
(``CaseOutcome``), and the failure text pytest shows. The rule, in README "When things go wrong":

- URL user info: ``http://user:pass@host`` becomes ``http://user:***@host``, ``http://token@host``
  becomes ``http://***@host``.
- A value named like a secret: a name whose last part (split at ``-``, ``_``, ``.`` and
  lower-to-upper case changes) is ``password``, ``passwd``, ``pwd``, ``passphrase``, ``token``,
  ``secret``, ``apikey``, ``credential(s)`` or ``auth``, or ``key`` after another part
  (``api_key``, ``secretKey``; a lone ``key`` only as a dashed option), followed by ``=`` or ``:``
  and a value (``--password=x``, ``api_key=x``, ``"token": "x"``, ``?access_token=x``), or a
  dashed option with that name followed by a separate argument not starting with ``-``
  (``--password x``).
- ``Authorization`` and ``Proxy-Authorization`` values to the end of the line or the quote, and
  whatever follows ``Bearer``.

Not redacted, on purpose (false positives would hide figures people need): one-letter options
(``-p 8080`` is a port as often as a password), names that merely contain such a word or start
with it (``monkey=1``, ``passes=3``, ``KeyError: 3``, ``token_count=5``, ``key=len``), and secrets
without a name. Pass those through environment variables
or files instead. Pure, standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["MASK", "is_secret_name", "redact_argv", "redact_text", "redact_url"]

MASK = "***"

_SECRET_PARTS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "token",
        "secret",
        "apikey",
        "credential",
        "credentials",
        "auth",
    }
)
_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
# Every repeat is bounded and every search starts at a hint or a separator, so no input makes
# redaction quadratic (a message can hold a MiB of a program's output on one line).
_HINT_WORDS = ("pass", "pwd", "token", "secret", "key", "credential", "auth")
_HINT = re.compile("|".join(_HINT_WORDS), re.IGNORECASE)
_NAME_CHARS = re.compile(r"[A-Za-z0-9_.-]{0,64}")
_SEPARATOR = re.compile(r"[\"']?[ \t]{0,16}[=:][ \t]{0,16}")
_GAP = re.compile(r"[ \t]{1,16}(?=[^\s\"'-])")
_VALUE = re.compile(r"\"[^\"\r\n]*\"|'[^'\r\n]*'|[^\s,;&\"'<>(){}\[\]]+")
_WORD = re.compile(r"[^\s\"']+")
# scheme://userinfo@ (the user info holds no "/", "?", "#", "@" or white space)
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]{0,31}://)(?P<info>[^/?#@\s\"'<>]{1,512})@")
# The same, cut short where a repr was truncated (pytest's saferepr puts "..." in the middle of a
# long value, so the "@" can be gone): user:password before the "...", a password that is no port.
_TRUNCATED_USERINFO = re.compile(
    r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]{0,31}://)(?P<user>[^/?#@\s\"'<>:]{1,256}):"
    r"(?P<secret>[^/?#@\s\"'<>]{1,256}?)\.\.\."
)
_AUTHORIZATION = re.compile(r"\b(?:proxy-)?authorization\b[\"']?[ \t]{0,16}[:=][ \t]{0,16}", re.IGNORECASE)
_HEADER_VALUE = re.compile(r"[^\r\n\"']*")
_BEARER = re.compile(r"(?P<head>\bbearer[ \t]{1,16})(?P<value>[A-Za-z0-9._~+/=-]+)", re.IGNORECASE)


def is_secret_name(name: str, option: bool = False) -> bool:
    """True when ``name`` ends in a part that names a secret (``api_key``, ``accessToken``,
    ``--db-password``). A lone ``key`` counts only as a dashed option (``--key x``): ``key=`` is
    Python's sort key and ``KeyError:`` an exception as often as anything secret."""
    parts = [part.lower() for part in _PART.findall(name)]
    if not parts:
        return False
    if parts[-1] in _SECRET_PARTS:
        return True
    return parts[-1] == "key" and (len(parts) > 1 or option)


def redact_url(url: str) -> str:
    """``url`` with its user info (``user:***@``, ``***@``) and secret-named query values masked."""
    return redact_text(url)


def _mask_userinfo(match: re.Match[str]) -> str:
    user, colon, _ = match["info"].partition(":")
    masked = f"{user}:{MASK}" if colon and user else MASK
    return f"{match['scheme']}{masked}@"


def _mask_truncated_userinfo(match: re.Match[str]) -> str:
    if match["secret"].strip("0123456789.") == "":  # host:8080... is a port, not a password
        return match[0]
    return f"{match['scheme']}{match['user']}:{MASK}..."


def _secret_value(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Where the value named by ``text[start:end]`` lies, when that name is a secret's."""
    name = text[start:end]
    bare = name.lstrip("-")
    option = name.startswith("-") and (start == 0 or text[start - 1] in " \t\"'")
    if not bare[:1].isalpha() or not is_secret_name(bare, option):
        return None
    found = _value_after(text, end, option and len(bare) > 1)
    if found is None or found.group().strip("\"'") in ("", MASK):
        return None
    return found.span()


def _value_after(text: str, end: int, long_option: bool) -> re.Match[str] | None:
    """The value after a name ending at ``end``: past ``=`` or ``:``, or, for a long enough
    option, the next word."""
    separator = _SEPARATOR.match(text, end)
    if separator is not None:
        return _VALUE.match(text, separator.end())
    if not long_option:
        return None
    gap = _GAP.match(text, end)
    return _WORD.match(text, gap.end()) if gap is not None else None


def _sub_named(text: str) -> str:
    """Mask each value that follows a name of a secret (``name=value``, ``name: value``, ``--name value``)."""
    backwards = text[::-1]
    pieces: list[str] = []
    position = scanned = 0
    for hint in _HINT.finditer(text):
        if hint.start() < scanned:
            continue
        before = _NAME_CHARS.match(backwards, len(text) - hint.start())
        start = hint.start() - (before.end() - before.start()) if before is not None else hint.start()
        after = _NAME_CHARS.match(text, hint.end())
        scanned = after.end() if after is not None else hint.end()
        span = _secret_value(text, max(start, position), scanned)
        if span is not None:
            pieces.append(text[position : span[0]] + _masked(text[span[0] : span[1]]))
            position = scanned = span[1]
    pieces.append(text[position:])
    return "".join(pieces)


def _masked(value: str) -> str:
    """The mask standing in for ``value``, inside the quotes it had."""
    quote = value[0] if value[0] in "\"'" and len(value) > 1 else ""
    return f"{quote}{MASK}{quote}"


def _sub_header(text: str) -> str:
    pieces: list[str] = []
    position = 0
    for match in _AUTHORIZATION.finditer(text):
        if match.start() < position:
            continue
        found = _HEADER_VALUE.match(text, match.end())
        if found is not None and found.group().strip() not in ("", MASK):
            pieces.append(text[position : match.end()] + MASK)
            position = found.end()
    pieces.append(text[position:])
    return "".join(pieces)


def _hinted(text: str, lowered: str) -> bool:
    """Whether a name of a secret may be in ``text``: ASCII text by plain substrings of its lower
    case (eight times faster, every case message goes through here), other text by the regex
    (its case folding matches more than ``str.lower`` finds, the long s and the Kelvin sign)."""
    if text.isascii():
        return any(word in lowered for word in _HINT_WORDS)
    return _HINT.search(text) is not None


def redact_text(text: str) -> str:
    """``text`` with every secret the rule above finds replaced by ``***``."""
    if not text:
        return text
    lowered = text.lower()
    if "://" in text:
        text = _USERINFO.sub(_mask_userinfo, text)
        if "..." in text:
            text = _TRUNCATED_USERINFO.sub(_mask_truncated_userinfo, text)
    if "authorization" in lowered:
        text = _sub_header(text)
    if "bearer" in lowered:
        text = _BEARER.sub(lambda match: f"{match['head']}{MASK}", text)
    return _sub_named(text) if _hinted(text, lowered) else text


def redact_argv(argv: Iterable[str]) -> list[str]:
    """A command line with secrets masked: ``--password=x`` and ``--password x`` alike, URLs' user
    info, ``Authorization: ...`` arguments (curl's ``-H``)."""
    masked: list[str] = []
    secret_option = False
    for arg in argv:
        if secret_option and not arg.startswith("-"):
            masked.append(MASK)
        else:
            masked.append(redact_text(arg))
        flag = arg.split("=", 1)[0]
        secret_option = arg.startswith("-") and "=" not in arg and len(flag.lstrip("-")) > 1
        secret_option = secret_option and is_secret_name(flag, True)
    return masked
