"""Incremental Server-Sent Events decoder: raw bytes in, events out.

It interprets an event stream exactly as the WHATWG HTML standard says ("Interpreting an event
stream"), whatever the chunking of the bytes:

* the stream is UTF-8 whatever the Content-Type says; invalid bytes become U+FFFD; one leading
  byte order mark is dropped;
* lines end with CR, LF or CRLF (a CRLF split between two chunks is one line end), and with
  nothing else;
* a blank line dispatches the event when its data buffer is not empty; a block that has not been
  closed by a blank line when the stream ends is discarded.

Most chunks of a chat-completions stream hold exactly one ``data:`` line and the blank line after
it; :meth:`SSEDecoder.feed` recognises that shape and handles it without splitting lines, so the
decoder costs far less per event than ``json.loads`` of the payload.
"""

from __future__ import annotations

from codecs import utf_8_decode
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from desktop_chat.core.errors import EventTooLarge

__all__ = ["DEFAULT_MAX_EVENT_SIZE", "SSEDecoder", "ServerSentEvent"]

DEFAULT_MAX_EVENT_SIZE: Final = 16 * 1024 * 1024

_BOM: Final = "\ufeff"
# A line may be longer than the biggest event data by its field name, colon and space.
_FIELD_ALLOWANCE: Final = 64


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One dispatched event.

    Attributes:
        event: the event type: ``"message"`` unless an ``event:`` field named another.
        data: the ``data:`` lines of the event, joined with LF.
        id: the last event ID when the event was dispatched (``""`` if none was ever set).
        retry: the value of a valid ``retry:`` field in the same block, else None.
    """

    event: str = "message"
    data: str = ""
    id: str = ""
    retry: int | None = None


# The generated __init__ of a frozen dataclass sets each field through object.__setattr__, which
# costs more than the rest of the hot path together; the slot descriptors store the same values
# directly. Instances stay immutable for everyone else.
_SlotSetter = Callable[[ServerSentEvent, object], None]


def _slot_setter(name: str) -> _SlotSetter:
    setter: _SlotSetter = vars(ServerSentEvent)[name].__set__
    return setter


_new_event = object.__new__
_set_event = _slot_setter("event")
_set_data = _slot_setter("data")
_set_id = _slot_setter("id")
_set_retry = _slot_setter("retry")


def _make_event(event: str, data: str, last_id: str, retry: int | None) -> ServerSentEvent:
    made = _new_event(ServerSentEvent)
    _set_event(made, event)
    _set_data(made, data)
    _set_id(made, last_id)
    _set_retry(made, retry)
    return made


class SSEDecoder:
    """Turns the bytes of an event stream into :class:`ServerSentEvent` objects, chunk by chunk.

    Args:
        max_event_size: the most characters the data of one event may hold. Any one line,
            finished or not, may hold at most 64 more (room for its field name), so an endless
            line is stopped too. Past either limit
            :class:`~desktop_chat.core.errors.EventTooLarge` is raised rather than letting
            memory grow without bound. For ASCII payloads such as JSON a character is a byte.

    Example::

        decoder = SSEDecoder()
        for chunk in response.iter_bytes():
            for event in decoder.feed(chunk):
                handle(event)
        for event in decoder.close():
            handle(event)

    After :class:`~desktop_chat.core.errors.EventTooLarge` the decoder is spent: every later
    call raises it again.
    """

    __slots__ = (
        "_at_start",
        "_data",
        "_data_size",
        "_event_type",
        "_failure",
        "_idle",
        "_last_id",
        "_max",
        "_pending_bytes",
        "_retry",
        "_skip_lf",
        "_tail",
        "_tail_size",
    )

    def __init__(self, max_event_size: int = DEFAULT_MAX_EVENT_SIZE) -> None:
        if max_event_size < 1:
            raise ValueError(f"max_event_size must be at least 1, not {max_event_size}")
        self._max = max_event_size
        self._last_id = ""
        # The block being read: data lines, event type and retry since the last blank line.
        self._data: list[str] = []
        self._data_size = 0
        self._event_type = ""
        self._retry: int | None = None
        # The unfinished last line, kept in pieces so a long line costs linear time.
        self._tail: list[str] = []
        self._tail_size = 0
        self._pending_bytes = b""
        self._skip_lf = False
        self._at_start = True
        self._failure: EventTooLarge | None = None
        # True when none of the state above is in use, so a chunk can take the fast path.
        self._idle = False

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode the next bytes of the stream.

        Args:
            chunk: any number of bytes; chunk boundaries may fall anywhere, even inside a
                character or a CRLF.

        Returns:
            The events completed by this chunk, in order.

        Raises:
            EventTooLarge: an event or an unfinished line grew past ``max_event_size``.
        """
        if self._idle:
            try:
                text = chunk.decode()
            except UnicodeDecodeError:
                return self._feed_text(self._decode(chunk))
            # The usual chunk: one data line and the blank line ending it, with LF or CRLF.
            if text[:5] == "data:" and text[-1] == "\n":
                if text[-2] == "\n":
                    end = -2
                elif text[-2] == "\r" and text[-3] == "\n" and text[-4] == "\r":
                    end = -4
                else:
                    return self._feed_text(text)
                data = text[6:end] if text[5] == " " else text[5:end]
                if "\n" not in data and "\r" not in data:
                    if len(data) > self._max:
                        self._raise_too_large()
                    return [_make_event("message", data, self._last_id, None)]
            return self._feed_text(text)
        if self._failure is not None:
            raise self._failure
        return self._feed_text(self._decode(chunk))

    def lone_data(self, chunk: bytes) -> bytes | None:
        """The data of ``chunk`` as bytes when the chunk is exactly one event made of one
        ``data:`` line and the blank line ending it, and no earlier chunk left anything pending.

        This is the usual chunk of a chat-completions stream; its data can go straight to a JSON
        parser that reads UTF-8 bytes, with no text decoding and no event object. Nothing is
        consumed: on None, or when the caller cannot use the bytes (they are not valid UTF-8,
        say), :meth:`feed` takes the same chunk and gives exactly what the standard says.
        """
        if (
            not self._idle
            or chunk[:5] != b"data:"
            or len(chunk) > self._max
            or (chunk[-2:] != b"\n\n" and chunk[-4:] != b"\r\n\r\n")
        ):
            return None
        end = -2 if chunk[-2] == 10 else -4  # 10 is LF: the chunk ends with LF LF
        data = chunk[6:end] if chunk[5] == 32 else chunk[5:end]  # 32 is the optional space
        if b"\n" in data or b"\r" in data:
            return None
        return data

    def close(self) -> list[ServerSentEvent]:
        """End the stream.

        A block that a blank line has not ended is discarded, as the standard says; so are the
        bytes of an unfinished character. The decoder is then ready for a new stream (the last
        event ID is kept, as an ``EventSource`` keeps it across reconnections).

        Returns:
            Always an empty list: every complete event was returned by :meth:`feed`. It is a list
            so that callers can treat the end of the stream like any other chunk.

        Raises:
            EventTooLarge: the decoder had already failed.
        """
        if self._failure is not None:
            raise self._failure
        self._data = []
        self._data_size = 0
        self._event_type = ""
        self._retry = None
        self._tail = []
        self._tail_size = 0
        self._pending_bytes = b""
        self._skip_lf = False
        self._at_start = True
        self._idle = False
        return []

    @property
    def last_event_id(self) -> str:
        """The last event ID the stream set (``""`` if none), to send as ``Last-Event-ID``."""
        return self._last_id

    def _decode(self, chunk: bytes) -> str:
        """Decode UTF-8 incrementally: an unfinished character waits for the next chunk."""
        if self._pending_bytes:
            chunk = self._pending_bytes + chunk
        text, used = utf_8_decode(chunk, "replace", False)
        self._pending_bytes = chunk[used:]
        return text

    def _feed_text(self, text: str) -> list[ServerSentEvent]:
        """Split decoded text into lines and interpret them: the general path."""
        if self._at_start and text:
            self._at_start = False
            if text[0] == _BOM:
                text = text[1:]
        if self._skip_lf and text:
            self._skip_lf = False
            if text[0] == "\n":
                text = text[1:]
        if "\r" in text:
            # A CR at the very end may be the first half of a CRLF: the LF is dropped later.
            self._skip_lf = text[-1] == "\r"
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        events: list[ServerSentEvent] = []
        if "\n" not in text:
            if text:
                self._extend_tail(text)
            self._update_idle()
            return events
        if self._tail:
            self._tail.append(text)
            text = "".join(self._tail)
            self._tail = []
            self._tail_size = 0
        lines = text.split("\n")
        last = lines.pop()
        self._interpret(lines, events)
        if last:
            self._extend_tail(last)
        self._update_idle()
        return events

    def _extend_tail(self, text: str) -> None:
        self._tail.append(text)
        self._tail_size += len(text)
        if self._tail_size > self._max + _FIELD_ALLOWANCE:
            self._raise_too_large()

    def _interpret(self, lines: list[str], events: list[ServerSentEvent]) -> None:
        """Apply complete lines to the block state, appending dispatched events to ``events``."""
        data = self._data
        data_size = self._data_size
        event_type = self._event_type
        retry = self._retry
        last_id = self._last_id
        limit = self._max
        line_limit = limit + _FIELD_ALLOWANCE
        for line in lines:
            if not line:
                if data:
                    events.append(
                        _make_event(
                            event_type or "message",
                            data[0] if len(data) == 1 else "\n".join(data),
                            last_id,
                            retry,
                        )
                    )
                    data = []
                    data_size = 0
                event_type = ""
                retry = None
                continue
            if len(line) > line_limit:
                self._raise_too_large()
            colon = line.find(":")
            if colon == 0:
                continue
            if colon < 0:
                field = line
                value = ""
            else:
                field = line[:colon]
                value = (
                    line[colon + 2 :] if line[colon + 1 : colon + 2] == " " else line[colon + 1 :]
                )
            if field == "data":
                data.append(value)
                # Counts the LF that will join this line to the next one.
                data_size += len(value) + 1
                if data_size > limit + 1:
                    self._raise_too_large()
            elif field == "event":
                event_type = value
            elif field == "id":
                if "\0" not in value:
                    last_id = value
            elif field == "retry" and value.isascii() and value.isdigit():
                retry = int(value)
        self._data = data
        self._data_size = data_size
        self._event_type = event_type
        self._retry = retry
        self._last_id = last_id

    def _update_idle(self) -> None:
        self._idle = not (
            self._data
            or self._tail
            or self._event_type
            or self._retry is not None
            or self._pending_bytes
            or self._skip_lf
            or self._at_start
        )

    def _raise_too_large(self) -> None:
        self._idle = False
        self._data = []
        self._tail = []
        self._failure = EventTooLarge(
            f"The server sent an event larger than the limit of {self._max:,} characters; "
            "the stream was stopped to protect memory."
        )
        raise self._failure
