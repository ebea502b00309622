"""Each registered pytest-bdd step definition described for the Cucumber Messages
(``core.definitions.StepDefinitionInfo``): the regex its parser matches with, the ``extra_types``
of its fields. Made where the definitions are (the serial run, each xdist worker), once each."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

from pytest_bdd import parsers

from living_checklist.core.definitions import ParameterTypeInfo, StepDefinitionInfo
from living_checklist.run._compat import InternalChanged, parse_extra_types, parse_regex
from living_checklist.run.registry import StepDef

UNTYPED = r".+?"  # parse's regex for a converter without a ``pattern``


def describe(stepdef: StepDef, key: str, rootdir: Path) -> StepDefinitionInfo:
    parser = stepdef.context.parser
    if isinstance(parser, parsers.string):
        return StepDefinitionInfo(key, re.escape(parser.name))
    if isinstance(parser, parsers.re):
        return StepDefinitionInfo(key, parser.regex.pattern, parser.regex.flags)
    if isinstance(parser, parsers.parse):  # also cfparse
        return _parse_info(parser, key, rootdir)
    return StepDefinitionInfo(key, "")  # a parser of its own: no regex known


def _parse_info(parser: parsers.parse, key: str, rootdir: Path) -> StepDefinitionInfo:
    """A parse (or cfparse) definition: its regex, its fields' types and the parameter types it uses."""
    try:
        regex, flags = parse_regex(parser)
        extra = parse_extra_types(parser)
    except InternalChanged:  # a subclass of its own with another parser inside: no regex known
        return StepDefinitionInfo(key, "")
    kinds = tuple(_parameter_type(name, converter, rootdir) for name, converter in extra.items())
    return StepDefinitionInfo(key, regex, flags, field_types(parser.name, extra), kinds)


def own_of_pytest_bdd(stepdef: StepDef) -> bool:
    """pytest-bdd's own ``trace`` step (a debugging aid, in every run): not one of the project's."""
    module = str(getattr(inspect.unwrap(stepdef.func), "__module__", ""))
    return module == "pytest_bdd" or module.startswith("pytest_bdd.")


def field_types(fmt: str, extra: dict[str, Any]) -> tuple[str, ...]:
    """Per field that makes a capture group (a repeated name is a back reference), in order, the
    ``extra_types`` name of its type ("" for parse's own types and untyped fields)."""
    import parse  # type: ignore[import-untyped, unused-ignore]

    types: list[str] = []
    seen: set[str] = set()
    try:
        for part in parse.PARSE_RE.split(fmt):
            field = _field(part)
            if field is None:
                continue
            name, spec = field
            if _repeated(name, seen):
                continue
            kind = str(parse.extract_format(spec, extra)["type"]) if spec else ""
            types.append(kind if kind in extra else "")
    except (AttributeError, ValueError, KeyError):  # parse changed: the names are only a help
        return ()
    return tuple(types)


def _field(part: str) -> tuple[str, str] | None:
    """A piece of a parse format that is a field, ``{name:spec}``, as (name, spec); None for text and ``{{``."""
    if len(part) < 2 or part in ("{{", "}}") or part[0] != "{" or part[-1] != "}":
        return None
    name, _, spec = part[1:-1].partition(":")
    return name, spec


def _repeated(name: str, seen: set[str]) -> bool:
    """Whether a named field repeats one before it (a back reference: no group of its own); notes the name."""
    if not name or not name[0].isalpha():
        return False
    if name in seen:
        return True
    seen.add(name)
    return False


def _parameter_type(name: str, converter: Any, rootdir: Path) -> ParameterTypeInfo:
    regex = str(getattr(converter, "pattern", UNTYPED))
    uri, line = source_of(converter, rootdir)
    return ParameterTypeInfo(name, regex, uri, line)


def source_of(obj: Any, rootdir: Path) -> tuple[str, int]:
    """Where a function is defined: its path relative to the rootdir (else absolute) and line."""
    func = inspect.unwrap(obj)
    try:
        path = inspect.getsourcefile(func)
        line = inspect.getsourcelines(func)[1]
    except (OSError, TypeError):
        return "", 0
    return (relative_uri(path, rootdir), line) if path else ("", 0)


def relative_uri(path: str, rootdir: Path) -> str:
    try:
        return Path(path).resolve().relative_to(rootdir.resolve()).as_posix()
    except (ValueError, OSError):
        return path
