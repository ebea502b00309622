"""Progress over time (``--checklist-history``): one JSON line per complete run, a burn-up chart, what changed.

Pure except ``load`` and ``append``. A history line is ``{"time", "commit", "totals",
"statuses"}``: the totals of the JSON report and each requirement's status by id. The chart is
inline SVG (no script, no remote asset) with one point per run for requirements, defined and
verified.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from html import escape
from pathlib import Path
from typing import Any

from living_checklist.core.environment import git_commit
from living_checklist.core.escape import json_dumps
from living_checklist.core.files import read_regular
from living_checklist.core.status import Checklist

SERIES: tuple[tuple[str, str], ...] = (("requirements", "#6b7280"), ("defined", "#2563eb"), ("verified", "#16a34a"))
COMMIT_ENVS = ("GITHUB_SHA", "CI_COMMIT_SHA", "BUILD_VCS_NUMBER", "GIT_COMMIT")


class HistoryError(ValueError):
    """A history file that cannot be read: names the line."""


@dataclass(frozen=True)
class Change:
    id: str
    before: str | None  # None: new requirement
    after: str | None  # None: removed

    def describe(self) -> str:
        if self.before is None:
            return f"{self.id}: new ({self.after})"
        if self.after is None:
            return f"{self.id}: removed (was {self.before})"
        return f"{self.id}: {self.before} → {self.after}"


@dataclass(frozen=True)
class Progress:
    """What the Markdown and HTML show: every recorded run up to this one, and what changed."""

    entries: tuple[Mapping[str, Any], ...]
    changes: tuple[Change, ...]
    recorded: bool  # whether this run is among the entries (only complete runs are)


def entry(checklist: Checklist, *, time: str, commit: str | None) -> dict[str, Any]:
    totals = asdict(checklist.totals)
    totals["pending_by_reason"] = dict(checklist.totals.pending_by_reason)
    return {
        "time": time,
        "commit": commit,
        "totals": totals,
        "statuses": {r.requirement.id: r.status for r in checklist.results},
    }


def progress(earlier: Sequence[Mapping[str, Any]], current: Mapping[str, Any], complete: bool) -> Progress:
    previous = earlier[-1] if earlier else None
    entries = (*earlier, current) if complete else tuple(earlier)
    return Progress(entries, tuple(changes(previous, current)), complete)


def load(path: Path) -> list[dict[str, Any]]:
    """Every entry of the history file (none when it does not exist yet)."""
    try:
        text = read_regular(path).decode("utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise HistoryError(f"{path}: cannot be read ({exc})") from None
    lines = enumerate(text.splitlines(), start=1)
    return [_entry(f"{path}:{number}", line) for number, line in lines if line.strip()]


def _entry(where: str, line: str) -> dict[str, Any]:
    """One line's entry; ``HistoryError`` names the line (``where``: path and line number) and why."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise HistoryError(f"{where}:{exc.colno}: not a JSON line ({exc.msg})") from None
    except RecursionError:  # json.loads recurses once per level: hostile input must not crash pytest
        raise HistoryError(f"{where}:1: not a JSON line (nested too deeply to read)") from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise HistoryError(f"{where}:1: not a JSON line ({exc})") from None
    problem = _shape_problem(data)
    if problem:
        raise HistoryError(f"{where}:1: {problem}")
    return data  # type: ignore[no-any-return]


def _shape_problem(data: object) -> str | None:
    if not isinstance(data, dict):
        return "expected an object with time, commit, totals, statuses"
    missing = [key for key in ("time", "totals", "statuses") if key not in data]
    if missing:
        return f"missing {', '.join(missing)}; is this a --checklist-history file?"
    if not _integer_totals(data["totals"]):
        return "totals must hold integer requirements, defined and verified"
    if not isinstance(data["statuses"], dict):
        return "statuses must be an object of requirement id to status"
    return None


def _integer_totals(totals: object) -> bool:
    """An object holding an integer for each series the chart draws."""
    return isinstance(totals, dict) and all(isinstance(totals.get(k), int) for k, _ in SERIES)


def append(path: Path, item: Mapping[str, Any]) -> None:
    """Append one line; an earlier line is never rewritten."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json_dumps(item, compact=True)  # strict JSON: a lone surrogate in an id is escaped
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())


def current_commit(root: Path, environment: Mapping[str, Any] | None = None) -> str | None:
    """The commit being checked: CI's variable, else the environment's (``git`` at ``root``), else None."""
    for name in COMMIT_ENVS:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    if environment is not None and "git_commit" in environment:
        known = environment["git_commit"]
        return str(known) if known else None
    return git_commit(root)


def changes(previous: Mapping[str, Any] | None, current: Mapping[str, Any]) -> list[Change]:
    """What changed since the previous run, by requirement id, in the current run's order."""
    if previous is None:
        return []
    before: Mapping[str, str] = previous["statuses"]
    after: Mapping[str, str] = current["statuses"]
    out = [Change(rid, before.get(rid), status) for rid, status in after.items() if before.get(rid) != status]
    out += [Change(rid, status, None) for rid, status in before.items() if rid not in after]
    return out


def trend_line(entries: Sequence[Mapping[str, Any]], last: int = 8) -> str:
    """One line: defined and verified over the last runs, and the change since the previous one."""
    if not entries:
        return "history: no complete run recorded yet"
    shown = entries[-last:]
    defined, verified = _series(shown, "defined"), _series(shown, "verified")
    line = f"defined {defined}; verified {verified} (last {len(shown)} of {len(entries)} runs)"
    if len(entries) > 1:
        a, b = entries[-2]["totals"], entries[-1]["totals"]
        deltas = ", ".join(f"{_signed(b[k] - a[k])} {k}" for k, _ in SERIES)
        line += f"; since the previous run: {deltas}"
    return line


def _series(entries: Sequence[Mapping[str, Any]], key: str) -> str:
    """``3 → 5 → 8``: one total over the runs."""
    return " → ".join(str(e["totals"][key]) for e in entries)


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else str(n) if n < 0 else "±0"


def chart_svg(entries: Sequence[Mapping[str, Any]], *, width: int = 640, height: int = 220) -> str:
    """A burn-up chart: one polyline per series, one circle per run and series."""
    left, right, top, bottom = 44, 110, 12, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = max([1] + [int(e["totals"][k]) for e in entries for k, _ in SERIES])
    count = len(entries)

    def x(i: int) -> float:
        return left + (plot_w * i / (count - 1) if count > 1 else plot_w / 2)

    def y(v: int) -> float:
        return top + plot_h - plot_h * v / top_value

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="burnup" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="burn-up chart of {count} runs">',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#999"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#999"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" font-size="11">{top_value}</text>',
        f'<text x="{left - 6}" y="{top + plot_h + 4}" text-anchor="end" font-size="11">0</text>',
    ]
    parts += _date_labels(entries, x, height - 12)
    for n, (key, colour) in enumerate(SERIES):
        points = " ".join(f"{x(i):.1f},{y(int(e['totals'][key])):.1f}" for i, e in enumerate(entries))
        parts.append(
            f'<polyline class="series-{key}" fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'
        )
        parts += [_point(key, colour, e, x(i), y(int(e["totals"][key]))) for i, e in enumerate(entries)]
        ly = top + 14 + 18 * n
        parts.append(
            f'<rect x="{left + plot_w + 14}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{left + plot_w + 30}" y="{ly}" font-size="12">{key}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _date_labels(entries: Sequence[Mapping[str, Any]], x: Callable[[int], float], y: int) -> list[str]:
    """Each run's date under the chart; of more than 12 runs only the first's and the last's."""
    count = len(entries)
    labels = []
    for i, e in enumerate(entries):
        if count <= 12 or i in (0, count - 1):
            label = str(e.get("time", ""))[:10]
            labels.append(f'<text x="{x(i):.1f}" y="{y}" text-anchor="middle" font-size="10">{escape(label)}</text>')
    return labels


def _point(key: str, colour: str, entry: Mapping[str, Any], cx: float, cy: float) -> str:
    """One run's circle on a series, its tooltip the value, time and commit."""
    value = int(entry["totals"][key])
    commit = str(entry.get("commit") or "")[:10]
    tip = f"{key} {value} · {entry.get('time', '')}" + (f" · {commit}" if commit else "")
    return (
        f'<circle class="point point-{key}" cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{colour}">'
        f"<title>{escape(tip)}</title></circle>"
    )
