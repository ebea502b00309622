"""Attachments: evidence a step, hook or fixture adds to the running case (``living_checklist.attach``).

Pure (standard library only). The run side says which case is running (``running``) and where in
it (before its steps, in step N, after them); the attachment travels with the case's outcome as
built-in types, so it reaches the controller under xdist, and the reports write it as Cucumber
Messages ``attachment``, Cucumber JSON ``embeddings`` and in the HTML.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = ["LOG_MEDIA_TYPE", "MAX_BYTES", "MEASUREMENT_MEDIA_TYPE", "URI_MEDIA_TYPE", "Attachment", "attach"]

LOG_MEDIA_TYPE = "text/x.cucumber.log+plain"  # Cucumber's log(text)
URI_MEDIA_TYPE = "text/uri-list"  # Cucumber's link(uri)
MEASUREMENT_MEDIA_TYPE = "application/vnd.living-checklist.measurement+json"
MAX_BYTES = 1024 * 1024  # one attachment; a report holds every one of them


@dataclass(frozen=True, slots=True)
class Attachment:
    """One attachment: its body (text, or base64 of bytes), media type, name and where it was made.

    ``step`` is the index of the step that was running, -1 before the first step (setup), and the
    number of steps after the last (teardown).
    """

    body: str
    media_type: str
    base64: bool = False
    name: str = ""
    step: int = -1

    def data(self) -> bytes:
        return base64.b64decode(self.body) if self.base64 else self.body.encode("utf-8")

    def to_data(self) -> list[object]:
        return [self.body, self.media_type, self.base64, self.name, self.step]

    @classmethod
    def from_data(cls, data: list[object]) -> Attachment:
        body, media_type, is_base64, name, step = data
        return cls(str(body), str(media_type), bool(is_base64), str(name), int(step))  # type: ignore[call-overload]


def encode(attachments: tuple[Attachment, ...]) -> str:
    return json.dumps([a.to_data() for a in attachments], ensure_ascii=False, separators=(",", ":"))


def decode(text: str) -> tuple[Attachment, ...]:
    if not text:
        return ()
    try:
        return tuple(Attachment.from_data(row) for row in json.loads(text))
    except (ValueError, TypeError):
        return ()


@dataclass
class _Case:
    attachments: list[Attachment]
    where: Callable[[], int]


_RUNNING: ContextVar[_Case | None] = ContextVar("living_checklist_running_case", default=None)


@contextmanager
def running(attachments: list[Attachment], where: Callable[[], int]) -> Iterator[None]:
    """While the block runs, ``attach`` adds to ``attachments`` at the position ``where()`` says."""
    token = _RUNNING.set(_Case(attachments, where))
    try:
        yield
    finally:
        _RUNNING.reset(token)


def attach(data: str | bytes, media_type: str, name: str | None = None) -> None:
    """Attach ``data`` (text, or bytes) of ``media_type`` to the running case, named ``name``.

    Call it in a step, a pytest-bdd hook or a fixture of a scenario. Cucumber's ``log(text)`` is
    ``attach(text, "text/x.cucumber.log+plain")``, ``link(uri)`` is ``attach(uri, "text/uri-list")``.
    """
    case = _RUNNING.get()
    if case is None:
        raise RuntimeError("attach() is for a running scenario: call it in a step, a hook or a fixture of one")
    if not isinstance(media_type, str) or "/" not in media_type:
        raise ValueError(f"attach(): media_type must be a type/subtype string such as 'text/plain', not {media_type!r}")
    size, attachment = _attachment(data, media_type, name or "", case.where)
    if size > MAX_BYTES:
        raise ValueError(
            f"attach(): {size} bytes is more than the {MAX_BYTES} an attachment may hold; attach a file path"
        )
    case.attachments.append(attachment)


def _attachment(data: object, media_type: str, name: str, where: Callable[[], int]) -> tuple[int, Attachment]:
    """The attachment of ``data`` (bytes base64-encoded) and its size in bytes."""
    if isinstance(data, str):
        return len(data.encode("utf-8")), Attachment(data, media_type, False, name, where())
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        return len(raw), Attachment(base64.b64encode(raw).decode("ascii"), media_type, True, name, where())
    raise TypeError(f"attach(): data must be str or bytes, not {type(data).__name__}")
