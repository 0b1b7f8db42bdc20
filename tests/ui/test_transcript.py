"""The transcript: lazy widgets for long conversations, following the stream, safe rendering."""

from __future__ import annotations

import gc
import re
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QGuiApplication, QTextDocument
from PySide6.QtWidgets import QLabel, QPushButton, QToolButton
from pytestqt.qtbot import QtBot

from desktop_chat.core.client.demo_server import demo_reply, split_into_deltas
from desktop_chat.core.history.models import Message
from desktop_chat.core.markdown.render import LARGE_BLOCK_CHARS
from desktop_chat.ui.transcript.message_body import MessageBody
from desktop_chat.ui.transcript.message_view import MessageView
from desktop_chat.ui.transcript.transcript import (
    COLLECT_AFTER_OPENING,
    FIRST_PAGE_SIZE,
    PAGE_SIZE,
    Transcript,
)
from tests.widgets import child


def _messages(count: int) -> list[Message]:
    return [
        Message(
            id=i + 1,
            conversation_id=1,
            parent_id=i or None,
            role="user" if i % 2 == 0 else "assistant",
            content=f"Message **{i}**\n\n- a point\n- another\n\n```py\nx = {i}\n```",
        )
        for i in range(count)
    ]


def _transcript(qtbot: QtBot) -> Transcript:
    transcript = Transcript()
    qtbot.addWidget(transcript)
    transcript.resize(700, 500)
    transcript.show()
    return transcript


def test_long_conversation_opens_with_lazy_widgets(qtbot: QtBot) -> None:
    transcript = _transcript(qtbot)
    transcript.set_messages(_messages(2000))
    bar = transcript.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum(), timeout=10_000)
    assert len(transcript.views()) == FIRST_PAGE_SIZE
    assert transcript.hidden_count() == 2000 - FIRST_PAGE_SIZE
    assert len(transcript.messages()) == 2000


@pytest.fixture
def full_collections() -> Iterator[list[int]]:
    """Counts the garbage collector's full passes (generation 2) while the test runs."""
    passes: list[int] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and info["generation"] == 2:
            passes.append(1)

    gc.callbacks.append(watch)
    yield passes
    gc.callbacks.remove(watch)


def test_opening_a_long_conversation_collects_garbage_once_the_view_is_quiet(
    qtbot: QtBot, full_collections: list[int]
) -> None:
    # A full pass over a long conversation's objects takes tens of milliseconds: better while
    # the user reads than in the middle of the next streamed reply.
    transcript = _transcript(qtbot)
    transcript.set_messages(_messages(COLLECT_AFTER_OPENING - 1))
    timer = transcript.findChild(QTimer, "collectTimer")
    assert timer is not None
    assert not timer.isActive()
    transcript.set_messages(_messages(COLLECT_AFTER_OPENING))
    assert timer.isActive()
    full_collections.clear()
    qtbot.waitUntil(lambda: not timer.isActive(), timeout=10_000)
    assert full_collections


def test_scrolling_to_the_top_adds_earlier_messages_and_keeps_the_place(qtbot: QtBot) -> None:
    transcript = _transcript(qtbot)
    transcript.set_messages(_messages(120))
    bar = transcript.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum(), timeout=2000)
    first_shown = transcript.views()[0]
    transcript.verticalScrollBar().setValue(0)
    qtbot.waitUntil(lambda: len(transcript.views()) == FIRST_PAGE_SIZE + PAGE_SIZE, timeout=2000)
    QGuiApplication.processEvents()
    # The message that was at the top is still on screen, not thrown far away.
    canvas = transcript.widget()
    assert canvas is not None
    top = first_shown.mapTo(canvas, first_shown.rect().topLeft()).y()
    value = transcript.verticalScrollBar().value()
    assert abs(top - value) < transcript.viewport().height()
    qtbot.wait(300)  # the place is held while the new page settles
    transcript.verticalScrollBar().setValue(0)
    qtbot.waitUntil(lambda: len(transcript.views()) == 120, timeout=2000)


def _following(transcript: Transcript) -> bool:
    return transcript.following


def test_follows_the_stream_unless_scrolled_up(qtbot: QtBot) -> None:
    transcript = _transcript(qtbot)
    transcript.set_messages(_messages(20))
    bar = transcript.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum(), timeout=2000)
    assert transcript.following
    view = transcript.last_view()
    assert view is not None
    view.body.begin_stream()
    view.body.append_markdown("line\n\n" * 30)
    QGuiApplication.processEvents()
    assert bar.value() == bar.maximum()
    bar.setValue(bar.maximum() // 2)
    assert _following(transcript) is False
    jump = child(transcript, QPushButton, "jumpToLatestButton")
    assert not jump.isHidden()
    # It has a strip of its own under the text: no message text lies beneath it.
    assert jump.geometry().top() >= transcript.viewport().geometry().bottom()
    view.body.append_markdown("more\n\n" * 30)
    QGuiApplication.processEvents()
    assert bar.value() < bar.maximum()
    child(transcript, QPushButton, "jumpToLatestButton").click()
    QGuiApplication.processEvents()
    assert transcript.following
    assert bar.value() == bar.maximum()
    assert jump.isHidden()
    assert transcript.viewportMargins().bottom() == 0  # the strip goes with it


def test_a_grown_reply_is_laid_out_and_followed_before_the_next_paint(qtbot: QtBot) -> None:
    transcript = _transcript(qtbot)
    transcript.set_messages(_messages(20))
    bar = transcript.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum(), timeout=2000)
    view = transcript.last_view()
    assert view is not None
    view.body.begin_stream()
    QGuiApplication.processEvents()
    before = bar.maximum()
    view.body.append_markdown("line\n\n" * 30)
    transcript.settle()  # no event is processed: nothing is painted in between
    canvas = transcript.widget()
    assert canvas is not None
    bottom = view.body.mapTo(canvas, view.body.rect().bottomLeft()).y()
    assert bar.maximum() > before
    assert bar.value() == bar.maximum()
    # the grown reply's end is in view already
    assert bar.value() <= bottom <= bar.value() + transcript.viewport().height()


def _blocks(document: QTextDocument) -> list[tuple[str, float, float, bool]]:
    out = []
    block = document.begin()
    while block.isValid():
        fmt = block.blockFormat()
        out.append(
            (block.text().rstrip(), fmt.leftMargin(), fmt.topMargin(), block.textList() is not None)
        )
        block = block.next()
    return out


def test_streamed_rendering_matches_the_finished_rendering(qtbot: QtBot) -> None:
    text = demo_reply("Show me a table and a list") + (
        "\n\n1. one\n2. two\n\n> quoted\n> more\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nend"
    )
    whole = MessageBody()
    whole.set_markdown(text)
    streamed = MessageBody()
    streamed.begin_stream()
    for delta in split_into_deltas(text):
        streamed.append_markdown(delta)
    streamed.end_stream()
    qtbot.addWidget(whole)
    qtbot.addWidget(streamed)
    assert streamed.markdown() == text
    assert _blocks(streamed.document()) == _blocks(whole.document())


def _runs(document: QTextDocument) -> list[tuple[str, bool, bool, str, float]]:
    """Each block's text runs with what formats them: bold, italic, font family and size."""
    out = []
    block = document.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            fmt = fragment.charFormat()
            out.append(
                (
                    fragment.text(),
                    fmt.fontWeight() > 500,
                    fmt.fontItalic(),
                    ",".join(fmt.fontFamilies() or []),
                    fmt.fontPointSize(),
                )
            )
            it += 1
        block = block.next()
    return out


def test_words_typed_at_the_end_of_a_paragraph_show_as_a_fresh_rendering_does(
    qtbot: QtBot,
) -> None:
    # Frames that only add plain words to the open paragraph type them at its end; after every
    # frame the document is what rendering the text so far from scratch gives.
    text = (
        "Plain words come first, then **bold** and more words, an `inline` bit, a "
        "[link](https://example.com) and words after it.\n\nA second paragraph with "
        "*emphasis* in the middle and plain words to its end.\n\n- a list item\n\nlast words"
    )
    streamed = MessageBody()
    qtbot.addWidget(streamed)
    streamed.begin_stream()
    shown = ""
    for word in re.findall(r"\S+\s*", text):
        streamed.append_markdown(word)
        shown += word
        fresh = MessageBody()
        fresh.begin_stream(shown)
        assert _runs(streamed.document()) == _runs(fresh.document()), shown
        assert _blocks(streamed.document()) == _blocks(fresh.document()), shown
        fresh.deleteLater()


def test_a_long_code_block_streams_without_losing_text_and_ends_highlighted(
    qtbot: QtBot,
) -> None:
    code = "".join(f"    value_{n} = compute({n})  # step {n}\n" for n in range(300))
    text = f"Code:\n\n```python\ndef main():\n{code}```\n\nDone."
    assert len(text) > 4 * LARGE_BLOCK_CHARS
    streamed = MessageBody()
    qtbot.addWidget(streamed)
    streamed.begin_stream()
    raw_tails = 0
    for start in range(0, len(text), 40):
        received = text[: start + 40]
        streamed.append_markdown(text[start : start + 40])
        shown = streamed.document().toPlainText()
        last_line = received.rsplit("\n", 1)[-1].strip()
        assert not last_line or last_line in shown  # the newest text is on screen at once
        raw_tails += streamed._tail_text_start is not None
    assert raw_tails > 0  # the long block was shown raw between re-parses
    streamed.end_stream()
    whole = MessageBody()
    qtbot.addWidget(whole)
    whole.set_markdown(text)
    assert _blocks(streamed.document()) == _blocks(whole.document())
    assert streamed.document().toHtml().count("color:") > 100  # highlighted at the end


def test_no_remote_resource_is_loaded_and_links_wait_for_a_click(qtbot: QtBot) -> None:
    body = MessageBody()
    qtbot.addWidget(body)
    body.set_markdown("![tracker](https://example.com/pixel.png) [site](https://example.com)")
    assert body.loadResource(2, QUrl("https://example.com/pixel.png")) is None
    assert not body.openLinks()
    assert not body.openExternalLinks()


def test_copy_code_link_copies_that_block(qtbot: QtBot) -> None:
    body = MessageBody()
    qtbot.addWidget(body)
    body.set_markdown("```\nfirst()\n```\n\ntext\n\n```python\nsecond()\n```")
    with qtbot.waitSignal(body.code_copied, timeout=500):
        body.anchorClicked.emit(QUrl("copy-code:1"))
    assert QGuiApplication.clipboard().text() == "second()"


def test_copy_actions(qtbot: QtBot) -> None:
    view = MessageView("assistant", 1)
    qtbot.addWidget(view)
    view.set_content("Some **bold** text")
    view.copy_markdown()
    assert QGuiApplication.clipboard().text() == "Some **bold** text"
    view.copy_plain_text()
    assert QGuiApplication.clipboard().text().strip() == "Some bold text"


def test_reasoning_shows_in_a_collapsed_thinking_block(qtbot: QtBot) -> None:
    view = MessageView("assistant", 1)
    qtbot.addWidget(view)
    view.show()
    view.append_reasoning("Let me think")
    view.append_reasoning(" carefully.")
    assert not child(view, QToolButton, "thinkingToggle").isHidden()
    assert child(view, QLabel, "thinkingText").isHidden()
    child(view, QToolButton, "thinkingToggle").click()
    assert not child(view, QLabel, "thinkingText").isHidden()
    assert child(view, QLabel, "thinkingText").text() == "Let me think carefully."


def test_user_text_is_shown_literally(qtbot: QtBot) -> None:
    view = MessageView("user", 1)
    qtbot.addWidget(view)
    view.set_content("<b>not bold</b> *not italic*")
    assert view.body.toPlainText() == "<b>not bold</b> *not italic*"


def test_a_short_page_that_does_not_fill_the_view_loads_more(qtbot: QtBot) -> None:
    transcript = _transcript(qtbot)
    transcript.resize(700, 4000)
    messages = [
        Message(id=i + 1, conversation_id=1, parent_id=i or None, role="user", content="hi")
        for i in range(60)
    ]
    transcript.set_messages(messages)
    qtbot.waitUntil(lambda: len(transcript.views()) == 60, timeout=2000)


def test_delta_cost_does_not_grow_with_the_reply(qtbot: QtBot) -> None:
    transcript = _transcript(qtbot)
    transcript.resize(900, 700)
    view = transcript.append_message(
        Message(id=1, conversation_id=1, parent_id=None, role="assistant")
    )
    view.body.begin_stream()
    sentence = "Words in a streamed sentence, with `code` and **bold** text. "
    costs: list[float] = []
    for index in range(1200):
        started = time.perf_counter()
        view.body.append_markdown("\n\n" if index % 8 == 0 else sentence)
        costs.append(time.perf_counter() - started)
        if index % 50 == 0:
            QGuiApplication.processEvents()
    early = sorted(costs[100:300])[100]  # medians resist scheduling noise
    late = sorted(costs[-200:])[100]
    assert late < 3 * early + 0.0005


def test_the_model_and_time_show_whole_when_there_is_room(qtbot: QtBot) -> None:
    view = MessageView("assistant", 1)
    qtbot.addWidget(view)
    view.set_origin("a-model-with-a-long-name", 1_700_000_000.0)
    view.resize(900, 200)
    view.show()
    origin = child(view, QLabel, "messageOrigin")
    qtbot.waitUntil(lambda: origin.width() > 0)
    assert origin.width() >= origin.sizeHint().width()
