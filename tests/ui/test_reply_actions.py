"""What each reply offers: Regenerate on any reply, Continue after it stopped early, its origin."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QPushButton, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from desktop_chat.core.chat.turns import CONTINUE_PROMPT
from desktop_chat.core.history.storage import Storage
from desktop_chat.ui.transcript.message_view import MessageView
from desktop_chat.ui.window.main_window import MainWindow
from tests.scripted_server import ScriptedServer, sse_reply
from tests.widgets import child


def _send(qtbot: QtBot, window: MainWindow, text: str) -> MessageView:
    window.composer.setPlainText(text)
    assert window.send_current()
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=10_000)
    view = window.transcript.last_view()
    assert view is not None
    return view


def _button(view: MessageView, name: str) -> QToolButton:
    return child(view, QToolButton, name)


def test_an_earlier_reply_can_be_regenerated_into_a_new_branch(
    qtbot: QtBot, window: MainWindow, storage: Storage, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(sse_reply(["first"]), sse_reply(["second"]), sse_reply(["again"]))
    earlier = _send(qtbot, window, "one")
    _send(qtbot, window, "two")
    assert _button(earlier, "regenerateButton").isVisibleTo(window)
    _button(earlier, "regenerateButton").click()
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=10_000)
    assert [m.content for m in window.transcript.messages()] == ["one", "again"]
    assert scripted_server.requests[-1].json["messages"] == [{"role": "user", "content": "one"}]
    assert earlier.message_id is not None
    assert [m.content for m in storage.siblings(earlier.message_id)] == ["first", "again"]


def test_continue_is_offered_after_stop_and_after_the_length_limit(
    qtbot: QtBot, window: MainWindow, storage: Storage, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(sse_reply(["Roses are"], finish_reason="length"), sse_reply([" red."]))
    cut = _send(qtbot, window, "poem")
    assert "length limit" in cut.note_text()
    assert _button(cut, "continueReplyButton").isVisibleTo(window)
    _button(cut, "continueReplyButton").click()
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=10_000)
    whole = window.transcript.last_view()
    assert whole is not None
    assert whole.markdown() == "Roses are red."
    assert scripted_server.requests[-1].json["messages"][-1] == {
        "role": "user",
        "content": CONTINUE_PROMPT,
    }
    assert not _button(whole, "continueReplyButton").isVisibleTo(window)  # it finished

    stopped = sse_reply(["half"], finish_reason=None, done=False, ending="stall")
    scripted_server.add(stopped)
    window.composer.setPlainText("another")
    assert window.send_current()
    qtbot.waitUntil(lambda: window.transcript.last_view().markdown() == "half")  # type: ignore[union-attr]
    window.session.stop()
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=10_000)
    view = window.transcript.last_view()
    assert view is not None
    assert view.note_text() == "Stopped."
    assert _button(view, "continueReplyButton").isVisibleTo(window)


def test_each_reply_shows_the_model_that_wrote_it(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(sse_reply(["hi"]))
    view = _send(qtbot, window, "hello")
    window.open_conversation(window.session.conversation_id or -1)
    reopened = window.transcript.last_view()
    assert reopened is not None
    assert reopened.origin_text().startswith("test-model · ")
    assert view is not reopened


def test_deleting_a_message_takes_what_follows_and_undo_puts_it_back(
    qtbot: QtBot, window: MainWindow, storage: Storage, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(sse_reply(["first"]), sse_reply(["second"]))
    _send(qtbot, window, "one")
    _send(qtbot, window, "two")
    messages = window.transcript.messages()
    second_question = messages[2]
    view = window.transcript.view_for(second_question.id)
    assert view is not None
    menu = view.context_menu()
    delete = child(menu, QAction, "deleteMessageAction")
    delete.trigger()
    assert [m.content for m in window.transcript.messages()] == ["one", "first"]
    assert child(window, QWidget, "messageUndoBar").isVisible()
    child(window, QPushButton, "undoDeleteButton").click()
    assert [m.content for m in window.transcript.messages()] == ["one", "first", "two", "second"]

    window.session.delete_message(second_question.id)
    window.session.finish_pending_delete()  # what the undo bar's timeout does
    conversation = window.session.conversation_id
    assert conversation is not None
    assert [m.content for m in storage.current_path(conversation)] == ["one", "first"]
    assert storage.get_message(second_question.id) is None
    assert not window.session.undo_delete()  # nothing left to undo
