"""Connections that break at awkward moments, a Stop between chunks, and odd reply shapes.

The breaks are real, on the loopback server: a reset before any answer, a body cut short. The
message helpers are also called directly for the cases a loopback server cannot produce (a
connect timeout, a proxy address that does not parse).
"""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from desktop_chat.core.client._failures import connect_error, proxy_label
from desktop_chat.core.client._stream import usage_from
from desktop_chat.core.client.api import Cancelled, ChatClient, ContentDelta, Finished, StreamEvent
from desktop_chat.core.errors import ConnectError, UnexpectedResponseError
from tests.scripted_server import (
    Reply,
    ScriptedServer,
    chunk_json,
    json_reply,
    sse_chunks,
    sse_event,
    sse_reply,
)

MESSAGES = [{"role": "user", "content": "Hi"}]


def test_a_reset_before_any_answer_names_the_server_and_the_reason(
    scripted_server: ScriptedServer,
) -> None:
    scripted_server.vanish.set()  # each request is read, then the connection is reset
    scripted_server.add(Reply(stall_before_headers=True), Reply(stall_before_headers=True))
    host = f"127.0.0.1:{scripted_server.port}"
    with ChatClient(scripted_server.base_url) as client:
        with pytest.raises(ConnectError) as listing:
            client.list_models()
        with pytest.raises(ConnectError) as streaming:
            list(client.stream_chat("m", MESSAGES))
    for error in (listing.value, streaming.value):
        assert error.reason == "other"
        assert error.message.startswith(
            f"The connection to {host} failed before the server answered ("
        )


def test_a_whole_reply_cut_short_is_an_error_not_an_empty_answer(
    scripted_server: ScriptedServer,
) -> None:
    body = json.dumps({"choices": [{"message": {"content": "never seen"}}]}).encode()
    scripted_server.add(
        Reply(200, [("Content-Type", "application/json")], [body], ending="close", end_at=20)
    )
    events: list[StreamEvent] = []
    with ChatClient(scripted_server.base_url) as client, pytest.raises(UnexpectedResponseError):
        events.extend(client.stream_chat("m", MESSAGES))
    assert events == []


def test_stop_after_a_delta_ends_the_reply_even_when_the_rest_already_arrived(
    scripted_server: ScriptedServer,
) -> None:
    scripted_server.add(sse_reply(["one ", "two ", "three"]))
    cancel = threading.Event()
    events: list[StreamEvent] = []
    with ChatClient(scripted_server.base_url) as client:
        for event in client.stream_chat("m", MESSAGES, cancel=cancel):
            events.append(event)
            if isinstance(event, ContentDelta):
                cancel.set()  # the user pressed Stop while this delta was being shown
    assert events == [ContentDelta("one "), Cancelled()]


def test_a_usage_that_is_not_an_object_is_ignored(scripted_server: ScriptedServer) -> None:
    chunks = sse_chunks(["fine"], done=False)
    chunks += [sse_event({"choices": [], "usage": "lots"}), sse_event("[DONE]")]
    scripted_server.add(sse_reply(chunks=chunks))
    with ChatClient(scripted_server.base_url) as client:
        events = list(client.stream_chat("m", MESSAGES))
    assert events == [ContentDelta("fine"), Finished("stop")]


def test_a_whole_reply_whose_message_is_not_an_object_has_no_text(
    scripted_server: ScriptedServer,
) -> None:
    scripted_server.add(
        json_reply(200, {"choices": [{"message": "plain words", "finish_reason": "stop"}]})
    )
    with ChatClient(scripted_server.base_url) as client:
        completion = client.complete("m", MESSAGES)
    assert (completion.text, completion.reasoning, completion.finish_reason) == ("", "", "stop")
    assert completion.usage is None
    assert usage_from([chunk_json({"content": "x"})]) is None


def test_a_connect_timeout_says_so_and_names_the_host() -> None:
    error = connect_error(httpx.ConnectTimeout("timed out"), httpx.URL("https://api.test:8443/v1"))
    assert error.reason == "timeout"
    assert error.message == (
        "Connecting to api.test:8443 timed out. Check the base URL and your network."
    )


def test_a_failure_with_no_address_speaks_of_the_server() -> None:
    error = connect_error(httpx.ConnectError("no route"), None)
    assert error.message == "Could not connect to the server (no route)."


@pytest.mark.parametrize(
    "proxy", ["http://user:secret@[not-an-address]:8080", "http://[::1", "user:secret@"]
)
def test_a_proxy_address_without_a_usable_host_is_named_without_its_password(proxy: str) -> None:
    assert proxy_label(proxy) == "the proxy"
    error = connect_error(httpx.ConnectError("refused"), httpx.URL("https://api.test/v1"), proxy)
    assert error.reason == "proxy"
    assert error.message == (
        "Could not reach api.test through the proxy (refused). Check the proxy setting."
    )
    assert "secret" not in error.message
