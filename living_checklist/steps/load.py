"""Live steps for loads on a service: many clients at once, and budgets over what they measured.

A load runs on ``living_checklist.live.load``: asynchronous worker processes (one per core where
one is not enough), one connection per virtual client, response times from the moment a request
is written to its last byte. Only requests answered with 2xx or 3xx count towards a request rate
and response-time percentiles; the others (no response, a timeout, another status) are counted
and reported apart, so a service that answers nothing has a rate of 0 and no percentile at all.
A rate is answered requests per second over the load's own window (first request sent to the
last answer, or to the end of a load bounded by time). Bodies are counted and hashed, not kept.

The client records what it used itself (CPU, and the time it waited for a CPU), also around each
request: a response time less that is a lower bound of the service's own time. A response-time
budget missed fails only when the lower bound misses it too, a rate missed only when the client was
not busy and the clients could not have reached it with only those lower bounds; otherwise the
miss is ``pending`` (``inconclusive``) naming the client's ceiling, never ``failing`` (a budget met
holds: the client only adds to response times and takes from the rate).

PYTEST_DONT_REWRITE: the steps raise their own measured-vs-required messages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest
from pytest_bdd import parsers, step

from living_checklist import InvalidValue, Pending, check, record
from living_checklist.core.measure import Measurement
from living_checklist.live import load, locust_load
from living_checklist.run import settings
from living_checklist.steps.budgets import check_quantile, lower_bound, quantile_figure
from living_checklist.steps.common import (
    bounded_count,
    bounded_seconds,
    positive_number,
    quoted,
    stated_after_this_step,
    whole_number,
)
from living_checklist.steps.service import ServiceExchanges, base_url, path_of, timeout_of

FAILURE_SHARE_STEPS = (
    re.compile(r"at most \S+ percent of the requests fail"),
    re.compile(r"at least \S+ percent of the requests are answered with status \S+"),
)
# The next load: a share stated after it is that load's, not this one's.
LOAD_STEP = re.compile(r"\S+ clients send ")
NEEDS_LOAD = "this step needs a load first: 'When <n> clients send <m> requests each to \"/\"'"


def _clients(n: str) -> int:
    return bounded_count(n, "number of clients", concurrent=True)


def _run(
    request: pytest.FixtureRequest,
    exchanges: ServiceExchanges,
    path: str,
    clients: int,
    *,
    each: int | None = None,
    seconds: float | None = None,
) -> None:
    target = path_of(path)
    url = base_url(request)
    workers = settings.of(request.config).load_workers
    try:
        if workers:  # checklist_load_workers: Locust's master and workers run it
            why = locust_load.missing()
            if why:
                raise InvalidValue(why)
            result = locust_load.run_locust(
                url, exchanges.request("GET", target), clients, each=each, seconds=seconds,
                timeout=timeout_of(request.config), workers=workers,
            )  # fmt: skip
        else:
            result = load.run_load(
                url, exchanges.request("GET", target), clients, each=each, seconds=seconds,
                timeout=timeout_of(request.config),
            )  # fmt: skip
    except load.LoadError as exc:
        raise InvalidValue(f"the load client could not run: {exc}") from None
    exchanges.load = result
    _record(request.node, result)
    failed = result.failed
    if failed and not stated_after_this_step(request, FAILURE_SHARE_STEPS, LOAD_STEP):
        raise AssertionError(
            f"{failed} of {result.requests} requests failed (write 'Then at most <p> percent of the "
            f"requests fail' if some may); the first:\n{result.first_failure}"
        )


def _record(node: pytest.Item, result: load.Load) -> None:
    for name, value, unit, comparison in (
        ("requests", float(result.requests), "requests", ">="),
        ("answered requests", float(result.answered), "requests", ">="),
        ("failed requests", round(result.failed_percent, 3), "%", "<="),
        ("request rate", round(result.rate, 3), "requests/s", ">="),
        ("load client busy", round(100 * result.busiest, 1), "%", "<="),
    ):
        record(node, Measurement(name, value, unit, None, comparison))
    if result.samples:
        times = list(result.samples)
        record(node, quantile_figure("median response time", times, 0.5))
        record(node, quantile_figure("95th percentile response time", times, 0.95))


@step(parsers.re(rf'(?P<n>\S+) clients send (?P<m>\S+) requests each to "{quoted("path")}"'))
def load_requests(
    n: str, m: str, path: str, request: pytest.FixtureRequest, service_exchanges: ServiceExchanges
) -> None:
    """n clients at once, each with its own connection, send m GET requests one after another.

    Records the requests, the answered ones, the share that failed, the median and 95th percentile
    response time (answered requests only), the request rate (answered requests per second over
    the load's window) and how busy the load client itself was. A failed request fails the step,
    naming it, unless the scenario allows a share with ``at most <p> percent of the requests fail``
    or states one with ``at least <p> percent of the requests are answered with status <n>``.
    """
    clients = _clients(n)
    each = bounded_count(m, "requests per client")
    bounded_count(str(clients * each), "requests of the load (clients x requests each)")
    _run(request, service_exchanges, path, clients, each=each)


@step(parsers.re(rf'(?P<n>\S+) clients send requests to "{quoted("path")}" for (?P<x>\S+) s'))
def load_for(n: str, path: str, x: str, request: pytest.FixtureRequest, service_exchanges: ServiceExchanges) -> None:
    """n clients at once, each with its own connection, send GET requests one after another for x
    seconds (a hard cap: requests still in flight then are cut off, counted apart, neither answered
    nor failed). Records the same figures as the load with a count of requests."""
    clients = _clients(n)
    seconds = bounded_seconds(x, "load duration")
    _run(request, service_exchanges, path, clients, seconds=seconds)


def _context(exchanges: ServiceExchanges) -> str:
    result = exchanges.load
    if result is None:
        return "over 1 request"
    cut = f", {result.cut_off} cut off at the end" if result.cut_off else ""
    return (
        f"over {result.answered} answered of {result.requests} requests from {result.clients} clients "
        f"in {result.window:.2f} s{cut}; {result.client_note()}"
    )


def _judge(
    request: pytest.FixtureRequest,
    exchanges: ServiceExchanges,
    name: str,
    measured: float,
    unit: str,
    required: float,
    comparison: str,
    lower: float | None = None,
) -> None:
    """Check a load figure. A response time that misses its budget fails only when its lower bound
    (each time less the client's own running and waiting meanwhile) misses too; a rate that misses
    fails only when the client was not busy and the clients could not have reached it even had each
    request taken only its lower bound. Otherwise the miss is inconclusive, never failing."""
    try:
        check(request.node, name, measured, unit, required, comparison, _context(exchanges))
    except AssertionError as exc:
        result = exchanges.load
        if result is None:
            raise
        if lower is None and (result.client_limited or result.ideal_rate >= required):
            why = (
                ""
                if result.client_limited
                else (f"with no time of its own the client could have reached {result.ideal_rate:,.0f} requests/s")
            )
            raise Pending(f"{exc.args[0]}\n{result.limit_message(why)}", reason="inconclusive") from None
        if lower is not None and lower <= required:
            why = (
                f"of the {measured:g} {unit} measured, the service took at least {lower:g} {unit}; the rest may be "
                "the client's own time, running or waiting for a CPU"
            )
            raise Pending(f"{exc.args[0]}\n{result.limit_message(why)}", reason="inconclusive") from None
        if lower is not None:
            raise AssertionError(f"{exc.args[0]}\nthe service's share alone: at least {lower:g} {unit}") from None
        raise


def _samples(exchanges: ServiceExchanges, what: str) -> Sequence[float]:
    samples = exchanges.samples()
    if not samples:
        requests, _, _, first = exchanges.counts()
        raise AssertionError(
            f"{what}: no request was answered (0 of {requests}); a request that failed has no response time\n{first}"
        )
    return samples


def _floors(exchanges: ServiceExchanges) -> Sequence[float] | None:
    return None if exchanges.load is None else exchanges.load.floors


def _quantile(request: pytest.FixtureRequest, exchanges: ServiceExchanges, name: str, q: float, x: str) -> None:
    """A median or percentile budget on the answered requests, decided by confidence bounds
    (``steps.budgets``); a failure stands only when the service's own share (each time less the
    client's running and waiting meanwhile) is beyond the budget too, else it is inconclusive."""
    required = positive_number(x, name)
    samples = _samples(exchanges, name)
    try:
        check_quantile(request, name, samples, q, required, _context(exchanges), "request")
    except AssertionError as exc:
        result, floors = exchanges.load, _floors(exchanges)
        if result is None:
            raise
        if floors is None:
            if result.client_limited:
                raise Pending(f"{exc.args[0]}\n{result.limit_message()}", reason="inconclusive") from None
            raise
        lower = lower_bound(request, floors, q)
        if lower is None or lower <= required:
            share = "cannot be bounded from so few requests" if lower is None else f"is at least {lower:g} ms"
            why = f"the service's own share {share}; the rest may be the client's own time, running or waiting"
            raise Pending(f"{exc.args[0]}\n{result.limit_message(why)}", reason="inconclusive") from None
        raise AssertionError(f"{exc.args[0]}\nthe service's share alone: at least {lower:g} ms") from None


@step(parsers.re(r"the median response time is at most (?P<x>\S+) ms"))
def median_response_time(x: str, request: pytest.FixtureRequest, service_exchanges: ServiceExchanges) -> None:
    """The median response time of the answered requests of the most recent request or load is at
    most x ms: with ``checklist_confidence`` (default 0.95) its upper confidence bound is (see
    ``steps.budgets``)."""
    _quantile(request, service_exchanges, "median response time", 0.5, x)


@step(parsers.re(r"the 95th percentile response time is at most (?P<x>\S+) ms"))
def p95_response_time(x: str, request: pytest.FixtureRequest, service_exchanges: ServiceExchanges) -> None:
    """The 95th percentile response time of the answered requests is at most x ms: with
    ``checklist_confidence`` (default 0.95) its upper confidence bound is, which needs at least 59
    answered requests (see ``steps.budgets``)."""
    _quantile(request, service_exchanges, "95th percentile response time", 0.95, x)


def _percent(text: str, what: str) -> float:
    value = positive_number(text, what) if text.strip() not in ("0", "0.0") else 0.0
    if value > 100:
        raise InvalidValue(f"{what}: expected a percentage from 0 to 100 or TBD, found {text!r}")
    return value


@step(parsers.re(r"at most (?P<p>\S+) percent of the requests fail"))
def failure_share(p: str, request: pytest.FixtureRequest, service_exchanges: ServiceExchanges) -> None:
    """No more than p percent of the most recent requests failed (no response, or not 2xx/3xx)."""
    allowed = _percent(p, "failed share")
    requests, failed, _, first = service_exchanges.counts()
    measured = round(100.0 * failed / requests, 3) if requests else 0.0
    detail = f"{failed} of {requests}" + (f"\nthe first failure: {first}" if first else "")
    check(request.node, "failed requests", measured, "%", allowed, "<=", detail)


@step(parsers.re(r"at least (?P<p>\S+) percent of the requests are answered with status (?P<n>\S+)"))
def status_share(p: str, n: str, request: pytest.FixtureRequest, service_exchanges: ServiceExchanges) -> None:
    """At least p percent of the most recent requests were answered with this status (e.g. 429 for a
    rate limit); requests with no response count against it."""
    wanted = _percent(p, "share of requests")
    status = whole_number(n, "response status", minimum=100)
    requests, _, statuses, _ = service_exchanges.counts()
    got = statuses.get(status, 0)
    measured = round(100.0 * got / requests, 3) if requests else 0.0
    seen = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())) or "none answered"
    name = f"requests answered with status {status}"
    check(request.node, name, measured, "%", wanted, ">=", f"{got} of {requests} (statuses {seen})")


@step(parsers.re(r"the request rate is at least (?P<n>\S+) per second"))
def request_rate(n: str, request: pytest.FixtureRequest, service_exchanges: ServiceExchanges) -> None:
    """The most recent load answered at least n requests per second (answered requests over the load's window)."""
    required = positive_number(n, "request rate")
    result = service_exchanges.load
    if result is None:
        raise InvalidValue(f"the request rate needs a load: {NEEDS_LOAD}")
    _judge(request, service_exchanges, "request rate", round(result.rate, 3), "requests/s", required, ">=")
