"""Tools in the window, with the offline demo and the tool server that ships with the app: the
approval card, Allow once, Deny, Always, the card's result, and the whole turn after a restart."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot

from desktop_chat.core.config.paths import database_path
from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.config.settings import Settings
from desktop_chat.core.config.tool_servers import BUILTIN_SERVER, ToolServerConfig
from desktop_chat.core.history.storage import Storage
from desktop_chat.ui.transcript.tool_call_card import ToolCallCard
from desktop_chat.ui.window.main_window import MainWindow

pytestmark = pytest.mark.slow


@pytest.fixture
def demo_window(qtbot: QtBot, storage: Storage) -> Iterator[MainWindow]:
    """A window on the demo (no pause between pieces), its tool servers stopped afterwards."""
    main = MainWindow(Settings(), storage, database_path(), SecretStore(), demo_pace=0.0)
    qtbot.addWidget(main)
    main.show()
    yield main
    main.tools.close()


def _ask(qtbot: QtBot, window: MainWindow, text: str) -> ToolCallCard:
    window.composer.setPlainText(text)
    assert window.send_current()

    def card() -> ToolCallCard | None:
        view = window.transcript.last_view()
        cards = [] if view is None else view.tool_cards()
        return cards[-1] if cards and cards[-1].asking() else None

    qtbot.waitUntil(lambda: card() is not None, timeout=30_000)
    found = card()
    assert found is not None
    return found


def _click(card: ToolCallCard, name: str) -> None:
    button = card.findChild(QPushButton, name)
    assert isinstance(button, QPushButton)
    assert button.isVisible()
    button.click()


def _answered(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=30_000)


def test_the_demo_asks_first_runs_the_tool_once_allowed_and_uses_the_result(
    qtbot: QtBot, demo_window: MainWindow
) -> None:
    assert demo_window.tools_button.chosen() == (BUILTIN_SERVER,)
    card = _ask(qtbot, demo_window, "what time is it?")
    assert card.call.name == "current_time"
    description = card.findChild(QLabel, "toolDescription")
    assert isinstance(description, QLabel)
    assert "time" in description.text().lower()
    assert demo_window.session.is_streaming  # it waits for the answer
    _click(card, "tool_once")
    _answered(qtbot, demo_window)
    view = demo_window.transcript.last_view()
    assert view is not None
    (done,) = view.tool_cards()
    assert done.call.status == "done"
    assert "UTC" in done.result_text() or ":" in done.result_text()
    assert done.call.result.split()[0] in view.markdown()
    stored = demo_window.storage.get_message(view.message_id or -1)
    assert stored is not None
    assert [call.status for call in stored.tool_calls] == ["done"]


def test_deny_tells_the_model_and_always_stops_asking(
    qtbot: QtBot, demo_window: MainWindow
) -> None:
    card = _ask(qtbot, demo_window, "what is 12 * 7?")
    _click(card, "tool_deny")
    _answered(qtbot, demo_window)
    view = demo_window.transcript.last_view()
    assert view is not None
    assert view.tool_cards()[0].call.status == "declined"
    assert "declined" in view.markdown()

    card = _ask(qtbot, demo_window, "and 6 * 7?")
    _click(card, "tool_always")
    _answered(qtbot, demo_window)
    server = demo_window.settings.tool_server(BUILTIN_SERVER)
    assert server is not None
    assert server.always_allowed == ("calculate",)
    demo_window.composer.setPlainText("and 2 + 2?")
    assert demo_window.send_current()
    _answered(qtbot, demo_window)
    view = demo_window.transcript.last_view()
    assert view is not None
    assert [card.call.status for card in view.tool_cards()] == ["done"]
    assert "**4**" in view.markdown()
    # Revoked in Settings (which hands the window new settings): it asks again.
    edited = copy.deepcopy(demo_window.settings)
    edited.replace_tool_server(server.with_allowed("calculate", False))
    demo_window.apply_settings(edited)
    card = _ask(qtbot, demo_window, "and 1 + 1?")
    _click(card, "tool_once")
    _answered(qtbot, demo_window)


def test_a_reopened_chat_shows_the_whole_turn(
    qtbot: QtBot, demo_window: MainWindow, storage: Storage
) -> None:
    card = _ask(qtbot, demo_window, "what is 3 + 4?")
    _click(card, "tool_once")
    _answered(qtbot, demo_window)
    conversation_id = demo_window.session.conversation_id
    assert conversation_id is not None
    again = MainWindow(demo_window.settings, storage, database_path(), SecretStore(), save=False)
    qtbot.addWidget(again)
    again.open_conversation(conversation_id)
    view = again.transcript.last_view()
    assert view is not None
    (shown,) = view.tool_cards()
    assert (shown.call.name, shown.call.status, shown.result_text()) == ("calculate", "done", "7")
    assert not shown.expanded()
    assert "**7**" in view.markdown()


def test_a_server_that_cannot_start_is_named_under_the_reply(
    qtbot: QtBot, demo_window: MainWindow
) -> None:
    demo_window.settings.replace_tool_server(
        ToolServerConfig("broken", command="no-such-tool-server-anywhere")
    )
    options = demo_window.chat_options(None)
    assert options is not None
    demo_window.set_chat_options(options.with_changes(tool_servers=("broken",)))
    demo_window.composer.setPlainText("hello")
    assert demo_window.send_current()
    _answered(qtbot, demo_window)
    view = demo_window.transcript.last_view()
    assert view is not None
    assert "“broken” did not start" in view.note_text()
    assert "no-such-tool-server-anywhere" in view.note_text()
