"""A report path must never name one of the run's inputs: reports are removed when a run starts.

``--checklist-md=features/a.feature`` once deleted that feature file before collection, so its
failing requirement disappeared and pytest exited 0. Every report path (and the history, which is
appended to) is checked at configure time, before anything is removed or written: pure path logic.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from living_checklist.core.gherkin_files import is_feature_file

__all__ = ["INPUT_SUFFIXES", "Inputs", "command_files", "input_problem"]

INPUT_SUFFIXES = (".feature", ".py", ".pyi", ".pyc")  # requirements, step modules, conftest
CONFIG_NAMES = ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")


@dataclass(frozen=True)
class Inputs:
    """What a run reads: the features and seeds folders, the ini file. (Not the baseline: a report
    written over it is the ratchet, ``--checklist-json X --checklist-baseline X``; it is read first.)"""

    folders: tuple[Path, ...] = ()  # folders read as a whole (features, seeds, evidence)
    files: tuple[Path, ...] = ()  # the ini file, the files the system and service command lines name

    @classmethod
    def of(cls, rootdir: Path, folders: Iterable[Path], files: Iterable[Path | None]) -> Inputs:
        """The inputs of a project at ``rootdir``: ``folders`` (the features folder first) and
        ``files``. A folder that holds the whole project (``checklist_features = .``) counts only
        through its feature files and code, or no report could be written anywhere."""
        root = _resolved(rootdir)
        kept = [folder for folder in map(_resolved, folders) if not root.is_relative_to(folder)]
        return cls(tuple(kept), tuple(_resolved(path) for path in files if path is not None))


def _resolved(path: Path) -> Path:
    try:
        return Path(os.path.realpath(path))
    except (OSError, ValueError):
        return path.absolute()


def input_problem(option: str, value: str, path: Path, inputs: Inputs) -> str | None:
    """Why ``path`` (followed through symbolic links) names an input of the run, or None."""
    target = _resolved(path)
    where = f"{option} {value}"
    if _read_by_name(target):
        return f"{where}: names {_kind(target)} ({target.name}), which the run reads and a report would replace"
    for folder in inputs.folders:
        if target.is_relative_to(folder):
            return f"{where}: lies in {folder}, which the run reads; choose a path outside it"
    if target in inputs.files:
        what = "the ini file, or one a system or service command names"
        return f"{where}: is {target}, a file the run reads ({what}); choose another path"
    return None


def _read_by_name(target: Path) -> bool:
    """A file the run reads by its name alone: a feature file, a step module, a configuration file."""
    return target.suffix in INPUT_SUFFIXES or is_feature_file(target) or target.name in CONFIG_NAMES


def command_files(argvs: Iterable[Sequence[str]], folders: Iterable[Path]) -> tuple[Path, ...]:
    """The existing files the command lines name: the program and every argument that is a file
    (``sh bin/tool.sh``, ``python -m app --config app.toml``), looked up from each folder the
    commands may start in. A report written over one would replace the system under test."""
    found: list[Path] = []
    places = tuple(folders)
    for argv in argvs:
        for word in argv:
            found += _files_named(word, places)
    return tuple(dict.fromkeys(_resolved(path) for path in found))


def _files_named(word: str, places: Sequence[Path]) -> list[Path]:
    """The existing files a command line's word names: as it is, and from each folder."""
    return [path for path in (Path(word), *(place / word for place in places)) if _is_file(path)]


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _kind(target: Path) -> str:
    if is_feature_file(target):
        return "a feature file"
    return "a configuration file" if target.name in CONFIG_NAMES else "Python code"
