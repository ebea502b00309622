"""``living-checklist init [DIR]``: write a working skeleton, never overwriting a file.

What it writes comes from ``living_checklist/skeleton/``: ``features/`` by area with the stand-in
requirement slots, ``steps/`` with the placeholder steps, ``seeds/`` with an empty manifest and its
how-to, ``conftest.py`` loading the step libraries, and a CI workflow example. The pytest settings
are merged into the file where pytest reads them (``pytest.ini``, ``pyproject.toml``, ``tox.ini``,
``setup.cfg``, in pytest's order), line by line so that nothing already there changes; a
``pyproject.toml`` is created when no file configures pytest. A merge is checked by reading the
file back before it is written: keys already set are kept as they are.
"""

from __future__ import annotations

import argparse
import configparser
import re
import sys
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal

from living_checklist.cli._common import EXIT_BAD_INPUT, EXIT_OK, EXIT_PROBLEMS, _emit_json
from living_checklist.cli.init_output import DONE, init_data, print_actions, print_summary
from living_checklist.run.settings import INI_FEATURES, INI_REQUIRE_IDS, INI_SEEDS, INI_SYSTEM, INI_URL

# Skeleton resource → where it goes in the project (anything not listed keeps its path).
RENAMED = {"github-workflow.yml": ".github/workflows/living-checklist.yml", "gitignore": ".gitignore"}
STEP_PLUGINS = ("living_checklist.steps", "steps.placeholders")

# The settings init adds, as TOML values; testpaths only where no file configured pytest before.
SETTINGS: tuple[tuple[str, str], ...] = (
    (INI_FEATURES, '"features"'),
    (INI_SEEDS, '"seeds"'),
    (INI_REQUIRE_IDS, "true"),
    (INI_SYSTEM, '"TBD"'),
    (INI_URL, '"TBD"'),
)
TESTPATHS = ("testpaths", '["features"]')
# Written after the settings, commented out: one example of every system and service setting.
EXAMPLES = (
    "# The system under test: a command line (shlex, no shell), or several by name for @system-NAME tags:",
    '# checklist_system = "mytool --quiet"',
    '# checklist_system_timeout = "60"',
    '# checklist_systems = """',
    "#     sqlite = sqlite3 -batch",
    "#     sqlite.timeout = 10",
    "#     sqlite.cwd = data",
    '# """',
    "# A service: its URL, the command that starts it (or none), or several by name for @service-NAME:",
    '# checklist_url = "http://127.0.0.1:8000"',
    '# checklist_service = "python -m myservice --port 8000"',
    '# checklist_services = """',
    "#     web = http://127.0.0.1:8080 | nginx -p web -c nginx.conf",
    "#     web.timeout = 30",
    "#     web.cwd = web",
    "#     api = http://127.0.0.1:9000",
    '# """',
)

Verb = Literal["write", "merge", "keep"]


class InitError(Exception):
    """DIR cannot take a skeleton (it is a file, or cannot be written): bad input, exit 2."""


@dataclass(frozen=True)
class Action:
    path: str  # relative to DIR, with forward slashes
    verb: Verb
    note: str = ""
    text: str | None = None  # the file's new content, for write and merge
    manual: bool = False  # the checklist needs a step the user must take by hand

    def line(self, dry_run: bool) -> str:
        shown = f"{DONE[self.verb][dry_run]}: {self.path}"
        return f"{shown} ({self.note})" if self.note else shown


def skeleton_files() -> Iterator[tuple[str, str]]:
    """(path in the project, text) for every file of the skeleton, in a stable order."""
    root = resources.files("living_checklist").joinpath("skeleton")

    def walk(node: Traversable, prefix: str) -> Iterator[tuple[str, Traversable]]:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.name == "__pycache__":
                continue
            rel = f"{prefix}{child.name}"
            if child.is_dir():
                yield from walk(child, rel + "/")
            else:
                yield rel, child

    for rel, node in walk(root, ""):
        yield RENAMED.get(rel, rel), node.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# pytest settings: find the file pytest reads, merge the missing keys into it


@dataclass(frozen=True)
class ConfigFile:
    name: str
    kind: Literal["toml", "ini"]
    section: str  # the table or section pytest reads


def pytest_config(target: Path) -> ConfigFile | None:
    """The file pytest would take its settings from in ``target``, the way pytest looks for it."""
    named = next((name for name in ("pytest.ini", ".pytest.ini") if (target / name).is_file()), None)
    if named is not None:
        return ConfigFile(named, "ini", "pytest")  # pytest's own files count even without a [pytest] section
    return _pyproject_config(target / "pyproject.toml") or _cfg_config(target)


def _pyproject_config(pyproject: Path) -> ConfigFile | None:
    """``pyproject.toml`` when it has a ``[tool.pytest]`` table (``ini_options`` in it or not)."""
    if not pyproject.is_file():
        return None
    tool = _toml(pyproject).get("tool", {})
    pytest_table = tool.get("pytest") if isinstance(tool, dict) else None
    if not isinstance(pytest_table, dict):
        return None
    section = "tool.pytest.ini_options" if "ini_options" in pytest_table else "tool.pytest"
    return ConfigFile("pyproject.toml", "toml", section)


def _cfg_config(target: Path) -> ConfigFile | None:
    """``tox.ini`` or ``setup.cfg``, the first with pytest's section."""
    for name, section in (("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
        path = target / name
        if path.is_file() and section in _ini(path):
            return ConfigFile(name, "ini", section)
    return None


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InitError(f"{path.name}: cannot be read as TOML ({exc}); fix it, then run init again") from None


def _ini(path: Path) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(path.read_text(encoding="utf-8"), source=path.name)
    except (configparser.Error, UnicodeDecodeError) as exc:
        raise InitError(f"{path.name}: cannot be read as an ini file ({exc}); fix it, then run init again") from None
    return parser


_HEADER = re.compile(r"^\s*\[")


def _table_lines(lines: list[str], header: re.Pattern[str]) -> tuple[int, int] | None:
    """(index of the header line, index after the table's last non-blank line), or None."""
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    if start is None:
        return None
    return start, _table_end(lines, start)


def _table_end(lines: list[str], start: int) -> int:
    """The index after the last non-blank line of the table whose header is at ``start``."""
    end = next((i for i in range(start + 1, len(lines)) if _HEADER.match(lines[i])), len(lines))
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return end


def _insert(text: str, header: re.Pattern[str], header_line: str, new_lines: list[str]) -> str:
    """Add ``new_lines`` at the end of the table (appended as a new table when there is none)."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    where = _table_lines(lines, header)
    block = [line + "\n" for line in new_lines]
    if where is None:
        return _with_table(lines, header_line, block)
    _, end = where
    return "".join(lines[:end] + block + lines[end:])


def _with_table(lines: list[str], header_line: str, block: list[str]) -> str:
    """``lines`` and, after a blank line, a new table of ``block`` under ``header_line``."""
    blank = "\n" if lines and lines[-1].strip() else ""
    return "".join(lines) + blank + header_line + "\n" + "".join(block)


def _ini_comment(toml_comment: str) -> str:
    """An example line of ``EXAMPLES`` as an ini file writes it (no quotes, continuation indented)."""
    body = toml_comment.removeprefix("# ")
    if body == '"""':
        return "#"
    key, sep, value = body.partition(" = ")
    if sep and not body.startswith(" "):
        return f"# {key} = {value.strip(chr(34)).removesuffix(chr(34) * 3)}"
    return toml_comment


def _ini_value(toml_value: str) -> str:
    value = tomllib.loads(f"v = {toml_value}")["v"]
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


def merge_settings(target: Path) -> Action:
    """The settings merged into the file pytest reads, or a new ``pyproject.toml``."""
    config, wanted = _settings_file(target)
    path = target / config.name
    before = path.read_text(encoding="utf-8") if path.exists() else ""
    present = _present_keys(path, config) if before else {}
    missing = [(key, value) for key, value in wanted if key not in present]
    notes, manual = _merge_notes(wanted, present, bool(missing))
    if not missing:
        return Action(config.name, "keep", "; ".join(["every setting is there", *notes]), manual=manual)
    return _merge_action(config, before, missing, notes, manual)


def _settings_file(target: Path) -> tuple[ConfigFile, list[tuple[str, str]]]:
    """The file to merge into and the settings it should have: a new ``pyproject.toml`` with
    ``testpaths`` too when no file configures pytest."""
    config = pytest_config(target)
    if config is None:
        return ConfigFile("pyproject.toml", "toml", "tool.pytest.ini_options"), [TESTPATHS, *SETTINGS]
    return config, list(SETTINGS)


def _merge_action(
    config: ConfigFile, before: str, missing: list[tuple[str, str]], notes: list[str], manual: bool
) -> Action:
    """The ``missing`` settings merged into ``before`` (checked), or written as a new file."""
    text = _merged_text(config, before, missing)
    _check_merge(config, before, text, [key for key, _ in missing])
    verb: Verb = "merge" if before else "write"
    added = f"[{config.section}] + " + ", ".join(key for key, _ in missing)
    return Action(config.name, verb, "; ".join([added, *notes]), text=text, manual=manual)


def _merge_notes(wanted: list[tuple[str, str]], present: dict[str, object], adding: bool) -> tuple[list[str], bool]:
    """What the merge keeps as it was, and whether ``testpaths`` needs a change by hand."""
    notes = _kept_notes(wanted, present) if adding else []
    testpaths = present.get("testpaths")
    if testpaths is not None and "features" not in str(testpaths):
        notes.append("testpaths does not include features: add it, or run `pytest features`")
        return notes, True
    return notes, False


def _kept_notes(wanted: list[tuple[str, str]], present: dict[str, object]) -> list[str]:
    """The settings init would add that are there already, with the values they keep."""
    kept = [key for key, _ in wanted if key in present]
    return ["kept " + ", ".join(f"{key} = {present[key]!r}" for key in kept)] if kept else []


def _merged_text(config: ConfigFile, before: str, missing: list[tuple[str, str]]) -> str:
    """The settings file with the ``missing`` keys added to pytest's table (and, when the system is
    among them, the commented examples of every system and service setting)."""
    examples = list(EXAMPLES) if INI_SYSTEM in dict(missing) else []
    if config.kind == "toml":
        header = re.compile(r"^\s*\[\s*" + re.escape(config.section).replace(r"\.", r"\s*\.\s*") + r"\s*\]\s*(#.*)?$")
        lines = [f"{key} = {value}" for key, value in missing] + examples
    else:
        header = re.compile(r"^\s*\[\s*" + re.escape(config.section) + r"\s*\]\s*([#;].*)?$")
        lines = [f"{key} = {_ini_value(v)}" for key, v in missing] + [_ini_comment(line) for line in examples]
    return _insert(before, header, f"[{config.section}]", lines)


def _present_keys(path: Path, config: ConfigFile) -> dict[str, object]:
    if config.kind == "toml":
        return _toml_table(_toml(path), config.section)
    parser = _ini(path)
    return dict(parser[config.section]) if parser.has_section(config.section) else {}


def _toml_table(data: dict[str, Any], section: str) -> dict[str, object]:
    """The (dotted) ``section`` of a TOML document, empty when it has none."""
    table: Any = data
    for part in section.split("."):
        table = table.get(part, {}) if isinstance(table, dict) else {}
    return dict(table) if isinstance(table, dict) else {}


def _check_merge(config: ConfigFile, before: str, after: str, added: list[str]) -> None:
    """Read both versions back: everything that was there is unchanged, and the new keys are in place."""
    kept = _toml_kept if config.kind == "toml" else _ini_kept
    if not kept(config.section, before, after, added):
        lines = "\n".join(f"  {key} = ..." for key in added)
        raise InitError(
            f"{config.name}: the settings could not be merged safely; add these under [{config.section}]:\n{lines}"
        )


def _toml_kept(section: str, before: str, after: str, added: list[str]) -> bool:
    """Whether ``after`` is ``before`` with the ``added`` keys in the (dotted) ``section``, nothing else."""
    old = tomllib.loads(before) if before else {}
    new = tomllib.loads(after)
    table: Any = new
    for part in section.split("."):
        table = table[part]
    for key in added:
        del table[key]
    _prune_empty(new)
    _prune_empty(old)
    return bool(old == new)


def _ini_kept(section: str, before: str, after: str, added: list[str]) -> bool:
    """Whether ``after`` is ``before`` with the ``added`` options in ``section``, nothing else."""
    old_ini, new_ini = configparser.RawConfigParser(), configparser.RawConfigParser()
    old_ini.read_string(before)
    new_ini.read_string(after)
    if not all(new_ini.has_option(section, key) for key in added):
        return False
    for key in added:
        new_ini.remove_option(section, key)
    return {s: dict(old_ini[s]) for s in old_ini} == {s: dict(new_ini[s]) for s in new_ini if s in old_ini}


def _prune_empty(data: dict[str, Any]) -> None:
    for key in list(data):
        value = data[key]
        if isinstance(value, dict):
            _prune_empty(value)
            if not value:
                del data[key]


# ---------------------------------------------------------------------------------------------
# The plan and its application


def areas() -> list[str]:
    """The areas of the skeleton, the folders under ``features/``."""
    return sorted(
        {rel.split("/")[1] for rel, _ in skeleton_files() if rel.startswith("features/") and rel.count("/") > 1}
    )


def selected_files(wanted: Sequence[str] | None, empty: bool) -> Iterator[tuple[str, str]]:
    """The skeleton's files, with only the ``wanted`` areas' slots, or (``empty``) none at all."""
    _check_areas(wanted)
    for rel, text in skeleton_files():
        if not _left_out(rel.split("/"), wanted, empty):
            yield rel, text


def _check_areas(wanted: Sequence[str] | None) -> None:
    known = areas()
    unknown = [area for area in wanted or () if area not in known]
    if unknown:
        raise InitError(f"--areas: no area {', '.join(unknown)} in the skeleton (areas: {', '.join(known)})")


def _left_out(parts: list[str], wanted: Sequence[str] | None, empty: bool) -> bool:
    """Whether the skeleton file (its path's parts) is a slot of an area not asked for."""
    if parts[0] != "features" or len(parts) <= 2:
        return False
    if empty or not wanted:
        return empty
    return parts[1] not in wanted


def plan(target: Path, wanted: Sequence[str] | None = None, empty: bool = False) -> list[Action]:
    """What init would do in ``target``; reads the folder, writes nothing."""
    if target.exists() and not target.is_dir():
        raise InitError(f"{target}: is a file; give the folder to write the skeleton into")
    actions = [_file_action(target, rel, text) for rel, text in selected_files(wanted, empty)]
    actions.append(merge_settings(target))
    return actions


def _file_action(target: Path, rel: str, text: str) -> Action:
    """A skeleton file written, unless something (a broken link too) is at its path already."""
    path = target / rel
    if path.exists() or path.is_symlink():
        return _keep(path, rel)
    return Action(rel, "write", text=text)


def _keep(path: Path, rel: str) -> Action:
    """A file that is there already is left alone; a conftest.py that loads no step library says so."""
    existing = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    if rel == "conftest.py" and not all(name in existing for name in STEP_PLUGINS):
        plugins = ", ".join(f'"{name}"' for name in STEP_PLUGINS)
        return Action(rel, "keep", f"exists; add to it: pytest_plugins = [{plugins}]", manual=True)
    return Action(rel, "keep", "exists")


def apply(target: Path, actions: list[Action]) -> None:
    for action in actions:
        if action.text is not None:
            _write(target / action.path, action, action.text)


def _write(path: Path, action: Action, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = "w" if action.verb == "merge" else "x"  # a new file is never written over another
        with open(path, mode, encoding="utf-8", newline="") as handle:
            handle.write(text)
    except OSError as exc:
        raise InitError(f"{action.path}: cannot be written ({exc.strerror or exc})") from None


def cmd_init(args: argparse.Namespace) -> int:
    target = Path(args.dir)
    wanted = _areas_option(args.areas)
    try:
        actions = plan(target, wanted, args.empty)
        if not args.dry_run:
            apply(target, actions)
    except InitError as exc:
        print(exc, file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.format == "json":
        _emit_json(init_data(target, actions, args.dry_run))
    else:
        print_actions(actions, args.dry_run, args.verbose)
        print_summary(target, actions, args.dry_run)
    return EXIT_PROBLEMS if any(a.manual for a in actions) else EXIT_OK


def _areas_option(value: str | None) -> list[str] | None:
    """The areas ``--areas`` names (comma-separated), or None when it is not given."""
    if not value:
        return None
    return [area.strip() for area in value.split(",") if area.strip()]
