"""The argument parsers of ``import``, ``export`` and ``review`` (requirements in and out)."""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

from living_checklist.cli._common import exit_codes

IMPORT_FORMATS = ("csv", "xlsx", "reqif", "needs", "xray")
EXPORT_FORMATS = ("needs", "reqif", "csv", "xray")


def _override(sub: argparse.ArgumentParser, *flags: str) -> None:
    sub.add_argument(
        *flags,
        dest="override_ini",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override an ini setting, as pytest's -o (e.g. -o checklist_features=reqs)",
    )


def add_parsers(commands: Any) -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    imp = commands.add_parser(
        "import",
        help="a pending TBD slot per requirement of a CSV, XLSX, ReqIF, needs.json or Xray export",
        description=textwrap.fill(
            "Write a pending slot (one TBD step) per requirement of FILE, tagged with its id (mapped when "
            "checklist_id_pattern refuses it), its text as the scenario's description, in one feature file "
            "per source (default: a folder per source under the features folder). A copy of FILE goes under "
            "seeds/imports/ with its sha256 in the seeds manifest. Importing again adds new slots, rewrites "
            "none that is filled in (any step differs from what the import wrote), makes a slot whose text "
            "changed pending (suspect) until `review`, and reports requirements the file no longer holds "
            "(their slots are kept).",
            width=88,
        ),
        epilog=exit_codes("imported (or nothing to change)", None),
        formatter_class=formatter,
    )
    imp.add_argument(
        "file",
        metavar="FILE",
        help="the document: .csv (or .tsv), .xlsx, .reqif or .reqifz, a needs.json, or an Xray export of "
        ".feature files (a .zip or a folder)",
    )
    imp.add_argument("--format", choices=IMPORT_FORMATS, help="the document's format (default: from its name)")
    imp.add_argument(
        "--into", metavar="DIR", help="folder under the features folder for the slots (default: features/<source>)"
    )
    imp.add_argument("--id-column", default="id", metavar="NAME", help="CSV/XLSX: the id column (default: id)")
    imp.add_argument("--text-column", default="text", metavar="NAME", help="CSV/XLSX: the text column (default: text)")
    imp.add_argument(
        "--title-column",
        default="title",
        metavar="NAME",
        help="CSV/XLSX: the column naming the scenario, when present (default: title)",
    )
    imp.add_argument("--sheet", metavar="NAME", help="XLSX: the sheet (default: the first)")
    imp.add_argument("--json", action="store_true", help="say what was done as JSON")
    _override(imp, "-o", "--override-ini")
    imp.set_defaults(run="living_checklist.cli.imports:cmd_import")

    review = commands.add_parser(
        "review",
        help="accept the changed source text of suspect slots (the slot still says what it asks)",
        description=textwrap.fill(
            "Record the current source text of each imported requirement ID (its checklist id or its "
            "external id) as reviewed, so that it is no longer pending (suspect).",
            width=88,
        ),
        epilog=exit_codes("reviewed (an ID that was not suspect is named, and left as it was)", None),
        formatter_class=formatter,
    )
    review.add_argument("ids", nargs="+", metavar="ID", help="requirement ids of imported slots")
    review.add_argument("--json", action="store_true", help="say what was done as JSON")
    _override(review, "-o", "--override-ini")
    review.set_defaults(run="living_checklist.cli.review:cmd_review")
    export = commands.add_parser(
        "export",
        help="write a report's statuses back as needs.json, ReqIF, CSV or an Xray import",
        description=textwrap.fill(
            "Read a --checklist-json report and write each requirement's status, reason and measured-vs-"
            "required values, keyed by its external id (the id in the document it was imported from; its "
            "own id otherwise): a sphinx-needs needs.json, a ReqIF file, a CSV, or Xray's JSON import "
            "format (pending stays TO DO, never a failure).",
            width=88,
        ),
        epilog=exit_codes("written", None),
        formatter_class=formatter,
    )
    export.add_argument("report", metavar="REPORT.json", help="a --checklist-json report (or a merged one)")
    export.add_argument("--format", choices=EXPORT_FORMATS, required=True, help="what to write")
    export.add_argument("-o", "--output", required=True, metavar="OUT", help="the file to write")
    export.add_argument(
        "--seeds",
        default="seeds",
        metavar="DIR",
        help="the seeds folder whose imports/ map ids to external ids (default: seeds)",
    )
    export.set_defaults(run="living_checklist.cli.export:cmd_export")
