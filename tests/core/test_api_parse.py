"""The stream parser on its own: chunking of the bytes never changes the events."""

from __future__ import annotations

import itertools
import threading

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
