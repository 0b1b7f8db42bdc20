"""Replies that end empty, with only tool calls, or for an unknown reason say so on screen."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from desktop_chat.ui.window.main_window import MainWindow
from tests.scripted_server import Reply, ScriptedServer, chunk_json, sse_event, sse_reply


def _tool_calls_only() -> list[bytes]:
    call = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "get_time"}}
    arguments = {"index": 0, "function": {"arguments": "{}"}}
    events = [
        chunk_json({"role": "assistant", "content": None, "tool_calls": [call]}),
        chunk_json({"tool_calls": [arguments]}),
        chunk_json({}, finish_reason="tool_calls"),
    ]
    return [*(sse_event(event) for event in events), sse_event("[DONE]")]


@pytest.mark.parametrize(
    ("reply", "note"),
    [
        (sse_reply([]), "The model sent an empty reply. Regenerate to ask again."),
        (
            sse_reply(chunks=_tool_calls_only()),
            "The model asked to use a tool, which this chat does not offer; nothing ran.",
        ),
        (
            sse_reply(["Partial"], finish_reason="<b>weird</b>"),
            "The reply ended for a reason Desktop Chat does not know: <b>weird</b>.",
        ),
    ],
    ids=["empty", "tool-calls-only", "unknown-reason"],
)
def test_an_odd_ending_is_said_live_and_after_reopening(
    qtbot: QtBot,
    window: MainWindow,
    scripted_server: ScriptedServer,
    reply: Reply,
    note: str,
) -> None:
    scripted_server.add(reply)
    window.composer.setPlainText("Hello")
    with qtbot.waitSignal(window.session.reply_finished, timeout=5000):
        window.send_button.click()
    view = window.transcript.last_view()
    assert view is not None
    assert view.note_text() == note
    conversation_id = window.session_conversation_id()
    assert conversation_id is not None
    window.new_chat()
    window.open_conversation(conversation_id)
    reopened = window.transcript.last_view()
    assert reopened is not None
    assert reopened.note_text() == note
