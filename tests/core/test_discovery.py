"""Local server discovery against real loopback servers."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from desktop_chat.core.client.demo_server import DemoServer
from desktop_chat.core.client.discovery import (
    DEFAULT_PORTS,
    LocalServer,
    kind_for_port,
    probe_local_servers,
    probe_server,
)
from tests.ports import refused_port
from tests.scripted_server import Reply, ScriptedServer


def _port_of(server: DemoServer) -> int:
    assert server.base_url is not None
    return int(server.base_url.rsplit(":", 1)[1].split("/")[0])


class _Canned(BaseHTTPRequestHandler):
    """Answers GET with whatever the server's ``body``/``status``/``delay`` say."""

    server: _CannedServer

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet."""

    def do_GET(self) -> None:
        if self.server.barrier is not None:
            self.server.barrier.wait()
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
    barrier: threading.Barrier | None = None


def _start(server: _CannedServer) -> _CannedServer:
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    return server


def _stop(server: _CannedServer) -> None:
    server.shutdown()
    server.server_close()


@pytest.fixture
def canned() -> Iterator[_CannedServer]:
    server = _start(_CannedServer(("127.0.0.1", 0), _Canned))
    yield server
    _stop(server)


def test_defaults_are_the_usual_local_servers() -> None:
    assert DEFAULT_PORTS == (11434, 1234, 8080, 8000)


def test_finds_a_real_server_and_its_models() -> None:
    closed = refused_port()
    with DemoServer(pace=0) as demo:
        port = _port_of(demo)
        found = probe_local_servers(ports=(closed, port), timeout=1.0)
    assert found == [LocalServer(f"http://127.0.0.1:{port}/v1", ["demo"], "custom")]


def test_probes_run_at_the_same_time() -> None:
    # Each server answers only once both requests have arrived: probing one port after the
    # other, the first probe would wait at the barrier until it timed out.
    both_asked = threading.Barrier(2, timeout=30)
    servers = [_start(_CannedServer(("127.0.0.1", 0), _Canned)) for _ in range(2)]
    try:
        for number, server in enumerate(servers):
            server.body = f'{{"data": [{{"id": "model-{number}"}}]}}'.encode()
            server.barrier = both_asked
        ports = [s.server_address[1] for s in servers]
        found = probe_local_servers(ports=[*ports, refused_port()], timeout=10.0)
    finally:
        for server in servers:
            _stop(server)
    assert sorted(m for s in found for m in s.models) == ["model-0", "model-1"]


def test_a_server_slower_than_the_timeout_is_skipped(canned: _CannedServer) -> None:
    canned.body = b'{"data": [{"id": "m"}]}'
    canned.delay = 0.5
    assert probe_local_servers(ports=[canned.server_address[1]], timeout=0.1) == []


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
    assert probe_local_servers(ports=(refused_port(), refused_port()), timeout=0.2) == []
    assert probe_local_servers(ports=(), timeout=0.2) == []
    assert probe_local_servers(ports=(1,), timeout=0.2, host="256.0.0.1") == []
    assert probe_server("not a url at all") is None


def _models(count: int) -> bytes:
    return b'{"data": [' + b", ".join(b'{"id": "m%d"}' % i for i in range(count)) + b"]}"


def test_a_compressed_answer_is_read(scripted_server: ScriptedServer) -> None:
    scripted_server.add(Reply(200, [("Content-Encoding", "gzip")], [gzip.compress(_models(3))]))
    assert probe_server(scripted_server.base_url, 2.0) == ["m0", "m1", "m2"]


@pytest.mark.parametrize("encoding", [None, "gzip"])
def test_an_answer_larger_than_a_megabyte_is_ignored(
    scripted_server: ScriptedServer, encoding: str | None
) -> None:
    body = _models(60_000)  # about 1.1 MB, a valid list
    assert len(body) > 1024 * 1024
    headers = [("Content-Encoding", encoding)] if encoding else []
    chunks = (
        [gzip.compress(body)]
        if encoding
        else [body[i : i + 65536] for i in range(0, len(body), 65536)]
    )
    scripted_server.add(Reply(200, headers, chunks, framing="close"))
    assert probe_server(scripted_server.base_url, 2.0) is None


def test_an_answer_that_trickles_is_given_up(scripted_server: ScriptedServer) -> None:
    body = _models(1000)
    scripted_server.add(Reply(200, [], [bytes([b]) for b in body], delay=0.02, framing="chunked"))
    assert probe_server(scripted_server.base_url, 2.0, total_timeout=0.3) is None
