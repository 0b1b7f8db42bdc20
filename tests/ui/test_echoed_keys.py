"""The window never shows or copies an API key that the server echoes in a reply."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from desktop_chat.ui.window.main_window import MainWindow
from tests.scripted_server import ScriptedServer, sse_reply
from tests.ui.conftest import TEST_KEY


def test_a_key_echoed_over_several_pieces_is_masked_on_screen_and_on_the_clipboard(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    pieces = ["Your key: `", TEST_KEY[:4], TEST_KEY[4:15], TEST_KEY[15:], "` is safe."]
    scripted_server.add(sse_reply(pieces, delay=0.01))
    window.composer.setPlainText("What is my key?")
    with qtbot.waitSignal(window.session.reply_finished, timeout=5000):
        window.send_button.click()
    view = window.transcript.last_view()
    assert view is not None
    assert view.markdown() == "Your key: `[API key]` is safe."
    assert TEST_KEY[:10] not in view.body.toPlainText()
    view.copy_markdown()
    assert QGuiApplication.clipboard().text() == "Your key: `[API key]` is safe."
    stored = window.storage.get_message(view.message_id or -1)
    assert stored is not None
    assert stored.content == "Your key: `[API key]` is safe."
