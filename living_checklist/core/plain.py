"""Feature documents as plain data (lists, strings, integers, None) and back, checked field by field.

The caches (the inventory cache, the dry run's prefetch, the status snapshot) are stored as JSON,
never as pickles: loading a pickle runs whatever it names, and a cache folder is a place anyone
with write access to the checkout can plant a file. ``json.loads`` builds only lists, dicts,
strings, numbers, booleans and None; ``decode_doc`` then accepts exactly the shape
``encode_doc`` writes (every field of every record, with its type) and raises ``Malformed``
otherwise, so a planted or torn file can only be ignored, never trusted or run.

A record is the list of its fields in declaration order; tuples become lists, the frozenset of
outline parameters a sorted list.
"""

from __future__ import annotations

from typing import Any

from living_checklist.core.inventory import Case, ExamplesInfo, FeatureDoc, GherkinError, Requirement, Step

_STEP_TYPES = frozenset({"given", "when", "then", None})


class Malformed(ValueError):
    """Data that is not what ``encode_doc`` writes."""


# -- encoding -----------------------------------------------------------------------------------


def _step(step: Step) -> list[Any]:
    table = [list(row) for row in step.datatable] if step.datatable is not None else None
    return [step.keyword, step.type, step.text, step.line, step.column, step.docstring, table]


def _case(case: Case) -> list[Any]:
    steps = [_step(step) for step in case.steps]
    return [case.name, case.item_name, case.line, list(case.tags), steps, [list(pair) for pair in case.example]]


def _examples(info: ExamplesInfo) -> list[Any]:
    return [info.line, info.column, info.name, list(info.header), info.rows]


def _requirement(req: Requirement, doc: FeatureDoc) -> list[Any]:
    # The feature's path and name, the same in every requirement of a file, are written once (as
    # null here): tens of thousands of strings fewer to parse when loading.
    return [
        req.id,
        req.has_id,
        list(req.id_tags),
        req.name,
        req.description,
        req.keyword,
        None if req.feature == doc.path else req.feature,
        None if req.feature_name == doc.name else req.feature_name,
        req.rule,
        req.line,
        req.column,
        req.area,
        list(req.tags),
        list(req.seeds),
        [_case(case) for case in req.cases],
        req.text,
        req.item_name,
        list(req.own_tags),
        sorted(req.parameters),
        [_step(step) for step in req.outline_steps],
        [_examples(info) for info in req.examples],
    ]


def encode_doc(doc: FeatureDoc) -> list[Any]:
    """``doc`` as JSON-ready lists (``decode_doc`` gives back an equal document)."""
    errors = [[e.path, e.line, e.column, e.message] for e in doc.errors]
    return [doc.path, doc.name, doc.language, [_requirement(req, doc) for req in doc.requirements], errors]


# -- decoding -----------------------------------------------------------------------------------


def _fields(value: object, count: int) -> list[Any]:
    if type(value) is not list or len(value) != count:
        raise Malformed(f"expected a record of {count} fields")
    return value


def _items(value: object) -> list[Any]:
    if type(value) is not list:
        raise Malformed("expected a list")
    return value


def text(value: object) -> str:
    if type(value) is not str:
        raise Malformed("expected a string")
    return value


def integer(value: object) -> int:
    if type(value) is not int:  # not a bool, not a float
        raise Malformed("expected an integer")
    return value


def texts(value: object) -> tuple[str, ...]:
    if type(value) is not list:
        raise Malformed("expected a list of strings")
    if not value:
        return ()
    for item in value:
        if type(item) is not str:
            raise Malformed("expected a list of strings")
    return tuple(value)


# The checks below are written out inline, not as calls per field: a W10k cache holds 30,000 steps,
# and loading it must not be slower than unpickling was. For the same reason steps and cases, most
# of the records, are filled in through their slots' own descriptors (what the frozen dataclass's
# ``__init__`` does through ``object.__setattr__``, at half the cost); ``_slots`` checks at import
# that the descriptors are exactly the declared fields, in order.


def _slots(cls: type, names: str) -> tuple[Any, ...]:
    if tuple(cls.__slots__) != tuple(names.split()):  # type: ignore[attr-defined]
        raise AssertionError(f"{cls.__name__}'s fields changed: update living_checklist.core.plain")
    return tuple(cls.__dict__[name].__set__ for name in cls.__slots__)  # type: ignore[attr-defined]


_new = object.__new__
_S_KEYWORD, _S_TYPE, _S_TEXT, _S_LINE, _S_COLUMN, _S_DOCSTRING, _S_DATATABLE = _slots(
    Step, "keyword type text line column docstring datatable"
)
_C_NAME, _C_ITEM_NAME, _C_LINE, _C_TAGS, _C_STEPS, _C_EXAMPLE = _slots(Case, "name item_name line tags steps example")
_REQUIREMENT = _slots(
    Requirement,
    "id has_id id_tags name description keyword feature feature_name rule line column area tags seeds cases text"
    " item_name own_tags parameters outline_steps examples",
)


def _step_of(value: object) -> Step:
    if type(value) is list and len(value) == 7:
        keyword, kind, body, line, column, docstring, table = value
        if (
            type(keyword) is str
            and type(body) is str
            and type(line) is int
            and type(column) is int
            and (kind is None or (type(kind) is str and kind in _STEP_TYPES))
            and (docstring is None or type(docstring) is str)
        ):
            step = _new(Step)
            _S_KEYWORD(step, keyword)
            _S_TYPE(step, kind)
            _S_TEXT(step, body)
            _S_LINE(step, line)
            _S_COLUMN(step, column)
            _S_DOCSTRING(step, docstring)
            _S_DATATABLE(step, None if table is None else tuple(map(texts, _items(table))))
            return step
    raise Malformed("not a step")


def _pair_of(value: object) -> tuple[str, str]:
    if type(value) is list and len(value) == 2 and type(value[0]) is str and type(value[1]) is str:
        return (value[0], value[1])
    raise Malformed("not an example's name and value")


def _case_of(value: object) -> Case:
    if type(value) is list and len(value) == 6:
        name, item_name, line, tags, steps, example = value
        if type(name) is str and type(item_name) is str and type(line) is int and type(steps) is list:
            case = _new(Case)
            _C_NAME(case, name)
            _C_ITEM_NAME(case, item_name)
            _C_LINE(case, line)
            _C_TAGS(case, texts(tags))
            _C_STEPS(case, tuple(map(_step_of, steps)))
            _C_EXAMPLE(case, tuple(map(_pair_of, _items(example))) if example != [] else ())
            return case
    raise Malformed("not a case")


def _examples_of(value: object) -> ExamplesInfo:
    line, column, name, header, rows = _fields(value, 5)
    return ExamplesInfo(integer(line), integer(column), text(name), texts(header), integer(rows))


_STR = (str,)
_OPT = (str, type(None))
_LIST = (list,)
# The type of each field of a requirement as written (the feature's path and name may be null: see
# ``_requirement``); the lists are checked item by item below.
_REQUIREMENT_SHAPE = (
    *(_STR, (bool,), _LIST, _STR, _STR, _STR, _OPT, _OPT, _OPT, (int,), (int,), _STR),
    *(_LIST, _LIST, _LIST, _STR, _STR, _LIST, _LIST, _LIST, _LIST),
)


def _requirement_of(value: object, path: str, name: str) -> Requirement:
    f = _fields(value, 21)
    for field_value, allowed in zip(f, _REQUIREMENT_SHAPE, strict=True):
        if type(field_value) not in allowed:
            raise Malformed("not a requirement")
    if f[6] is None:
        f[6] = path
    if f[7] is None:
        f[7] = name
    values = (
        *f[:2],
        texts(f[2]),
        *f[3:12],
        texts(f[12]),
        texts(f[13]),
        tuple(map(_case_of, _items(f[14]))),
        f[15],
        f[16],
        texts(f[17]),
        frozenset(texts(f[18])) if f[18] != [] else frozenset(),
        tuple(map(_step_of, _items(f[19]))) if f[19] != [] else (),
        tuple(map(_examples_of, _items(f[20]))) if f[20] != [] else (),
    )
    req = _new(Requirement)
    for fill, value in zip(_REQUIREMENT, values, strict=True):
        fill(req, value)
    return req


def _error_of(value: object) -> GherkinError:
    path, line, column, message = _fields(value, 4)
    return GherkinError(text(path), integer(line), integer(column), text(message))


def decode_doc(value: object) -> FeatureDoc:
    """The document ``encode_doc`` wrote; ``Malformed`` for anything else."""
    path, name, language, requirements, errors = _fields(value, 5)
    text(path)
    text(name)
    return FeatureDoc(
        path,
        name,
        text(language),
        tuple(_requirement_of(req, path, name) for req in _items(requirements)),
        tuple(map(_error_of, _items(errors))),
    )
