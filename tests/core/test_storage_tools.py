"""Tool calls in the database: kept on the reply that made them, searched by name and result,
carried through the JSON export and its import, and read leniently from a damaged row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_chat.core.history.models import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    TOOL_HIT_PREFIX,
    ToolCall,
    tool_calls_from_json,
    tool_calls_json,
)
from desktop_chat.core.history.storage import Storage
from desktop_chat.core.transfer.export import render_text, to_json
from desktop_chat.core.transfer.importers import import_file

CLOCK = ToolCall(
    "call_1",
    "current_time",
    '{"timezone": "Europe/Paris"}',
    "demo-tools",
    "done",
    "2026-12-06 19:30:05 CET (Sunday)",
    12,
    0,
    0,
)
SUM = ToolCall("call_2", "calculate", '{"expression": "6*7"}', "demo-tools", "declined", step=1)


@pytest.fixture
def store(tmp_path: Path) -> Storage:
    return Storage.open(tmp_path / "conversations.sqlite3")


def _reply(store: Storage, *calls: ToolCall) -> tuple[int, int]:
    conversation = store.create_conversation("tools", tool_servers=("demo-tools",))
    question = store.add_message(conversation.id, None, "user", "what time is it in Paris?")
    reply = store.add_message(conversation.id, question.id, "assistant", "It is 19:30.")
    store.update_message(reply.id, tool_calls=calls)
    return conversation.id, reply.id


def test_a_reply_keeps_its_calls_in_order_and_a_chat_its_servers(store: Storage) -> None:
    conversation_id, reply_id = _reply(store, CLOCK, SUM)
    reply = store.get_message(reply_id)
    assert reply is not None
    assert reply.tool_calls == (CLOCK, SUM)
    assert store.path_to(reply_id)[-1].tool_calls == (CLOCK, SUM)
    conversation = store.get_conversation(conversation_id)
    assert conversation is not None
    assert conversation.tool_servers == ("demo-tools",)
    assert store.update_conversation(conversation_id, tool_servers=()).tool_servers == ()
    assert store.update_message(reply_id, tool_calls=()).tool_calls == ()


def test_search_finds_a_call_by_its_tool_name_and_its_result(store: Storage) -> None:
    _conversation_id, reply_id = _reply(store, CLOCK)
    (by_name,) = store.search("current_time")
    assert by_name.message_id == reply_id
    assert by_name.snippet == (
        f"{TOOL_HIT_PREFIX}{HIGHLIGHT_START}current_time{HIGHLIGHT_END}: {CLOCK.result}"
    )
    (by_result,) = store.search("cet sunday")
    assert by_result.snippet.startswith(f"{TOOL_HIT_PREFIX}current_time: ")
    assert f"{HIGHLIGHT_START}CET{HIGHLIGHT_END}" in by_result.snippet
    assert store.search("moonphase") == []


def test_a_damaged_calls_column_reads_as_the_calls_it_can(store: Storage) -> None:
    _conversation_id, reply_id = _reply(store)
    damaged = json.dumps([{"call_id": 3}, {"call_id": "a", "name": "ok", "status": "done"}, "x"])
    store._db.execute("UPDATE messages SET tool_calls = ? WHERE id = ?", (damaged, reply_id))
    reply = store.get_message(reply_id)
    assert reply is not None
    assert reply.tool_calls == (ToolCall("a", "ok", status="done"),)
    assert tool_calls_from_json("{not json") == ()
    assert tool_calls_from_json('{"a": 1}') == ()
    assert tool_calls_json(()) is None


def test_results_the_model_receives_say_what_happened() -> None:
    assert CLOCK.model_result() == CLOCK.result
    assert "declined" in SUM.model_result()
    assert "stopped" in ToolCall("c", "x", status="cancelled").model_result()
    assert ToolCall("c", "x", status="failed", result="boom").model_result() == "Error: boom"
    assert ToolCall("c", "x", status="skipped").model_result() == "Error: the tool did not run."
    assert not ToolCall("c", "x", status="asking").finished
    assert SUM.finished


def test_json_export_and_import_carry_the_calls(store: Storage, tmp_path: Path) -> None:
    conversation_id, _reply_id = _reply(store, CLOCK, SUM)
    conversation = store.get_conversation(conversation_id)
    assert conversation is not None
    exported = tmp_path / "tools.json"
    exported.write_text(to_json(conversation, store.conversation_messages(conversation_id)))
    with Storage.open(tmp_path / "copy.sqlite3") as copy:
        (imported,) = import_file(copy, exported).imported
        assert copy.current_path(imported)[-1].tool_calls == (CLOCK, SUM)
        document = json.loads(exported.read_text())
        document["messages"][1]["tool_calls"] = "nope"
        exported.write_text(json.dumps(document))
        with pytest.raises(Exception, match="invalid tool calls"):
            import_file(copy, exported)


def test_every_text_export_shows_the_calls_inert(store: Storage) -> None:
    hostile = ToolCall(
        "call_x",
        "fetch<script>",
        '{"url": "https://example.org"}',
        "web",
        "done",
        "<img src=x onerror=alert(1)> **not bold**",
        5,
    )
    conversation_id, _reply_id = _reply(store, CLOCK, hostile)
    conversation = store.get_conversation(conversation_id)
    assert conversation is not None
    messages = store.conversation_messages(conversation_id)
    markdown = render_text(conversation, messages, "md")
    assert "**Tool current\\_time \\(demo\\-tools\\): done, 12 ms**" in markdown
    assert '```json\n{\n  "timezone": "Europe/Paris"\n}\n```' in markdown
    assert "```text\n2026-12-06 19:30:05 CET (Sunday)\n```" in markdown
    text = render_text(conversation, messages, "txt")
    assert "  Tool current_time (demo-tools): done, 12 ms" in text
    assert "        2026-12-06 19:30:05 CET (Sunday)" in text
    page = render_text(conversation, messages, "html")
    assert "Tool fetch&lt;script&gt; (web): done, 5 ms" in page
    assert "&lt;img src=x onerror=alert(1)&gt; **not bold**" in page
    assert "<img src=x" not in page
    assert "<script>" not in page


def test_a_hit_on_a_tool_name_shows_the_start_of_its_result(store: Storage) -> None:
    long_result = "word " * 100
    _reply(store, SUM)
    _reply(store, ToolCall("c", "fetch_page", "{}", "web", "done", long_result))
    (declined,) = store.search("calculate")
    assert declined.snippet == f"{TOOL_HIT_PREFIX}{HIGHLIGHT_START}calculate{HIGHLIGHT_END}"
    (fetched,) = store.search("fetch_page")
    assert fetched.snippet.endswith(": " + long_result.strip()[:120] + "…")
