"""Requests exactly as written, bodies not decompressed, no proxy; loads that count only answers.

Every test talks to a real server on 127.0.0.1: a raw-socket server that records each request's
bytes as they arrived, a server that never answers, nginx where it is installed.
"""

from __future__ import annotations

import gzip
import os
import resource
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from living_checklist import Pending
from living_checklist.live import load
from living_checklist.live.service import Output
from living_checklist.steps import load as load_steps

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX sockets and processes")

Answer = Callable[[bytes], bytes]


def ok(_: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


class Recorder:
    """A raw-socket HTTP server: records every request head byte for byte, answers with ``answer``."""

    def __init__(self, answer: Answer = ok, *, silent: bool = False) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.heads: list[bytes] = []
        self.connections = 0
        self.answer, self.silent = answer, silent
        self.held: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._connection, args=(conn,), daemon=True).start()

    def _connection(self, conn: socket.socket) -> None:
        data = b""
        while True:
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    conn.close()
                    return
                data += chunk
            head, data = data.split(b"\r\n\r\n", 1)
            length = next((int(v) for k, v in _fields(head) if k.lower() == b"content-length"), 0)
            while len(data) < length:
                data += conn.recv(65536)
            data = data[length:]
            self.heads.append(head)
            if self.silent:
                self.held.append(conn)
                return
            conn.sendall(self.answer(head))

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


def _fields(head: bytes) -> list[tuple[bytes, bytes]]:
    return [tuple(x.strip() for x in line.split(b":", 1)) for line in head.split(b"\r\n")[1:]]  # type: ignore[misc]


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    yield server
    server.close()


def names(head: bytes) -> list[str]:
    return [k.decode() for k, _ in _fields(head)]


@pytest.mark.parametrize("target", ["/static/../../etc/passwd", "//admin/panel", "/a/./b/%2e%2e/c?x=1&y=/../z"])
def test_the_path_is_sent_byte_for_byte(recorder: Recorder, target: str) -> None:
    exchange = load.send(recorder.url, load.Request("GET", target), timeout=5)
    assert exchange.status == 200
    assert recorder.heads[0].split(b"\r\n")[0] == f"GET {target} HTTP/1.1".encode()


def test_only_host_user_agent_and_the_scenarios_headers(recorder: Recorder) -> None:
    load.send(recorder.url, load.Request("GET", "/", (("X-Role", "admin"),)), timeout=5)
    load.send(recorder.url, load.Request("POST", "/echo", (), b"ping"), timeout=5)
    get, post = recorder.heads
    assert sorted(names(get)) == ["Host", "User-Agent", "X-Role"]
    assert sorted(names(post)) == ["Content-Length", "Host", "User-Agent"]
    assert dict(_fields(get))[b"User-Agent"].startswith(b"living-checklist/")
    assert b"Accept-Encoding" not in get and b"Connection" not in get


def test_a_path_prefix_of_the_url_is_kept(recorder: Recorder) -> None:
    load.send(recorder.url + "/api/", load.Request("GET", "//v1/../x"), timeout=5)
    assert recorder.heads[0].startswith(b"GET /api//v1/../x HTTP/1.1\r\n")


def test_no_proxy_from_the_environment(monkeypatch: pytest.MonkeyPatch, recorder: Recorder) -> None:
    proxy = Recorder()
    try:
        for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
            monkeypatch.setenv(name, proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        load.send(recorder.url, load.Request("GET", "/direct"), timeout=5)
        load.run_load(recorder.url, load.Request("GET", "/load"), 2, each=2, timeout=5)
    finally:
        proxy.close()
    assert proxy.heads == []
    assert len(recorder.heads) == 5


def test_a_load_sends_the_same_bytes(recorder: Recorder) -> None:
    result = load.run_load(recorder.url, load.Request("GET", "//x/../y", (("A", "b"),)), 2, each=3, timeout=5)
    assert result.answered == 6 and result.requests == 6
    assert {h.split(b"\r\n")[0] for h in recorder.heads} == {b"GET //x/../y HTTP/1.1"}
    assert all(sorted(names(h)) == ["A", "Host", "User-Agent"] for h in recorder.heads)


def test_a_compressed_body_is_checked_as_it_came() -> None:
    packed = gzip.compress(b"hello")
    server = Recorder(
        lambda _: b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(packed) + packed
    )
    try:
        exchange = load.send(server.url, load.Request("GET", "/"), timeout=5)
    finally:
        server.close()
    assert exchange.body == packed and exchange.size == len(packed) and exchange.body_complete


@pytest.mark.parametrize(
    ("target", "problem"), [("/a b", "percent-encode"), ("/\r\nX: y", "percent-encode"), ("/é", "percent-encode")]
)
def test_a_target_that_cannot_go_as_written_is_refused(target: str, problem: str) -> None:
    assert problem in (load.target_problem(target) or "")


@pytest.mark.parametrize("value", ["café", "a\r\nInjected: 1", "tab\tok"])
def test_header_values_are_visible_ascii(value: str) -> None:
    problem = load.header_problem("X-Name", value)
    assert (problem is None) == (value == "tab\tok")


def test_a_server_that_never_answers_has_no_rate_and_no_times() -> None:
    server = Recorder(silent=True)
    try:
        result = load.run_load(server.url, load.Request("GET", "/"), 3, each=2, timeout=0.3)
    finally:
        server.close()
    assert result.answered == 0 and result.rate == 0 and result.samples == ()
    assert result.failed == result.requests >= 3 and "timed out" in result.errors
    assert "no response (timed out)" in result.first_failure


def test_errors_count_apart_from_the_rate() -> None:
    server = Recorder(lambda _: b"HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n")
    try:
        result = load.run_load(server.url, load.Request("GET", "/"), 2, each=5, timeout=5)
    finally:
        server.close()
    assert result.requests == 10 and result.statuses == {503: 10}
    assert result.answered == 0 and result.rate == 0 and result.failed_percent == 100


def test_a_load_for_a_time_stops_at_its_cap() -> None:
    def slow(_: bytes) -> bytes:
        time.sleep(3)
        return ok(b"")

    server = Recorder(slow)
    try:
        started = time.monotonic()
        result = load.run_load(server.url, load.Request("GET", "/"), 4, seconds=0.5, timeout=10)
        took = time.monotonic() - started
    finally:
        server.close()
    assert result.cut_off == 4 and result.answered == 0 and result.failed == 0
    assert result.window <= 0.55
    assert took < 0.5 + 2.9  # the in-flight requests were cut off, not waited for


def test_big_bodies_are_counted_and_hashed_not_kept() -> None:
    body = os.urandom(1 << 20) * 4  # 4 MiB
    server = Recorder(lambda _: b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        result = load.run_load(server.url, load.Request("GET", "/big"), 4, each=100, timeout=30)
    finally:
        server.close()
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert result.answered == 400 and result.received == 400 * len(body)
    assert len(result.bodies) == 1 and next(iter(result.bodies.values())) == 400
    assert grown_mib < 64, f"the test process grew by {grown_mib:.0f} MiB"


def _load(busiest: float, floor: float = 0.2) -> load.Load:
    return load.Load(
        clients=2, each=5, seconds=None, samples=(0.2,) * 10, floors=(floor,) * 10, statuses={200: 10}, errors={},
        first_failure="", cut_off=0, window=1.0, received=0, bodies={}, processes=1, cpu=busiest, waited=0.0,
        busiest=busiest,
    )  # fmt: skip


def _judge(result: load.Load, required: float, *, rate: bool = False) -> None:
    request = SimpleNamespace(node=SimpleNamespace(user_properties=[]))
    exchanges = SimpleNamespace(load=result)
    if rate:
        load_steps._judge(request, exchanges, "request rate", 10.0, "requests/s", required, ">=")  # type: ignore[arg-type]
        return
    lower = result.floors[0] * 1000
    load_steps._judge(request, exchanges, "95th percentile response time", 200.0, "ms", required, "<=", lower)  # type: ignore[arg-type]


def test_a_miss_the_client_could_explain_is_inconclusive() -> None:
    with pytest.raises(Pending) as caught:
        _judge(_load(0.3, floor=0.03), 50)  # 200 ms measured, but the service's share is at least 30 ms only
    assert caught.value.reason == "inconclusive"
    assert "the service took at least 30 ms" in str(caught.value) and "requests/s" in str(caught.value)
    with pytest.raises(AssertionError, match="the service's share alone: at least 190 ms"):
        _judge(_load(0.95, floor=0.19), 50)  # even without the client's own time it misses: failing
    _judge(_load(0.95, floor=0.0), 500)  # met: it holds, however busy the client was
    with pytest.raises(Pending, match="busy 95%"):
        _judge(_load(0.95), 100, rate=True)  # a rate missed while the client was busy
    with pytest.raises(AssertionError):
        _judge(_load(0.2), 100, rate=True)  # the client had room, and 2 clients at 200 ms make 10/s at most
    with pytest.raises(Pending, match="could have reached 67 requests/s"):
        _judge(_load(0.2, floor=0.03), 50, rate=True)  # 2 clients at 30 ms each could have made 67/s


def test_the_lower_bounds_are_below_the_times() -> None:
    server = Recorder()
    try:
        result = load.run_load(server.url, load.Request("GET", "/"), 3, each=20, timeout=5)
    finally:
        server.close()
    assert len(result.floors) == len(result.samples) == 60
    assert all(0 <= f <= s for f, s in zip(sorted(result.floors), sorted(result.samples), strict=True))


NGINX_CONF = """
{user}worker_processes 1; daemon off; pid {root}/nginx.pid; error_log {root}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off; gzip on; gzip_min_length 1; gzip_types text/plain;
  client_body_temp_path {root}/t; proxy_temp_path {root}/t; fastcgi_temp_path {root}/t;
  uwsgi_temp_path {root}/t; scgi_temp_path {root}/t;
  server {{ listen 127.0.0.1:{port}; root {root}/html; }}
}}
"""


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_against_nginx(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (tmp_path / "html" / "static").mkdir(parents=True)
    (tmp_path / "t").mkdir()
    (tmp_path / "html" / "static" / "a.txt").write_text("x" * 2000)
    (tmp_path / "nginx.conf").write_text(
        NGINX_CONF.format(root=tmp_path, port=port, user="user root; " if os.geteuid() == 0 else "")
    )
    nginx = subprocess.Popen(
        ["nginx", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            if load.send(url, load.Request("GET", "/"), timeout=1).status is not None:
                break
            time.sleep(0.05)
        plain = load.send(url, load.Request("GET", "/static/a.txt"), timeout=5)
        assert plain.status == 200 and ("Content-Length", "2000") in plain.headers
        assert not any(k.lower() == "content-encoding" for k, _ in plain.headers)  # nobody asked for gzip
        asked = load.send(url, load.Request("GET", "/static/a.txt", (("Accept-Encoding", "gzip"),)), timeout=5)
        assert ("Content-Encoding", "gzip") in asked.headers and asked.body[:2] == b"\x1f\x8b"
        traversal = load.send(url, load.Request("GET", "/static/../../etc/passwd"), timeout=5)
        assert traversal.status == 400  # nginx refuses a path above its root: it was sent as written
    finally:
        nginx.terminate()
        nginx.wait(10)


VISIBLE = st.characters(min_codepoint=0x21, max_codepoint=0x7E)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rest=st.text(VISIBLE, max_size=40))
def test_any_visible_target_arrives_as_written(recorder: Recorder, rest: str) -> None:
    target = "/" + rest
    problem = load.target_problem(target)
    if problem is not None:  # refused before anything is sent, never sent otherwise
        assert "#" in target or "would send it as" in problem
        return
    recorder.heads.clear()
    load.send(recorder.url, load.Request("GET", target), timeout=5)
    assert recorder.heads[-1].split(b"\r\n")[0] == f"GET {target} HTTP/1.1".encode()


@settings(max_examples=200, deadline=None)
@given(chunks=st.lists(st.binary(max_size=40), max_size=30), keep=st.integers(1, 50))
def test_output_keeps_head_and_tail_whatever_the_chunks(chunks: list[bytes], keep: int) -> None:
    kept = Output(keep=keep)
    for chunk in chunks:
        kept.add(chunk)
    whole = b"".join(chunks)
    assert kept.total == len(whole)
    assert len(kept.head) + len(kept.tail) <= 3 * keep
    assert bytes(kept.head) == whole[:keep]
    if kept.complete:
        assert bytes(kept.head + kept.tail) == whole
    else:
        assert len(whole) > 2 * keep and bytes(kept.tail[-keep:]) == whole[-keep:]
