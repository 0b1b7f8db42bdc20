"""Search everywhere (Ctrl+K, the box above the list) and find in the open conversation
(Ctrl+F)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desktop_chat.core.history.models import SearchHit
from desktop_chat.core.history.storage import Storage
from desktop_chat.ui.common.flash import Flash
from desktop_chat.ui.history.search_panel import hit_html, snippet_html
from desktop_chat.ui.transcript.transcript import PAGE_SIZE
from desktop_chat.ui.window.main_window import MainWindow
from tests.widgets import child


def _long_conversation(storage: Storage, title: str, pairs: int) -> list[int]:
    conversation = storage.create_conversation(title=title)
    parent: int | None = None
    ids: list[int] = []
    for number in range(pairs):
        word = "zeppelin" if number == 1 else "ordinary"
        user = storage.add_message(conversation.id, parent, "user", f"question {number} {word}")
        reply = storage.add_message(conversation.id, user.id, "assistant", f"answer {number}")
        ids += [user.id, reply.id]
        parent = reply.id
    return ids


def test_snippet_markup_is_escaped_and_matches_are_bold() -> None:
    assert snippet_html("a <b>tag</b> and \x02match\x03 & more") == (
        "a &lt;b&gt;tag&lt;/b&gt; and <b>match</b> &amp; more"
    )
    hit = SearchHit(1, 2, "Ti<t>le", "x \x02y\x03", role="user")
    assert "Ti&lt;t&gt;le" in hit_html(hit, "New chat")
    assert "<b>y</b>" in hit_html(hit, "New chat")


def test_ctrl_k_searches_everything_and_opens_the_message(
    qtbot: QtBot, window: MainWindow, storage: Storage
) -> None:
    ids = _long_conversation(storage, "Airships", PAGE_SIZE)  # 100 messages: two pages
    storage.create_conversation(title="Unrelated")
    window.refresh_conversations()
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert window.history.search_field.hasFocus()
    qtbot.keyClicks(window.history.search_field, "zeppel")
    results = window.history.results
    qtbot.waitUntil(lambda: results.hit_count() == 1, timeout=2000)
    assert window.history.is_searching()
    assert "<b>zeppelin</b>" in results.hit_html(0)
    results.choose(0)
    target = ids[2]  # "question 1 zeppelin": not in the newest page
    assert window.session.conversation_id is not None
    view = window.transcript.view_for(target)
    assert view is not None
    assert view.findChild(Flash) is not None
    window.history.search_field.clear()
    qtbot.waitUntil(lambda: not window.history.is_searching(), timeout=2000)


def test_search_result_switches_to_the_branch_holding_it(
    qtbot: QtBot, window: MainWindow, storage: Storage
) -> None:
    conversation = storage.create_conversation(title="Branchy")
    user = storage.add_message(conversation.id, None, "user", "tell me")
    hidden = storage.add_message(conversation.id, user.id, "assistant", "the platypus answer")
    storage.add_sibling(hidden.id, "the plain answer")
    window.refresh_conversations()
    window.history.search_field.setText("platypus")
    window.history.run_search()
    assert window.history.results.hit_count() == 1
    window.history.results.choose(0)
    assert [m.id for m in window.transcript.messages()] == [user.id, hidden.id]
    qtbot.wait(10)


def test_no_results_says_so(window: MainWindow) -> None:
    window.history.search_field.setText("nothingmatchesthis")
    window.history.run_search()
    assert window.history.results.hit_count() == 0
    assert child(window.history, QLabel, "noResults").isVisibleTo(window.history)


def test_ctrl_f_finds_in_the_open_conversation(
    qtbot: QtBot, window: MainWindow, storage: Storage
) -> None:
    ids = _long_conversation(storage, "Long", PAGE_SIZE)
    window.refresh_conversations()
    window.open_conversation(storage.list_conversations()[0].id)
    assert window.transcript.view_for(ids[2]) is None  # not created yet
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    bar = window.find_bar
    assert bar.isVisible()
    assert bar.field.hasFocus()
    qtbot.keyClicks(bar.field, "question 1")
    # "question 1", "question 10" ... "question 19": eleven matches.
    qtbot.waitUntil(lambda: len(bar.matches) == 11, timeout=2000)
    assert bar.count_label.text() == "1 of 11"
    view = window.transcript.view_for(ids[2])
    assert view is not None
    assert view.body.extraSelections()
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    assert bar.count_label.text() == "2 of 11"
    qtbot.keyClick(bar.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(bar.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert bar.count_label.text() == "11 of 11"
    qtbot.keyClick(bar.field, Qt.Key.Key_Escape)
    assert not bar.isVisible()
    assert not view.body.extraSelections()


def test_find_with_no_match(qtbot: QtBot, window: MainWindow, storage: Storage) -> None:
    _long_conversation(storage, "Short", 2)
    window.refresh_conversations()
    window.open_conversation(storage.list_conversations()[0].id)
    window.find_bar.open_bar()
    window.find_bar.field.setText("absent")
    window.find_bar.refresh()
    assert window.find_bar.count_label.text() == "No matches"
    assert not window.find_bar.next_button.isEnabled()
    qtbot.wait(10)


def test_find_highlights_every_match_not_only_the_current_one(
    qtbot: QtBot, window: MainWindow, storage: Storage
) -> None:
    conversation = storage.create_conversation(title="Fruit")
    question = storage.add_message(conversation.id, None, "user", "apple or pear?")
    storage.add_message(conversation.id, question.id, "assistant", "An apple, then an apple pie.")
    window.refresh_conversations()
    window.open_conversation(conversation.id)
    window.find_bar.open_bar()
    qtbot.keyClicks(window.find_bar.field, "apple")
    qtbot.waitUntil(lambda: len(window.find_bar.matches) == 3, timeout=2000)
    user_view, reply_view = window.transcript.views()
    backgrounds = [
        s.format.background().color().name()
        for view in (user_view, reply_view)
        for s in view.body.extraSelections()
    ]
    assert len(backgrounds) == 3
    assert len(set(backgrounds)) == 2  # the current match stands out from the others
    qtbot.keyClick(window.find_bar.field, Qt.Key.Key_Return)
    assert len(reply_view.body.extraSelections()) == 2  # still every match, one current


def test_a_hit_in_another_version_says_which_version() -> None:
    hit = SearchHit(3, 9, "Colours", "\x02crimson\x03 red", "assistant", 0.0, (1, 3))
    assert hit_html(hit, "New chat") == (
        "<div><small>Colours · version 1 of 3</small></div><div><b>crimson</b> red</div>"
    )
