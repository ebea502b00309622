"""Recording hook runs (``core.hooks``): the user's fixtures and pytest-bdd's scenario hooks, each on
its own, as Cucumber shows its Before and After hooks.

Which code counts as a hook: a fixture or hook implementation whose function is in the project
(a file under the rootdir, not an installed package) and not pytest's, pytest-bdd's, xdist's or
this harness's. A function-scoped fixture's setup is a Before hook and its teardown an After
hook (a ``yield`` fixture with nothing before the ``yield`` has no Before hook, a plain function
an After hook only when it adds a finalizer); a session-scoped fixture's are BeforeAll and AfterAll hooks. A fixture a
step asks for while it runs is set up inside that step (no Before hook); its teardown is an After
hook. Fixtures of other scopes (module, package, class) are no hooks: what they do is the case's.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from living_checklist.core import attach
from living_checklist.core.attach import Attachment
from living_checklist.core.hooks import HookRun, HookStatus, HookType
from living_checklist.core.pending import Pending
from living_checklist.run import _compat

INTERNAL_PACKAGES = frozenset({"living_checklist", "pytest_bdd", "_pytest", "pytest", "xdist", "pluggy"})
SCOPE_TYPES: dict[str, tuple[HookType, HookType]] = {
    "function": ("BEFORE_TEST_CASE", "AFTER_TEST_CASE"),
    "session": ("BEFORE_TEST_RUN", "AFTER_TEST_RUN"),
}
Record = Callable[[HookRun], None]


@dataclass(frozen=True)
class HookCode:
    """Where a hook's code is and what it is called, and which of setup and teardown it has."""

    uri: str
    line: int
    name: str
    setup: bool = True
    teardown: bool = True
    teardown_line: int = 0

    def run(self, kind: HookType, status: HookStatus, begun: float, nanos: int, **extra: Any) -> HookRun:
        line = self.teardown_line if kind.startswith("AFTER") and self.teardown_line else self.line
        return HookRun(kind, self.uri, line, self.name, status, started=begun, nanos=nanos, **extra)


def users_code(func: Any, rootdir: Path, fallback: str) -> HookCode | None:
    """The hook a function is, when it is the project's own code (None for a library's)."""
    func = inspect.unwrap(func)
    module = str(getattr(func, "__module__", "") or "")
    code = getattr(func, "__code__", None)
    if code is None or module.split(".")[0] in INTERNAL_PACKAGES:
        return None
    return _code_at(code.co_filename, code.co_firstlineno, str(rootdir), _name(func, fallback))


@functools.lru_cache(maxsize=1024)
def _code_at(filename: str, line: int, rootdir: str, name: str) -> HookCode | None:
    path = Path(filename)
    if "site-packages" in path.parts or "dist-packages" in path.parts:
        return None
    try:
        uri = path.resolve().relative_to(Path(rootdir).resolve()).as_posix()
    except (ValueError, OSError):
        return None
    return HookCode(uri, line, name)


def _name(func: Any, fallback: str) -> str:
    doc = inspect.getdoc(func)
    return doc.strip().splitlines()[0] if doc and doc.strip() else fallback


def fixture_code(fixturedef: Any, rootdir: Path) -> HookCode | None:
    """A fixture as a hook: the project's, function- or session-scoped; None for the others."""
    if fixturedef.scope not in SCOPE_TYPES:
        return None
    code = users_code(fixturedef.func, rootdir, str(fixturedef.argname))
    if code is None:
        return None
    setup, teardown, teardown_line = _fixture_parts(inspect.unwrap(fixturedef.func))
    return HookCode(code.uri, code.line, code.name, setup, teardown, teardown_line)


@functools.lru_cache(maxsize=1024)
def _fixture_parts(func: Callable[..., Any]) -> tuple[bool, bool, int]:
    """(has setup code, has teardown code, line of the teardown) of a fixture function.

    A plain function is all setup (its ``request.addfinalizer`` calls are teardown, seen when they
    run). A generator always has a teardown (what comes after its first ``yield``, at that line),
    and a setup when something comes before the ``yield`` (or it is inside a ``with`` or ``try``).
    Unreadable source counts as both.
    """
    body = _generator_body(func) if inspect.isgeneratorfunction(func) else None
    if body is None:
        return True, True, 0
    offset = func.__code__.co_firstlineno - 1  # the source starts at the first decorator
    for index, statement in enumerate(body):
        if any(isinstance(sub, ast.Yield | ast.YieldFrom) for sub in ast.walk(statement)):
            return _split_at_yield(body, index, offset)
    return True, True, 0


def _generator_body(func: Callable[..., Any]) -> list[ast.stmt] | None:
    """The statements of a generator function's source, its docstring left out; None when unreadable."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return None
    node = tree.body[0]
    if not isinstance(node, ast.FunctionDef):
        return None
    body = list(node.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    return body


def _split_at_yield(body: list[ast.stmt], index: int, offset: int) -> tuple[bool, bool, int]:
    """The parts of a body whose statement ``index`` holds the first ``yield``: setup when something
    comes before it (or it is nested in that statement), teardown from the statement after it."""
    statement = body[index]
    bare = isinstance(statement, ast.Expr | ast.Assign) and isinstance(
        getattr(statement, "value", None), ast.Yield | ast.YieldFrom
    )
    after = body[index + 1 :]
    line = (after[0].lineno if after else statement.lineno) + offset
    return (index > 0 or not bare), True, line


def status_of(exc: BaseException) -> HookStatus:
    if isinstance(exc, pytest.skip.Exception):
        return "skipped"
    if isinstance(exc, Pending | pytest.xfail.Exception):
        return "pending"
    return "failed"


def message_of(exc: BaseException) -> str:
    if isinstance(exc, pytest.skip.Exception | pytest.xfail.Exception):
        return str(exc.msg or type(exc).__name__)
    if isinstance(exc, Pending):
        return exc.message or "pending"
    return _error_text(exc)


def _error_text(exc: BaseException) -> str:
    """An assertion's own message (``assertion failed`` when it has none); ``Type: text`` for any other error."""
    text = str(exc) if isinstance(exc, AssertionError) else f"{type(exc).__name__}: {exc}"
    return text or "assertion failed"


@contextmanager
def timed(code: HookCode, kind: HookType, record: Record, position: int) -> Iterator[None]:
    """Run the block as one run of the hook ``code``: its status, time and attachments recorded."""
    attached: list[Attachment] = []
    begun, start = time.time(), time.perf_counter_ns()
    try:
        with attach.running(attached, lambda: position):
            yield
    except BaseException as exc:
        nanos = time.perf_counter_ns() - start
        extra = {"message": message_of(exc), "attachments": tuple(attached)}
        if status_of(exc) == "failed":
            extra["exception"] = type(exc).__name__
        record(code.run(kind, status_of(exc), begun, nanos, **extra))
        raise
    record(code.run(kind, "passed", begun, time.perf_counter_ns() - start, attachments=tuple(attached)))


@contextmanager
def fixture_setup(fixturedef: Any, code: HookCode, record: Callable[[bool], Record], in_step: bool) -> Iterator[None]:
    """A fixture's setup as a Before hook (unless a step asked for it, or it has no setup code);
    its finalizers, added meanwhile, become its After hook. ``record(teardown)`` says where a run goes."""
    before, after = SCOPE_TYPES[fixturedef.scope]
    finalizers = _compat.fixture_finalizers(fixturedef)
    known = len(finalizers)
    try:
        if code.setup and not in_step:
            with timed(code, before, record(False), -1):
                yield
        else:
            yield
    finally:
        _teardown_hook(finalizers, known, code, after, record)


def _teardown_hook(
    finalizers: list[Any], known: int, code: HookCode, after: HookType, record: Callable[[bool], Record]
) -> None:
    """The finalizers added past the first ``known`` become one run of the fixture's After hook."""
    added = finalizers[known:]
    if added and code.teardown:
        # Finalizers run last first: the first to run opens the After hook's run, the last closes it.
        holder = _Teardown(code, after, record, len(added))
        finalizers[known:] = [holder.wrap(fin) for fin in added]


class _Teardown:
    """The After hook of one fixture: its finalizers' runs as one run."""

    def __init__(self, code: HookCode, kind: HookType, record: Callable[[bool], Record], count: int) -> None:
        self.code, self.kind, self.record, self.left = code, kind, record, count
        self.runs: list[HookRun] = []

    def wrap(self, fin: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            try:
                with timed(self.code, self.kind, self.runs.append, 1 << 30):
                    return fin()
            finally:
                self.left -= 1
                if self.left == 0:
                    self.record(True)(_combined(self.runs))

        return run


def _combined(runs: list[HookRun]) -> HookRun:
    first = next((r for r in runs if r.status != "passed"), runs[0])
    attachments = tuple(a for r in reversed(runs) for a in r.attachments)
    nanos = sum(r.nanos for r in runs)
    return HookRun(first.type, first.uri, first.line, first.name, first.status, first.message, first.exception,
                   runs[-1].started, nanos, attachments)  # fmt: skip


def call_scenario_hook(
    caller: Any, rootdir: Path, kind: HookType, record: Record, kwargs: Mapping[str, Any], position: int
) -> None:
    """Call a pytest-bdd scenario hook as pluggy does (last registered first, the first exception
    stops it), each of the project's implementations timed as a hook of its own."""
    __tracebackhide__ = True
    impls = caller.get_hookimpls()
    if _has_wrapper(impls):
        caller(**kwargs)  # a wrapper wraps them all: call them together
        return
    for impl in reversed(impls):
        args = [kwargs[name] for name in impl.argnames]
        code = users_code(impl.function, rootdir, impl.function.__name__)
        if code is None:
            impl.function(*args)
            continue
        with timed(code, kind, record, position):
            impl.function(*args)


def _has_wrapper(impls: list[Any]) -> bool:
    return any(getattr(impl, "hookwrapper", False) or getattr(impl, "wrapper", False) for impl in impls)


def has_fixture_hooks(item: pytest.Item) -> bool:
    """Whether a case sets up a fixture that is a hook (then it must run, even when pending)."""
    info = _compat.fixtureinfo(item)
    rootdir = item.config.rootpath
    for name in info.names_closure:
        defs = info.name2fixturedefs.get(name)
        if defs and fixture_code(defs[-1], rootdir) is not None:
            return True
    return False
