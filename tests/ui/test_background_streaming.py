"""Replies belong to their chat, not to the screen: they stream on while other chats are open."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from desktop_chat.core.config.paths import database_path
from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.history.storage import Storage
from desktop_chat.ui.dialogs.chat_settings_dialog import ChatSettingsDialog
from desktop_chat.ui.window import chat_session
from desktop_chat.ui.window.main_window import MainWindow
from tests.scripted_server import Reply, ScriptedServer, json_reply, sse_reply
from tests.ui.conftest import scripted_settings, send_text
from tests.widgets import child


def _stalling(*texts: str) -> Reply:
    return sse_reply(list(texts), finish_reason=None, done=False, ending="stall")


def _shown(window: MainWindow) -> str:
    view = window.transcript.last_view()
    assert view is not None
    return view.markdown()


def _status(storage: Storage, conversation_id: int) -> tuple[str, str]:
    reply = storage.current_path(conversation_id)[-1]
    return reply.status, reply.content


def test_a_reply_finishes_while_another_chat_is_open(
    qtbot: QtBot, window: MainWindow, storage: Storage, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(sse_reply(["one ", "two ", "three"], delay=0.05))
    first = send_text(window, "count")
    qtbot.waitUntil(lambda: _shown(window) != "", timeout=5000)
    window.new_chat()
    window.history.focus_search()  # searching stops nothing either
    assert not window.session.is_streaming  # the new chat on screen is idle
    qtbot.waitUntil(lambda: _status(storage, first)[0] == "complete", timeout=5000)
    window.open_conversation(first)
    assert _shown(window) == "one two three"
    reply = storage.current_path(first)[-1]
    assert reply.finish_reason == "stop"  # ended by the server, never stopped


def test_coming_back_shows_the_reply_live_and_the_list_marks_it(
    qtbot: QtBot, window: MainWindow, storage: Storage, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(_stalling("arrived ", "so far"))
    first = send_text(window, "go")
    qtbot.waitUntil(lambda: _shown(window) == "arrived so far", timeout=5000)
    window.new_chat()
    entry = window.conversation_list.item(window.conversation_list.ids().index(first))
    assert entry.streaming
    window.open_conversation(first)
    assert window.session.is_streaming
    assert window.stop_button.isVisibleTo(window)
    assert _shown(window) == "arrived so far"
    window.session.stop()
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=10_000)
    assert _status(storage, first) == ("interrupted", "arrived so far")
    assert not window.conversation_list.item(0).streaming


def test_two_chats_stream_at_once(
    qtbot: QtBot, window: MainWindow, storage: Storage, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(_stalling("first chat"), _stalling("second chat"))
    first = send_text(window, "one")
    qtbot.waitUntil(lambda: _shown(window) == "first chat", timeout=5000)
    window.new_chat()
    second = send_text(window, "two")
    qtbot.waitUntil(lambda: _shown(window) == "second chat", timeout=5000)
    assert window.session.live_conversations == {first, second}
    assert all(window.conversation_list.item(i).streaming for i in range(2))
    window.close()  # a close from code stops both and keeps their text
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
    assert _status(storage, first) == ("interrupted", "first chat")
    assert _status(storage, second) == ("interrupted", "second chat")


def test_a_send_beyond_the_limit_waits_and_says_why(
    qtbot: QtBot,
    window: MainWindow,
    storage: Storage,
    scripted_server: ScriptedServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(chat_session, "MAX_STREAMS", 1)
    scripted_server.add(_stalling("busy"), sse_reply(["my turn"]))
    first = send_text(window, "one")
    qtbot.waitUntil(lambda: _shown(window) == "busy", timeout=5000)
    window.new_chat()
    second = send_text(window, "two")
    view = window.transcript.last_view()
    assert view is not None
    assert "Waiting: 1 replies are streaming already" in view.note_text()
    assert [r.path for r in scripted_server.requests].count("/v1/chat/completions") == 1
    window.session.stop(first)
    qtbot.waitUntil(lambda: _status(storage, second) == ("complete", "my turn"), timeout=10_000)
    # The reply's thread saves the end before the window has taken the last piece.
    qtbot.waitUntil(lambda: _shown(window) == "my turn", timeout=10_000)
    assert view.note_text() == ""
    assert _status(storage, first) == ("interrupted", "busy")


def test_quitting_while_a_reply_streams_asks_first(
    qtbot: QtBot, window: MainWindow, storage: Storage, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(_stalling("partial"))
    first = send_text(window, "go")
    qtbot.waitUntil(lambda: _shown(window) == "partial", timeout=5000)
    window.request_quit()
    box = child(window, QMessageBox, "quitConfirmation")
    assert window.isVisible()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert window.isVisible()
    assert window.session.is_streaming
    window.request_quit()
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "quitConfirmation") is not None)
    boxes = [b for b in window.findChildren(QMessageBox, "quitConfirmation") if b.isVisible()]
    child(boxes[-1], QPushButton, "stopAndQuitButton").click()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
    assert _status(storage, first) == ("interrupted", "partial")


def test_chat_settings_apply_to_retry_and_survive_a_restart(
    qtbot: QtBot, window: MainWindow, storage: Storage, scripted_server: ScriptedServer
) -> None:
    dialog = window.open_chat_settings()
    assert isinstance(dialog, ChatSettingsDialog)
    dialog.system_prompt_edit.setPlainText("Answer in French.")
    dialog.temperature_check.setChecked(True)
    dialog.temperature_spin.setValue(0.4)
    dialog.max_tokens_check.setChecked(True)
    dialog.max_tokens_spin.setValue(64)
    dialog.accept_button().click()
    scripted_server.add(sse_reply(["Bonjour"]), sse_reply(["Salut"]))
    conversation_id = send_text(window, "hello")
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=5000)
    provider = window.settings.provider("scripted")
    assert provider is not None
    provider.temperature = 1.5  # a later change of the provider's default
    provider.system_prompt = "Answer in German."
    reply = window.transcript.last_view()
    assert reply is not None
    assert reply.message_id is not None
    assert window.session.regenerate(reply.message_id)
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=5000)
    for request in scripted_server.requests[-2:]:
        assert request.json["temperature"] == 0.4
        assert request.json["max_tokens"] == 64
        assert request.json["messages"][0] == {"role": "system", "content": "Answer in French."}
    window.close()

    scripted_server.add(json_reply(200, {"data": [{"id": "test-model"}]}))
    again = MainWindow(scripted_settings(scripted_server), storage, database_path(), SecretStore())
    qtbot.addWidget(again)
    again.open_conversation(conversation_id)
    status = again.provider_status.text()
    assert "temperature 0.4" in status
    assert "at most 64 tokens" in status
    assert "system prompt set" in status
    again.new_chat()
    assert "temperature" not in again.provider_status.text()  # a new chat takes the defaults
