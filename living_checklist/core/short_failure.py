"""The short form of a failed live check, as pytest prints it under ``--tb=auto`` or ``--tb=short``.

A check of the step library (or ``living_checklist.check``) says everything in its message:
measured vs required, the command, how it ended, its output. The traceback through the harness
adds nothing a reader can act on, so the failure shows the step that failed (file and line) and
the message, its middle elided when it is long; ``--tb=long`` still shows everything.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

HEAD_LINES = 3  # the verdict (measured vs required) and the command, as the checks write them
TAIL_LINES = 1  # the end of the output
LINE_WIDTH = 160
KEEP_WHOLE = 8  # a message of at most this many lines is shown whole
STREAM = re.compile(r"(stdout|stderr)( \(.*\))?:")  # where an output excerpt starts (RunResult.describe)
LIBRARY = Path(__file__).resolve().parents[1]


def raised_in_library(frames: Sequence[str]) -> bool:
    """Whether the innermost frame (the last of ``frames``, their file paths) is in this package:
    a check of the step library or ``living_checklist.check``, not a project's own ``assert``."""
    return bool(frames) and Path(frames[-1]).resolve().is_relative_to(LIBRARY)


def short_form(step: str, message: str) -> str:
    """``step`` (``features/a.feature:12: Then ...``) and the message, long parts elided: the verdict
    and the command whole, of each output stream its last line (``--tb=long`` shows the rest)."""
    lines = [line if len(line) <= LINE_WIDTH else line[: LINE_WIDTH - 1] + "…" for line in message.split("\n")]
    if len(lines) > KEEP_WHOLE:
        blocks = _blocks(lines)
        lines = _elided(blocks[0], HEAD_LINES, TAIL_LINES)
        for block in blocks[1:]:
            lines += _elided(block, 1, TAIL_LINES)
    return "\n".join([step, *lines]) if step else "\n".join(lines)


def _blocks(lines: list[str]) -> list[list[str]]:
    """The message before the first output stream, then each stream's lines (its header first)."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        if STREAM.match(line):
            blocks.append([])
        blocks[-1].append(line)
    return blocks


def _elided(block: list[str], head: int, tail: int) -> list[str]:
    while len(block) > 1 and not block[-1].strip():  # an output's final newline
        block = block[:-1]
    if len(block) <= head + tail + 1:
        return block
    return [*block[:head], f"… {len(block) - head - tail} lines (--tb=long)", *block[-tail:]]
