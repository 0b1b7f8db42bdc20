"""Tool turns end to end: the scripted server plays the model, our demo MCP server runs the
tools, and the reply is recorded with its calls and rebuilt from them for the next request."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from desktop_chat.core.chat.options import ChatOptions, UnsendableError
from desktop_chat.core.chat.runner import (
    CANCELLED_REASON,
    TOOL_LIMIT_REASON,
    TurnOutcome,
    run_turn,
)
from desktop_chat.core.chat.tool_links import builtin_spec
from desktop_chat.core.chat.toolbox import OfferedTool, Toolbox
from desktop_chat.core.chat.turns import (
    Turn,
    can_continue,
    continue_turn,
    regenerate_turn,
    request_messages,
    send_turn,
)
from desktop_chat.core.client.api import ChatClient
from desktop_chat.core.errors import BadRequestError
from desktop_chat.core.history.models import ToolCall
from desktop_chat.core.history.storage import Storage
from desktop_chat.core.tools.link import ServerLink
from tests.scripted_server import ScriptedServer, chunk_json, json_reply, sse_event, sse_reply

OPTIONS = ChatOptions("prov", "model-a", tool_servers=("demo-tools",))


@pytest.fixture
def demo_link() -> Iterator[ServerLink]:
    """Our demo server, started on first use, as the app starts it."""
    link = ServerLink(builtin_spec())
    try:
        yield link
    finally:
        link.close()


@dataclass
class Progress:
    """Records the text and every state each call went through; answers approvals."""

    content: list[str] = field(default_factory=list)
    seen: list[ToolCall] = field(default_factory=list)
    cancel: threading.Event = field(default_factory=threading.Event)

    def on_content(self, text: str) -> None:
        self.content.append(text)

    def on_reasoning(self, text: str) -> None:
        del text

    def on_record_failed(self, message: str) -> None:
        raise AssertionError(message)

    def on_tool_call(self, call: ToolCall) -> None:
        self.seen.append(call)


def _calls(*calls: tuple[int, str, str, Sequence[str]]) -> list[bytes]:
    """A completion that asks for tools: (index, id, name, argument pieces) per call, each
    piece in its own chunk, the calls interleaved like a streaming server sends them."""
    events = [chunk_json({"role": "assistant", "content": None})]
    for index, call_id, name, _pieces in calls:
        first = {"index": index, "id": call_id, "type": "function"}
        events.append(chunk_json({"tool_calls": [{**first, "function": {"name": name}}]}))
    longest = max(len(pieces) for *_, pieces in calls)
    for position in range(longest):
        for index, _call_id, _name, pieces in calls:
            if position < len(pieces):
                piece = {"index": index, "function": {"arguments": pieces[position]}}
                events.append(chunk_json({"tool_calls": [piece]}))
    events.append(chunk_json({}, finish_reason="tool_calls"))
    return [sse_event(event) for event in events] + [sse_event("[DONE]")]


def _toolbox(
    link: ServerLink, approve: Callable[..., bool] | None = None, **options: Any
) -> Toolbox:
    def allow(call: ToolCall, tool: OfferedTool, cancel: threading.Event) -> bool:
        del call, tool, cancel
        return True

    return Toolbox([link], approve or allow, **options)


def _run(
    turn: Turn, server: ScriptedServer, database: Path, progress: Progress, tools: Toolbox
) -> TurnOutcome:
    client = ChatClient(server.base_url)
    return run_turn(turn, client, progress, database=database, cancel=progress.cancel, tools=tools)


def test_parallel_calls_split_across_chunks_run_and_the_answer_uses_them(
    storage: Storage, database: Path, scripted_server: ScriptedServer, demo_link: ServerLink
) -> None:
    scripted_server.add(
        sse_reply(
            chunks=_calls(
                (0, "call_a", "current_time", ['{"time', 'zone": "Eur', 'ope/Paris"}']),
                (1, "call_b", "calculate", ['{"expression":', ' "6 * 7"}']),
            )
        ),
        sse_reply(["In Paris it is late; ", "6 × 7 = 42."]),
    )
    turn = send_turn(storage, None, "time in Paris, and 6*7?", OPTIONS)
    progress = Progress()
    outcome = _run(turn, scripted_server, database, progress, _toolbox(demo_link))

    assert outcome.error is None
    assert outcome.reason == "stop"
    first, second = (request.json for request in scripted_server.requests)
    offered = {tool["function"]["name"] for tool in first["tools"]}
    assert offered == {"current_time", "calculate"}
    assert second["tools"] == first["tools"]
    asked, clock, product = second["messages"][-3:]
    assert [call["id"] for call in asked["tool_calls"]] == ["call_a", "call_b"]
    assert asked["tool_calls"][0]["function"]["arguments"] == '{"timezone": "Europe/Paris"}'
    assert (clock["role"], clock["tool_call_id"]) == ("tool", "call_a")
    assert "CET" in clock["content"] or "CEST" in clock["content"]
    assert (product["tool_call_id"], product["content"]) == ("call_b", "42")
    assert [call.status for call in progress.seen if call.call_id == "call_b"] == [
        "pending",
        "asking",
        "running",
        "done",
    ]

    reply = storage.get_message(turn.reply.id)
    assert reply is not None
    assert reply.content == "In Paris it is late; 6 × 7 = 42."
    assert [(call.name, call.status, call.server) for call in reply.tool_calls] == [
        ("current_time", "done", "demo-tools"),
        ("calculate", "done", "demo-tools"),
    ]
    # The next request is rebuilt from what was saved: the same calls, results and answer.
    follow_up = storage.add_message(turn.conversation_id, reply.id, "user", "thanks")
    rebuilt = request_messages(storage, follow_up, "")
    assert rebuilt[1:4] == second["messages"][1:4]
    assert rebuilt[4] == {"role": "assistant", "content": reply.content}


def test_bad_arguments_and_unknown_tools_become_error_results_and_the_turn_goes_on(
    storage: Storage, database: Path, scripted_server: ScriptedServer, demo_link: ServerLink
) -> None:
    scripted_server.add(
        sse_reply(
            chunks=_calls(
                (0, "call_1", "calculate", ['{"expression": 1+']),
                (1, "call_2", "launch_rockets", ["{}"]),
                (2, "call_3", "calculate", ['{"expression": "1/0"}']),
            )
        ),
        sse_reply(["Sorry, those failed."]),
    )
    turn = send_turn(storage, None, "go", OPTIONS)
    outcome = _run(turn, scripted_server, database, Progress(), _toolbox(demo_link))
    assert outcome.error is None
    results = scripted_server.requests[1].json["messages"][-3:]
    assert results[0]["content"].startswith("Error: The arguments are not valid JSON")
    assert results[1]["content"] == "Error: There is no tool named “launch_rockets”."
    assert results[2]["content"].startswith("Error: ")
    reply = storage.get_message(turn.reply.id)
    assert reply is not None
    assert [call.status for call in reply.tool_calls] == ["failed", "failed", "failed"]


def test_a_declined_call_tells_the_model_the_user_said_no(
    storage: Storage, database: Path, scripted_server: ScriptedServer, demo_link: ServerLink
) -> None:
    scripted_server.add(
        sse_reply(chunks=_calls((0, "c1", "current_time", ["{}"]))),
        sse_reply(["Alright, I will not check."]),
    )
    asked: list[str] = []

    def deny(call: ToolCall, tool: OfferedTool, cancel: threading.Event) -> bool:
        del cancel
        asked.append(f"{tool.server}/{call.name}: {tool.info.description[:20]}")
        return False

    turn = send_turn(storage, None, "time?", OPTIONS)
    progress = Progress()
    _run(turn, scripted_server, database, progress, _toolbox(demo_link, deny))
    assert len(asked) == 1
    assert asked[0].startswith("demo-tools/current_time: ")
    assert "asking" in [call.status for call in progress.seen]
    result = scripted_server.requests[1].json["messages"][-1]
    assert result["content"] == "Error: the user declined to run this tool."
    # "Always allowed" tools do not ask.
    scripted_server.add(
        sse_reply(chunks=_calls((0, "c2", "current_time", ["{}"]))), sse_reply(["Now."])
    )
    second = regenerate_turn(storage, turn.reply.id, OPTIONS)
    allowed = _toolbox(demo_link, deny, always_allowed=lambda server, tool: tool == "current_time")
    asked.clear()
    _run(second, scripted_server, database, Progress(), allowed)
    assert asked == []
    stored = storage.get_message(second.reply.id)
    assert stored is not None
    assert [call.status for call in stored.tool_calls] == ["done"]


def test_the_step_limit_ends_the_reply_and_says_so(
    storage: Storage, database: Path, scripted_server: ScriptedServer, demo_link: ServerLink
) -> None:
    scripted_server.add(
        sse_reply(chunks=_calls((0, "s1", "calculate", ['{"expression": "1+1"}']))),
        sse_reply(chunks=_calls((0, "s2", "calculate", ['{"expression": "2+2"}']))),
    )
    turn = send_turn(storage, None, "loop", OPTIONS)
    outcome = _run(turn, scripted_server, database, Progress(), _toolbox(demo_link, step_limit=1))
    assert outcome.reason == TOOL_LIMIT_REASON
    assert len(scripted_server.requests) == 2
    reply = storage.get_message(turn.reply.id)
    assert reply is not None
    assert [(call.step, call.status) for call in reply.tool_calls] == [(0, "done"), (1, "skipped")]
    assert "limit of 1 rounds" in reply.tool_calls[1].result


def test_stop_while_a_call_waits_keeps_everything_so_far(
    storage: Storage, database: Path, scripted_server: ScriptedServer, demo_link: ServerLink
) -> None:
    chunks = [
        sse_event(chunk_json({"content": "Let me look. "})),
        *_calls((0, "w", "current_time", ["{}"])),
    ]
    scripted_server.add(sse_reply(chunks=chunks))
    progress = Progress()

    def stop_instead(call: ToolCall, tool: OfferedTool, cancel: threading.Event) -> bool:
        del call, tool
        progress.cancel.set()
        return not cancel.is_set()

    turn = send_turn(storage, None, "time?", OPTIONS)
    outcome = _run(turn, scripted_server, database, progress, _toolbox(demo_link, stop_instead))
    assert outcome.reason == CANCELLED_REASON
    assert len(scripted_server.requests) == 1
    reply = storage.get_message(turn.reply.id)
    assert reply is not None
    assert reply.content == "Let me look. "
    assert [call.status for call in reply.tool_calls] == ["cancelled"]
    assert reply.tool_calls[0].text_at == len("Let me look. ")


def test_a_reply_that_used_tools_is_regenerated_not_continued(storage: Storage) -> None:
    turn = send_turn(storage, None, "time?", OPTIONS)
    call = ToolCall("c", "current_time", "{}", "demo-tools", "done", "noon")
    reply = storage.update_message(
        turn.reply.id, content="It is", status="interrupted", tool_calls=[call]
    )
    assert not can_continue(reply)
    with pytest.raises(UnsendableError, match="regenerate it instead"):
        continue_turn(storage, reply.id, OPTIONS)


@pytest.mark.parametrize(
    "said",
    [
        "registry.ollama.ai/library/gemma3:4b does not support tools",
        "tools param requires --jinja flag",
        '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
        "No endpoints found that support tool use.",
    ],
)
def test_a_model_that_cannot_use_tools_says_how_to_go_on(
    storage: Storage,
    database: Path,
    scripted_server: ScriptedServer,
    demo_link: ServerLink,
    said: str,
) -> None:
    scripted_server.add(json_reply(400, {"error": {"message": said}}))
    turn = send_turn(storage, None, "time?", OPTIONS)
    outcome = _run(turn, scripted_server, database, Progress(), _toolbox(demo_link))
    assert isinstance(outcome.error, BadRequestError)
    assert outcome.error.message.startswith("This model or server cannot use tools.")
    assert "Tools menu" in outcome.error.message
