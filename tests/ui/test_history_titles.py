"""Titles: from the first message at once, then (with ``generate_titles``) from the model."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from desktop_chat.core.config.paths import database_path
from desktop_chat.core.config.providers import config_from_preset
from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.config.settings import DEMO_PROVIDER_ID, Settings
from desktop_chat.core.history.storage import Storage
from desktop_chat.ui.window.main_window import MainWindow
from tests.scripted_server import ScriptedServer, json_reply, sse_reply
from tests.widgets import child


def _completion(text: str) -> dict[str, object]:
    return {
        "id": "chatcmpl-title",
        "object": "chat.completion",
        "model": "test-model",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
    }


def _title_timer(window: MainWindow) -> QTimer:
    return child(window, QTimer, "titleTimer")


def _no_title_will_be_asked(window: MainWindow) -> bool:
    return not _title_timer(window).isActive() and window.title_maker.pending() == 0


def _first_exchange(qtbot: QtBot, window: MainWindow, question: str) -> int:
    _title_timer(window).setInterval(10)
    window.composer.setPlainText(question)
    assert window.send_current()
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=30_000)
    conversation_id = window.session.conversation_id
    assert conversation_id is not None
    return conversation_id


def test_model_title_replaces_the_first_line_title(
    qtbot: QtBot, window: MainWindow, storage: Storage, scripted_server: ScriptedServer
) -> None:
    window.settings.generate_titles = True
    scripted_server.add(
        sse_reply(["Plant tomatoes in spring."]),
        json_reply(200, _completion('Title: "Growing Tomatoes At Home."\nExtra line')),
    )
    conversation_id = _first_exchange(qtbot, window, "when should I plant tomatoes\nthanks")
    stored = storage.get_conversation(conversation_id)
    assert stored is not None
    assert stored.title == "when should I plant tomatoes"  # at once, from the first line

    def titled() -> bool:
        current = storage.get_conversation(conversation_id)
        return current is not None and current.title == "Growing Tomatoes At Home"

    qtbot.waitUntil(titled, timeout=3000)
    qtbot.waitUntil(lambda: window.title_maker.pending() == 0, timeout=3000)
    request = scripted_server.requests[-1].json
    assert request["stream"] is False
    assert request["model"] == "test-model"
    assert "Plant tomatoes in spring." in request["messages"][-1]["content"]
    qtbot.waitUntil(lambda: window.conversation_list.item(0).text() == "Growing Tomatoes At Home")


def test_a_rename_before_the_request_is_kept(
    qtbot: QtBot, window: MainWindow, storage: Storage, scripted_server: ScriptedServer
) -> None:
    window.settings.generate_titles = True
    scripted_server.add(sse_reply(["Sure."]))
    _title_timer(window).setInterval(300)
    window.composer.setPlainText("question")
    assert window.send_current()
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=30_000)
    conversation_id = window.session.conversation_id
    assert conversation_id is not None
    window.conversation_list.conversation_model.rename(conversation_id, "Mine")
    qtbot.wait(500)
    assert len(scripted_server.requests) == 2  # no title was asked for
    stored = storage.get_conversation(conversation_id)
    assert stored is not None
    assert stored.title == "Mine"


def test_a_rename_while_the_model_thinks_is_kept(
    qtbot: QtBot, window: MainWindow, storage: Storage, scripted_server: ScriptedServer
) -> None:
    window.settings.generate_titles = True
    slow = json_reply(200, _completion("Model Title Here"))
    slow.delay = 0.4
    scripted_server.add(sse_reply(["Sure."]), slow)
    conversation_id = _first_exchange(qtbot, window, "question")
    qtbot.waitUntil(lambda: len(scripted_server.requests) == 3, timeout=3000)
    window.conversation_list.conversation_model.rename(conversation_id, "Mine")
    qtbot.waitUntil(lambda: window.title_maker.pending() == 0, timeout=3000)
    stored = storage.get_conversation(conversation_id)
    assert stored is not None
    assert stored.title == "Mine"


def test_a_failed_title_request_keeps_the_first_line(
    qtbot: QtBot, window: MainWindow, storage: Storage, scripted_server: ScriptedServer
) -> None:
    window.settings.generate_titles = True
    scripted_server.add(sse_reply(["Yes."]), json_reply(500, {"error": {"message": "down"}}))
    conversation_id = _first_exchange(qtbot, window, "is it up")
    qtbot.waitUntil(lambda: len(scripted_server.requests) == 3, timeout=3000)
    qtbot.waitUntil(lambda: window.title_maker.pending() == 0, timeout=3000)
    stored = storage.get_conversation(conversation_id)
    assert stored is not None
    assert stored.title == "is it up"


def test_no_title_request_when_the_setting_is_off(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    window.settings.generate_titles = False
    scripted_server.add(sse_reply(["Fine."]))
    _first_exchange(qtbot, window, "hello")
    assert _no_title_will_be_asked(window)
    assert len(scripted_server.requests) == 2  # the model list and the reply only


def test_the_demo_is_never_asked_for_a_title(qtbot: QtBot, storage: Storage) -> None:
    demo = config_from_preset("demo", provider_id=DEMO_PROVIDER_ID, name="Demo (offline)")
    settings = Settings(providers=[demo], active_provider_id=DEMO_PROVIDER_ID, generate_titles=True)
    window = MainWindow(settings, storage, database_path(), SecretStore())
    qtbot.addWidget(window)
    window.show()
    conversation_id = _first_exchange(qtbot, window, "what can you do")
    assert _no_title_will_be_asked(window)
    stored = storage.get_conversation(conversation_id)
    assert stored is not None
    assert stored.title == "what can you do"
    window.close()
