"""Turn the server-sent events of a chat-completions stream into the items of ``_events``.

This is the per-token hot path. The usual network chunk is one ``data:`` event: its bytes go
straight to a JSON parser that reads UTF-8 (msgspec, about four times as fast as ``json.loads``),
then a few dict lookups, and the yielded dataclass is built without the frozen-dataclass
``__setattr__`` detour. Anything else takes the general path of the SSE decoder.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import msgspec

from desktop_chat.core.client._events import (
    ContentDelta,
    Finished,
    ReasoningDelta,
    StreamEvent,
    ToolCallDelta,
    Usage,
)
from desktop_chat.core.client._failures import provider_error
from desktop_chat.core.client.sse import ServerSentEvent, SSEDecoder
from desktop_chat.core.errors import StreamError, UnexpectedResponseError

#: Parses JSON from UTF-8 bytes or text about four times as fast as ``json.loads``.
_DECODE = msgspec.json.Decoder().decode


class _Delta(msgspec.Struct, forbid_unknown_fields=True):
    """The delta of the usual chunk: text, perhaps a role, nothing else."""

    content: str | None = None
    role: Any = None


class _Choice(msgspec.Struct):
    """A choice of the usual chunk (other fields, such as logprobs, are not read)."""

    index: int = 0
    delta: _Delta | None = None
    finish_reason: str | None = None


class _Chunk(msgspec.Struct):
    """The usual chunk: choices and nothing to report (no error, no usage)."""

    choices: list[_Choice] = msgspec.field(default_factory=list)
    error: None = None
    usage: None = None


#: Reads the usual chunk straight into the classes above, without building its dicts; any
#: other chunk does not fit them and is read as plain JSON.
_DECODE_USUAL = msgspec.json.Decoder(_Chunk).decode

_new = object.__new__
_set_content = vars(ContentDelta)["text"].__set__
_set_reasoning = vars(ReasoningDelta)["text"].__set__


def _content(text: str) -> ContentDelta:
    made = _new(ContentDelta)
    _set_content(made, text)
    return made


def _reasoning(text: str) -> ReasoningDelta:
    made = _new(ReasoningDelta)
    _set_reasoning(made, text)
    return made


class StreamState:
    """What the stream said so far: its text (for ``partial_text``), finish reason, ``[DONE]``."""

    __slots__ = ("done", "finish_reason", "parts")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.finish_reason: str | None = None
        self.done = False

    @property
    def text(self) -> str:
        """The reply text received so far."""
        return "".join(self.parts)


def parse_stream(
    chunks: Iterable[bytes], decoder: SSEDecoder, state: StreamState, cancel: threading.Event
) -> Iterator[StreamEvent]:
    """Yield the events of a chat-completions stream until ``[DONE]``, the end of ``chunks`` or
    ``cancel`` (checked once per network chunk).

    Raises:
        StreamError: the stream carried an ``error`` object or an ``event: error`` frame.
        EventTooLarge: from the decoder.
    """
    append = state.parts.append
    lone = decoder.lone_data
    fast = _DECODE
    usual_chunk = _DECODE_USUAL
    cancelled = cancel.is_set
    for chunk in chunks:
        if cancelled():
            return
        data = lone(chunk)
        found: Iterable[tuple[dict[str, Any], str | bytes]]
        if data is not None and data[:1] == b"{":
            try:
                usual = usual_chunk(data)
            except (ValueError, RecursionError):
                pass
            else:
                for choice in usual.choices:
                    if choice.index == 0:
                        delta = choice.delta
                        if delta is not None and delta.content:
                            append(delta.content)
                            yield _content(delta.content)
                        if choice.finish_reason:
                            state.finish_reason = choice.finish_reason
                continue
            try:
                found = ((fast(data), data),)
            except (ValueError, RecursionError):
                # Not valid UTF-8, or JSON the fast parser refuses: the general path decides.
                found = _objects(decoder.feed(chunk), state)
        else:
            found = _objects(decoder.feed(chunk), state)
        yield from _interpret(found, state)
        if state.done:
            return


def _interpret(
    found: Iterable[tuple[dict[str, Any], str | bytes]], state: StreamState
) -> Iterator[StreamEvent]:
    """The events of chunks read as plain JSON objects (with their text): any shape at all.

    Raises:
        StreamError: a chunk carried an ``error`` object.
    """
    append = state.parts.append
    for obj, raw in found:
        choices = obj.get("choices")
        if choices and type(choices) is list:
            for choice in choices:
                if type(choice) is not dict or choice.get("index", 0) != 0:
                    continue
                delta = choice.get("delta")
                if delta and type(delta) is dict:
                    text = delta.get("content")
                    if text and type(text) is str:
                        append(text)
                        yield _content(text)
                    if len(delta) > 1 or not text:
                        yield from _other_deltas(delta)
                reason = choice.get("finish_reason")
                if reason and type(reason) is str:
                    state.finish_reason = reason
        if obj.get("error") or obj.get("usage"):
            yield from _error_or_usage(obj, raw, state)


def _objects(
    events: list[ServerSentEvent], state: StreamState
) -> Iterator[tuple[dict[str, Any], str]]:
    """The JSON objects of ``events`` with their text, in order, up to ``[DONE]`` (which sets
    ``state.done``).

    Events that are not JSON objects are skipped.

    Raises:
        StreamError: an ``event: error`` frame.
    """
    for sse in events:
        data = sse.data
        if sse.event != "message" or data[:1] != "{":
            if _ends_the_stream(sse, state):
                return
            continue
        obj = loads(data)
        if obj is not None:
            yield obj, data


def loads(data: str | bytes) -> Any:
    """``json.loads`` of ``data``, through a faster parser when it accepts the text, or None
    when the text is not JSON.

    The fast parser refuses some JSON that ``json.loads`` takes (NaN, lone surrogates, numbers
    out of range); those go to ``json.loads``, so the result is the same either way.
    """
    try:
        return _DECODE(data)
    except ValueError:
        pass
    except RecursionError:
        return None
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


def _ends_the_stream(sse: ServerSentEvent, state: StreamState) -> bool:
    """For an event that is not a JSON chunk: True at ``[DONE]``; other events are skipped.

    Raises:
        StreamError: an ``event: error`` frame.
    """
    if sse.event == "error":
        raise _in_band_error(sse.data, state)
    if sse.event == "message" and sse.data.strip() == "[DONE]":
        state.done = True
        return True
    return False


def _error_or_usage(obj: dict[str, Any], raw: str | bytes, state: StreamState) -> Iterator[Usage]:
    """The rare tail of a chunk: an in-band error (raised) or the token usage.

    Raises:
        StreamError: the chunk carried an ``error`` object.
    """
    if obj.get("error"):
        raise _in_band_error(raw, state)
    usage = obj.get("usage")
    if type(usage) is dict:
        yield _usage(usage)


def _other_deltas(delta: dict[str, Any]) -> Iterator[StreamEvent]:
    """Reasoning and tool-call pieces: rarer than content, kept off the common path."""
    reasoning = delta.get("reasoning_content") or delta.get("reasoning")
    if reasoning and type(reasoning) is str:
        yield _reasoning(reasoning)
    else:
        details = delta.get("reasoning_details")
        if details and type(details) is list:
            for detail in details:
                if type(detail) is dict:
                    text = detail.get("text") or detail.get("summary")
                    if text and type(text) is str:
                        yield _reasoning(text)
    tool_calls = delta.get("tool_calls")
    if tool_calls and type(tool_calls) is list:
        for position, call in enumerate(tool_calls):
            if type(call) is not dict:
                continue
            function = call.get("function")
            if type(function) is not dict:
                function = {}
            index = call.get("index", position)
            arguments = function.get("arguments")
            yield ToolCallDelta(
                index=index if type(index) is int else position,
                id=_str_or_none(call.get("id")),
                name=_str_or_none(function.get("name")),
                arguments=arguments if type(arguments) is str else "",
            )


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: object) -> int:
    return value if type(value) is int else 0


def _usage(usage: dict[str, Any]) -> Usage:
    prompt = _int(usage.get("prompt_tokens"))
    completion = _int(usage.get("completion_tokens"))
    total = usage.get("total_tokens")
    return Usage(prompt, completion, total if type(total) is int else prompt + completion)


def usage_from(payload: object) -> Usage | None:
    """The :class:`Usage` of a decoded reply, or None when it has none."""
    if isinstance(payload, dict):
        usage = payload.get("usage")
        if isinstance(usage, dict):
            return _usage(usage)
    return None


def _in_band_error(raw: str | bytes, state: StreamState) -> StreamError:
    data = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
    problem = provider_error(loads(data))
    detail = problem.message if problem is not None else data.strip()[:200]
    said = f" The server said: {detail}" if detail else ""
    return StreamError(
        f"The server reported an error in the middle of the reply.{said}",
        status=problem.status if problem is not None else None,
        partial_text=state.text,
    )


def completion_events(payload: object) -> Iterator[StreamEvent]:
    """The events of a whole (non-streamed) reply: reasoning, text, tool calls, usage, finish."""
    choices = payload.get("choices") if isinstance(payload, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise UnexpectedResponseError(
            "The server's reply has no 'choices'; it does not look like a chat-completions "
            "server. Check the base URL in Settings."
        )
    choice = choices[0]
    message = choice.get("message") or choice.get("delta") or {}
    if isinstance(message, dict):
        reasoning = message.get("reasoning_content") or message.get("reasoning")
        if isinstance(reasoning, str) and reasoning:
            yield ReasoningDelta(reasoning)
        content = message.get("content")
        if isinstance(content, str) and content:
            yield ContentDelta(content)
        yield from _other_deltas({"tool_calls": message.get("tool_calls")})
    usage = usage_from(payload)
    if usage is not None:
        yield usage
    reason = choice.get("finish_reason")
    yield Finished(reason if isinstance(reason, str) and reason else "stop")
