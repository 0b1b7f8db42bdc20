"""Conformance of the SSE decoder with the WHATWG event-stream rules and with real servers' quirks.

Every case runs twice: fed in the chunks as written, and fed one byte at a time, because the way a
stream is cut into network chunks must never change what it decodes to.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import pytest

from desktop_chat.core.client import sse
from desktop_chat.core.client.sse import ServerSentEvent, SSEDecoder
from desktop_chat.core.errors import EventTooLarge, StreamProblem

Chunks = bytes | Sequence[bytes]
Decode = Callable[..., list[ServerSentEvent]]


def E(data: str, event: str = "message", id: str = "", retry: int | None = None) -> ServerSentEvent:
    return ServerSentEvent(event=event, data=data, id=id, retry=retry)


def _as_chunks(stream: Chunks) -> list[bytes]:
    return [stream] if isinstance(stream, bytes) else list(stream)


@pytest.fixture(params=["as-written", "byte-by-byte"])
def decode(request: pytest.FixtureRequest) -> Decode:
    """Decode a stream (bytes, or a list of chunks) completely, in the mode of the parameter."""

    def run(stream: Chunks, **options: int) -> list[ServerSentEvent]:
        chunks = _as_chunks(stream)
        if request.param == "byte-by-byte":
            joined = b"".join(chunks)
            chunks = [joined[i : i + 1] for i in range(len(joined))]
        decoder = SSEDecoder(**options)
        events: list[ServerSentEvent] = []
        for chunk in chunks:
            events += decoder.feed(chunk)
        events += decoder.close()
        return events

    return run


CHUNK = (
    '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1732770000,"model":"m",'
    '"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}'
)
USAGE = (
    '{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[],'
    '"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}'
)

CASES: list[tuple[str, Chunks, list[ServerSentEvent]]] = [
    # --- fields and values ---
    ("data with a space", b"data: hello\n\n", [E("hello")]),
    ("data with no space", b"data:hello\n\n", [E("hello")]),
    ("only one leading space removed", b"data:  hello\n\n", [E(" hello")]),
    ("trailing spaces kept", b"data: hello  \n\n", [E("hello  ")]),
    ("tab after colon kept", b"data:\thello\n\n", [E("\thello")]),
    ("colons inside the value kept", b"data: a:b: c\n\n", [E("a:b: c")]),
    ("two data lines join with LF", b"data: a\ndata: b\n\n", [E("a\nb")]),
    ("three data lines", b"data: YHOO\ndata: +2\ndata: 10\n\n", [E("YHOO\n+2\n10")]),
    ("empty data value", b"data:\n\n", [E("")]),
    ("data with a space and nothing else", b"data: \n\n", [E("")]),
    ("data field without a colon", b"data\n\n", [E("")]),
    ("two bare data fields", b"data\ndata\n\n", [E("\n")]),
    ("trailing empty data line", b"data: a\ndata\n\n", [E("a\n")]),
    ("leading empty data line", b"data:\ndata: a\n\n", [E("\na")]),
    (
        "spec example: ids and spaces",
        b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\n"
        b"data:  third event\n\n",
        [E("first event", id="1"), E("second event"), E(" third event")],
    ),
    (
        "spec example: empty events and an unfinished one",
        b"data\n\ndata\ndata\n\ndata:",
        [E(""), E("\n")],
    ),
    ("spec example: with or without space", b"data:test\n\ndata: test\n\n", [E("test"), E("test")]),
    ("NUL inside data kept", b"data: a\x00b\n\n", [E("a\x00b")]),
    ("unknown field ignored", b"foo: bar\ndata: a\n\n", [E("a")]),
    ("unknown field without colon ignored", b"foo\ndata: a\n\n", [E("a")]),
    ("field names are case-sensitive", b"Data: a\nDATA: b\n\n", []),
    ("Event in capitals ignored", b"Event: x\ndata: a\n\n", [E("a")]),
    ("space before the colon makes another field", b"data : a\n\n", []),
    ("space before the field name makes another field", b" data: a\n\n", []),
    ("line of only a space is a field with no value", b" \ndata: a\n\n", [E("a")]),
    # --- comments ---
    ("comment only", b": keep-alive\n\n", []),
    ("empty comment", b":\n\n", []),
    (
        "OpenRouter processing comments",
        b": OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\n\ndata: " + CHUNK.encode() + b"\n\n",
        [E(CHUNK)],
    ),
    ("comment between data lines", b"data: a\n: note\ndata: b\n\n", [E("a\nb")]),
    ("comment looking like a field", b":data: a\n\n", []),
    # --- blank lines and dispatch ---
    ("blank lines alone dispatch nothing", b"\n\n\r\n\r\r", []),
    ("many events in one chunk", b"data: 1\n\ndata: 2\n\ndata: 3\n\n", [E("1"), E("2"), E("3")]),
    ("extra blank lines between events", b"data: 1\n\n\n\n\ndata: 2\n\n", [E("1"), E("2")]),
    ("event field alone dispatches nothing", b"event: ping\n\n", []),
    # --- event type ---
    ("event type set", b"event: add\ndata: 73857293\n\n", [E("73857293", event="add")]),
    ("event type after the data", b"data: x\nevent: late\n\n", [E("x", event="late")]),
    ("last event type wins", b"event: a\nevent: b\ndata: x\n\n", [E("x", event="b")]),
    ("empty event type means message", b"event:\ndata: x\n\n", [E("x")]),
    ("event type keeps inner spaces", b"event:  spaced \ndata: x\n\n", [E("x", event=" spaced ")]),
    (
        "event type resets after dispatch",
        b"event: x\ndata: 1\n\ndata: 2\n\n",
        [E("1", event="x"), E("2")],
    ),
    ("event type reset by a blank line without data", b"event: x\n\ndata: 1\n\n", [E("1")]),
    (
        "event: error frame",
        b'event: error\ndata: {"error":{"message":"Overloaded","code":529}}\n\n',
        [E('{"error":{"message":"Overloaded","code":529}}', event="error")],
    ),
    # --- id ---
    ("id set", b"id: 1\ndata: a\n\n", [E("a", id="1")]),
    ("id after data in the same block", b"data: a\nid: 3\n\n", [E("a", id="3")]),
    (
        "last id persists across events",
        b"id: 7\ndata: a\n\ndata: b\n\n",
        [E("a", id="7"), E("b", id="7")],
    ),
    ("last of several ids wins", b"id: 1\nid: 2\ndata: a\n\n", [E("a", id="2")]),
    (
        "empty id resets the last id",
        b"id: 1\ndata: a\n\nid:\ndata: b\n\n",
        [E("a", id="1"), E("b")],
    ),
    (
        "bare id field resets the last id",
        b"id: 1\ndata: a\n\nid\ndata: b\n\n",
        [E("a", id="1"), E("b")],
    ),
    (
        "id with NUL ignored",
        b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n",
        [E("a", id="1"), E("b", id="1")],
    ),
    ("id in a block without data still sets it", b"id: 5\n\ndata: a\n\n", [E("a", id="5")]),
    ("id in a discarded block is not seen", b"data: a\n\nid: 9\ndata: b", [E("a")]),
    ("id keeps spaces after the first", b"id:  x \ndata: a\n\n", [E("a", id=" x ")]),
    # --- retry ---
    ("retry valid", b"retry: 3000\ndata: a\n\n", [E("a", retry=3000)]),
    ("retry zero", b"retry: 0\ndata: a\n\n", [E("a", retry=0)]),
    ("retry with leading zeros", b"retry: 007\ndata: a\n\n", [E("a", retry=7)]),
    ("retry with a letter ignored", b"retry: 10a\ndata: a\n\n", [E("a")]),
    ("retry negative ignored", b"retry: -1\ndata: a\n\n", [E("a")]),
    ("retry with extra space ignored", b"retry:  10\ndata: a\n\n", [E("a")]),
    ("retry with trailing space ignored", b"retry: 10 \ndata: a\n\n", [E("a")]),
    ("retry empty ignored", b"retry:\ndata: a\n\n", [E("a")]),
    ("retry with non-ASCII digits ignored", "retry: ١٢\ndata: a\n\n".encode(), [E("a")]),
    ("retry fraction ignored", b"retry: 1.5\ndata: a\n\n", [E("a")]),
    (
        "invalid retry keeps an earlier valid one",
        b"retry: 5\nretry: x\ndata: a\n\n",
        [E("a", retry=5)],
    ),
    ("retry belongs to its block", b"retry: 5\ndata: a\n\ndata: b\n\n", [E("a", retry=5), E("b")]),
    ("retry of a block without data is dropped", b"retry: 5\n\ndata: a\n\n", [E("a")]),
    # --- line ends ---
    ("CRLF line ends", b"data: a\r\ndata: b\r\n\r\n", [E("a\nb")]),
    ("CR line ends", b"data: a\rdata: b\r\r", [E("a\nb")]),
    ("mixed line ends", b"data: a\r\ndata: b\rdata: c\n\r\n", [E("a\nb\nc")]),
    ("CR CR is a blank line", b"data: a\r\rdata: b\r\r", [E("a"), E("b")]),
    ("LF CR is two line ends", b"data: a\n\rdata: b\n\n", [E("a"), E("b")]),
    ("CR LF LF dispatches once", b"data: a\r\n\ndata: b\n\n", [E("a"), E("b")]),
    ("CRLF split between chunks", [b"data: a\r", b"\ndata: b\r\n\r\n"], [E("a\nb")]),
    ("CRLF split before the blank line", [b"data: a\r\n\r", b"\ndata: b\n\n"], [E("a"), E("b")]),
    ("CR at a chunk end then data", [b"data: a\r", b"data: b\r\r"], [E("a\nb")]),
    ("CR then an empty chunk then LF", [b"data: a\r", b"", b"\n\n"], [E("a")]),
    ("CRLF stream of chat chunks", b"data: " + CHUNK.encode() + b"\r\n\r\n", [E(CHUNK)]),
    ("stream ending in CR dispatches", b"data: a\n\r", [E("a")]),
    (
        "other Unicode line breaks are not line ends",
        "data: a\u2028b\u2029c\x85d\x0be\x0cf\x1cg\n\n".encode(),
        [E("a\u2028b\u2029c\x85d\x0be\x0cf\x1cg")],
    ),
    # --- end of stream ---
    ("block without blank line discarded", b"data: a\n\ndata: b\n", [E("a")]),
    ("unfinished line discarded", b"data: a\n\ndata: b", [E("a")]),
    ("stream ends without [DONE]", b"data: " + CHUNK.encode() + b"\n\n", [E(CHUNK)]),
    (
        "[DONE] is plain data",
        b"data: " + CHUNK.encode() + b"\n\ndata: [DONE]\n\n",
        [E(CHUNK), E("[DONE]")],
    ),
    ("final usage chunk with empty choices", b"data: " + USAGE.encode() + b"\n\n", [E(USAGE)]),
    ("empty stream", b"", []),
    # --- encoding ---
    ("leading BOM stripped", b"\xef\xbb\xbfdata: a\n\n", [E("a")]),
    ("BOM split across chunks", [b"\xef", b"\xbb", b"\xbfdata: a\n\n"], [E("a")]),
    ("BOM after an empty chunk", [b"", b"\xef\xbb\xbfdata: a\n\n"], [E("a")]),
    ("second BOM belongs to the field name", b"\xef\xbb\xbf\xef\xbb\xbfdata: a\n\n", []),
    ("BOM inside data kept", b"data: \xef\xbb\xbfa\n\n", [E("\ufeffa")]),
    ("BOM after the first event is not stripped", b"data: a\n\n\xef\xbb\xbfdata: b\n\n", [E("a")]),
    ("UTF-8 decoded whatever the bytes", "data: é日本🙂\n\n".encode(), [E("é日本🙂")]),
    (
        "multi-byte characters split across chunks",
        [b"data: \xc3", b"\xa9\xe6\x97", b"\xa5\xf0\x9f", b"\x99\x82\n\n"],
        [E("é日🙂")],
    ),
    ("invalid bytes become U+FFFD", b"data: \xff\xfe a\n\n", [E("\ufffd\ufffd a")]),
    ("truncated sequence before ASCII", b"data: \xe6\x97a\n\n", [E("\ufffda")]),
    ("surrogate encoding rejected", b"data: \xed\xa0\x80\n\n", [E("\ufffd\ufffd\ufffd")]),
    ("invalid byte in a field name", b"dat\xff: a\ndata: b\n\n", [E("b")]),
    ("unfinished character at the end discarded", b"data: a\n\n\xc3", [E("a")]),
    ("Latin-1 bytes are not Latin-1", b"data: caf\xe9\n\n", [E("caf\ufffd")]),
    # --- chunk boundaries around the fast path ---
    (
        "one event per chunk",
        [b"data: 1\n\n", b"data: 2\n\n", b"data: 3\n\n"],
        [E("1"), E("2"), E("3")],
    ),
    ("event type in the previous chunk", [b"event: x\n", b"data: a\n\n"], [E("a", event="x")]),
    ("retry in the previous chunk", [b"retry: 5\n", b"data: a\n\n"], [E("a", retry=5)]),
    ("data line in the previous chunk", [b"data: a\n", b"data: b\n\n"], [E("a\nb")]),
    ("id in an earlier chunk", [b"id: 9\n\n", b"data: a\n\n"], [E("a", id="9")]),
    ("field name split", [b"da", b"ta: a\n\n"], [E("a")]),
    ("split after the colon", [b"data:", b" a\n\n"], [E("a")]),
    ("chunk holding two lines of one event", [b"data: a\ndata: b\n", b"\n"], [E("a\nb")]),
    ("chunk ending between two events", [b"data: a\n\ndata: b", b"\n\n"], [E("a"), E("b")]),
    (
        "fast path chunk holding a CR",
        [b"data: x\n\n", b"data: a\rdata: b\n\n"],
        [E("x"), E("a\nb")],
    ),
    ("fast path chunk holding two lines", [b"data: x\n\n", b"data: a\nb\n\n"], [E("x"), E("a")]),
    (
        "fast path chunk with invalid UTF-8",
        [b"data: x\n\n", b"data: \xff\n\n"],
        [E("x"), E("\ufffd")],
    ),
    (
        "fast path with CRLF",
        [b"data: x\n\n", b"data: a\r\n\r\n", b"data:\r\n\r\n"],
        [E("x"), E("a"), E("")],
    ),
    ("fast path chunk ending CR LF LF", [b"data: x\n\n", b"data: a\r\n\n"], [E("x"), E("a")]),
    ("fast path chunk ending LF CR LF", [b"data: x\n\n", b"data: a\n\r\n"], [E("x"), E("a")]),
    ("fast path chunk ending CR CR LF", [b"data: x\n\n", b"data: a\r\r\n"], [E("x"), E("a")]),
    ("fast path chunk with a comment", [b"data: x\n\n", b": ping\n\n"], [E("x")]),
    (
        "fast path after an unfinished character",
        [b"data: \xc3", b"\xa9\n\n", b"data: b\n\n"],
        [E("é"), E("b")],
    ),
    (
        "tool call arguments across events",
        [
            b'data: {"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"ci',
            b'ty\\": \\"Paris\\"}"}}]}}]}\n\n',
        ],
        [
            E(
                '{"choices":[{"delta":{"tool_calls":[{"index":0,"function":'
                '{"arguments":"{\\"city\\": \\"Paris\\"}"}}]}}]}'
            )
        ],
    ),
]


@pytest.mark.parametrize(("stream", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_conformance(decode: Decode, stream: Chunks, expected: list[ServerSentEvent]) -> None:
    assert decode(stream) == expected


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 50
    assert len({name for name, _, _ in CASES}) == len(CASES)


def test_long_event_data_survives(decode: Decode) -> None:
    payload = "x" * 20_000 + "é" * 1_000
    assert decode(f"data: {payload}\n\n".encode()) == [E(payload)]


def test_many_events_with_ids_and_types(decode: Decode) -> None:
    stream = "".join(f"id: {i}\nevent: t{i % 3}\ndata: {i}\n\n" for i in range(50)).encode()
    expected = [E(str(i), event=f"t{i % 3}", id=str(i)) for i in range(50)]
    assert decode(stream) == expected


# --- the size limit ---


def test_event_of_exactly_the_limit_passes(decode: Decode) -> None:
    assert decode(b"data: " + b"x" * 100 + b"\n\n", max_event_size=100) == [E("x" * 100)]


def test_event_over_the_limit_raises(decode: Decode) -> None:
    with pytest.raises(EventTooLarge, match="larger than the limit of 100 characters"):
        decode(b"data: " + b"x" * 101 + b"\n\n", max_event_size=100)


def test_limit_holds_for_one_event_per_chunk(decode: Decode) -> None:
    small = b"data: " + b"x" * 100 + b"\n\n"
    assert decode([small, small], max_event_size=100) == [E("x" * 100)] * 2
    with pytest.raises(EventTooLarge):
        decode([small, b"data: " + b"x" * 101 + b"\n\n"], max_event_size=100)
    with pytest.raises(EventTooLarge):
        decode([small, b"data: " + b"x" * 101 + b"\r\n\r\n"], max_event_size=100)


def test_limit_counts_data_over_several_lines(decode: Decode) -> None:
    # Each line is within the limit; the joined data (2 lines: 81, 3 lines: 122) is what counts.
    stream = b"data: " + b"x" * 40 + b"\n"
    assert decode(stream * 2 + b"\n", max_event_size=81) == [E("x" * 40 + "\n" + "x" * 40)]
    with pytest.raises(EventTooLarge):
        decode(stream * 3 + b"\n", max_event_size=100)


def test_limit_counts_characters_not_bytes(decode: Decode) -> None:
    assert decode(("data: " + "é" * 100 + "\n\n").encode(), max_event_size=100) == [E("é" * 100)]


def test_endless_line_raises(decode: Decode) -> None:
    with pytest.raises(EventTooLarge):
        decode(b"data: " + b"x" * 1_000, max_event_size=100)


def test_overlong_comment_line_raises(decode: Decode) -> None:
    with pytest.raises(EventTooLarge):
        decode(b": " + b"x" * 1_000 + b"\n\n", max_event_size=100)


def test_limit_resets_after_each_event(decode: Decode) -> None:
    stream = b"data: " + b"x" * 90 + b"\n\n"
    assert decode(stream * 5, max_event_size=100) == [E("x" * 90)] * 5


def test_endless_line_fed_in_chunks_stops_early() -> None:
    decoder = SSEDecoder(max_event_size=1024 * 1024)
    fed: list[int] = []

    def feed_forever() -> None:
        while len(fed) < 160:
            fed.append(65_536)
            decoder.feed(b"x" * 65_536)

    with pytest.raises(EventTooLarge):
        feed_forever()
    assert sum(fed) <= 1024 * 1024 + 2 * 65_536


def test_decoder_stays_failed() -> None:
    decoder = SSEDecoder(max_event_size=10)
    with pytest.raises(EventTooLarge) as first:
        decoder.feed(b"data: " + b"x" * 20 + b"\n\n")
    with pytest.raises(EventTooLarge) as again:
        decoder.feed(b"data: ok\n\n")
    assert again.value is first.value
    with pytest.raises(EventTooLarge):
        decoder.close()


def test_too_large_is_a_stream_problem() -> None:
    decoder = SSEDecoder(max_event_size=10)
    with pytest.raises(StreamProblem) as caught:
        decoder.feed(b"data: " + b"x" * 20 + b"\n\n")
    assert "limit of 10 characters" in str(caught.value)


def test_default_limit_is_16_mib() -> None:
    assert sse.DEFAULT_MAX_EVENT_SIZE == 16 * 1024 * 1024
    payload = b"x" * (16 * 1024 * 1024)
    assert SSEDecoder().feed(b"data: " + payload + b"\n\n")[0].data == payload.decode()
    with pytest.raises(EventTooLarge):
        SSEDecoder().feed(b"data: " + payload + b"x\n\n")


@pytest.mark.parametrize("size", [0, -1])
def test_limit_must_be_positive(size: int) -> None:
    with pytest.raises(ValueError, match="max_event_size"):
        SSEDecoder(max_event_size=size)


# --- the decoder's life cycle ---


def test_close_returns_a_list_and_discards_the_open_block() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n\ndata: b\n") == [E("a")]
    assert decoder.close() == []
    assert decoder.feed(b"\n") == []


def test_close_lets_the_decoder_start_a_new_stream() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"\xef\xbb\xbfid: 4\ndata: a\n\ndata: cut") == [E("a", id="4")]
    decoder.close()
    # A new stream may start with its own BOM; the last event ID is kept across streams.
    assert decoder.feed(b"\xef\xbb\xbfdata: b\n\n") == [E("b", id="4")]
    assert decoder.last_event_id == "4"


def test_last_event_id_property() -> None:
    decoder = SSEDecoder()
    assert decoder.last_event_id == ""
    decoder.feed(b"id: abc\n\n")
    assert decoder.last_event_id == "abc"
    decoder.feed(b"id: x\x00y\n\n")
    assert decoder.last_event_id == "abc"


def test_feed_returns_a_fresh_list_each_time() -> None:
    decoder = SSEDecoder()
    first = decoder.feed(b"data: a\n\n")
    second = decoder.feed(b"data: b\n\n")
    assert first == [E("a")]
    assert second == [E("b")]
    assert first is not second


# --- the usual chunk, handed over as bytes ---


def _idle_decoder() -> SSEDecoder:
    decoder = SSEDecoder(max_event_size=64)
    assert decoder.feed(b"data: first\n\n") == [E("first")]  # past the start (and its BOM)
    return decoder


@pytest.mark.parametrize(
    ("chunk", "data", "text"),
    [
        (b'data: {"a": 1}\n\n', b'{"a": 1}', '{"a": 1}'),
        (b'data:{"a": 1}\n\n', b'{"a": 1}', '{"a": 1}'),
        (b"data:  two spaces\r\n\r\n", b" two spaces", " two spaces"),
        (b"data:\n\n", b"", ""),
        (b"data: \xff\n\n", b"\xff", "\ufffd"),  # bytes as sent: the caller checks UTF-8
    ],
)
def test_lone_data_gives_the_bytes_of_the_usual_chunk(chunk: bytes, data: bytes, text: str) -> None:
    decoder = _idle_decoder()
    assert decoder.lone_data(chunk) == data
    # Nothing was consumed: feeding the same chunk gives the event the standard says.
    assert decoder.feed(chunk) == [E(text)]


@pytest.mark.parametrize(
    "chunk",
    [
        b"data: a\n\ndata: b\n\n",  # two events
        b"data: a\ndata: b\n\n",  # two data lines
        b"data: a\r\n\n",  # a CR inside
        b"data: a\n",  # not ended
        b"event: x\ndata: a\n\n",
        b"id: 1\n\n",
        b": comment\n\n",
        b"data: " + b"x" * 64 + b"\n\n",  # over the limit: feed raises
    ],
)
def test_lone_data_refuses_any_other_chunk(chunk: bytes) -> None:
    assert _idle_decoder().lone_data(chunk) is None


def test_lone_data_refuses_while_a_block_is_open() -> None:
    decoder = _idle_decoder()
    assert decoder.feed(b"event: x\n") == []
    assert decoder.lone_data(b"data: a\n\n") is None
    assert decoder.feed(b"data: a\n\n") == [E("a", event="x")]
    assert decoder.lone_data(b"data: a\n\n") == b"a"


def test_lone_data_refuses_the_first_chunk_which_may_start_with_a_bom() -> None:
    assert SSEDecoder().lone_data(b"data: a\n\n") is None


# --- the event type ---


def test_event_defaults() -> None:
    assert ServerSentEvent() == ServerSentEvent(event="message", data="", id="", retry=None)


def test_event_is_frozen_with_slots() -> None:
    event = SSEDecoder().feed(b"data: a\n\n")[0]
    assert dataclasses.is_dataclass(event)
    assert type(event) is ServerSentEvent
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.data = "b"  # type: ignore[misc]
    assert not hasattr(event, "__dict__")
    assert hash(event) == hash(E("a"))
    assert repr(event) == "ServerSentEvent(event='message', data='a', id='', retry=None)"


def test_public_names() -> None:
    assert set(sse.__all__) == {"DEFAULT_MAX_EVENT_SIZE", "SSEDecoder", "ServerSentEvent"}
