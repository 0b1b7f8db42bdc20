"""Sending, streaming, stopping and closing against the scripted loopback server."""

from __future__ import annotations

import json

from PySide6.QtWidgets import QToolButton
from pytestqt.qtbot import QtBot

from desktop_chat.ui.transcript.branch_switcher import BranchSwitcher
from desktop_chat.ui.window.main_window import MainWindow
from desktop_chat.ui.workers.streamer import Streamer
from tests.scripted_server import ScriptedServer, sse_reply
from tests.ui.conftest import TEST_KEY
from tests.widgets import child


def _send(qtbot: QtBot, window: MainWindow, text: str = "Hello") -> None:
    window.composer.setPlainText(text)
    window.send_button.click()
    assert window.session.is_streaming


def _wait_idle(qtbot: QtBot, window: MainWindow, timeout: int = 5000) -> None:
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=timeout)


def test_reply_streams_into_transcript_in_order(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    pieces = ["Hel", "lo, ", "**world**", "!\n\n", "```python\nprint(1)\n```"]
    usage = {"prompt_tokens": 5, "completion_tokens": 9, "total_tokens": 14}
    scripted_server.add(sse_reply(pieces, usage=usage, delay=0.01))
    window.composer.setPlainText("Hello")
    with qtbot.waitSignal(window.session.streaming_changed, timeout=2000):
        window.send_button.click()
    streamer = window.session.streamer
    assert isinstance(streamer, Streamer)
    with qtbot.waitSignal(window.session.reply_finished, timeout=5000) as finished:
        pass
    view = window.transcript.last_view()
    assert view is not None
    assert view.role == "assistant"
    assert view.markdown() == "".join(pieces)
    assert streamer.outcome is not None
    assert streamer.outcome.deltas == len(pieces)
    assert "print(1)" in view.body.toPlainText()
    assert window.composer.toPlainText() == ""
    assert window.send_button.isVisible()
    assert not window.stop_button.isVisible()
    stats = finished.args[0]
    assert stats.usage.total_tokens == 14
    assert "14 tokens" in window.reply_status.text()
    assert "first token" in window.reply_status.text()
    stored = window.storage.get_message(view.message_id or -1)
    assert stored is not None
    assert stored.content == "".join(pieces)
    assert stored.status == "complete"
    request = scripted_server.requests[-1]
    assert request.json["messages"][-1] == {"role": "user", "content": "Hello"}
    assert request.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert window.conversation_list.count() == 1
    assert window.conversation_list.item(0).text() == "Hello"


def test_stop_keeps_the_partial_text(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    reply = sse_reply(["Partial ", "answer"], finish_reason=None, done=False, ending="stall")
    scripted_server.add(reply)
    _send(qtbot, window)
    qtbot.waitUntil(lambda: window.transcript.last_view().markdown() == "Partial answer")  # type: ignore[union-attr]
    assert window.stop_button.isVisible()
    window.stop_button.click()
    _wait_idle(qtbot, window, 10_000)
    view = window.transcript.last_view()
    assert view is not None
    assert view.markdown() == "Partial answer"
    assert not view.error_text()
    stored = window.storage.get_message(view.message_id or -1)
    assert stored is not None
    assert stored.content == "Partial answer"
    assert stored.status == "interrupted"
    assert stored.finish_reason == "cancelled"


def _assert_stopped_with(window: MainWindow, text: str) -> None:
    """The reply was stopped by the user: its text kept on screen and saved as interrupted."""
    view = window.transcript.last_view()
    assert view is not None
    assert view.markdown() == text
    stored = window.storage.get_message(view.message_id or -1)
    assert stored is not None
    assert (stored.content, stored.status, stored.finish_reason) == (
        text,
        "interrupted",
        "cancelled",
    )


def test_escape_in_the_composer_stops(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    from PySide6.QtCore import Qt

    scripted_server.add(sse_reply(["x"], finish_reason=None, done=False, ending="stall"))
    _send(qtbot, window)
    qtbot.waitUntil(lambda: window.transcript.last_view().markdown() == "x")  # type: ignore[union-attr]
    qtbot.keyClick(window.composer, Qt.Key.Key_Escape)
    _wait_idle(qtbot, window, 10_000)
    _assert_stopped_with(window, "x")


def test_closing_mid_stream_stops_the_thread(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(
        sse_reply(["Still ", "going"], finish_reason=None, done=False, ending="stall")
    )
    _send(qtbot, window)
    streamer = window.session.streamer
    assert streamer is not None
    qtbot.waitUntil(lambda: window.transcript.last_view().markdown() == "Still going")  # type: ignore[union-attr]
    window.close()
    # The window never waits for the thread: it closes when the stopped reply has ended.
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
    assert not window.session.threads_running


def test_regenerate_replaces_the_last_reply(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(sse_reply(["First"]), sse_reply(["Second"]))
    _send(qtbot, window)
    _wait_idle(qtbot, window)
    first = window.transcript.last_view()
    assert first is not None
    regenerate = child(first, QToolButton, "regenerateButton")
    assert regenerate.isVisibleTo(window)  # offered once the reply has ended
    regenerate.click()
    _wait_idle(qtbot, window)
    views = window.transcript.views()
    assert [v.markdown() for v in views] == ["Hello", "Second"]
    assert child(views[-1], QToolButton, "regenerateButton").isVisibleTo(window)
    assert not child(views[0], QToolButton, "regenerateButton").isVisibleTo(window)
    body = scripted_server.requests[-1].json
    assert [m["content"] for m in body["messages"]] == ["Hello"]


def test_edit_and_resend_branches_from_the_user_message(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(sse_reply(["One"]), sse_reply(["Two"]))
    _send(qtbot, window, "Original")
    _wait_idle(qtbot, window)
    user_view = window.transcript.views()[0]
    child(user_view, QToolButton, "editButton").click()
    assert window.composer.toPlainText() == "Original"
    window.composer.setPlainText("Edited")
    window.send_button.click()
    _wait_idle(qtbot, window)
    views = window.transcript.views()
    assert [v.markdown() for v in views] == ["Edited", "Two"]
    assert json.loads(scripted_server.requests[-1].body)["messages"][-1]["content"] == "Edited"
    edited = views[0].message_id
    assert edited is not None
    versions = window.storage.siblings(edited)
    assert [m.content for m in versions] == ["Original", "Edited"]
    assert len(window.storage.siblings(versions[0].id)) == 2  # the first reply stays, a branch
    switcher = views[0].findChild(BranchSwitcher, "branchSwitcher")
    assert switcher is not None
    assert switcher.isVisibleTo(window)
    assert switcher.text() == "2/2"


def test_escape_anywhere_in_the_window_stops(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    from PySide6.QtCore import Qt

    scripted_server.add(sse_reply(["y"], finish_reason=None, done=False, ending="stall"))
    _send(qtbot, window)
    qtbot.waitUntil(lambda: window.transcript.last_view().markdown() == "y")  # type: ignore[union-attr]
    window.transcript.setFocus()
    qtbot.keyClick(window.transcript, Qt.Key.Key_Escape)
    _wait_idle(qtbot, window, 10_000)
    _assert_stopped_with(window, "y")


def test_regenerate_then_stop_again_and_again_leaves_no_empty_versions(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(sse_reply(["The answer"]))
    _send(qtbot, window)
    _wait_idle(qtbot, window)
    for _ in range(3):
        scripted_server.add(sse_reply([], finish_reason=None, done=False, ending="stall"))
        last = window.transcript.last_view()
        assert last is not None
        child(last, QToolButton, "regenerateButton").click()
        assert window.session.is_streaming
        window.stop_button.click()  # before any text arrived
        _wait_idle(qtbot, window, 10_000)
    views = window.transcript.views()
    assert [view.markdown() for view in views] == ["Hello", "The answer"]
    answer = window.storage.get_message(views[-1].message_id or -1)
    assert answer is not None
    assert [m.content for m in window.storage.siblings(answer.id)] == ["The answer"]


def test_a_first_reply_stopped_before_any_text_stays_as_stopped(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(sse_reply([], finish_reason=None, done=False, ending="stall"))
    _send(qtbot, window)
    window.stop_button.click()
    _wait_idle(qtbot, window, 10_000)
    _assert_stopped_with(window, "")
