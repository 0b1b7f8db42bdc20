"""Streaming through a real loopback server: every quirk real providers send."""

from __future__ import annotations

import json
from typing import Any

import pytest

from desktop_chat.core.client.api import (
    ChatClient,
    ContentDelta,
    Finished,
    ReasoningDelta,
    StreamEvent,
    ToolCallDelta,
    Usage,
)
from desktop_chat.core.errors import EventTooLarge, StreamError, StreamInterrupted
from tests.scripted_server import (
    Reply,
    ScriptedServer,
    chunk_json,
    json_reply,
    sse_chunks,
    sse_event,
    sse_reply,
)

USAGE = {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
MESSAGES = [{"role": "user", "content": "Hi"}]


def run(server: ScriptedServer, *replies: Reply, **params: Any) -> list[StreamEvent]:
    server.add(*replies)
    with ChatClient(server.base_url, "sk-test") as client:
        return list(client.stream_chat("test-model", MESSAGES, **params))


def text_of(events: list[StreamEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, ContentDelta))


def test_a_plain_stream(scripted_server: ScriptedServer) -> None:
    events = run(scripted_server, sse_reply(["Hel", "lo"], usage=USAGE))
    assert events == [ContentDelta("Hel"), ContentDelta("lo"), Usage(5, 2, 7), Finished("stop")]


def test_request_body_and_params(scripted_server: ScriptedServer) -> None:
    run(scripted_server, sse_reply(["x"]), temperature=0.7, max_tokens=512)
    body = scripted_server.requests[0].json
    assert body == {
        "model": "test-model",
        "messages": MESSAGES,
        "temperature": 0.7,
        "max_tokens": 512,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    assert scripted_server.requests[0].path == "/v1/chat/completions"
    assert scripted_server.requests[0].headers["accept"] == "text/event-stream"


@pytest.mark.parametrize("framing", ["chunked", "length", "close"])
def test_every_framing_gives_the_same_events(scripted_server: ScriptedServer, framing: Any) -> None:
    events = run(scripted_server, sse_reply(["a", "b"], framing=framing))
    assert events == [ContentDelta("a"), ContentDelta("b"), Finished("stop")]


def test_one_byte_per_network_chunk(scripted_server: ScriptedServer) -> None:
    body = b"".join(sse_chunks(["héllo ", "wörld ✓"], usage=USAGE, crlf=True))
    events = run(scripted_server, sse_reply(chunks=[body[i : i + 1] for i in range(len(body))]))
    assert text_of(events) == "héllo wörld ✓"
    assert events[-2:] == [Usage(5, 2, 7), Finished("stop")]


def test_data_without_space_and_crlf_line_endings(scripted_server: ScriptedServer) -> None:
    chunks = sse_chunks(["a", "b"], space=False, crlf=True)
    assert chunks[-1] == b"data:[DONE]\r\n\r\n"
    assert run(scripted_server, sse_reply(chunks=chunks)) == [
        ContentDelta("a"),
        ContentDelta("b"),
        Finished("stop"),
    ]


def test_multibyte_characters_split_across_network_chunks(scripted_server: ScriptedServer) -> None:
    event = sse_event(chunk_json({"content": "€😀"}))
    cut = event.index("€".encode()) + 1
    cut2 = event.index("😀".encode()) + 2
    chunks = [event[:cut], event[cut:cut2], event[cut2:], *sse_chunks([])[2:]]
    assert text_of(run(scripted_server, sse_reply(chunks=chunks))) == "€😀"


def test_comments_pings_keepalives_and_odd_chunks_are_skipped(
    scripted_server: ScriptedServer,
) -> None:
    chunks = [
        b": OPENROUTER PROCESSING\n\n",
        b": keep-alive\n\n",
        b"event: ping\ndata: {}\n\n",
        b"data: \n\n",
        b"data: not json\n\n",
        b"data: {broken json\n\n",
        sse_event([1, 2]),
        sse_event({"choices": [], "prompt_filter_results": [{"content_filter_results": {}}]}),
        sse_event({"choices": [{"index": 0, "finish_reason": None}]}),
        sse_event({"choices": [{"index": 0, "delta": None}]}),
        sse_event({"choices": ["odd"]}),
        sse_event({"choices": "odd"}),
        sse_event(chunk_json({"content": "second choice"}, index=1)),
        sse_event(chunk_json({"content": 5})),
        sse_event(chunk_json({"content": "ok"})),
        *sse_chunks([], usage=USAGE)[1:],
    ]
    events = run(scripted_server, sse_reply(chunks=chunks))
    assert events == [ContentDelta("ok"), Usage(5, 2, 7), Finished("stop")]


def test_reasoning_in_its_three_spellings(scripted_server: ScriptedServer) -> None:
    chunks = [
        sse_event(chunk_json({"content": None, "reasoning_content": "r1 "})),
        sse_event(chunk_json({"role": "assistant", "content": "", "reasoning": "r2 "})),
        sse_event(
            chunk_json(
                {"reasoning_details": [{"type": "reasoning.text", "text": "r3"}, "odd", {"x": 1}]}
            )
        ),
        sse_event(chunk_json({"content": "answer"})),
        *sse_chunks([])[1:],
    ]
    events = run(scripted_server, sse_reply(chunks=chunks))
    assert events == [
        ReasoningDelta("r1 "),
        ReasoningDelta("r2 "),
        ReasoningDelta("r3"),
        ContentDelta("answer"),
        Finished("stop"),
    ]


def test_reasoning_details_are_not_doubled_when_reasoning_is_present(
    scripted_server: ScriptedServer,
) -> None:
    delta = {"reasoning": "think", "reasoning_details": [{"text": "think"}]}
    chunks = [sse_event(chunk_json(delta)), *sse_chunks([])[1:]]
    assert run(scripted_server, sse_reply(chunks=chunks))[0] == ReasoningDelta("think")


def test_tool_call_deltas_split_across_chunks(scripted_server: ScriptedServer) -> None:
    first = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "get_weather"}}
    parts: list[dict[str, Any]] = [
        {"tool_calls": [first]},
        {"tool_calls": [{"index": 0, "function": {"arguments": '{"ci'}}]},
        {"content": "", "tool_calls": [{"index": 0, "function": {"arguments": 'ty": "Oslo"}'}}]},
        {"tool_calls": [{"id": "call_2", "function": {"name": "f", "arguments": "{}"}}, "odd"]},
        {"tool_calls": [{"index": "x", "function": "odd"}]},
    ]
    chunks = [sse_event(chunk_json(p)) for p in parts]
    chunks.append(sse_event(chunk_json({}, finish_reason="tool_calls")))
    events = run(scripted_server, sse_reply(chunks=chunks, done=False))
    assert events == [
        ToolCallDelta(0, "call_1", "get_weather", ""),
        ToolCallDelta(0, None, None, '{"ci'),
        ToolCallDelta(0, None, None, 'ty": "Oslo"}'),
        ToolCallDelta(0, "call_2", "f", "{}"),
        ToolCallDelta(0, None, None, ""),
        Finished("tool_calls"),
    ]
    args = "".join(e.arguments for e in events[:3] if isinstance(e, ToolCallDelta))
    assert json.loads(args) == {"city": "Oslo"}


def test_finish_reason_length_and_usage_without_total(scripted_server: ScriptedServer) -> None:
    chunks = [
        sse_event(chunk_json({"content": "x"}, finish_reason="length")),
        sse_event({"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 4}}),
        sse_event("[DONE]"),
    ]
    events = run(scripted_server, sse_reply(chunks=chunks))
    assert events == [ContentDelta("x"), Usage(3, 4, 7), Finished("length")]


def test_done_without_finish_reason_counts_as_stop(scripted_server: ScriptedServer) -> None:
    events = run(scripted_server, sse_reply(["x"], finish_reason=None))
    assert events == [ContentDelta("x"), Finished("stop")]


def test_end_without_done_but_with_finish_reason_is_complete(
    scripted_server: ScriptedServer,
) -> None:
    events = run(scripted_server, sse_reply(["a"], done=False))
    assert events == [ContentDelta("a"), Finished("stop")]


def test_end_without_done_or_finish_reason_is_interrupted(scripted_server: ScriptedServer) -> None:
    scripted_server.add(sse_reply(["Hel", "lo"], done=False, finish_reason=None))
    seen: list[StreamEvent] = []
    with ChatClient(scripted_server.base_url) as client, pytest.raises(StreamInterrupted) as info:
        seen.extend(client.stream_chat("m", MESSAGES))
    assert seen == [ContentDelta("Hel"), ContentDelta("lo")]
    assert info.value.partial_text == "Hello"
    assert "kept" in info.value.message


def test_error_object_mid_stream(scripted_server: ScriptedServer) -> None:
    error = {"error": {"message": "Upstream overloaded", "code": 502}}
    chunks = [*sse_chunks(["par", "tial"], finish_reason=None, done=False), sse_event(error)]
    scripted_server.add(sse_reply(chunks=chunks))
    seen: list[StreamEvent] = []
    with ChatClient(scripted_server.base_url) as client, pytest.raises(StreamError) as info:
        seen.extend(client.stream_chat("m", MESSAGES))
    assert seen == [ContentDelta("par"), ContentDelta("tial")]
    assert info.value.partial_text == "partial"
    assert "Upstream overloaded" in info.value.message
    assert info.value.status == 502


def test_error_next_to_choices_mid_stream(scripted_server: ScriptedServer) -> None:
    chunk = chunk_json({"content": ""}, finish_reason="error")
    chunk["error"] = {"message": "provider crashed"}
    scripted_server.add(sse_reply(chunks=[sse_event(chunk)]))
    with (
        ChatClient(scripted_server.base_url) as client,
        pytest.raises(StreamError, match="crashed"),
    ):
        list(client.stream_chat("m", MESSAGES))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ('{"error": {"message": "quota gone"}}', "quota gone"),
        ('{"message": "bad thing"}', "bad thing"),
        ("plain words", "plain words"),
    ],
)
def test_event_error_frames(scripted_server: ScriptedServer, data: str, expected: str) -> None:
    chunks = [*sse_chunks(["a"], finish_reason=None, done=False), sse_event(data, event="error")]
    scripted_server.add(sse_reply(chunks=chunks))
    with ChatClient(scripted_server.base_url) as client, pytest.raises(StreamError) as info:
        list(client.stream_chat("m", MESSAGES))
    assert expected in info.value.message
    assert info.value.partial_text == "a"


@pytest.mark.parametrize("end_at", [30, 95])
def test_reset_mid_event_is_interrupted(scripted_server: ScriptedServer, end_at: int) -> None:
    chunks = sse_chunks(["first", "second"])
    body_start = len(chunks[0]) + len(chunks[1])
    scripted_server.add(sse_reply(chunks=chunks, ending="reset", end_at=body_start + end_at))
    seen: list[StreamEvent] = []
    with ChatClient(scripted_server.base_url) as client, pytest.raises(StreamInterrupted) as info:
        seen.extend(client.stream_chat("m", MESSAGES))
    assert seen == [ContentDelta("first")]
    assert info.value.partial_text == "first"


def test_reset_inside_a_multibyte_character(scripted_server: ScriptedServer) -> None:
    chunks = sse_chunks(["ok", "😀"])
    cut = len(b"".join(chunks[:2])) + chunks[2].index("😀".encode()) + 2
    scripted_server.add(sse_reply(chunks=chunks, ending="reset", end_at=cut))
    with ChatClient(scripted_server.base_url) as client, pytest.raises(StreamInterrupted) as info:
        list(client.stream_chat("m", MESSAGES))
    assert info.value.partial_text == "ok"


def test_close_mid_stream_with_content_length_is_interrupted(
    scripted_server: ScriptedServer,
) -> None:
    chunks = sse_chunks(["ab", "cd"])
    cut = len(b"".join(chunks[:2])) + 10
    scripted_server.add(sse_reply(chunks=chunks, framing="length", ending="close", end_at=cut))
    with ChatClient(scripted_server.base_url) as client, pytest.raises(StreamInterrupted) as info:
        list(client.stream_chat("m", MESSAGES))
    assert info.value.partial_text == "ab"


def test_oversized_event_keeps_partial_text(scripted_server: ScriptedServer) -> None:
    chunks = [*sse_chunks(["a"], finish_reason=None, done=False), b"data: " + b"x" * 17_000_000]
    scripted_server.add(sse_reply(chunks=chunks, framing="length"))
    with ChatClient(scripted_server.base_url) as client, pytest.raises(EventTooLarge) as info:
        list(client.stream_chat("m", MESSAGES))
    assert info.value.partial_text == "a"


def test_a_json_reply_to_a_stream_request(scripted_server: ScriptedServer) -> None:
    payload = {
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "whole", "reasoning_content": "why"},
                "finish_reason": "stop",
            }
        ],
        "usage": USAGE,
    }
    events = run(scripted_server, json_reply(200, payload))
    assert events == [
        ReasoningDelta("why"),
        ContentDelta("whole"),
        Usage(5, 2, 7),
        Finished("stop"),
    ]


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/octet-stream"])
def test_a_stream_with_the_wrong_content_type_is_still_read(
    scripted_server: ScriptedServer, content_type: str | None
) -> None:
    headers = [("Content-Type", content_type)] if content_type else []
    scripted_server.add(Reply(200, headers, sse_chunks(["a"]), framing="chunked"))
    with ChatClient(scripted_server.base_url) as client:
        assert list(client.stream_chat("m", MESSAGES)) == [ContentDelta("a"), Finished("stop")]


def test_the_connection_is_reused_after_done(scripted_server: ScriptedServer) -> None:
    scripted_server.add(sse_reply(["a"]), sse_reply(["b"]))
    with ChatClient(scripted_server.base_url) as client:
        assert text_of(list(client.stream_chat("m", MESSAGES))) == "a"
        assert text_of(list(client.stream_chat("m", MESSAGES))) == "b"
    assert len(scripted_server.connections) == 1


def test_a_server_that_keeps_the_body_open_after_done_is_cut_off(
    scripted_server: ScriptedServer,
) -> None:
    scripted_server.add(sse_reply(["a"], ending="stall"))
    with ChatClient(scripted_server.base_url) as client:
        assert list(client.stream_chat("m", MESSAGES)) == [ContentDelta("a"), Finished("stop")]


def test_a_json_reply_with_tool_calls(scripted_server: ScriptedServer) -> None:
    call = {"id": "call_9", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    payload = {"choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}]}
    events = run(scripted_server, json_reply(200, payload))
    assert events == [ToolCallDelta(0, "call_9", "f", "{}"), Finished("tool_calls")]
