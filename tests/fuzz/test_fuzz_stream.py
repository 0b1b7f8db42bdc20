"""Fuzzing the stream interpreter: arbitrary event data must become events or an ApiError.

``parse_stream`` is a plain generator over byte chunks, so it is driven directly; one test at the
end goes through ``ChatClient`` and a loopback server to show what a user would meet.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_chat.core.client._stream import StreamState, parse_stream
from desktop_chat.core.client.api import (
    Cancelled,
    ChatClient,
    ContentDelta,
    Finished,
    ReasoningDelta,
    StreamEvent,
    ToolCallDelta,
    Usage,
)
from desktop_chat.core.client.sse import SSEDecoder
from desktop_chat.core.errors import ApiError, EventTooLarge, StreamError
from tests.scripted_server import Reply, ScriptedServer

FUZZ = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_KEYS = [
    "choices",
    "delta",
    "content",
    "index",
    "finish_reason",
    "usage",
    "error",
    "message",
    "reasoning",
    "reasoning_content",
    "reasoning_details",
    "text",
    "summary",
    "tool_calls",
    "function",
    "name",
    "arguments",
    "id",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "code",
    "type",
    "detail",
]
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["stop", "length", "", "[DONE]"]),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(_KEYS), st.text(max_size=6)), children, max_size=5
        ),
    ),
    max_leaves=10,
)
# Shapes close to real chunks, with any field swapped for any value, so the interpreter's type
# checks are all reached.
chunk_like = st.fixed_dictionaries(
    {
        "choices": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "index": st.one_of(st.just(0), json_values),
                    "delta": st.one_of(
                        st.fixed_dictionaries(
                            {},
                            optional={
                                "content": st.one_of(st.text(max_size=10), json_values),
                                "reasoning_content": st.one_of(st.text(max_size=10), json_values),
                                "reasoning": json_values,
                                "reasoning_details": json_values,
                                "tool_calls": st.one_of(
                                    st.lists(
                                        st.fixed_dictionaries(
                                            {},
                                            optional={
                                                "index": json_values,
                                                "id": json_values,
                                                "function": st.one_of(
                                                    st.fixed_dictionaries(
                                                        {},
                                                        optional={
                                                            "name": json_values,
                                                            "arguments": json_values,
                                                        },
                                                    ),
                                                    json_values,
                                                ),
                                            },
                                        ),
                                        max_size=3,
                                    ),
                                    json_values,
                                ),
                            },
                        ),
                        json_values,
                    ),
                    "finish_reason": json_values,
                },
            ),
            max_size=3,
        )
    },
    optional={"usage": json_values, "error": json_values},
)
event_data = st.one_of(
    chunk_like.map(json.dumps),
    json_values.map(json.dumps),
    st.text(max_size=40),
    st.sampled_from(["[DONE]", " [DONE] ", "{", "{}", '{"error": null}', "{]"]),
    st.text(max_size=20).map(lambda tail: "{" + tail),
)
events = st.lists(
    st.tuples(st.sampled_from([None, "message", "error", "ping", ""]), event_data), max_size=8
)

EXPECTED_TYPES = (ContentDelta, ReasoningDelta, ToolCallDelta, Usage, Finished, Cancelled)


def encode(items: list[tuple[str | None, str]]) -> bytes:
    out = []
    for name, data in items:
        head = f"event: {name}\n" if name is not None else ""
        body = "".join(f"data: {line}\n" for line in data.split("\n"))
        out.append(f"{head}{body}\n")
    return "".join(out).encode("utf-8", "surrogatepass")


def interpret(chunks: list[bytes]) -> tuple[list[StreamEvent], StreamState, ApiError | None]:
    state = StreamState()
    produced: list[StreamEvent] = []
    try:
        for item in parse_stream(chunks, SSEDecoder(), state, threading.Event()):
            produced.append(item)
    except ApiError as error:  # anything else escapes and fails the test
        return produced, state, error
    return produced, state, None


def check_event(item: Any) -> None:
    assert isinstance(item, EXPECTED_TYPES)
    if isinstance(item, (ContentDelta, ReasoningDelta)):
        assert isinstance(item.text, str)
        assert item.text
    elif isinstance(item, ToolCallDelta):
        assert type(item.index) is int
        assert item.id is None or isinstance(item.id, str)
        assert item.name is None or isinstance(item.name, str)
        assert isinstance(item.arguments, str)
    elif isinstance(item, Usage):
        for count in (item.prompt_tokens, item.completion_tokens, item.total_tokens):
            assert type(count) is int


@FUZZ
@given(items=events, cut=st.integers(min_value=1, max_value=64))
def test_any_event_data_gives_events_or_a_documented_api_error(
    items: list[tuple[str | None, str]], cut: int
) -> None:
    body = encode(items)
    chunks = [body[i : i + cut] for i in range(0, len(body), cut)]
    produced, state, error = interpret(chunks)
    for item in produced:
        check_event(item)
    # partial_text and the text of the deltas are the same thing
    assert state.text == "".join(i.text for i in produced if isinstance(i, ContentDelta))
    if error is not None:
        assert isinstance(error, StreamError)
        assert error.partial_text == state.text
        assert error.message
    # the chunking of the same bytes never changes what comes out
    whole, _, whole_error = interpret([body])
    assert whole == produced
    assert type(whole_error) is type(error)


@settings(max_examples=800, deadline=None)
@given(raw=st.binary(max_size=400), cut=st.integers(min_value=1, max_value=64))
def test_arbitrary_bytes_give_events_or_a_documented_api_error(raw: bytes, cut: int) -> None:
    produced, _state, error = interpret([raw[i : i + cut] for i in range(0, len(raw), cut)])
    for item in produced:
        check_event(item)
    assert error is None or isinstance(error, StreamError)


def test_an_oversized_event_is_an_api_error_not_a_crash() -> None:
    state = StreamState()
    decoder = SSEDecoder(max_event_size=64)
    chunks = [b'data: {"choices":[{"delta":{"content":"hi"}}]}\n\n', b"data: " + b"x" * 500]
    with pytest.raises(EventTooLarge):
        list(parse_stream(chunks, decoder, state, threading.Event()))
    assert state.text == "hi"


DEEP = "[" * 100_000


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(f'data: {{"choices": {DEEP}\n\n', id="message-event"),
        pytest.param(f'event: error\ndata: {{"error": {DEEP}\n\n', id="error-event"),
    ],
)
def test_deeply_nested_json_event_raises_only_api_errors(body: str) -> None:
    """A hostile server can send JSON nested deeper than Python's recursion limit."""
    produced, _state, error = interpret([body.encode()])
    assert produced == []
    # Either skipped as unreadable or reported as a stream error; never a RecursionError.
    assert error is None or isinstance(error, StreamError)


def _deep_stream() -> Reply:
    chunks = [f'data: {{"choices": {DEEP}\n\n'.encode(), b"data: [DONE]\n\n"]
    return Reply(200, [("Content-Type", "text/event-stream")], chunks, framing="chunked")


def _deep_json(status: int) -> Reply:
    return Reply(status, [("Content-Type", "application/json")], [f'{{"error": {DEEP}'.encode()])


@pytest.mark.parametrize(
    ("reply", "request_kind"),
    [
        pytest.param(_deep_stream(), "stream", id="stream-event"),
        pytest.param(_deep_json(500), "stream", id="error-body-of-a-stream-request"),
        pytest.param(_deep_json(200), "models", id="model-list-body"),
    ],
)
def test_deeply_nested_json_through_the_client_is_an_api_error(
    scripted_server: ScriptedServer, reply: Reply, request_kind: str
) -> None:
    scripted_server.add(reply)
    failure: ApiError | None = None
    with ChatClient(scripted_server.base_url, None) as client:
        try:
            if request_kind == "stream":
                items = list(client.stream_chat("m", [{"role": "user", "content": "hi"}]))
                assert all(isinstance(item, EXPECTED_TYPES) for item in items)
            else:
                client.list_models()
        except ApiError as error:  # the one kind of exception allowed out
            failure = error
    assert failure is None or failure.message
