"""``living-checklist <command>`` (also ``python -m living_checklist``): the checklist without running a step.

Commands: ``init`` (write a skeleton), ``status`` (dry-run totals), ``snippets`` (step definitions to
paste for undefined steps), ``steps`` (catalogue of step phrases), ``usage`` (which definition each
step uses; unused and ambiguous ones), ``lint`` (the checklist's lint rules), ``merge`` (shard reports
into one checklist), ``import`` / ``export`` / ``review`` (requirements in and out; their
``--format`` names the document's format, ``--json`` the output). The others take ``--format json``.
Exit status: 0 fine, 1 a failing problem was found, 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from living_checklist.cli._common import EXIT_BAD_INPUT, PROG, exit_codes
from living_checklist.cli._exchange import add_parsers as add_exchange_parsers
from living_checklist.core.escape import terminal_safe
from living_checklist.dryrun import prefetch, snapshot

# settings.INI_FEATURES, spelled out: importing settings imports pytest, which the served dry run
# (living_checklist.dryrun.snapshot) must not pay for (tests/test_snapshot.py checks they agree).
INI_FEATURES = "checklist_features"


@dataclass(frozen=True)
class Command:
    """A command; ``run`` names its function (``module:function``), imported only when it runs."""

    name: str
    run: str
    help: str
    description: str
    ok: str
    problems: str | None


COMMANDS = (
    Command(
        "status",
        "living_checklist.cli.status:cmd_status",
        "the checklist's totals and per-area table without running any step (dry run)",
        "Count requirements and cases, and say which are pending and why (undefined step, TBD, tagged "
        "@pending, empty) and which are ready to run, without running any step. The numbers are those of a "
        "real run for everything that does not depend on outcomes; whether a ready requirement is verified, "
        "failing, skipped or pending on a placeholder step is only known by running it.",
        "done; pending requirements alone keep the status 0",
        "a run would fail whatever its steps do: a requirement is an error (a step matches two\n"
        "     definitions) or a lint rule fails (see the lint command)",
    ),
    Command(
        "snippets",
        "living_checklist.cli.snippets:cmd_snippets",
        "pytest-bdd step definitions to paste for every undefined step",
        "For every undefined step, a ready-to-paste pytest-bdd step definition whose body raises "
        "living_checklist.Pending, one per step type and pattern (numbers and quoted strings become parameters, "
        "a bare TBD too), grouped by the file under steps/ it belongs in.",
        "done (undefined steps are not an error)",
        None,
    ),
    Command(
        "steps",
        "living_checklist.cli.steps:cmd_steps",
        "the catalogue of step phrases available, with docstrings and locations",
        "Every step definition visible to the feature files (the project's step libraries, conftest.py "
        "files, installed plugins), with its pattern, docstring and where it is defined.",
        "done",
        None,
    ),
    Command(
        "usage",
        "living_checklist.cli.usage:cmd_usage",
        "how many steps use each step definition; unused and ambiguous ones",
        "For each step definition, how many steps of the feature files use it; definitions no step uses; "
        "steps that match two definitions (ambiguous: an error, with both locations).",
        "done; no step is ambiguous",
        "a step matches two definitions (ambiguous)",
    ),
    Command(
        "lint",
        "living_checklist.cli.lint:cmd_lint",
        "the checklist's lint rules, as path:line:col: message",
        "Check requirement ids, seed citations and Gherkin smells the way a run does, one finding per line "
        "as path:line:col: message (warnings say 'warning:'). No step module is imported.",
        "no failing finding (warnings allowed)",
        "a finding fails (e.g. a missing or duplicate id, an unknown seed)",
    ),
)


MERGE_HELP = "combine the JSON reports of shards (CI jobs running slices) into one checklist"
MERGE_DESCRIPTION = (
    "Read the --checklist-json reports of shards of one run (pytest-split groups, a CI matrix, -k slices) "
    "and write the checklist an unsharded run gives: per case the real outcome wins over 'not selected'. "
    "Cases no shard ran are named (missing), so are cases two shards ran (overlapping; the worse outcome "
    "is kept). Reports of different feature sets are refused."
)


def _add_merge_parser(commands: Any) -> None:
    sub = commands.add_parser(
        "merge",
        help=MERGE_HELP,
        description=MERGE_DESCRIPTION,
        epilog=exit_codes(
            "merged; every case ran in some shard and nothing fails",
            "the merged checklist fails (a failing or error requirement) or cases ran in no shard",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub.add_argument("inputs", nargs="+", metavar="IN.json", help="the shards' --checklist-json reports")
    sub.add_argument("-o", "--output", required=True, metavar="OUT.json", help="where the merged JSON report goes")
    sub.add_argument("--md", metavar="PATH", help="also write the merged checklist as Markdown")
    sub.add_argument("--html", metavar="PATH", help="also write the merged checklist as one HTML page")
    sub.add_argument("--badge", metavar="PATH", help="also write the README badge (SVG)")
    sub.add_argument(
        "--rootdir",
        default=".",
        metavar="DIR",
        help="where the feature files are, to show their Gherkin and steps (default: the current folder)",
    )
    sub.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    sub.set_defaults(run="living_checklist.cli.merge:cmd_merge")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=textwrap.fill(
            "The living checklist without running the checks: Cucumber-style tools for requirements written "
            "before code. Settings come from [tool.pytest.ini_options], as for pytest.",
            width=88,
        ),
        epilog=exit_codes(
            "done", "a failing problem was found (status: an error; lint: a failing finding; usage: ambiguity)"
        )
        + f"\n\nrun '{PROG} <command> --help' for the options of a command.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common = _common_parser()
    commands = parser.add_subparsers(dest="command", metavar="<command>", title="commands")
    _add_init_parser(commands)
    for command in COMMANDS:
        sub = commands.add_parser(
            command.name,
            parents=[common],
            help=command.help,
            description=textwrap.fill(command.description, width=88),
            epilog=exit_codes(command.ok, command.problems),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(run=command.run)
        _add_command_options(sub, command.name)
    _add_merge_parser(commands)
    add_exchange_parsers(commands)
    return parser


def _common_parser() -> argparse.ArgumentParser:
    """The arguments every dry-run command takes: PATH..., --format, -o."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help=f"feature files or folders (default: the {INI_FEATURES} folder, 'features')",
    )
    common.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    common.add_argument(
        "-o",
        "--override-ini",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override an ini setting, as pytest's -o (e.g. -o checklist_features=reqs)",
    )
    return common


def _add_init_parser(commands: Any) -> None:
    init = commands.add_parser(
        "init",
        help="write a working skeleton into DIR (features, steps, seeds, conftest.py, pytest settings, CI example)",
        description=textwrap.fill(
            "Write the skeleton of a living checklist: features/ by area with the stand-in requirement slots "
            "(every value TBD, so every requirement is pending), steps/ with the placeholder steps, seeds/ with "
            "an empty manifest and its how-to, conftest.py loading the step libraries, and a GitHub Actions "
            "workflow that publishes the count. The pytest settings are merged into the file pytest reads "
            "(pytest.ini, pyproject.toml, tox.ini or setup.cfg) without changing a line already there; a "
            "pyproject.toml is created when none configures pytest. No file is ever overwritten: each one "
            "that exists is listed as left alone. Then run pytest.",
            width=88,
        ),
        epilog="exit status:\n  0  done (or, with --dry-run, nothing to say)\n"
        "  1  done, but a step by hand is needed (printed): an existing conftest.py does not load the steps,\n"
        "     or testpaths leaves out features/\n"
        "  2  bad input: DIR is a file, a file cannot be written, or the pytest settings file cannot be read",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    init.add_argument("dir", nargs="?", default=".", metavar="DIR", help="where to write (default: the current folder)")
    init.add_argument("--dry-run", action="store_true", help="list what would be written; write nothing")
    init.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    init.add_argument("-v", "--verbose", action="store_true", help="list every file, not a count per folder")
    init.add_argument(
        "--areas", metavar="A,B", help="write the requirement slots of these areas only (e.g. performance,security)"
    )
    init.add_argument(
        "--empty", action="store_true", help="settings, conftest, steps, seeds and CI, but no requirement slots"
    )
    init.set_defaults(run="living_checklist.cli.init:cmd_init")


def _add_command_options(sub: argparse.ArgumentParser, name: str) -> None:
    """The options one dry-run command has beyond the common ones."""
    if name == "status":
        sub.add_argument("-q", "--quiet", action="store_true", help="only the totals and the per-area table")
        sub.add_argument(
            snapshot.NO_CACHE,
            action="store_true",
            help="run the dry run even if an identical one's output is saved, and save none (by default "
            "the output is saved in pytest's cache folder and given again while no file it read changed)",
        )
    if name == "snippets":
        sub.add_argument(
            "--steps-dir",
            default="steps",
            metavar="DIR",
            help="folder (a package, from the rootdir) the step modules go in (default: steps)",
        )
    if name == "usage":
        sub.add_argument("-v", "--verbose", action="store_true", help="list the steps that use each definition")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not snapshot.wanted(argv):
        return _run(argv)
    # Before any command module (or pytest) is imported: an identical earlier dry run whose
    # inputs did not change is answered from its snapshot (see living_checklist.dryrun.snapshot).
    served = snapshot.serve(argv)
    if served is not None:
        return served
    return _recorded(argv, snapshot.Recorder.start(argv))


def _recorded(argv: list[str], recorder: snapshot.Recorder) -> int:
    """The command run while ``recorder`` records it: its snapshot written, or none if it raises."""
    try:
        code = _run(argv)
    except BaseException:
        recorder.stop()
        raise
    recorder.finish(code)
    return code


def _run(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    if args.command == "status":
        # Before pytest is imported: a child starts parsing the feature files (living_checklist.dryrun.prefetch).
        prefetch.start(args.paths, args.override_ini)
    try:
        return _command(args)
    finally:
        prefetch.stop()


def _command(args: argparse.Namespace) -> int:
    module, _, function = str(args.run).partition(":")
    run = getattr(importlib.import_module(module), function)
    # Parsing thousands of scenarios allocates millions of small objects that all live until the
    # end: the cycle collector would walk them again and again for nothing (a tenth of the run).
    enabled = gc.isenabled()
    gc.disable()
    try:
        code: int = run(args)
    except Exception as exc:
        dryrun = sys.modules.get("living_checklist.dryrun.run")  # loaded by every command that can raise it
        if dryrun is None or not isinstance(exc, dryrun.LoadError):
            raise
        print(terminal_safe(str(exc)), file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        if enabled:
            gc.enable()
    return code
