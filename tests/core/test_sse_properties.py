"""Property tests of the SSE decoder: random events survive any serialization and any chunking."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_chat.core.client.sse import ServerSentEvent, SSEDecoder

LINE_ENDS = ("\n", "\r", "\r\n")
# Where a network chunk per event would end (the decoder's fast path).
_EVENT_END = re.compile(rb"(?<=\n\n)|(?<=\r\n\r\n)|(?<=\r\r)")

# Any character but the line ends: those are the only characters a field value cannot hold.
line_text = st.text(st.characters(codec="utf-8", exclude_characters="\r\n"))
# Data may hold LFs: they become separate data lines.
data_text = st.text(st.characters(codec="utf-8", exclude_characters="\r"))


@dataclass(frozen=True)
class Spec:
    """One event to serialize: None means the field is not sent."""

    data: str
    event: str | None
    id: str | None
    retry: int | None


specs = st.builds(
    Spec,
    data=data_text,
    event=st.none() | line_text,
    id=st.none() | line_text.filter(lambda text: "\0" not in text),
    retry=st.none() | st.integers(min_value=0, max_value=10**12),
)


def _expected(events: list[Spec]) -> list[ServerSentEvent]:
    last_id = ""
    out = []
    for spec in events:
        if spec.id is not None:
            last_id = spec.id
        out.append(ServerSentEvent(spec.event or "message", spec.data, last_id, spec.retry))
    return out


@st.composite
def serialized(draw: st.DrawFn) -> tuple[list[Spec], bytes]:
    """Random events written with random line ends, comments, noise fields and blank lines."""
    events = draw(st.lists(specs, max_size=8))
    lines: list[str] = []
    for spec in events:
        block: list[str] = []
        for value in spec.data.split("\n"):
            # "data:" without the space only when the value cannot lose a leading space.
            bare = not value.startswith(" ") and draw(st.booleans())
            block.append(("data:" if bare else "data: ") + value)
        if spec.event is not None:
            block.append("event: " + spec.event)
        if spec.id is not None:
            block.append("id: " + spec.id)
        if spec.retry is not None:
            block.append(f"retry: {spec.retry}")
        if draw(st.booleans()):
            block.append("id: ignored\0because of the NUL")
        if draw(st.booleans()):
            block.append("retry: 12x")
        for _ in range(draw(st.integers(0, 2))):
            where = draw(st.integers(0, len(block)))
            noise = draw(
                st.sampled_from([":", ": keep-alive", ": OPENROUTER PROCESSING", "x-n: 1"])
            )
            block.insert(where, noise)
        lines.extend(_interleave(draw, block))
        lines.append("")
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from([": comment", ""])))
            lines.append("")
    text = "\ufeff" if draw(st.booleans()) else ""
    previous_end = ""
    for line in lines:
        end = draw(st.sampled_from(LINE_ENDS))
        # A CR line end followed by an empty line ending in LF would read as one CRLF.
        if previous_end == "\r" and not line and end.startswith("\n"):
            end = "\r"
        text += line + end
        previous_end = end
    return events, text.encode()


def _interleave(draw: st.DrawFn, block: list[str]) -> list[str]:
    """Shuffle a block's lines while keeping the data lines in their order."""
    data_lines = [line for line in block if line.startswith("data")]
    others = [line for line in block if not line.startswith("data")]
    slots = draw(st.permutations([True] * len(data_lines) + [False] * len(others)))
    data_iter, other_iter = iter(data_lines), iter(others)
    return [next(data_iter) if is_data else next(other_iter) for is_data in slots]


def _cut(data: st.DataObject, stream: bytes) -> list[bytes]:
    """Cut a stream at random places, empty chunks included."""
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=30), label="cuts"))
    edges = [0, *cuts, len(stream)]
    return [stream[a:b] for a, b in itertools.pairwise(edges)]


def _decode(chunks: list[bytes]) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for chunk in chunks:
        events += decoder.feed(chunk)
    return events + decoder.close()


@settings(max_examples=200, deadline=None)
@given(st.data(), serialized())
def test_random_events_round_trip_through_any_chunking(
    data: st.DataObject, case: tuple[list[Spec], bytes]
) -> None:
    events, stream = case
    expected = _expected(events)
    assert _decode([stream]) == expected
    assert _decode(_cut(data, stream)) == expected
    assert _decode(_EVENT_END.split(stream)) == expected
    assert _decode([stream[i : i + 1] for i in range(len(stream))]) == expected


# --- differential test against a plain reading of the standard ---

_LINE_END = re.compile(r"\r\n|\r|\n")


def _reference(stream: bytes) -> list[ServerSentEvent]:
    """The standard's algorithm, written for clarity over a whole stream."""
    text = stream.decode("utf-8", "replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    # The part after the last line end is an unfinished line: it is never processed.
    lines = _LINE_END.split(text)[:-1]
    events = []
    data, event_type, last_id, retry = "", "", "", None
    for line in lines:
        if line == "":
            if data:
                events.append(ServerSentEvent(event_type or "message", data[:-1], last_id, retry))
            data, event_type, retry = "", "", None
            continue
        if line.startswith(":"):
            continue
        field, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if field == "data":
            data += value + "\n"
        elif field == "event":
            event_type = value
        elif field == "id" and "\0" not in value:
            last_id = value
        elif field == "retry" and re.fullmatch(r"[0-9]+", value):
            retry = int(value)
    return events


PIECES = [
    b"data",
    b"data:",
    b"data: ",
    b"event:",
    b"event: x",
    b"id:",
    b"id: 7",
    b"retry: ",
    b"42",
    b":",
    b" ",
    b"\n",
    b"\n",
    b"\r",
    b"\r\n",
    b"\x00",
    b"\xef\xbb\xbf",
    b"\xc3",
    b"\xa9",
    b"\xe6\x97\xa5",
    b"\xf0\x9f",
    b"\xff",
    b"x",
    b'{"a":1}',
    "\u2028".encode(),
    b"\x85",
]


@settings(max_examples=400, deadline=None)
@given(st.data(), st.lists(st.sampled_from(PIECES), max_size=60))
def test_matches_the_reference_on_random_bytes(data: st.DataObject, pieces: list[bytes]) -> None:
    stream = b"".join(pieces)
    expected = _reference(stream)
    assert _decode([stream]) == expected
    assert _decode(_cut(data, stream)) == expected
    assert _decode([stream[i : i + 1] for i in range(len(stream))]) == expected
