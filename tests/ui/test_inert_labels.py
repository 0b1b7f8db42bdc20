"""Outside text in labels, message boxes and tooltips is shown literally, never as rich text.

A server names its models and the model names its conversations: a hostile one sends HTML. Every
``QLabel`` of the window and its dialogs is walked, and one that would guess HTML fails the test.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox
from pytestqt.qtbot import QtBot

from desktop_chat.core.config.paths import database_path
from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.history.storage import Storage
from desktop_chat.ui.common.inert import inert_tooltip, open_plain_message
from desktop_chat.ui.window.main_window import MainWindow
from tests.scripted_server import ScriptedServer, json_reply
from tests.ui.conftest import SCRIPTED_ID, TEST_KEY, scripted_settings

HOSTILE_MODEL = '<a href="https://evil.example/">Click to re-enter your API key</a>'
HOSTILE_TITLE = '<img width="3000" height="2000" src="x"><b>Pay here</b>'

# Labels that show no text: a message box's icon.
RICH_ALLOWED = frozenset({"qt_msgboxex_icon_label"})


def _rich_labels() -> list[str]:
    found = []
    for widget in QApplication.allWidgets():
        if not isinstance(widget, QLabel) or widget.objectName() in RICH_ALLOWED:
            continue
        if widget.textFormat() != Qt.TextFormat.PlainText:
            found.append(f"{widget.objectName() or '(unnamed)'}: {widget.text()[:60]!r}")
    return found


def _hostile_window(qtbot: QtBot, storage: Storage, server: ScriptedServer) -> MainWindow:
    secrets = SecretStore()
    secrets.set(SCRIPTED_ID, TEST_KEY)
    server.add(json_reply(200, {"data": [{"id": HOSTILE_MODEL}]}))
    settings = scripted_settings(server)
    settings.providers[0].model = HOSTILE_MODEL
    window = MainWindow(settings, storage, database_path(), secrets)
    qtbot.addWidget(window)
    window.resize(900, 700)
    window.show()
    qtbot.waitUntil(lambda: window.model_picker.count() == 1, timeout=3000)
    return window


def test_no_label_of_the_window_or_its_dialogs_guesses_html(
    qtbot: QtBot, storage: Storage, scripted_server: ScriptedServer
) -> None:
    conversation = storage.create_conversation(
        HOSTILE_TITLE, provider=SCRIPTED_ID, model=HOSTILE_MODEL
    )
    window = _hostile_window(qtbot, storage, scripted_server)
    window.open_conversation(conversation.id)
    assert HOSTILE_MODEL in window.provider_status.text()
    assert window.history.delete(conversation.id)
    assert window.history.undo_bar.isVisible()
    settings = window.open_settings()
    chat_settings = window.open_chat_settings()
    open_plain_message(window, QMessageBox.Icon.Warning, "Problem", HOSTILE_TITLE, "probe")
    qtbot.wait(50)

    assert _rich_labels() == []
    shown = [w.text() for w in QApplication.allWidgets() if isinstance(w, QLabel)]
    assert any(HOSTILE_MODEL in text for text in shown)  # the status bar, as written
    assert any(HOSTILE_TITLE in text for text in shown)  # the Undo bar and the message box
    # An <img width=3000> taken for HTML would have stretched the window past the screen.
    assert window.height() < 1000
    assert window.width() < 1600
    settings.reject()
    if chat_settings is not None:
        chat_settings.reject()


def test_a_tooltip_shows_a_title_literally() -> None:
    document = QTextDocument()
    document.setHtml(inert_tooltip(HOSTILE_TITLE + "\nsecond line"))
    assert document.toPlainText() == HOSTILE_TITLE + "\nsecond line"
    assert inert_tooltip("") == ""


def test_the_history_tooltip_is_inert(
    qtbot: QtBot, storage: Storage, scripted_server: ScriptedServer
) -> None:
    conversation = storage.create_conversation(HOSTILE_TITLE, provider=SCRIPTED_ID)
    window = _hostile_window(qtbot, storage, scripted_server)
    model = window.history.conversation_list.conversation_model
    rows = [model.index(row, 0) for row in range(model.rowCount())]
    tips = [model.data(index, Qt.ItemDataRole.ToolTipRole) for index in rows]
    ours = [tip for tip in tips if tip and "Pay here" in tip]
    assert len(ours) == 1, tips
    document = QTextDocument()
    document.setHtml(ours[0])
    assert document.toPlainText() == HOSTILE_TITLE
    assert conversation.id
