"""Cancelling a stream from another thread ends it at once, whatever the server is doing.

No test here times the cancel. The client's read timeout is a minute, so a stream that ends
with ``Cancelled`` while the server stalls was ended by the cancel and by nothing else; the
waits below are guards against a hang, not budgets.
"""

from __future__ import annotations

import threading
import time

import pytest

from desktop_chat.core.client.api import Cancelled, ChatClient, ContentDelta, StreamEvent
from tests.scripted_server import Reply, ScriptedServer, json_reply, sse_chunks, sse_reply

MESSAGES = [{"role": "user", "content": "Hi"}]
GUARD = 30.0


def helper_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "desktop-chat-http"]


def wait_until(condition: object, timeout: float = GUARD) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


def cancel_after_request(
    server: ScriptedServer, client: ChatClient, count: int = 1
) -> list[StreamEvent]:
    """Stream, and set cancel 0.1 s after the server got request ``count``; the events."""
    cancel = threading.Event()

    def cancel_soon() -> None:
        server.wait_for_requests(count)
        time.sleep(0.1)
        cancel.set()

    setter = threading.Thread(target=cancel_soon)
    setter.start()
    events = list(client.stream_chat("m", MESSAGES, cancel=cancel))
    setter.join()
    return events


def test_cancel_while_stalled_before_headers(scripted_server: ScriptedServer) -> None:
    scripted_server.add(Reply(stall_before_headers=True))
    with ChatClient(scripted_server.base_url) as client:
        events = cancel_after_request(scripted_server, client)
        assert events == [Cancelled()]
        assert scripted_server.connections[0].closed_by_client.wait(GUARD)
    wait_until(lambda: not helper_threads())


def test_cancel_while_stalled_before_headers_on_a_reused_connection(
    scripted_server: ScriptedServer,
) -> None:
    scripted_server.add(sse_reply(["first"]), Reply(stall_before_headers=True))
    with ChatClient(scripted_server.base_url) as client:
        first = list(client.stream_chat("m", MESSAGES))
        assert first[0] == ContentDelta("first")
        events = cancel_after_request(scripted_server, client, count=2)
        assert events == [Cancelled()]
        assert len(scripted_server.connections) == 1
        assert scripted_server.connections[0].closed_by_client.wait(GUARD)
    wait_until(lambda: not helper_threads())


def test_cancel_before_headers_on_a_connection_a_whole_reply_left_open(
    scripted_server: ScriptedServer,
) -> None:
    # The connection was last used by a non-streamed request, which no exchange watched: it is
    # known from the response's network_stream, and shut when the next request is cancelled.
    completion = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "whole"}}]}
    scripted_server.add(json_reply(200, completion), Reply(stall_before_headers=True))
    with ChatClient(scripted_server.base_url) as client:
        assert client.complete("m", MESSAGES).text == "whole"
        events = cancel_after_request(scripted_server, client, count=2)
        assert events == [Cancelled()]
        assert len(scripted_server.connections) == 1
        assert scripted_server.connections[0].closed_by_client.wait(GUARD)
    wait_until(lambda: not helper_threads())


def test_a_cancelled_reused_request_leaves_the_client_usable(
    scripted_server: ScriptedServer,
) -> None:
    scripted_server.add(
        sse_reply(["first"]), Reply(stall_before_headers=True), sse_reply(["after"])
    )
    with ChatClient(scripted_server.base_url) as client:
        list(client.stream_chat("m", MESSAGES))
        assert cancel_after_request(scripted_server, client, count=2) == [Cancelled()]
        again = list(client.stream_chat("m", MESSAGES))
        assert again[0] == ContentDelta("after")
        assert len(scripted_server.connections) == 2  # the shut connection was made again


def test_cancel_while_stalled_mid_stream(scripted_server: ScriptedServer) -> None:
    chunks = sse_chunks(["a", "b", "never"])
    cut = len(b"".join(chunks[:3]))
    scripted_server.add(sse_reply(chunks=chunks, ending="stall", end_at=cut))
    with ChatClient(scripted_server.base_url) as client:
        events = cancel_after_request(scripted_server, client)
        assert events == [ContentDelta("a"), ContentDelta("b"), Cancelled()]
        assert scripted_server.connections[0].closed_by_client.wait(GUARD)
    wait_until(lambda: not helper_threads())


def test_cancel_while_data_keeps_coming(scripted_server: ScriptedServer) -> None:
    chunks = sse_chunks([f"t{i} " for i in range(2000)])
    scripted_server.add(sse_reply(chunks=chunks, delay=0.002))
    with ChatClient(scripted_server.base_url) as client:
        events = cancel_after_request(scripted_server, client)
        assert events[-1] == Cancelled()
        assert 1 < len(events) < 1000
        assert scripted_server.connections[0].closed_by_client.wait(GUARD)


def test_cancel_while_an_error_body_is_slow(scripted_server: ScriptedServer) -> None:
    scripted_server.add(Reply(500, [("Content-Type", "text/html")], [b"<p>", b"x"], delay=0.3))
    with ChatClient(scripted_server.base_url) as client:
        events = cancel_after_request(scripted_server, client)
    assert events == [Cancelled()]


def test_cancel_set_before_the_call_sends_nothing(scripted_server: ScriptedServer) -> None:
    cancel = threading.Event()
    cancel.set()
    with ChatClient(scripted_server.base_url) as client:
        assert list(client.stream_chat("m", MESSAGES, cancel=cancel)) == [Cancelled()]
    assert scripted_server.requests == []


def test_cancel_after_the_end_changes_nothing(scripted_server: ScriptedServer) -> None:
    cancel = threading.Event()
    scripted_server.add(sse_reply(["a"]))
    with ChatClient(scripted_server.base_url) as client:
        events = []
        for event in client.stream_chat("m", MESSAGES, cancel=cancel):
            events.append(event)
        cancel.set()
    assert events[-1] != Cancelled()


def test_leaving_the_loop_early_closes_the_connection(scripted_server: ScriptedServer) -> None:
    chunks = sse_chunks(["a", "b"])
    scripted_server.add(sse_reply(chunks=chunks, ending="stall", end_at=len(b"".join(chunks[:2]))))
    with ChatClient(scripted_server.base_url) as client:
        stream = client.stream_chat("m", MESSAGES)
        for event in stream:
            if event == ContentDelta("a"):
                break
        stream.close()  # type: ignore[attr-defined]
        assert scripted_server.connections[0].closed_by_client.wait(GUARD)
    wait_until(lambda: not helper_threads())


@pytest.mark.parametrize("delay", [0.0, 0.05])
def test_normal_streams_leave_no_thread(scripted_server: ScriptedServer, delay: float) -> None:
    scripted_server.add(sse_reply(["a", "b"], delay=delay))
    with ChatClient(scripted_server.base_url) as client:
        list(client.stream_chat("m", MESSAGES))
        assert helper_threads() == []
