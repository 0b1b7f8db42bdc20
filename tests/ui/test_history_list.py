"""The conversation list: grouping by date, pinning, renaming in place, delete with undo, drafts
and the provider and model each conversation remembers."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import date, datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from desktop_chat.core.config.paths import database_path
from desktop_chat.core.config.providers import ProviderConfig
from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.history.storage import Storage
from desktop_chat.ui.history.conversation_list import ConversationList
from desktop_chat.ui.history.history_sidebar import HistorySidebar
from desktop_chat.ui.window.main_window import MainWindow
from tests.scripted_server import ScriptedServer, json_reply, sse_reply
from tests.ui.conftest import scripted_settings

TODAY = date(2026, 11, 28)


def _at(year: int, month: int, day: int, hour: int = 12) -> float:
    return datetime(year, month, day, hour).timestamp()


def _add(storage: Storage, title: str, updated_at: float, pinned: bool = False) -> int:
    conversation = storage.create_conversation(title=title)
    storage.update_conversation(conversation.id, updated_at=updated_at, pinned=pinned)
    return conversation.id


def _fixed_list(qtbot: QtBot, storage: Storage) -> ConversationList:
    view = ConversationList(storage, today=lambda: TODAY)
    qtbot.addWidget(view)
    view.resize(240, 600)
    view.reload(None)
    return view


def test_conversations_are_grouped_newest_first(qtbot: QtBot, storage: Storage) -> None:
    _add(storage, "October talk", _at(2026, 10, 3))
    _add(storage, "Last week", _at(2026, 11, 23))
    _add(storage, "Yesterday's", _at(2026, 11, 27))
    _add(storage, "This morning", _at(2026, 11, 28, 9))
    _add(storage, "Pinned old", _at(2025, 1, 5), pinned=True)
    _add(storage, "September talk", _at(2026, 9, 30))
    view = _fixed_list(qtbot, storage)
    assert view.headings() == [
        "Pinned",
        "Today",
        "Yesterday",
        "Previous 7 days",
        "October 2026",
        "September 2026",
    ]
    assert [view.item(i).text() for i in range(view.count())] == [
        "Pinned old",
        "This morning",
        "Yesterday's",
        "Last week",
        "October talk",
        "September talk",
    ]
    # Headings cannot be selected: clicking one opens nothing.
    model = view.conversation_model
    assert not model.flags(model.index(0)) & Qt.ItemFlag.ItemIsSelectable


def test_a_long_title_is_elided_not_scrolled(qtbot: QtBot, storage: Storage) -> None:
    _add(storage, "A very long title " * 20, _at(2026, 11, 28))
    view = _fixed_list(qtbot, storage)
    view.show()
    qtbot.waitExposed(view)
    assert view.horizontalScrollBar().maximum() == 0
    assert not view.horizontalScrollBar().isVisible()


def test_selected_row_uses_palette_highlight_colours(qtbot: QtBot, storage: Storage) -> None:
    conversation_id = _add(storage, "Pick me", _at(2026, 11, 28))
    view = _fixed_list(qtbot, storage)
    view.show()
    qtbot.waitExposed(view)
    view.select(conversation_id)
    rect = view.visualRect(
        view.conversation_model.index(view.conversation_model.row_of(conversation_id))
    )
    image = view.viewport().grab().toImage()
    highlight = view.palette().color(QPalette.ColorRole.Highlight)
    middle = image.pixelColor(rect.right() - 12, rect.center().y())
    assert abs(middle.red() - highlight.red()) < 8
    assert abs(middle.blue() - highlight.blue()) < 8


def test_paging_reads_more_rows_as_needed(qtbot: QtBot, storage: Storage) -> None:
    for number in range(450):
        _add(storage, f"Chat {number}", _at(2026, 11, 28) - number)
    view = _fixed_list(qtbot, storage)
    model = view.conversation_model
    assert view.count() == 200
    assert model.canFetchMore()
    view.select(storage.list_conversations()[-1].id)  # far down: read until found
    assert view.count() == 450
    assert not model.canFetchMore()


def test_pin_moves_a_conversation_to_the_top(qtbot: QtBot, storage: Storage) -> None:
    first = _add(storage, "Older", _at(2026, 11, 20))
    _add(storage, "Newer", _at(2026, 11, 28))
    view = _fixed_list(qtbot, storage)
    view.set_pinned(first, True)
    assert view.ids()[0] == first
    assert view.headings()[0] == "Pinned"
    view.set_pinned(first, False)
    assert view.ids()[-1] == first
    assert "Pinned" not in view.headings()


def test_f2_renames_in_place_enter_saves_escape_cancels(qtbot: QtBot, storage: Storage) -> None:
    conversation_id = _add(storage, "Old name", _at(2026, 11, 28))
    view = _fixed_list(qtbot, storage)
    view.show()
    qtbot.waitExposed(view)
    view.select(conversation_id)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = view.findChild(QLineEdit)
    assert editor is not None
    assert editor.text() == "Old name"
    editor.selectAll()
    qtbot.keyClicks(editor, "New name")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the view commits on its next event loop turn

    def renamed() -> bool:
        stored = storage.get_conversation(conversation_id)
        return stored is not None and stored.title == "New name"

    qtbot.waitUntil(renamed, timeout=2000)
    assert view.item(0).text() == "New name"

    assert view.rename(conversation_id)
    editor = view.findChild(QLineEdit)
    assert editor is not None
    editor.selectAll()
    qtbot.keyClicks(editor, "Discarded")
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: view.findChild(QLineEdit) is None or not editor.isVisible())
    qtbot.wait(20)
    stored = storage.get_conversation(conversation_id)
    assert stored is not None
    assert stored.title == "New name"


def test_delete_offers_undo_then_purges(qtbot: QtBot, storage: Storage) -> None:
    keep = _add(storage, "Keep", _at(2026, 11, 27))
    doomed = _add(storage, "Doomed", _at(2026, 11, 28))
    sidebar = HistorySidebar(storage, today=lambda: TODAY)
    qtbot.addWidget(sidebar)
    sidebar.show()
    sidebar.conversation_list.reload(None)
    with qtbot.waitSignal(sidebar.conversation_deleted):
        sidebar.conversation_list.delete_requested.emit(doomed)
    sidebar.conversation_list.reload(None)
    assert sidebar.conversation_list.ids() == [keep]
    assert sidebar.undo_bar.isVisible()
    qtbot.mouseClick(sidebar.undo_button, Qt.MouseButton.LeftButton)
    assert not sidebar.undo_bar.isVisible()
    sidebar.conversation_list.reload(None)
    assert sidebar.conversation_list.ids() == [doomed, keep]

    sidebar.delete(doomed)
    sidebar.finish_pending_delete()  # what the timer or closing the window does
    assert storage.get_conversation(doomed) is None
    assert not sidebar.undo_delete()


def test_delete_key_deletes_the_current_conversation(qtbot: QtBot, storage: Storage) -> None:
    doomed = _add(storage, "Doomed", _at(2026, 11, 28))
    sidebar = HistorySidebar(storage, today=lambda: TODAY)
    qtbot.addWidget(sidebar)
    sidebar.conversation_list.reload(doomed)
    with qtbot.waitSignal(sidebar.conversation_deleted):
        qtbot.keyClick(sidebar.conversation_list, Qt.Key.Key_Delete)
    stored = storage.get_conversation(doomed)
    assert stored is not None
    assert stored.deleted_at is not None


def test_a_delete_left_by_a_crash_is_purged_at_the_next_start(
    qtbot: QtBot, storage: Storage
) -> None:
    doomed = _add(storage, "Doomed", _at(2026, 11, 28))
    recent = _add(storage, "Just deleted", _at(2026, 11, 28))
    storage.delete_conversation(doomed)
    storage.delete_conversation(recent)
    with contextlib.closing(sqlite3.connect(database_path())) as db, db:
        db.execute("UPDATE conversations SET deleted_at = deleted_at - 60 WHERE id = ?", (doomed,))
    sidebar = HistorySidebar(storage, today=lambda: TODAY)
    qtbot.addWidget(sidebar)
    assert storage.get_conversation(doomed) is None
    assert storage.get_conversation(recent) is not None


def test_undo_window_runs_out(qtbot: QtBot, storage: Storage) -> None:
    doomed = _add(storage, "Doomed", _at(2026, 11, 28))
    sidebar = HistorySidebar(storage, today=lambda: TODAY)
    qtbot.addWidget(sidebar)
    sidebar._undo_timer.setInterval(50)
    sidebar.delete(doomed)
    qtbot.waitUntil(lambda: storage.get_conversation(doomed) is None, timeout=2000)
    assert sidebar.pending_delete is None


def test_window_delete_of_the_open_conversation_starts_a_new_chat(
    window: MainWindow, storage: Storage
) -> None:
    conversation_id = _add(storage, "Open me", _at(2026, 11, 28))
    window.refresh_conversations()
    window.open_conversation(conversation_id)
    window.history.delete(conversation_id)
    assert window.session.conversation_id is None
    assert conversation_id not in window.conversation_list.ids()
    window.history.undo_delete()
    assert conversation_id in window.conversation_list.ids()
    assert window.session_conversation_id() == conversation_id  # Undo brings it on screen
    window.history.delete(conversation_id)
    window.close()  # closing purges what was not undone
    assert storage.get_conversation(conversation_id) is None


def test_deleting_the_open_chat_opens_its_neighbour_in_the_list(
    window: MainWindow, storage: Storage
) -> None:
    newest = _add(storage, "Newest", _at(2026, 11, 28, 12))
    middle = _add(storage, "Middle", _at(2026, 11, 28, 11))
    oldest = _add(storage, "Oldest", _at(2026, 11, 28, 10))
    window.refresh_conversations()
    assert window.conversation_list.ids() == [newest, middle, oldest]
    window.open_conversation(middle)
    window.history.delete(middle)
    assert window.session.conversation_id == oldest  # the one below it
    window.history.delete(oldest)
    assert window.session.conversation_id == newest  # the last one: the one above
    window.history.undo_delete()
    assert window.session.conversation_id == oldest


def test_a_long_title_in_the_undo_bar_does_not_widen_the_list(
    qtbot: QtBot, window: MainWindow, storage: Storage
) -> None:
    sidebar = window.findChild(QWidget, "sidebar")
    assert sidebar is not None
    width = sidebar.width()
    long_one = _add(storage, "A very long title " * 20, _at(2026, 11, 28))
    window.refresh_conversations()
    window.history.delete(long_one)
    qtbot.waitUntil(window.history.undo_bar.isVisible)
    assert sidebar.width() == width


def test_draft_survives_a_restart(
    qtbot: QtBot, window: MainWindow, storage: Storage, scripted_server: ScriptedServer
) -> None:
    first = _add(storage, "First", _at(2026, 11, 27))
    second = _add(storage, "Second", _at(2026, 11, 28))
    window.refresh_conversations()
    window.open_conversation(first)
    window.composer.setPlainText("half a thought")
    window.open_conversation(second)
    window.composer.setPlainText("typed, then the app closed")
    window.close()

    scripted_server.add(json_reply(200, {"data": [{"id": "test-model"}]}))
    secrets = SecretStore()
    again = MainWindow(scripted_settings(scripted_server), storage, database_path(), secrets)
    qtbot.addWidget(again)
    again.open_conversation(first)
    assert again.composer.toPlainText() == "half a thought"
    again.open_conversation(second)
    assert again.composer.toPlainText() == "typed, then the app closed"
    again.close()


def test_draft_is_saved_while_typing(qtbot: QtBot, window: MainWindow, storage: Storage) -> None:
    conversation_id = _add(storage, "Typing", _at(2026, 11, 28))
    window.open_conversation(conversation_id)
    window._draft_timer.setInterval(20)
    window.composer.setPlainText("not sent yet")

    def saved() -> bool:
        stored = storage.get_conversation(conversation_id)
        return stored is not None and stored.draft == "not sent yet"

    qtbot.waitUntil(saved, timeout=2000)


def test_each_conversation_remembers_provider_and_model(
    qtbot: QtBot, window: MainWindow, storage: Storage, scripted_server: ScriptedServer
) -> None:
    other = ProviderConfig(
        id="other", name="Other", kind="custom", base_url=scripted_server.base_url, model="m2"
    )
    window.settings.providers.append(other)
    window._fill_provider_picker()
    # The second provider's model list is not asked for: keep its model as set.
    scripted_server.add(sse_reply(["Hi"]))
    window.composer.setPlainText("first conversation")
    assert window.send_current()
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=3000)
    first = window.session.conversation_id
    assert first is not None
    stored = storage.get_conversation(first)
    assert stored is not None
    assert (stored.provider, stored.model) == ("scripted", "test-model")

    second = storage.create_conversation(title="Other one", provider="other", model="m2-large")
    window.refresh_conversations()
    window.open_conversation(second.id)
    assert window.provider_picker.currentData() == "other"
    assert window.model_picker.currentText() == "m2-large"
    # Showing a chat's choice changes neither the defaults of new chats nor the provider's.
    assert window.settings.active_provider_id == "scripted"
    assert other.model == "m2"

    window.open_conversation(first)
    assert window.provider_picker.currentData() == "scripted"
    assert window.model_picker.currentText() == "test-model"
    qtbot.wait(50)


def test_a_conversation_keeps_its_system_prompt(
    qtbot: QtBot, window: MainWindow, storage: Storage, scripted_server: ScriptedServer
) -> None:
    provider = window.active_provider()
    assert provider is not None
    provider.system_prompt = "Answer in French."
    scripted_server.add(sse_reply(["Bonjour."]), sse_reply(["Salut."]))
    window.composer.setPlainText("hello")
    assert window.send_current()
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=3000)
    conversation_id = window.session.conversation_id
    assert conversation_id is not None
    stored = storage.get_conversation(conversation_id)
    assert stored is not None
    assert stored.system_prompt == "Answer in French."

    provider.system_prompt = "Answer in German."  # a later change of the provider's prompt
    window.composer.setPlainText("again")
    assert window.send_current()
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=3000)
    sent = scripted_server.requests[-1].json["messages"]
    assert sent[0] == {"role": "system", "content": "Answer in French."}
