"""Running one step the way pytest-bdd does: parsed arguments, converters, fixtures, yield steps,
``target_fixture``, and pytest-bdd's step hooks in its order (``_execute_step_function``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from living_checklist.core.inventory import Step
from living_checklist.core.pending import Pending
from living_checklist.run import _compat
from living_checklist.run.bdd import BddHooks
from living_checklist.run.registry import StepDef


class StepError(Exception):
    """A case that cannot be run (ambiguous step, bad value, unusable file): status ``error``."""


class PendingPassed(AssertionError):
    """A case tagged @pending whose steps all passed: strict, like xfail(strict=True)."""


def step_arguments(step: Step, stepdef: StepDef) -> dict[str, object]:
    """The step's arguments as pytest-bdd passes them: parsed, converted, datatable and docstring."""
    context = stepdef.context
    parsed = stepdef.arguments(step.text) or {}
    _refuse_reserved(step, parsed)
    params = stepdef.signature.parameters
    kwargs: dict[str, object] = {
        key: context.converters.get(key, _identity)(value) for key, value in parsed.items() if key in params
    }
    _add_step_data(step, params, kwargs)
    return kwargs


def _refuse_reserved(step: Step, parsed: Mapping[str, object]) -> None:
    """pytest-bdd's error for a step whose parsed names include a reserved one (``datatable``, ``docstring``)."""
    reserved = _compat.RESERVED_ARGS.intersection(parsed)
    if reserved:
        names = ", ".join(repr(arg) for arg in sorted(reserved))
        raise _compat.StepImplementationError(
            f"Step {step.text!r} defines argument names that are reserved: {names}. Please use different names."
        )


def _add_step_data(step: Step, params: Mapping[str, object], kwargs: dict[str, object]) -> None:
    """The step's data table and doc string, for a step function that asks for them."""
    if "datatable" in params and step.datatable is not None:
        kwargs["datatable"] = [list(row) for row in step.datatable]
    if "docstring" in params and step.docstring is not None:
        kwargs["docstring"] = step.docstring


def execute_step(request: pytest.FixtureRequest, step: Step, stepdef: StepDef) -> None:
    """Run one step the way pytest-bdd does: parsed args, converters, fixtures, yield, target_fixture."""
    __tracebackhide__ = True
    kwargs = _call_arguments(request, step, stepdef)
    value = call_step(stepdef, request, kwargs)
    _inject_target(request, stepdef, value)


def _call_arguments(request: pytest.FixtureRequest, step: Step, stepdef: StepDef) -> dict[str, object]:
    """The step's arguments, and a fixture's value for every other argument it requires."""
    kwargs = step_arguments(step, stepdef)
    for arg in stepdef.required_args:
        if arg not in kwargs:
            kwargs[arg] = request.getfixturevalue(arg)
    return kwargs


def _inject_target(request: pytest.FixtureRequest, stepdef: StepDef, value: object) -> None:
    """The step's return value as its ``target_fixture``, when it names one."""
    if stepdef.context.target_fixture is not None:
        _compat.inject_fixture(request, stepdef.context.target_fixture, value)


def execute_step_with_hooks(
    request: pytest.FixtureRequest,
    hooks: BddHooks,
    feature: Any,
    scenario: Any,
    bdd_step: Any,
    step: Step,
    stepdef: StepDef,
) -> None:
    """pytest-bdd's ``_execute_step_function``: the same steps, with its hooks in its order.

    ``bdd_step`` is pytest-bdd's Step for ``step`` (same text, doc string and table).
    """
    __tracebackhide__ = True
    kw: dict[str, Any] = {
        "request": request,
        "feature": feature,
        "scenario": scenario,
        "step": bdd_step,
        "step_func": stepdef.func,
        "step_func_args": {},
    }
    hooks.call("pytest_bdd_before_step", **kw)
    try:
        kwargs = _call_arguments(request, step, stepdef)
        kw["step_func_args"] = kwargs
        hooks.call("pytest_bdd_before_step_call", **kw)
        value = call_step(stepdef, request, kwargs)
    except Pending:
        raise  # pending, like pytest.skip, is no step error
    except (Exception, pytest.fail.Exception) as exception:
        hooks.call("pytest_bdd_step_error", exception=exception, **kw)
        raise
    _inject_target(request, stepdef, value)
    hooks.call("pytest_bdd_after_step", **kw)


def call_step(stepdef: StepDef, request: pytest.FixtureRequest, kwargs: dict[str, object]) -> object:
    """A yield step goes through pytest's fixture call (finished at teardown); any other is a call."""
    __tracebackhide__ = True
    if stepdef.is_generator:
        return _compat.call_step_function(stepdef.func, request, kwargs)
    return stepdef.func(**kwargs)


def _identity(value: object) -> object:
    return value
