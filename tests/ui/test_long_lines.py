"""A message with a very long unbreakable run shows with breaks and copies without them."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop_chat.core.markdown.long_runs import BREAK
from desktop_chat.ui.transcript.message_body import MessageBody


def test_the_message_view_shows_breaks_and_copies_without_them(qtbot: QtBot) -> None:
    del qtbot
    text = "Here: " + "f" * 250_000 + " done"
    finished = MessageBody()
    finished.set_markdown(text)
    streamed = MessageBody()
    streamed.begin_stream()
    for start in range(0, len(text), 997):
        streamed.append_markdown(text[start : start + 997])
    streamed.end_stream()
    for body in (finished, streamed):
        shown = body.document().toPlainText()
        assert shown.count(BREAK) == len(range(500, 250_000, 100))
        assert shown.replace(BREAK, "").strip() == text
        assert body.markdown() == text
        body.selectAll()
        copied = body.createMimeDataFromSelection()
        assert BREAK not in copied.text()
        assert copied.text().strip() == text
