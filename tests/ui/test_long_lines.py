"""Huge messages: long runs show with breaks, copy without them; huge texts fold behind Show all."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from desktop_chat.core.markdown.long_runs import BREAK
from desktop_chat.ui.transcript.message_body import SHOWN_LIMIT, MessageBody
from desktop_chat.ui.transcript.message_view import MessageView


def test_the_message_view_shows_breaks_and_copies_without_them(qtbot: QtBot) -> None:
    del qtbot
    text = "Here: " + "f" * 90_000 + " done"
    finished = MessageBody()
    finished.set_markdown(text)
    streamed = MessageBody()
    streamed.begin_stream()
    for start in range(0, len(text), 997):
        streamed.append_markdown(text[start : start + 997])
    streamed.end_stream()
    for body in (finished, streamed):
        shown = body.document().toPlainText()
        assert shown.count(BREAK) == len(range(500, 90_000, 100))
        assert shown.replace(BREAK, "").strip() == text
        assert body.markdown() == text
        body.selectAll()
        copied = body.createMimeDataFromSelection()
        assert BREAK not in copied.text()
        assert copied.text().strip() == text


def _words(text: str) -> str:
    """``text`` with its spacing made even (Markdown joins lines of a paragraph)."""
    return " ".join(text.split())


def _folded(view: MessageView) -> bool:
    return view.body.folded


def _huge(lines: int) -> str:
    return "".join(f"Line {n}: some words of a very long message.\n" for n in range(lines))


def test_a_huge_message_shows_its_start_until_show_all(qtbot: QtBot) -> None:
    text = _huge(60_000)  # about 2.6 MB
    view = MessageView("assistant", 1)
    qtbot.addWidget(view)
    view.show()
    view.set_content(text)
    button = view.findChild(QPushButton, "showAllButton")
    assert button is not None
    assert view.body.folded
    assert not button.isHidden()
    assert f"{len(text):,}" in button.text()
    shown = view.body.document().toPlainText()
    assert len(shown) <= SHOWN_LIMIT
    assert _words(text).startswith(_words(shown))
    assert view.markdown() == text  # Copy and exports take the whole message

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not _folded(view)
    assert button.isHidden()
    assert _words(view.body.document().toPlainText()) == _words(text)


def test_a_huge_stream_stops_growing_the_view_and_keeps_the_text(qtbot: QtBot) -> None:
    text = _huge(6_000)  # about 260 KB, in pieces
    view = MessageView("assistant", 1)
    qtbot.addWidget(view)
    view.body.begin_stream()
    for start in range(0, len(text), 4093):
        view.body.append_markdown(text[start : start + 4093])
    view.body.end_stream()
    assert view.body.folded
    assert view.markdown() == text
    assert len(view.body.document().toPlainText()) <= SHOWN_LIMIT
    button = view.findChild(QPushButton, "showAllButton")
    assert button is not None
    assert f"{len(text):,}" in button.text()
    view.body.show_all()
    assert _words(view.body.document().toPlainText()) == _words(text)


def test_a_short_message_is_never_folded(qtbot: QtBot) -> None:
    view = MessageView("user", 1)
    qtbot.addWidget(view)
    view.set_content("Hello")
    assert not view.body.folded
    button = view.findChild(QPushButton, "showAllButton")
    assert button is not None
    assert button.isHidden()


def test_a_long_code_line_wraps_inside_its_block_and_its_copy_link_stays_in_sight(
    qtbot: QtBot,
) -> None:
    view = MessageView("assistant", 1)
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.show()
    line = "values = [" + ", ".join(f"item_{i}" for i in range(120)) + "]"
    view.set_content(f"Code:\n\n```python\n{line}\n```\n")
    body = view.body
    qtbot.waitUntil(lambda: body.width() > 0)
    # Nothing wider than the message: the whole line is there, on several lines.
    assert body.document().idealWidth() <= body.viewport().width()
    assert line in body.document().toPlainText().replace("\u2028", "")
    anchor = body.document().find("Copy")
    assert not anchor.isNull()
    rect = body.cursorRect(anchor)
    assert 0 <= rect.right() <= body.viewport().width()
