"""Live steps for a service under test: requests, responses, and load from many clients.

The service's base URL is ``checklist_url``; while it is ``TBD`` every service step is pending
(reason ``tbd``). When ``checklist_service`` is set, the checklist starts that command once per
session (on the controller, also under ``-n``), waits until ``checklist_url`` answers, and stops
it, with every process it started, at the end of the session whatever happened. A service that
cannot be started makes each service requirement an ``error`` that names the command and shows
what the service printed. The logic lives in ``living_checklist.live.service``.

A request fails when no response arrives within ``checklist_system_timeout`` seconds or its
status is not 2xx or 3xx. Times are measured by the client on the machine running the checks.

PYTEST_DONT_REWRITE: the steps raise their own measured-vs-required messages.
"""

from __future__ import annotations

import atexit
import re
from dataclasses import dataclass, field

import httpx
import pytest
from pytest_bdd import parsers, step

from living_checklist import InvalidValue, Pending
from living_checklist.core.measure import Measurement
from living_checklist.live import runner, service
from living_checklist.run import settings
from living_checklist.run.settings import INI_SERVICE, INI_URL, TBD
from living_checklist.steps.common import (
    check_figure,
    ms,
    positive_number,
    quoted,
    quoted_value,
    record_figure,
    scenario_step_texts,
    whole_number,
)

TBD_URL_MESSAGE = f"{INI_URL} is TBD: set it in [tool.pytest.ini_options] or with -o {INI_URL}=..."
FAILURE_SHARE_STEP = re.compile(r"at most \S+ percent of the requests fail")


@dataclass
class ServiceState:
    """Per session: the service the checklist started, or why it could not."""

    started: service.Service | None = None
    error: str | None = None


SERVICE_KEY = pytest.StashKey[ServiceState]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[SERVICE_KEY] = ServiceState()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Start ``checklist_service`` once, on the controller, before any worker or test runs."""
    config = session.config
    conf = settings.of(config)
    if not conf.service or hasattr(config, "workerinput") or _nothing_runs(config):
        return
    state = config.stash[SERVICE_KEY]
    started = service.Service(conf.service, conf.url, conf.rootdir)
    atexit.register(started.stop)  # pytest_unconfigure stops it; this covers an interpreter exit
    try:
        started.start(wait=conf.system_timeout)
    except service.ServiceError as exc:
        state.error = str(exc)
        return
    state.started = started


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(SERVICE_KEY, None)
    if state is not None and state.started is not None:
        state.started.stop()
        state.started = None


def _nothing_runs(config: pytest.Config) -> bool:
    option = config.option
    return bool(getattr(option, "collectonly", False) or getattr(option, "setupplan", False))


def base_url(config: pytest.Config) -> str:
    """``checklist_url``; pending while TBD, an error when the service could not be started."""
    conf = settings.of(config)
    if conf.url in ("", TBD):
        raise Pending(TBD_URL_MESSAGE, reason="tbd")
    state = config.stash.get(SERVICE_KEY, None)
    if state is not None and state.error is not None:
        raise InvalidValue(f"the service cannot be started ({INI_SERVICE}): {state.error}")
    return conf.url


@dataclass
class ServiceExchanges:
    """Per case: headers to send, and the requests of the most recent request or load step."""

    headers: list[tuple[str, str]] = field(default_factory=list)
    recent: list[service.Exchange] = field(default_factory=list)
    load: service.Load | None = None

    def exchanges(self) -> list[service.Exchange]:
        if not self.recent:
            raise InvalidValue(
                "no request before this step: start with 'When I send a GET request to \"/\"' "
                "or 'When <n> clients send <m> requests each to \"/\"'"
            )
        return self.recent

    def last(self) -> service.Exchange:
        return self.exchanges()[-1]

    def answered(self) -> list[service.Exchange]:
        """The requests that did not fail (for timings when a failure share was allowed)."""
        return [e for e in self.exchanges() if not e.failed] or self.exchanges()


@pytest.fixture
def service_exchanges() -> ServiceExchanges:
    """Per-case state shared by the service steps."""
    return ServiceExchanges()


def _method(text: str) -> str:
    method = text.strip()
    if method == TBD:
        raise Pending("the request method is TBD: write it in the feature file", reason="tbd")
    if method.upper() not in service.METHODS or method != method.upper():
        raise InvalidValue(f"request method {text!r}: expected one of {', '.join(service.METHODS)} or TBD")
    return method


def _path(text: str) -> str:
    path = quoted_value(text, "the request path")
    if not path.startswith("/"):
        raise InvalidValue(f"request path {text!r}: expected a path starting with '/', e.g. \"/health\"")
    return path


def _send(
    request: pytest.FixtureRequest, exchanges: ServiceExchanges, method: str, path: str, body: bytes | None
) -> None:
    url = base_url(request.config)
    timeout = settings.of(request.config).system_timeout
    with httpx.Client(base_url=url, timeout=timeout) as client:
        exchange = service.send(client, method, path, body=body, headers=exchanges.headers)
    exchanges.recent, exchanges.load = [exchange], None
    record_figure(request.node, Measurement("response time", ms(exchange.elapsed), "ms", None, "<="))


@step(parsers.re(rf'the requests carry the header "{quoted("name")}" with value "{quoted("value")}"'))
def request_header(name: str, value: str, service_exchanges: ServiceExchanges) -> None:
    """Later requests in this scenario carry this header (e.g. an Authorization for a role)."""
    key = quoted_value(name, "the header name")
    if not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", key):
        raise InvalidValue(f"header name {name!r}: expected an HTTP token such as Authorization")
    service_exchanges.headers.append((key, quoted_value(value, f"the value of {key}")))


@step(parsers.re(rf'I send a (?P<METHOD>\S+) request to "{quoted("path")}" with body "{quoted("body")}"'))
def send_with_body(
    METHOD: str, path: str, body: str, request: pytest.FixtureRequest, service_exchanges: ServiceExchanges
) -> None:
    """Send one request with this body (UTF-8; escapes like ``\\n`` allowed) to ``checklist_url`` + path."""
    data = quoted_value(body, "the request body").encode("utf-8")
    _send(request, service_exchanges, _method(METHOD), _path(path), data)


@step(parsers.re(rf'I send a (?P<METHOD>\S+) request to "{quoted("path")}"'))
def send_request(METHOD: str, path: str, request: pytest.FixtureRequest, service_exchanges: ServiceExchanges) -> None:
    """Send one request to ``checklist_url`` + path and keep the response for the next steps."""
    _send(request, service_exchanges, _method(METHOD), _path(path), None)


@step(parsers.re(r"the response status is (?P<n>\S+)"))
def response_status(n: str, request: pytest.FixtureRequest, service_exchanges: ServiceExchanges) -> None:
    """The last response has this HTTP status (no response at all fails, saying why)."""
    required = whole_number(n, "response status", minimum=100)
    exchange = service_exchanges.last()
    measured: float | str = float(exchange.status) if exchange.status is not None else "no response"
    check_figure(request.node, "response status", measured, "", float(required), "==", exchange.describe())


@step(parsers.re(rf'the response body contains "{quoted("text")}"'))
def response_body_contains(text: str, service_exchanges: ServiceExchanges) -> None:
    """The last response's body (decoded as UTF-8) contains this text."""
    wanted = quoted_value(text, "the expected body text")
    exchange = service_exchanges.last()
    if wanted not in exchange.body.decode("utf-8", errors="replace"):
        raise AssertionError(f"the response body does not contain {wanted!r}\n{exchange.describe()}")


@step(parsers.re(rf'the response header "{quoted("name")}" contains "{quoted("text")}"'))
def response_header_contains(name: str, text: str, service_exchanges: ServiceExchanges) -> None:
    """The last response has this header (any case), and one of its values contains the text."""
    key = quoted_value(name, "the header name").lower()
    wanted = quoted_value(text, "the expected header text")
    exchange = service_exchanges.last()
    values = [v for k, v in exchange.headers if k.lower() == key]
    if not any(wanted in v for v in values):
        found = f"its values are {values!r}" if values else "there is no such header"
        raise AssertionError(
            f"the response header {name!r} does not contain {wanted!r}: {found}\n{exchange.describe()}"
        )


@step(parsers.re(rf'(?P<n>\S+) clients send (?P<m>\S+) requests each to "{quoted("path")}"'))
def load(n: str, m: str, path: str, request: pytest.FixtureRequest, service_exchanges: ServiceExchanges) -> None:
    """n clients at once, each with its own connection, send m GET requests one after another.

    Records the requests, the share that failed, the median and 95th percentile response time and
    the request rate (answered requests per second over the whole load). A failed request fails
    the step, naming it, unless the scenario allows a share with ``at most <p> percent of the
    requests fail``; then the timings are over the requests that did not fail.
    """
    clients = whole_number(n, "number of clients", minimum=1)
    each = whole_number(m, "requests per client", minimum=1)
    target = _path(path)
    url = base_url(request.config)
    timeout = settings.of(request.config).system_timeout
    result = service.generate_load(
        url, "GET", target, clients, each, timeout=timeout, headers=service_exchanges.headers
    )
    service_exchanges.recent, service_exchanges.load = list(result.exchanges), result
    node = request.node
    for name, value, unit, comparison in (
        ("requests", float(len(result.exchanges)), "requests", ">="),
        ("failed requests", round(result.failed_percent, 3), "%", "<="),
        ("request rate", round(result.rate, 3), "requests/s", ">="),
    ):
        record_figure(node, Measurement(name, value, unit, None, comparison))
    times = [e.elapsed for e in service_exchanges.answered()]
    record_figure(node, Measurement("median response time", ms(runner.median(times)), "ms", None, "<="))
    record_figure(
        node, Measurement("95th percentile response time", ms(runner.percentile(times, 95)), "ms", None, "<=")
    )
    failures = result.failures
    if failures and not any(FAILURE_SHARE_STEP.fullmatch(t) for t in scenario_step_texts(request)):
        raise AssertionError(
            f"{len(failures)} of {len(result.exchanges)} requests failed (write 'Then at most <p> percent of the "
            f"requests fail' if some may); the first:\n{failures[0].describe()}"
        )


def _context(exchanges: ServiceExchanges) -> str:
    load_run = exchanges.load
    if load_run is None:
        return "over 1 request"
    return f"over {len(exchanges.answered())} requests from {load_run.clients} clients"


@step(parsers.re(r"the median response time is at most (?P<x>\S+) ms"))
def median_response_time(x: str, request: pytest.FixtureRequest, service_exchanges: ServiceExchanges) -> None:
    """The median response time of the most recent request or load is at most x ms."""
    required = positive_number(x, "median response time")
    measured = ms(runner.median([e.elapsed for e in service_exchanges.answered()]))
    check_figure(request.node, "median response time", measured, "ms", required, "<=", _context(service_exchanges))


@step(parsers.re(r"the 95th percentile response time is at most (?P<x>\S+) ms"))
def p95_response_time(x: str, request: pytest.FixtureRequest, service_exchanges: ServiceExchanges) -> None:
    """The 95th percentile response time (interpolated) of the most recent request or load is at most x ms."""
    required = positive_number(x, "95th percentile response time")
    measured = ms(runner.percentile([e.elapsed for e in service_exchanges.answered()], 95))
    check_figure(
        request.node, "95th percentile response time", measured, "ms", required, "<=", _context(service_exchanges)
    )


@step(parsers.re(r"at most (?P<p>\S+) percent of the requests fail"))
def failure_share(p: str, request: pytest.FixtureRequest, service_exchanges: ServiceExchanges) -> None:
    """No more than p percent of the most recent requests failed (no response, or not 2xx/3xx)."""
    allowed = whole_or_fraction(p)
    exchanges = service_exchanges.exchanges()
    failures = [e for e in exchanges if e.failed]
    measured = round(100.0 * len(failures) / len(exchanges), 3)
    first = f"\nthe first failure: {failures[0].describe()}" if failures else ""
    check_figure(
        request.node, "failed requests", measured, "%", allowed, "<=", f"{len(failures)} of {len(exchanges)}{first}"
    )


def whole_or_fraction(text: str) -> float:
    value = positive_number(text, "failed share") if text.strip() not in ("0", "0.0") else 0.0
    if value > 100:
        raise InvalidValue(f"failed share: expected a percentage from 0 to 100 or TBD, found {text!r}")
    return value


@step(parsers.re(r"the request rate is at least (?P<n>\S+) per second"))
def request_rate(n: str, request: pytest.FixtureRequest, service_exchanges: ServiceExchanges) -> None:
    """The most recent load answered at least n requests per second (requests / elapsed time)."""
    required = positive_number(n, "request rate")
    load_run = service_exchanges.load
    if load_run is None:
        raise InvalidValue("the request rate needs a load first: 'When <n> clients send <m> requests each to \"/\"'")
    check_figure(
        request.node, "request rate", round(load_run.rate, 3), "requests/s", required, ">=", _context(service_exchanges)
    )
