"""Replies that are not streams are read within a size, counted decompressed, and a time."""

from __future__ import annotations

import gzip
import json

import pytest

from desktop_chat.core.chat.advice import ErrorAction, describe_error
from desktop_chat.core.client.api import (
    MAX_MODEL_LIST_BYTES,
    MAX_REPLY_BYTES,
    ChatClient,
    ContentDelta,
    Finished,
)
from desktop_chat.core.errors import (
    ApiError,
    ResponseTooLargeError,
    ResponseTooSlowError,
)
from tests.scripted_server import Reply, ScriptedServer

MESSAGES = [{"role": "user", "content": "Hi"}]
KEY = "sk-limits-secret-0123456789"
JSON = ("Content-Type", "application/json")
MB = 1024 * 1024


def _pieces(data: bytes, size: int = 65536) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def _completion(text: str) -> bytes:
    message = {"role": "assistant", "content": text}
    return json.dumps(
        {"choices": [{"index": 0, "message": message, "finish_reason": "stop"}]}
    ).encode()


def _trickle(body: bytes = b'{"data": [' + b" " * 100_000) -> Reply:
    """A 200 whose body comes one byte every 20 ms: never silent long enough for a read timeout."""
    return Reply(200, [JSON], [bytes([b]) for b in body], delay=0.02, framing="chunked")


def _stream_error(client: ChatClient) -> ApiError:
    with pytest.raises(ApiError) as info:
        list(client.stream_chat("m", MESSAGES))
    return info.value


# -- size ----------------------------------------------------------------------------------------


def test_a_model_list_larger_than_the_limit_is_not_read_to_the_end(
    scripted_server: ScriptedServer,
) -> None:
    endless = b'{"data": [' + b'{"id": "m"}, ' * (MAX_MODEL_LIST_BYTES // 12 + 10_000)
    scripted_server.add(Reply(200, [JSON], _pieces(endless), framing="close"))
    client = ChatClient(scripted_server.base_url, KEY)
    with client, pytest.raises(ResponseTooLargeError) as info:
        client.list_models()
    assert info.value.limit == MAX_MODEL_LIST_BYTES
    assert "model list is larger than 8 MB" in info.value.message
    advice = describe_error(info.value)
    assert advice.text.startswith("Unexpected answer\nThe server's model list is larger")
    assert advice.action is ErrorAction.RETRY


def test_the_limit_counts_the_decompressed_size(scripted_server: ScriptedServer) -> None:
    bomb = gzip.compress(b'{"data": [' + b" " * (MAX_MODEL_LIST_BYTES + MB))
    assert len(bomb) < MB // 4
    headers = [JSON, ("Content-Encoding", "gzip")]
    scripted_server.add(Reply(200, headers, _pieces(bomb)))
    client = ChatClient(scripted_server.base_url, KEY)
    with client, pytest.raises(ResponseTooLargeError):
        client.list_models()
    assert scripted_server.requests[0].headers["accept-encoding"] == "gzip, deflate"


def test_a_compressed_model_list_is_read(scripted_server: ScriptedServer) -> None:
    body = gzip.compress(json.dumps({"data": [{"id": "zipped"}]}).encode())
    scripted_server.add(Reply(200, [JSON, ("Content-Encoding", "gzip")], [body]))
    with ChatClient(scripted_server.base_url) as client:
        assert client.list_models() == ["zipped"]


def test_a_whole_chat_reply_over_a_megabyte_is_a_reply(scripted_server: ScriptedServer) -> None:
    text = "long answer " * (3 * MB // 12)
    scripted_server.add(Reply(200, [JSON], _pieces(_completion(text))))
    with ChatClient(scripted_server.base_url, KEY) as client:
        assert list(client.stream_chat("m", MESSAGES)) == [ContentDelta(text), Finished("stop")]


def test_a_whole_chat_reply_over_the_limit_says_how_large(scripted_server: ScriptedServer) -> None:
    text = "x" * (MAX_REPLY_BYTES + 1000)
    scripted_server.add(Reply(200, [JSON], _pieces(_completion(text)), framing="close"))
    with ChatClient(scripted_server.base_url, KEY) as client:
        error = _stream_error(client)
    assert type(error) is ResponseTooLargeError
    assert "The server's reply is larger than 16 MB" in error.message
    assert "instead of an API reply" not in error.message


def test_complete_is_limited_after_decompression(scripted_server: ScriptedServer) -> None:
    bomb = gzip.compress(_completion("y" * (MAX_REPLY_BYTES + 1000)))
    scripted_server.add(Reply(200, [JSON, ("Content-Encoding", "gzip")], _pieces(bomb)))
    client = ChatClient(scripted_server.base_url, KEY)
    with client, pytest.raises(ResponseTooLargeError) as info:
        client.complete("m", MESSAGES)
    assert info.value.limit == MAX_REPLY_BYTES


# -- time ----------------------------------------------------------------------------------------


def test_a_trickling_model_list_is_stopped_at_the_deadline(scripted_server: ScriptedServer) -> None:
    scripted_server.add(_trickle())
    client = ChatClient(scripted_server.base_url, KEY, body_timeout=0.3)
    with client, pytest.raises(ResponseTooSlowError) as info:
        client.list_models()
    assert info.value.seconds == 0.3
    assert "model list had not arrived in full after 0.3 s" in info.value.message
    scripted_server.connections[0].closed_by_client.wait(5)
    assert scripted_server.connections[0].closed_by_client.is_set()


def test_the_model_list_deadline_covers_the_wait_for_headers(
    scripted_server: ScriptedServer,
) -> None:
    scripted_server.add(Reply(stall_before_headers=True))
    client = ChatClient(scripted_server.base_url, KEY, read_timeout=30, body_timeout=0.3)
    with client, pytest.raises(ResponseTooSlowError):
        client.list_models()


def test_a_trickling_whole_chat_reply_is_stopped(scripted_server: ScriptedServer) -> None:
    scripted_server.add(_trickle(_completion("slow " * 20_000)))
    with ChatClient(scripted_server.base_url, KEY, body_timeout=0.3) as client:
        error = _stream_error(client)
    assert type(error) is ResponseTooSlowError
    assert "reply had not arrived in full after 0.3 s" in error.message


def test_a_trickling_reply_with_no_length_is_stopped_not_cut(
    scripted_server: ScriptedServer,
) -> None:
    # With the body ending at the close, the shut-down socket looks like a normal end.
    reply = _trickle(_completion("slow " * 20_000))
    reply.framing = "close"
    scripted_server.add(reply)
    client = ChatClient(scripted_server.base_url, KEY, body_timeout=0.3)
    with client, pytest.raises(ResponseTooSlowError):
        client.complete("m", MESSAGES)
