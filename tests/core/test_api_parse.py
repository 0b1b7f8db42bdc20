"""The stream parser on its own: chunking of the bytes never changes the events."""

from __future__ import annotations

import itertools
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_chat.core.client._stream import StreamState, parse_stream
from desktop_chat.core.client.api import (
    ContentDelta,
    ReasoningDelta,
    StreamEvent,
    ToolCallDelta,
    Usage,
)
from desktop_chat.core.client.sse import SSEDecoder
from desktop_chat.core.errors import StreamError
from tests.scripted_server import chunk_json, sse_chunks, sse_event

QUIRKY = b"".join(
    [
        b"\xef\xbb\xbf: OPENROUTER PROCESSING\r\n\r\n",
        b"event: ping\ndata: {}\n\n",
        sse_event(chunk_json({"reasoning_content": "pensée "}), crlf=True),
        sse_event({"choices": [], "prompt_filter_results": []}, space=False),
        sse_event(chunk_json({"content": "naïve 😀 "})),
        sse_event(chunk_json({"tool_calls": [{"index": 0, "id": "c", "function": {"name": "f"}}]})),
        sse_event(chunk_json({"content": "ignored"}, index=2)),
        b"data: {not json\n\n",
        *sse_chunks(["fin"], usage={"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
                    crlf=True)[1:],
        b"data: after done is never read\n\n",
    ]
)  # fmt: skip
EXPECTED: list[StreamEvent] = [
    ReasoningDelta("pensée "),
    ContentDelta("naïve 😀 "),
    ToolCallDelta(0, "c", "f", ""),
    ContentDelta("fin"),
    Usage(1, 2, 3),
]


def parse(chunks: list[bytes]) -> tuple[list[StreamEvent], StreamState]:
    state = StreamState()
    events = list(parse_stream(chunks, SSEDecoder(), state, threading.Event()))
    return events, state


def test_whole_body() -> None:
    events, state = parse([QUIRKY])
    assert events == EXPECTED
    assert state.done
    assert state.finish_reason == "stop"
    assert state.text == "naïve 😀 fin"


def test_one_byte_at_a_time() -> None:
    assert parse([QUIRKY[i : i + 1] for i in range(len(QUIRKY))])[0] == EXPECTED


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(QUIRKY)), max_size=30))
def test_any_chunking(cuts: list[int]) -> None:
    bounds = [0, *sorted(cuts), len(QUIRKY)]
    chunks = [QUIRKY[a:b] for a, b in itertools.pairwise(bounds)]
    assert parse(chunks)[0] == EXPECTED


def test_cancel_stops_at_the_next_chunk() -> None:
    cancel = threading.Event()
    state = StreamState()
    chunks = sse_chunks(["a", "b", "c"])
    events = []
    for event in parse_stream(chunks, SSEDecoder(), state, cancel):
        events.append(event)
        cancel.set()
    assert events == [ContentDelta("a")]
    assert not state.done


def test_json_the_fast_parser_refuses_reads_as_json_loads_reads_it() -> None:
    # NaN, a lone surrogate, a number out of range, bytes that are not UTF-8, nesting too deep:
    # the fast parser refuses each, and the chunk then takes the general path, as before.
    chunks = [
        b'data: {"choices": [{"delta": {"content": "a"}}], "x": NaN}\n\n',
        b'data: {"choices": [{"delta": {"content": "\\ud83d"}}]}\n\n',
        b'data: {"choices": [{"delta": {"content": "b"}}], "x": 1e400}\n\n',
        b'data: {"choices": [{"delta": {"content": "\xff"}}]}\n\n',
        b'data: {"choices": [], "usage": {"prompt_tokens": 18446744073709551616}}\n\n',
        b"data: " + b'{"a": ' * 5000 + b"1" + b"}" * 5000 + b"\n\n",  # too deep: skipped
    ]
    for split in (chunks, [b"".join(chunks)]):
        events, _ = parse(split)
        assert events == [
            ContentDelta("a"),
            ContentDelta("\ud83d"),
            ContentDelta("b"),
            ContentDelta("\ufffd"),
            Usage(2**64, 0, 2**64),
        ]


def test_an_error_object_in_a_usual_chunk_is_worded() -> None:
    chunks = [*sse_chunks(["partial"])[:2], b'data: {"error": {"message": "over quota"}}\n\n']
    with pytest.raises(StreamError) as raised:
        parse(chunks)
    assert raised.value.partial_text == "partial"
    assert raised.value.message.endswith("The server said: over quota")


@pytest.mark.parametrize(
    "data",
    [
        {"choices": [{"index": 0, "delta": {"role": "assistant", "content": "a"}}]},
        {"choices": [{"delta": {"content": "a"}, "finish_reason": "length", "logprobs": None}]},
        {"choices": [{"index": 1, "delta": {"content": "other choice"}}]},
        {"choices": [{"index": 0.0, "delta": {"content": "a float index"}}]},
        {"choices": [{"delta": {"content": "a", "reasoning_content": "r"}}]},
        {"choices": [{"delta": {"content": 5}}, {"delta": {"content": "b"}}]},
        {"choices": ["odd", {"delta": {"content": "b"}}], "usage": None, "error": None},
        {"choices": [{"delta": {}}, {"delta": None}], "error": False},
        {"choices": None, "usage": {"prompt_tokens": 1, "completion_tokens": 1}},
    ],
)
def test_a_chunk_reads_the_same_whole_or_cut(data: dict[str, object]) -> None:
    # Whole, the usual chunk is read straight into typed fields, or as plain JSON when it does
    # not fit them; cut, it always takes the general path. Both give the same events.
    event = sse_event(data)
    whole, whole_state = parse([event])
    cut, cut_state = parse([event[i : i + 1] for i in range(len(event))])
    assert whole == cut
    assert whole_state.finish_reason == cut_state.finish_reason
