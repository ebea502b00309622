"""``living-checklist export REPORT.json --format needs|reqif|csv|xray -o OUT``: statuses go back."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from living_checklist.cli._common import EXIT_BAD_INPUT, EXIT_OK
from living_checklist.core.escape import terminal_safe
from living_checklist.exchange import export


def cmd_export(args: argparse.Namespace) -> int:
    try:
        report = export.load_report(Path(args.report))
        items = export.rows(report, export.external_ids(Path(args.seeds)))
        text = export.WRITERS[args.format](items)
        Path(args.output).write_text(text, encoding="utf-8")
    except (export.ExportError, OSError) as exc:
        print(terminal_safe(str(exc)), file=sys.stderr)
        return EXIT_BAD_INPUT
    counts: dict[str, int] = {}
    for item in items:
        counts[item.status] = counts.get(item.status, 0) + 1
    summary = ", ".join(f"{status} {n}" for status, n in sorted(counts.items()))
    print(terminal_safe(f"wrote {args.output} ({args.format}): {len(items)} requirements ({summary})"))
    return EXIT_OK
