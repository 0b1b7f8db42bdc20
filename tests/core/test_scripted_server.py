"""The scripted test server does exactly what its script says, byte for byte."""

from __future__ import annotations

import json
import socket
import threading
import time

import httpx
import pytest

from tests.scripted_server import (
    Reply,
    ScriptedServer,
    chunk_json,
    json_reply,
    sse_chunks,
    sse_event,
    sse_reply,
)


def _raw_exchange(server: ScriptedServer, request: bytes, *, timeout: float = 2.0) -> bytes:
    """Send ``request`` on a fresh socket and read until the server closes it."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        sock.sendall(request)
        received = b""
        while True:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                return received + b"<RST>"
            if not data:
                return received
            received += data


GET = b"GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n"


def test_records_method_path_headers_and_json_body(scripted_server: ScriptedServer) -> None:
    scripted_server.add(json_reply(200, {"ok": True}))
    response = httpx.post(
        scripted_server.url("/v1/chat/completions?x=1"),
        json={"model": "m"},
        headers={"X-Test": "yes"},
    )
    assert response.json() == {"ok": True}
    (request,) = scripted_server.requests
    assert request.method == "POST"
    assert request.path == "/v1/chat/completions?x=1"
    assert request.headers["x-test"] == "yes"
    assert request.json == {"model": "m"}


def test_replies_are_taken_in_order_on_one_keep_alive_connection(
    scripted_server: ScriptedServer,
) -> None:
    scripted_server.add(json_reply(400, {"n": 1}), json_reply(200, {"n": 2}))
    with httpx.Client() as client:
        first = client.get(scripted_server.url("/a"))
        second = client.get(scripted_server.url("/b"))
    assert (first.status_code, first.json()) == (400, {"n": 1})
    assert (second.status_code, second.json()) == (200, {"n": 2})
    assert len(scripted_server.connections) == 1


def test_without_a_queued_reply_it_answers_500(scripted_server: ScriptedServer) -> None:
    response = httpx.get(scripted_server.url("/"))
    assert response.status_code == 500
    assert "no reply was queued" in response.json()["error"]["message"]


def test_content_length_framing_writes_the_exact_bytes(scripted_server: ScriptedServer) -> None:
    scripted_server.add(Reply(201, [("X-A", "b")], [b"he", b"llo"]))
    raw = _raw_exchange(scripted_server, GET.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.split(b"\r\n") == [b"HTTP/1.1 201 Created", b"X-A: b", b"Content-Length: 5"]
    assert body == b"hello"


def test_chunked_framing_and_close_framing(scripted_server: ScriptedServer) -> None:
    scripted_server.add(
        Reply(200, chunks=[b"ab", b"c"], framing="chunked", ending="close"),
        Reply(200, chunks=[b"xyz"], framing="close"),
    )
    raw = _raw_exchange(scripted_server, GET)
    assert raw.endswith(b"Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n")
    raw = _raw_exchange(scripted_server, GET)
    assert raw.endswith(b"Connection: close\r\n\r\nxyz")


def test_normal_chunked_ending_writes_the_last_chunk(scripted_server: ScriptedServer) -> None:
    scripted_server.add(Reply(200, chunks=[b"ab"], framing="chunked"))
    with httpx.Client() as client:
        assert client.get(scripted_server.url("/")).content == b"ab"


def test_close_at_a_body_byte(scripted_server: ScriptedServer) -> None:
    scripted_server.add(Reply(200, chunks=[b"hello", b"world"], ending="close", end_at=7))
    raw = _raw_exchange(scripted_server, GET)
    assert raw.endswith(b"Content-Length: 10\r\n\r\nhellowo")


def test_reset_at_a_body_byte(scripted_server: ScriptedServer) -> None:
    scripted_server.add(Reply(200, chunks=[b"hello"], ending="reset", end_at=2, delay=0.05))
    raw = _raw_exchange(scripted_server, GET)
    assert raw.endswith(b"he<RST>")


def test_raw_bytes_are_written_verbatim(scripted_server: ScriptedServer) -> None:
    scripted_server.add(Reply(raw=b"NOT HTTP AT ALL\r\n"))
    assert _raw_exchange(scripted_server, GET) == b"NOT HTTP AT ALL\r\n"


def test_delay_is_applied_before_each_chunk(scripted_server: ScriptedServer) -> None:
    scripted_server.add(Reply(200, chunks=[b"a", b"b", b"c"], delay=0.05))
    started = time.monotonic()
    assert httpx.get(scripted_server.url("/")).content == b"abc"
    assert time.monotonic() - started >= 0.15


@pytest.mark.parametrize(
    "reply", [Reply(stall_before_headers=True), Reply(chunks=[b"a"], ending="stall", end_at=0)]
)
def test_stall_ends_when_the_client_goes_and_records_it(
    scripted_server: ScriptedServer, reply: Reply
) -> None:
    scripted_server.add(reply)
    with pytest.raises(httpx.ReadTimeout), httpx.Client(timeout=0.2) as client:
        client.get(scripted_server.url("/")).read()
    deadline = time.monotonic() + 2
    while not scripted_server.connections[0].closed_by_client.is_set():
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_stop_ends_a_stall_and_leaves_no_thread() -> None:
    before = set(threading.enumerate())
    server = ScriptedServer()
    server.add(Reply(stall_before_headers=True))
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.sendall(GET)
    server.wait_for_requests(1)
    started = time.monotonic()
    server.stop()
    sock.close()
    assert time.monotonic() - started < 1
    assert set(threading.enumerate()) <= before


def test_wait_for_requests_fails_loudly(scripted_server: ScriptedServer) -> None:
    with pytest.raises(AssertionError, match="expected 1 requests, got 0"):
        scripted_server.wait_for_requests(1, timeout=0.05)


def test_sse_builders() -> None:
    assert sse_event({"a": 1}) == b'data: {"a": 1}\n\n'
    assert sse_event("[DONE]", space=False, crlf=True) == b"data:[DONE]\r\n\r\n"
    assert sse_event("x", event="error") == b"event: error\ndata: x\n\n"
    chunks = sse_chunks(
        ["Hi"], usage={"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    )
    decoded = [json.loads(c[6:]) for c in chunks[:-1]]
    assert decoded[1]["choices"][0]["delta"] == {"content": "Hi"}
    assert decoded[2]["choices"][0]["finish_reason"] == "stop"
    assert decoded[3]["choices"] == []
    assert chunks[-1] == b"data: [DONE]\n\n"
    assert chunk_json(None, index=1)["choices"] == [{"index": 1, "finish_reason": None}]
    reply = sse_reply(["a"], delay=0.5, done=False)
    assert reply.delay == 0.5
    assert reply.headers == [("Content-Type", "text/event-stream")]
    assert not reply.chunks[-1].startswith(b"data: [DONE]")
