"""Fuzzing the SSE decoder: arbitrary bytes, cut anywhere, must decode the same way.

A small reference decoder, written straight from the WHATWG "Interpreting an event stream"
steps, is the oracle for inputs that stay under the size limit.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_chat.core.client.sse import ServerSentEvent, SSEDecoder
from desktop_chat.core.errors import EventTooLarge

FUZZ = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Bytes that make the decoder's branches interesting: field names, line ends, a BOM, broken
# and split UTF-8, NUL in ids.
_PIECES = [
    b"data:",
    b"data: ",
    b"event:",
    b"event: error",
    b"id:",
    b"id: 1",
    b"retry: 30",
    b"retry: x",
    b": comment",
    b"\n",
    b"\r",
    b"\r\n",
    b"\n\n",
    b"\xef\xbb\xbf",
    b"\xc3",
    b"\xa9",
    b"\xf0\x9f\x98",
    b"\x80",
    b"\x00",
    b":",
    b" ",
    b'{"choices": []}',
    b"[DONE]",
    b"\xe2\x80\xa8",
]
stream_bytes = st.one_of(
    st.binary(max_size=300),
    st.lists(st.one_of(st.sampled_from(_PIECES), st.binary(max_size=8)), max_size=60).map(b"".join),
)


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    """``data`` cut at the given offsets (taken modulo its length, in order)."""
    points = sorted({cut % (len(data) + 1) for cut in cuts})
    pieces = []
    start = 0
    for point in [*points, len(data)]:
        pieces.append(data[start:point])
        start = point
    return pieces


def decode(chunks: list[bytes], max_event_size: int) -> tuple[list[ServerSentEvent], bool]:
    """(events, whether EventTooLarge was raised); any other exception propagates."""
    decoder = SSEDecoder(max_event_size=max_event_size)
    events: list[ServerSentEvent] = []
    try:
        for chunk in chunks:
            events.extend(decoder.feed(chunk))
        events.extend(decoder.close())
    except EventTooLarge:
        return events, True
    return events, False


def reference(data: bytes) -> list[ServerSentEvent]:
    """The events the standard says ``data`` holds (no size limit)."""
    text = data.decode("utf-8", "replace").removeprefix("\ufeff")
    lines = re.split(r"\r\n|\r|\n", text)
    lines.pop()  # the last line has no end; an unfinished block is discarded anyway
    events = []
    data_lines: list[str] = []
    event_type = ""
    last_id = ""
    retry: int | None = None
    for line in lines:
        if not line:
            if data_lines:
                events.append(
                    ServerSentEvent(event_type or "message", "\n".join(data_lines), last_id, retry)
                )
            data_lines, event_type, retry = [], "", None
            continue
        if line.startswith(":"):
            continue
        field, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if field == "data":
            data_lines.append(value)
        elif field == "event":
            event_type = value
        elif field == "id" and "\0" not in value:
            last_id = value
        elif field == "retry" and value and all(ch in "0123456789" for ch in value):
            retry = int(value)
    return events


@FUZZ
@given(data=stream_bytes, cuts=st.lists(st.integers(min_value=0), max_size=12))
def test_any_chunking_decodes_as_the_standard_says(data: bytes, cuts: list[int]) -> None:
    whole, whole_raised = decode([data], 1 << 20)
    chunked, chunked_raised = decode(split(data, cuts), 1 << 20)
    bytewise, bytewise_raised = decode([data[i : i + 1] for i in range(len(data))], 1 << 20)
    assert not whole_raised
    assert not chunked_raised
    assert not bytewise_raised
    expected = reference(data)
    assert whole == expected
    assert chunked == expected
    assert bytewise == expected


@FUZZ
@given(
    data=stream_bytes,
    cuts=st.lists(st.integers(min_value=0), max_size=12),
    limit=st.integers(min_value=1, max_value=40),
)
def test_a_small_limit_raises_only_event_too_large_whatever_the_chunking(
    data: bytes, cuts: list[int], limit: int
) -> None:
    whole, whole_raised = decode([data], limit)
    chunked, chunked_raised = decode(split(data, cuts), limit)
    bytewise, bytewise_raised = decode([data[i : i + 1] for i in range(len(data))], limit)
    # Whether the limit is hit depends on the bytes alone; a chunk that raises loses the events
    # it completed, so a finer chunking may have handed out more of them first.
    assert whole_raised == chunked_raised == bytewise_raised
    if not whole_raised:
        assert whole == chunked == bytewise
    else:
        assert bytewise[: len(chunked)] == chunked
        assert bytewise[: len(whole)] == whole
    for event in bytewise:
        assert len(event.data) <= limit


@settings(max_examples=200, deadline=None)
@given(data=stream_bytes, limit=st.integers(min_value=1, max_value=40))
def test_a_failed_decoder_keeps_failing(data: bytes, limit: int) -> None:
    decoder = SSEDecoder(max_event_size=limit)
    try:
        decoder.feed(data + b"data: " + b"x" * (limit + 100) + b"\n")
    except EventTooLarge:
        pass
    else:
        raise AssertionError("an over-long data line must raise EventTooLarge")
    for call in (lambda: decoder.feed(b"data: ok\n\n"), decoder.close):
        try:
            call()
        except EventTooLarge:
            continue
        raise AssertionError("a spent decoder must raise EventTooLarge again")
