"""Local server discovery against real loopback servers."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import pytest

from desktop_chat.core.demo_server import DemoServer
from desktop_chat.core.discovery import (
    DEFAULT_PORTS,
    LocalServer,
    kind_for_port,
    probe_local_servers,
    probe_server,
)


def _port_of(server: DemoServer) -> int:
    assert server.base_url is not None
    return int(server.base_url.rsplit(":", 1)[1].split("/")[0])


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Canned(BaseHTTPRequestHandler):
    """Answers GET with whatever the server's ``body``/``status``/``delay`` say."""

    server: _CannedServer

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet."""

    def do_GET(self) -> None:
        time.sleep(self.server.delay)
        data = self.server.body
        self.send_response(self.server.status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _CannedServer(ThreadingHTTPServer):
    daemon_threads = True
    body: bytes = b""
    status: int = 200
    delay: float = 0.0


@pytest.fixture
def canned() -> Iterator[_CannedServer]:
    server = _CannedServer(("127.0.0.1", 0), _Canned)
    thread = Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_defaults_are_the_usual_local_servers() -> None:
    assert DEFAULT_PORTS == (11434, 1234, 8080, 8000)


def test_finds_a_real_server_and_its_models() -> None:
    closed = _closed_port()
    with DemoServer(pace=0) as demo:
        port = _port_of(demo)
        found = probe_local_servers(ports=(closed, port), timeout=1.0)
    assert found == [LocalServer(f"http://127.0.0.1:{port}/v1", ["demo"], "custom")]


def test_probes_run_at_the_same_time(canned: _CannedServer) -> None:
    canned.body = b'{"data": [{"id": "slow-model"}]}'
    canned.delay = 0.3
    port = canned.server_address[1]
    start = time.perf_counter()
    found = probe_local_servers(ports=[port, _closed_port(), _closed_port()], timeout=2.0)
    elapsed = time.perf_counter() - start
    assert [s.models for s in found] == [["slow-model"]]
    assert elapsed < 1.0


def test_a_server_slower_than_the_timeout_is_skipped(canned: _CannedServer) -> None:
    canned.body = b'{"data": [{"id": "m"}]}'
    canned.delay = 0.5
    start = time.perf_counter()
    assert probe_local_servers(ports=[canned.server_address[1]], timeout=0.1) == []
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            200,
            b'{"object": "list", "data": [{"id": "a"}, {"id": "b"}, {"no": "id"}, 5]}',
            ["a", "b"],
        ),
        (200, b'{"data": []}', []),
        (200, b"<html>not an API</html>", None),
        (200, b'{"models": ["a"]}', None),
        (200, b"[1, 2]", None),
        (401, b'{"error": "key needed"}', None),
        (500, b"", None),
    ],
)
def test_answers_that_are_not_model_lists_are_ignored(
    canned: _CannedServer, status: int, body: bytes, expected: list[str] | None
) -> None:
    canned.status, canned.body = status, body
    assert probe_server(f"http://127.0.0.1:{canned.server_address[1]}/v1", 1.0) == expected


def test_kind_is_guessed_from_well_known_ports() -> None:
    assert [kind_for_port(p) for p in DEFAULT_PORTS] == ["ollama", "lmstudio", "llamacpp", "vllm"]
    assert kind_for_port(5000) == "custom"


def test_nothing_listening_gives_an_empty_list_and_never_raises() -> None:
    assert probe_local_servers(ports=(_closed_port(), _closed_port()), timeout=0.2) == []
    assert probe_local_servers(ports=(), timeout=0.2) == []
    assert probe_local_servers(ports=(1,), timeout=0.2, host="256.0.0.1") == []
    assert probe_server("not a url at all") is None
