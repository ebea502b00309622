"""Live steps for a service under test: its lifecycle, single requests and their responses.

The service's base URL is ``checklist_url``; while it is ``TBD`` every service step is pending
(reason ``tbd``). When ``checklist_service`` is set, the checklist starts that command once per
session (on the controller, also under ``-n``), waits until ``checklist_url`` answers, and stops
it, with every process it started (also those that called ``setsid``), at the end of the session
whatever happened. A service that cannot be started makes each service requirement an ``error``
that names the command and shows what the service printed, indented and escaped. The logic lives
in ``living_checklist.live.service`` and ``living_checklist.live.load``; loads are in
``living_checklist.steps.load``.

Requests go exactly as written: the path byte for byte, no header beyond ``Host``,
``Content-Length``, a ``User-Agent`` naming this tool and those the scenario sets, no proxy from
the environment, no cookies, no redirects followed, bodies as they came over the wire (never
decompressed). A request fails when no response arrives within ``checklist_system_timeout``
seconds or its status is not 2xx or 3xx.

PYTEST_DONT_REWRITE: the steps raise their own measured-vs-required messages.
"""

from __future__ import annotations

import atexit
import json
import os
from dataclasses import dataclass, field

import pytest
from pytest_bdd import parsers, step

from living_checklist import InvalidValue, Pending, check, record
from living_checklist.core.measure import Measurement
from living_checklist.live import load as wire
from living_checklist.live import service
from living_checklist.run import settings
from living_checklist.run.settings import INI_SERVICE, INI_SERVICES, INI_URL, TBD
from living_checklist.steps.common import (
    mib,
    ms,
    named_tag,
    positive_number,
    quoted,
    quoted_value,
    whole_number,
)

TBD_URL_MESSAGE = f"{INI_URL} is TBD: set it in [tool.pytest.ini_options] or with -o {INI_URL}=..."
PIDS_VARIABLE = "LIVING_CHECKLIST_SERVICE_LAUNCHERS"  # tells xdist workers whose trees the services are
DEFAULT = ""  # the service of checklist_url + checklist_service; named ones come from checklist_services


@dataclass
class ServiceState:
    """Per session: the services the checklist started (by name), or why one could not start."""

    started: dict[str, service.Service] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


SERVICE_KEY = pytest.StashKey[ServiceState]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[SERVICE_KEY] = ServiceState()


def endpoints(conf: settings.Settings) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Every service by name (the default one under ``""``): its URL and the command that starts it."""
    found = {DEFAULT: (conf.url, conf.service)}
    found.update({named.name: (named.url, named.argv) for named in conf.services})
    return found


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Start each service that has a command once, on the controller, before any worker or test runs."""
    config = session.config
    conf = settings.of(config)
    if settings.is_worker(config) or settings.nothing_runs(config):
        return
    state = config.stash[SERVICE_KEY]
    named = {n.name: n for n in conf.services}
    for name, (url, argv) in endpoints(conf).items():
        if not argv:
            continue
        own = named.get(name)
        cwd = conf.rootdir / own.cwd if own is not None and own.cwd else conf.rootdir
        started = service.Service(argv, url, cwd)
        wait = conf.system_timeout
        if own is not None and own.timeout is not None:
            wait, started.timeout_key = own.timeout, f"{INI_SERVICES}, {name}.timeout"
        atexit.register(started.stop)  # pytest_unconfigure stops it; this covers an interpreter exit
        try:
            started.start(wait=wait)
        except service.ServiceError as exc:
            state.errors[name] = str(exc)
            continue
        state.started[name] = started
    launchers = {name: s.process.pid for name, s in state.started.items() if s.process is not None}
    if launchers:
        os.environ[PIDS_VARIABLE] = json.dumps(launchers)


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(SERVICE_KEY, None)
    if state is not None:
        for started in state.started.values():
            started.stop()
        state.started.clear()
        os.environ.pop(PIDS_VARIABLE, None)


def service_name(request: pytest.FixtureRequest) -> str:
    """The service this scenario uses: ``@service-NAME`` (most specific tag), else the default one."""
    name = named_tag(request, "service")
    if name is None:
        return DEFAULT
    known = endpoints(settings.of(request.config))
    if name not in known or name == DEFAULT:
        names = ", ".join(sorted(k for k in known if k)) or "none"
        raise InvalidValue(f"@service-{name}: no service of that name in {INI_SERVICES} (named: {names})")
    return name


def _label(name: str) -> str:
    return INI_URL if name == DEFAULT else f"the service {name!r} ({INI_SERVICES})"


def base_url(request: pytest.FixtureRequest) -> str:
    """The URL of this scenario's service; pending while TBD, an error when it could not be started."""
    name = service_name(request)
    url, _ = endpoints(settings.of(request.config))[name]
    if url in ("", TBD):
        raise Pending(TBD_URL_MESSAGE if name == DEFAULT else f"{_label(name)}: the URL is TBD", reason="tbd")
    state = request.config.stash.get(SERVICE_KEY, None)
    error = None if state is None else state.errors.get(name)
    if error is not None:
        key = INI_SERVICE if name == DEFAULT else f"{INI_SERVICES}, {name}"
        raise InvalidValue(f"the service cannot be started ({key}): {error}")
    return url


def timeout_of(config: pytest.Config) -> float:
    return settings.of(config).system_timeout


@dataclass
class ServiceExchanges:
    """Per case: headers to send, the most recent single request, the most recent load."""

    headers: list[tuple[str, str]] = field(default_factory=list)
    single: wire.Exchange | None = None
    load: wire.Load | None = None
    carry: list[str] = field(default_factory=list)  # header names taken from each last response

    def last(self) -> wire.Exchange:
        if self.single is None:
            raise InvalidValue(
                "no single request before this step: start with 'When I send a GET request to \"/\"' "
                "(a load keeps no responses, only their counts and times)"
            )
        return self.single

    def samples(self) -> list[float]:
        """Response times (s) of the answered requests of the most recent request or load."""
        if self.load is not None:
            return list(self.load.samples)
        exchange = self.last()
        return [] if exchange.failed else [exchange.elapsed]

    def counts(self) -> tuple[int, int, dict[int, int], str]:
        """Requests, failed requests, answers by status and the first failure, of the most recent step."""
        if self.load is not None:
            return self.load.requests, self.load.failed, dict(self.load.statuses), self.load.first_failure
        exchange = self.last()
        statuses = {} if exchange.status is None else {exchange.status: 1}
        return 1, int(exchange.failed), statuses, exchange.describe() if exchange.failed else ""

    def request(self, method: str, target: str, body: bytes | None = None) -> wire.Request:
        headers = list(self.headers)
        if self.single is not None:
            for name in self.carry:
                headers += [(k, v) for k, v in self.single.headers if k.lower() == name.lower()]
        return wire.Request(method, target, tuple(headers), body)


@pytest.fixture
def service_exchanges() -> ServiceExchanges:
    """Per-case state shared by the service steps."""
    return ServiceExchanges()


def method_of(text: str) -> str:
    method = text.strip()
    if method == TBD:
        raise Pending("the request method is TBD: write it in the feature file", reason="tbd")
    if method.upper() not in METHODS or method != method.upper():
        raise InvalidValue(f"request method {text!r}: expected one of {', '.join(METHODS)} or TBD")
    return method


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def path_of(text: str) -> str:
    path = quoted_value(text, "the request path")
    problem = wire.target_problem(path)
    if problem is not None:
        raise InvalidValue(f"request path {text!r}: {problem}")
    return path


def _send(
    request: pytest.FixtureRequest, exchanges: ServiceExchanges, method: str, path: str, body: bytes | None
) -> None:
    url = base_url(request)
    exchange = wire.send(url, exchanges.request(method, path, body), timeout=timeout_of(request.config))
    exchanges.single, exchanges.load = exchange, None
    record(request.node, Measurement("response time", ms(exchange.elapsed), "ms", None, "<="))


def header_name(text: str) -> str:
    key = quoted_value(text, "the header name")
    problem = wire.header_problem(key, "")
    if problem is not None:
        raise InvalidValue(problem)
    return key


@step(parsers.re(rf'the requests carry the header "{quoted("name")}" with value "{quoted("value")}"'))
def request_header(name: str, value: str, service_exchanges: ServiceExchanges) -> None:
    """Later requests in this scenario carry this header (e.g. an Authorization for a role).

    Header values are visible ASCII; anything else is an ``error`` before a request is sent."""
    key = header_name(name)
    text = quoted_value(value, f"the value of {key}")
    problem = wire.header_problem(key, text)
    if problem is not None:
        raise InvalidValue(problem)
    service_exchanges.headers.append((key, text))


@step(parsers.re(rf'the next requests carry the header "{quoted("name")}" from the last response'))
def carry_header(name: str, service_exchanges: ServiceExchanges) -> None:
    """Later requests carry this header with the value the last response gave it (an ETag sent back
    as is, a token); a last response without it is a failure naming the headers it had."""
    key = header_name(name)
    exchange = service_exchanges.last()
    if not any(k.lower() == key.lower() for k, _ in exchange.headers):
        names = ", ".join(k for k, _ in exchange.headers) or "none"
        raise AssertionError(f"the last response has no header {key!r} to carry (its headers: {names})")
    service_exchanges.carry.append(key)


@step(parsers.re(rf'I send a (?P<METHOD>\S+) request to "{quoted("path")}" with body "{quoted("body")}"'))
def send_with_body(
    METHOD: str, path: str, body: str, request: pytest.FixtureRequest, service_exchanges: ServiceExchanges
) -> None:
    """Send one request with this body (UTF-8; escapes like ``\\n`` allowed) to ``checklist_url`` + path."""
    data = quoted_value(body, "the request body").encode("utf-8")
    _send(request, service_exchanges, method_of(METHOD), path_of(path), data)


@step(parsers.re(rf'I send a (?P<METHOD>\S+) request to "{quoted("path")}"'))
def send_request(METHOD: str, path: str, request: pytest.FixtureRequest, service_exchanges: ServiceExchanges) -> None:
    """Send one request to ``checklist_url`` + path, exactly as written, and keep the response."""
    _send(request, service_exchanges, method_of(METHOD), path_of(path), None)


@step(parsers.re(r"the response status is (?P<n>\S+)"))
def response_status(n: str, request: pytest.FixtureRequest, service_exchanges: ServiceExchanges) -> None:
    """The last response has this HTTP status (no response at all fails, saying why)."""
    required = whole_number(n, "response status", minimum=100)
    exchange = service_exchanges.last()
    measured: float | str = float(exchange.status) if exchange.status is not None else "no response"
    check(request.node, "response status", measured, "", float(required), "==", exchange.describe())


def _body(exchange: wire.Exchange) -> str:
    return exchange.body.decode("utf-8", errors="replace")


def _partial(exchange: wire.Exchange, wanted: str) -> InvalidValue:
    return InvalidValue(
        f"the response body is {exchange.size} bytes; only the first {len(exchange.body)} were kept, "
        f"and {wanted!r} is not in them: the check cannot see the whole body"
    )


@step(parsers.re(rf'the response body contains "{quoted("text")}"'))
def response_body_contains(text: str, service_exchanges: ServiceExchanges) -> None:
    """The last response's body (as it came over the wire, decoded as UTF-8) contains this text."""
    wanted = quoted_value(text, "the expected body text")
    exchange = service_exchanges.last()
    if wanted in _body(exchange):
        return
    if not exchange.body_complete:
        raise _partial(exchange, wanted)
    raise AssertionError(f"the response body does not contain {wanted!r}\n{exchange.describe()}")


@step(parsers.re(rf'the response body does not contain "{quoted("text")}"'))
def response_body_lacks(text: str, service_exchanges: ServiceExchanges) -> None:
    """The last response's body (as it came over the wire) does not contain this text anywhere;
    a body too large to be kept whole is an ``error``, never a pass."""
    wanted = quoted_value(text, "the text the body must not contain")
    exchange = service_exchanges.last()
    body = _body(exchange)
    if wanted in body:
        at = body.index(wanted)
        raise AssertionError(
            f"the response body contains {wanted!r} at character {at}: ...{body[max(at - 60, 0) : at + 60]!r}..."
        )
    if not exchange.body_complete:
        raise _partial(exchange, wanted)


def _values(exchange: wire.Exchange, key: str) -> list[str]:
    return [v for k, v in exchange.headers if k.lower() == key.lower()]


@step(parsers.re(rf'the response header "{quoted("name")}" contains "{quoted("text")}"'))
def response_header_contains(name: str, text: str, service_exchanges: ServiceExchanges) -> None:
    """The last response has this header (any case), and one of its values contains the text."""
    key = header_name(name)
    wanted = quoted_value(text, "the expected header text")
    exchange = service_exchanges.last()
    values = _values(exchange, key)
    if not any(wanted in v for v in values):
        found = f"its values are {values!r}" if values else "there is no such header"
        raise AssertionError(f"the response header {key!r} does not contain {wanted!r}: {found}\n{exchange.describe()}")


@step(parsers.re(rf'the response header "{quoted("name")}" does not contain "{quoted("text")}"'))
def response_header_lacks(name: str, text: str, service_exchanges: ServiceExchanges) -> None:
    """No value of this header (any case) in the last response contains the text (no such header passes)."""
    key = header_name(name)
    wanted = quoted_value(text, "the text the header must not contain")
    exchange = service_exchanges.last()
    hits = [v for v in _values(exchange, key) if wanted in v]
    if hits:
        raise AssertionError(f"the response header {key!r} contains {wanted!r}: {hits!r}\n{exchange.describe()}")


@step(parsers.re(rf'the response has no header "{quoted("name")}"'))
def response_lacks_header(name: str, service_exchanges: ServiceExchanges) -> None:
    """The last response has no header of this name (any case), e.g. no ``Server`` version leak."""
    key = header_name(name)
    exchange = service_exchanges.last()
    values = _values(exchange, key)
    if values:
        raise AssertionError(f"the response has the header {key!r}: {values!r}\n{exchange.describe()}")


def started_service(request: pytest.FixtureRequest) -> service.Service | None:
    """The service this scenario uses, when this process started it (the controller)."""
    base_url(request)
    name = service_name(request)
    if not endpoints(settings.of(request.config))[name][1]:
        key = INI_SERVICE if name == DEFAULT else f"{INI_SERVICES} (NAME = URL | command)"
        raise InvalidValue(
            f"the service's own figures need a service the checklist starts: give it a command in {key} "
            "(a service started elsewhere cannot be watched)"
        )
    state = request.config.stash.get(SERVICE_KEY, None)
    return None if state is None else state.started.get(name)


def _launcher(request: pytest.FixtureRequest) -> int:
    try:
        launchers = json.loads(os.environ.get(PIDS_VARIABLE, "{}"))
        return int(launchers[service_name(request)])
    except (ValueError, KeyError, TypeError):
        raise InvalidValue("the service's tree is not known in this process (was it started?)") from None


@step(parsers.re(r"the service's peak memory is at most (?P<n>\S+) MiB"))
def service_peak_memory(n: str, request: pytest.FixtureRequest) -> None:
    """The largest resident set any process of the service's tree reached so far (``VmHWM`` of the
    running ones, ``wait4``'s figure for those that ended) is at most n MiB; names the process."""
    required = positive_number(n, "service peak memory")
    started = started_service(request)
    peak, who = started.peak_memory() if started is not None else service.running_peak(_launcher(request))
    if peak == 0:
        raise InvalidValue("no process of the service's tree could be measured (it has ended?)")
    check(request.node, "service peak memory", mib(peak), "MiB", required, "<=", f"the largest: {who}")


@step(parsers.re(rf"the service's output contains \"{quoted('text')}\""))
def service_output_contains(text: str, request: pytest.FixtureRequest) -> None:
    """What the service printed so far (standard output and error together) contains this text.

    The first and last MiB are kept; when the text is not in them and bytes between were dropped,
    the check is an ``error`` saying how much it saw."""
    wanted = quoted_value(text, "the expected output text")
    started = started_service(request)
    if started is None:
        raise InvalidValue("the service's output is read by the controller: run this check without -n")
    seen, complete = started.output_text()
    if wanted in seen:
        return
    if not complete:
        raise InvalidValue(
            f"the service printed {started.output.total} bytes; the first and last {service.OUTPUT_KEEP} were kept "
            f"and {wanted!r} is not in them: the check cannot see the whole output"
        )
    raise AssertionError(
        f"the service's output does not contain {wanted!r}; it printed {started.output.total} bytes, the last:\n"
        + service.indented(started.output.last(1000) or "(empty)")
    )
