"""Versions of a message: the ``< 2/3 >`` switcher, switching branches, and sending on from the
branch shown."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop_chat.core.history.storage import Storage
from desktop_chat.ui.transcript.branch_switcher import BranchSwitcher
from desktop_chat.ui.window.main_window import MainWindow
from tests.scripted_server import ScriptedServer, sse_reply


def _switcher(window: MainWindow, message_id: int) -> BranchSwitcher:
    view = window.transcript.view_for(message_id)
    assert view is not None
    switcher = view.findChild(BranchSwitcher, "branchSwitcher")
    assert switcher is not None
    return switcher


def test_switcher_steps_between_replies_and_sending_continues_there(
    qtbot: QtBot, window: MainWindow, storage: Storage, scripted_server: ScriptedServer
) -> None:
    conversation = storage.create_conversation(title="Versions")
    user = storage.add_message(conversation.id, None, "user", "pick a colour")
    first = storage.add_message(conversation.id, user.id, "assistant", "red")
    storage.add_message(conversation.id, first.id, "user", "why red?")
    second = storage.add_sibling(first.id, "blue")
    third = storage.add_sibling(first.id, "green")
    window.refresh_conversations()
    window.open_conversation(conversation.id)
    assert [m.content for m in window.transcript.messages()] == ["pick a colour", "green"]
    switcher = _switcher(window, third.id)
    assert not switcher.isHidden()
    assert switcher.text() == "3/3"
    assert not switcher.next_button.isEnabled()
    assert window.transcript.view_for(user.id).findChild(BranchSwitcher) is None  # type: ignore[union-attr]

    qtbot.mouseClick(switcher.previous_button, Qt.MouseButton.LeftButton)
    assert [m.id for m in window.transcript.messages()] == [user.id, second.id]
    assert _switcher(window, second.id).text() == "2/3"
    qtbot.mouseClick(_switcher(window, second.id).previous_button, Qt.MouseButton.LeftButton)
    # The first reply's branch goes on with its own follow-up question.
    assert [m.content for m in window.transcript.messages()] == [
        "pick a colour",
        "red",
        "why red?",
    ]
    stored = storage.get_conversation(conversation.id)
    assert stored is not None
    assert stored.current_leaf_id != third.id

    qtbot.mouseClick(_switcher(window, first.id).next_button, Qt.MouseButton.LeftButton)
    assert [m.id for m in window.transcript.messages()] == [user.id, second.id]
    scripted_server.add(sse_reply(["Because."]))
    window.composer.setPlainText("why blue?")
    assert window.send_current()
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=3000)
    question = window.transcript.messages()[-2]
    assert question.content == "why blue?"
    assert question.parent_id == second.id


def test_regenerate_adds_a_version_with_a_switcher(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(sse_reply(["One."]), sse_reply(["Two."]))
    window.composer.setPlainText("count")
    assert window.send_current()
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=3000)
    original = window.transcript.messages()[-1]
    assert window.session.regenerate(original.id)
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=3000)
    latest = window.transcript.messages()[-1]
    assert latest.id != original.id
    assert _switcher(window, latest.id).text() == "2/2"
    assert window.session.switch_branch(latest.id, -1) == original.id
    assert window.transcript.messages()[-1].content == "One."


def test_editing_a_question_makes_a_version_of_it(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(sse_reply(["A."]), sse_reply(["B."]))
    window.composer.setPlainText("first wording")
    assert window.send_current()
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=3000)
    question = window.transcript.messages()[0]
    assert window.session.begin_edit(question.id) == "first wording"
    window.composer.setPlainText("second wording")
    assert window.send_current()
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=3000)
    edited = window.transcript.messages()[0]
    assert edited.content == "second wording"
    assert _switcher(window, edited.id).text() == "2/2"


def test_the_switcher_does_not_move_sideways_between_unlike_versions(
    qtbot: QtBot, window: MainWindow, storage: Storage
) -> None:
    conversation = storage.create_conversation(title="Unlike versions")
    parent = None
    for turn in range(6):  # a conversation longer than the window, as most are
        asked = storage.add_message(conversation.id, parent, "user", f"question {turn}")
        parent = storage.add_message(conversation.id, asked.id, "assistant", "answer " * 80).id
    user = storage.add_message(conversation.id, parent, "user", "say something")
    first = storage.add_message(conversation.id, user.id, "assistant", "Short.", model="m")
    storage.add_sibling(
        first.id,
        "A much longer answer that was cut off " * 20,
        model="a-model-with-a-long-name",
        status="interrupted",
    )
    window.refresh_conversations()
    window.open_conversation(conversation.id)
    qtbot.waitUntil(lambda: len(window.transcript.views()) == 14)
    places = []
    bar = window.transcript.verticalScrollBar()
    for _ in range(2):
        switcher = window.transcript.views()[-1].findChild(BranchSwitcher, "branchSwitcher")
        assert switcher is not None
        qtbot.waitUntil(switcher.isVisible)
        # Laid out: the scroll range is known and no message is being held in place.
        qtbot.waitUntil(lambda: bar.maximum() > 0 and window.transcript._anchor is None)
        places.append(
            switcher.previous_button.mapTo(window, switcher.previous_button.rect().center())
        )
        qtbot.mouseClick(switcher.previous_button, Qt.MouseButton.LeftButton)
    # Sideways it never moves; up or down it may, when the last message gets shorter than the
    # room below it (the page ends there).
    assert places[0].x() == places[1].x()


def test_stepping_a_message_mid_conversation_keeps_it_where_it_was(
    qtbot: QtBot, window: MainWindow, storage: Storage
) -> None:
    conversation = storage.create_conversation(title="Mid versions")
    earlier = None
    for turn in range(3):
        question = storage.add_message(conversation.id, earlier, "user", f"before {turn}")
        earlier = storage.add_message(conversation.id, question.id, "assistant", "y " * 300).id
    asked = storage.add_message(conversation.id, earlier, "user", "start")
    first = storage.add_message(conversation.id, asked.id, "assistant", "One. " * 60)
    second = storage.add_sibling(first.id, "Two. " * 30)
    for version in (first, second):  # each version goes on with its own long branch
        parent = version.id
        for turn in range(4):
            follow = storage.add_message(conversation.id, parent, "user", f"more {turn}")
            parent = storage.add_message(conversation.id, follow.id, "assistant", "x " * 300).id
    window.refresh_conversations()
    window.open_conversation(conversation.id)
    view = window.transcript.view_for(second.id)
    assert view is not None
    transcript = window.transcript
    bar = transcript.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > transcript._top_of(view))  # laid out
    # The user scrolled up until the message is 100 pixels below the top of the view.
    transcript.verticalScrollBar().setValue(transcript._top_of(view) - 100)
    assert transcript.viewport_top(second.id) == 100
    switcher = view.findChild(BranchSwitcher, "branchSwitcher")
    assert switcher is not None
    qtbot.mouseClick(switcher.previous_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: transcript._anchor is None)  # laid out anew, and let go
    assert transcript.viewport_top(first.id) == 100
