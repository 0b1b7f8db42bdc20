"""What each copy command puts on the real (offscreen) clipboard, and the message's context menu."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QGuiApplication, QTextCursor
from PySide6.QtWidgets import QToolButton
from pytestqt.qtbot import QtBot

from desktop_chat.core.transfer.export import RichText
from desktop_chat.ui.transcript.clipboard import CopyFormat, copy_rich_text, message_copy_text
from desktop_chat.ui.transcript.message_view import MessageView
from desktop_chat.ui.window.main_window import MainWindow
from tests.widgets import child

REPLY = (
    "Here is **bold** and a [link](https://example.org).\n\n"
    "```python\ndef first():\n    return 1\n```\n\n"
    "And `inline` then:\n\n"
    "```\nsecond()\n```\n"
)


@pytest.fixture
def reply(qtbot: QtBot) -> MessageView:
    """A finished assistant message with two code blocks."""
    view = MessageView("assistant", 12)
    qtbot.addWidget(view)
    view.set_content(REPLY)
    return view


def _clipboard_text() -> str:
    return QGuiApplication.clipboard().text()


def _clipboard_html() -> str:
    data: QMimeData | None = QGuiApplication.clipboard().mimeData()  # None when empty
    return data.html() if data is not None and data.hasHtml() else ""


def test_copy_as_markdown_is_the_source(reply: MessageView) -> None:
    reply.copy_markdown()
    assert _clipboard_text() == REPLY
    assert _clipboard_html() == ""


def test_copy_as_markdown_closes_a_cut_off_fence(qtbot: QtBot) -> None:
    view = MessageView("assistant", 3)
    qtbot.addWidget(view)
    view.set_content("Start:\n\n```python\nprint(1)\n")
    view.copy_markdown()
    assert _clipboard_text() == "Start:\n\n```python\nprint(1)\n```"


def test_copy_as_plain_text_drops_marks_and_keeps_code(reply: MessageView) -> None:
    reply.copy_plain_text()
    text = _clipboard_text()
    assert "Here is bold and a link." in text
    assert "def first():\n    return 1" in text
    assert "**" not in text
    assert "```" not in text
    assert "Copy" not in text  # the code block's header is not part of the message
    assert _clipboard_html() == ""


def test_copy_as_rich_text_puts_html_and_plain_text_together(reply: MessageView) -> None:
    reply.copy_rich_text()
    html = _clipboard_html()
    assert "<strong>bold</strong>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer">link</a>' in html
    assert '<span style="color:' in html  # code colours travel inline
    assert "copy-code:" not in html
    text = _clipboard_text()
    assert text.startswith("Here is bold and a link.")
    assert "<" not in text.split("def first")[0]


def test_hostile_reply_copies_as_safe_rich_text(qtbot: QtBot) -> None:
    view = MessageView("assistant", 4)
    qtbot.addWidget(view)
    view.set_content("<script>alert(1)</script> [x](javascript:alert(2)) ![p](http://t.example/p)")
    view.copy_rich_text()
    html = _clipboard_html()
    assert "<script" not in html
    assert "<img" not in html
    assert 'href="javascript' not in html


def test_a_users_message_is_copied_literally(qtbot: QtBot) -> None:
    view = MessageView("user", 5)
    qtbot.addWidget(view)
    typed = "Keep *these* stars\n\nand <b>this</b> & that"
    view.set_content(typed)
    view.copy_markdown()
    assert _clipboard_text() == typed
    view.copy_plain_text()
    assert _clipboard_text() == typed
    view.copy_rich_text()
    assert _clipboard_text() == typed
    assert "&lt;b&gt;this&lt;/b&gt; &amp; that" in _clipboard_html()
    assert "<em>" not in _clipboard_html()


def test_message_copy_text_formats() -> None:
    assert message_copy_text("assistant", "a *b*", CopyFormat.MARKDOWN) == "a *b*"
    assert message_copy_text("assistant", "a *b*", CopyFormat.PLAIN) == "a b"
    rich = message_copy_text("assistant", "a *b*", CopyFormat.RICH)
    assert isinstance(rich, RichText)
    assert "<em>b</em>" in rich.html
    assert rich.plain == "a b"


@pytest.mark.usefixtures("qapp")
def test_copy_rich_text_sets_both_formats() -> None:
    copy_rich_text(RichText(html="<p><b>x</b></p>", plain="x"))
    assert _clipboard_text() == "x"
    assert "<b>x</b>" in _clipboard_html()


def test_each_code_block_copies_alone(reply: MessageView) -> None:
    assert reply.copy_code_block(0)
    assert _clipboard_text() == "def first():\n    return 1"
    assert reply.copy_code_block(1)
    assert _clipboard_text() == "second()"
    QGuiApplication.clipboard().setText("untouched")
    assert not reply.copy_code_block(2)
    assert _clipboard_text() == "untouched"


def test_the_copy_link_in_a_code_block_header_copies_it(reply: MessageView) -> None:
    reply.body.anchorClicked.emit(QUrl("copy-code:1"))
    assert _clipboard_text() == "second()"


def _copy_button_text(view: MessageView) -> str:
    return child(view, QToolButton, "copyButton").text()


def test_every_copy_says_copied_for_a_moment(reply: MessageView) -> None:
    timer = child(reply, QTimer, "copiedTimer")
    assert _copy_button_text(reply) == "Copy"
    for copy in (
        reply.copy_markdown,
        reply.copy_plain_text,
        reply.copy_rich_text,
        lambda: reply.body.anchorClicked.emit(QUrl("copy-code:0")),
    ):
        copy()
        assert _copy_button_text(reply) == "Copied ✓"
        assert timer.isActive()
        timer.timeout.emit()  # the moment has passed
        assert _copy_button_text(reply) == "Copy"


def _actions(menu_owner: MessageView) -> dict[str, QAction]:
    menu = menu_owner.context_menu()
    return {action.objectName(): action for action in menu.actions() if action.objectName()}


def test_context_menu_offers_every_copy_kind(reply: MessageView) -> None:
    actions = _actions(reply)
    assert {
        "copySelectionAction",
        "copyMarkdownAction",
        "copyPlainAction",
        "copyRichAction",
        "copyCodeAction0",
        "copyCodeAction1",
    } <= set(actions)
    assert "def first():" in actions["copyCodeAction0"].text()
    assert not actions["copySelectionAction"].isEnabled()  # nothing selected yet
    actions["copyCodeAction1"].trigger()
    assert _clipboard_text() == "second()"
    actions["copyPlainAction"].trigger()
    assert "Here is bold" in _clipboard_text()
    actions["copyRichAction"].trigger()
    assert "<strong>bold</strong>" in _clipboard_html()
    actions["copyMarkdownAction"].trigger()
    assert _clipboard_text() == REPLY


def test_context_menu_copies_the_selection(reply: MessageView) -> None:
    cursor = reply.body.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.Start)
    cursor.movePosition(QTextCursor.MoveOperation.EndOfWord, QTextCursor.MoveMode.KeepAnchor)
    reply.body.setTextCursor(cursor)
    actions = _actions(reply)
    assert actions["copySelectionAction"].isEnabled()
    actions["copySelectionAction"].trigger()
    assert _clipboard_text() == "Here"
    actions["selectAllAction"].trigger()
    assert reply.body.textCursor().selectedText().startswith("Here is bold")


def test_ctrl_c_copies_the_selection(qtbot: QtBot, reply: MessageView) -> None:
    reply.show()
    reply.body.setFocus()
    cursor = reply.body.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.Start)
    cursor.movePosition(QTextCursor.MoveOperation.NextWord, QTextCursor.MoveMode.KeepAnchor, 2)
    reply.body.setTextCursor(cursor)
    QGuiApplication.clipboard().setText("before")
    qtbot.keyClick(reply.body, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert _clipboard_text() == "Here is "


def test_a_streaming_message_cannot_be_copied_from_the_menu(reply: MessageView) -> None:
    reply.set_busy(True)
    actions = _actions(reply)
    assert not actions["copyMarkdownAction"].isEnabled()
    assert not actions["copyCodeAction0"].isEnabled()
    reply.set_busy(False)
    assert _actions(reply)["copyMarkdownAction"].isEnabled()


def test_a_users_message_menu_has_no_code_entries(qtbot: QtBot) -> None:
    view = MessageView("user", 6)
    qtbot.addWidget(view)
    view.set_content("```\nnot rendered\n```")
    assert not [name for name in _actions(view) if name.startswith("copyCodeAction")]


# The offscreen platform cannot raise a popup or grab the keyboard for it; that is not ours.
@pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing the keyboard")
def test_right_click_opens_the_menu(qtbot: QtBot, reply: MessageView) -> None:
    reply.show()
    qtbot.waitExposed(reply)
    reply.body.customContextMenuRequested.emit(reply.body.rect().center())
    menu = reply.findChild(type(reply.context_menu()), "messageMenu")
    assert menu is not None
    qtbot.waitUntil(menu.isVisible, timeout=2000)
    menu.close()


def test_window_message_menu_offers_copy_conversation(window: MainWindow) -> None:
    conversation = window.storage.create_conversation("Menu test")
    first = window.storage.add_message(conversation.id, None, "user", "Hello")
    window.storage.add_message(conversation.id, first.id, "assistant", "Hi **there**")
    window.open_conversation(conversation.id)
    view = window.transcript.views()[-1]
    actions = _actions(view)
    whole = next(a for a in view.context_menu().actions() if a.text().startswith("Copy conv"))
    assert "copyConversationAction" not in actions or actions["copyConversationAction"] is whole
    whole.trigger()
    text = _clipboard_text()
    assert text.startswith("# Menu test")
    assert "## User\n\nHello" in text
    assert "## Assistant\n\nHi **there**" in text
