"""Exceptions a step definition raises to say "not defined yet" or "this value is wrong"."""

from __future__ import annotations

from typing import NoReturn

PENDING_REASONS = ("undefined", "placeholder", "tbd", "tagged", "empty", "inconclusive", "suspect", "expired")


class Pending(Exception):
    """Raised by a step definition whose requirement is not decided yet.

    The case is reported as pending (xfail), never as passed. ``reason`` is one of
    ``PENDING_REASONS``; placeholders use ``"placeholder"``, steps waiting for a value ``"tbd"``.
    """

    def __init__(self, message: str = "", reason: str = "placeholder") -> None:
        if reason not in PENDING_REASONS:
            raise ValueError(f"Pending reason must be one of {', '.join(PENDING_REASONS)}; got {reason!r}")
        super().__init__(message)
        self.message = message
        self.reason = reason


def pending(message: str = "", reason: str = "placeholder") -> NoReturn:
    """Mark the running step as not defined yet, saying what information is missing."""
    raise Pending(message, reason)


class InvalidValue(Exception):
    """A step value that is neither a number nor ``TBD``: the requirement is an error, not pending."""
