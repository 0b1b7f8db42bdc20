"""The composer: which key sends, growth with the text, a draft per conversation."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop_chat.ui.window.composer import Composer
from desktop_chat.ui.window.main_window import MainWindow
from tests.scripted_server import ScriptedServer, sse_reply


def _composer(qtbot: QtBot, send_key: str = "enter") -> tuple[Composer, list[bool]]:
    composer = Composer()
    composer.set_send_key(send_key)
    qtbot.addWidget(composer)
    composer.resize(400, 40)
    composer.show()
    sent: list[bool] = []
    composer.send_requested.connect(lambda: sent.append(True))
    return composer, sent


def test_enter_sends_and_shift_enter_adds_a_line(qtbot: QtBot) -> None:
    composer, sent = _composer(qtbot)
    qtbot.keyClicks(composer, "one")
    qtbot.keyClick(composer, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(composer, "two")
    assert composer.toPlainText() == "one\ntwo"
    assert sent == []
    qtbot.keyClick(composer, Qt.Key.Key_Return)
    assert sent == [True]
    qtbot.keyClick(composer, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert sent == [True, True]


def test_ctrl_enter_mode(qtbot: QtBot) -> None:
    composer, sent = _composer(qtbot, "ctrl+enter")
    qtbot.keyClicks(composer, "a")
    qtbot.keyClick(composer, Qt.Key.Key_Return)
    qtbot.keyClicks(composer, "b")
    assert composer.toPlainText() == "a\nb"
    assert sent == []
    qtbot.keyClick(composer, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert sent == [True]
    assert "Ctrl+Enter" in composer.placeholderText()


def test_escape_asks_to_stop(qtbot: QtBot) -> None:
    composer, _ = _composer(qtbot)
    with qtbot.waitSignal(composer.stop_requested, timeout=500):
        qtbot.keyClick(composer, Qt.Key.Key_Escape)


def test_grows_with_its_text_up_to_a_limit(qtbot: QtBot) -> None:
    composer, _ = _composer(qtbot)
    one_line = composer.height()
    composer.setPlainText("a\nb\nc")
    three_lines = composer.height()
    assert three_lines > one_line
    composer.setPlainText("\n".join("x" * 3 for _ in range(50)))
    capped = composer.height()
    assert three_lines < capped < 20 * composer.fontMetrics().lineSpacing()
    composer.clear()
    assert composer.height() == one_line


def test_draft_is_kept_per_conversation(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(sse_reply(["A"]), sse_reply(["B"]))
    for text in ("first chat", "second chat"):
        window.new_chat()
        window.composer.setPlainText(text)
        window.send_current()
        qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=5000)
    first, second = window.conversation_list.ids()[::-1]
    window.open_conversation(first)
    window.composer.setPlainText("draft for first")
    window.open_conversation(second)
    assert window.composer.toPlainText() == ""
    window.composer.setPlainText("draft for second")
    window.open_conversation(first)
    assert window.composer.toPlainText() == "draft for first"
    window.new_chat()
    assert window.composer.toPlainText() == ""
    stored = window.storage.get_conversation(second)
    assert stored is not None
    assert stored.draft == "draft for second"


def test_new_chat_shortcut_is_the_standard_key(window: MainWindow) -> None:
    from PySide6.QtGui import QKeySequence

    assert window.new_chat_action.shortcut() == QKeySequence(QKeySequence.StandardKey.New)


def test_object_and_accessible_names(window: MainWindow) -> None:
    from PySide6.QtWidgets import QWidget

    for name in (
        "conversationList",
        "transcript",
        "composer",
        "sendButton",
        "stopButton",
        "modelPicker",
        "settingsButton",
    ):
        widget = window.findChild(QWidget, name)
        assert widget is not None, name
        assert widget.accessibleName(), name
