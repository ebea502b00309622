"""The load client against real servers on 127.0.0.1: what it writes, its connections, its timing.

A load writes, for every request, the bytes a single request writes (aiohttp's, captured once);
each virtual client keeps one connection (opened again only when the service closes it), opened
before the load starts, so a response time never includes connecting.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time

import pytest

from living_checklist.live import load
from tests.test_wire import Recorder

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX sockets and processes")


def test_a_load_writes_what_a_single_request_writes() -> None:
    server = Recorder()
    try:
        request = load.Request("POST", "//x/../y?a=1", (("X-Role", "admin"), ("Accept", "*/*")), b"ping")
        load.send(server.url, request, timeout=5)
        result = load.run_load(server.url, request, 3, each=4, timeout=5)
    finally:
        server.close()
    assert result.answered == 12
    single, *loaded = server.heads
    assert len(loaded) == 12 and all(head == single for head in loaded)


def test_one_connection_per_client_kept_alive() -> None:
    server = Recorder()
    try:
        result = load.run_load(server.url, load.Request("GET", "/"), 3, each=20, timeout=5)
    finally:
        server.close()
    assert result.answered == 60
    assert server.connections == 3


def test_a_connection_the_service_closes_is_opened_again() -> None:
    server = Recorder(lambda _: b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
    try:
        result = load.run_load(server.url, load.Request("GET", "/"), 2, each=5, timeout=5)
    finally:
        server.close()
    assert result.answered == 10 and result.failed == 0
    assert server.connections == 10


def test_chunked_bodies_are_counted_and_hashed() -> None:
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    server = Recorder(lambda _: chunked)
    try:
        result = load.run_load(server.url, load.Request("GET", "/"), 2, each=3, timeout=5)
    finally:
        server.close()
    assert result.answered == 6 and result.received == 6 * len(b"hello world")
    assert result.bodies == {hashlib.sha256(b"hello world").hexdigest(): 6}


def test_connecting_is_never_part_of_a_response_time() -> None:
    """A listener with a full accept queue drops the clients' SYNs (retried after 1 s): the clients
    connect before the load starts, so their response times hold the answers only."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"

    def serve() -> None:
        time.sleep(0.6)  # the queue stays full meanwhile
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    def answer(conn: socket.socket) -> None:
        with conn:
            while conn.recv(65536):
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    threading.Thread(target=serve, daemon=True).start()
    try:
        result = load.run_load(url, load.Request("GET", "/"), 6, each=3, timeout=10)
    finally:
        listener.close()
    assert result.answered == 18
    assert max(result.samples) < 0.5, sorted(result.samples)[-3:]
    assert result.window < 0.5


def test_a_refused_connection_fails_every_request_it_would_have_carried() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once the probe is closed
    result = load.run_load(f"http://127.0.0.1:{port}", load.Request("GET", "/"), 2, each=3, timeout=5)
    assert result.requests == 6 and result.answered == 0 and result.rate == 0
    assert result.errors == {"ConnectionRefusedError": 6}
    assert "no response (ConnectionRefusedError" in result.first_failure


def test_a_body_read_to_the_end_of_the_connection() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    body = b"no length, ended by closing"

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body)

    threading.Thread(target=serve, daemon=True).start()
    try:
        result = load.run_load(
            f"http://127.0.0.1:{listener.getsockname()[1]}", load.Request("GET", "/"), 2, each=3, timeout=5
        )
    finally:
        listener.close()
    assert result.answered == 6 and result.received == 6 * len(body)
    assert result.bodies == {hashlib.sha256(body).hexdigest(): 6}
