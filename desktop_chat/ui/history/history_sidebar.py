"""The left side of the window: a search box, the conversation list (or search results while
searching), and the "Conversation deleted — Undo" bar.

Deleting only moves a conversation to the trash; it is removed for good when the undo bar's
time runs out, when another conversation is deleted, or when the window closes (or, after a
crash, when the window next opens).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_chat.core.errors import StorageError
from desktop_chat.core.history.storage import Storage
from desktop_chat.ui.common.inert import inert_tooltip, plain_label
from desktop_chat.ui.common.timers import single_shot_timer
from desktop_chat.ui.history.conversation_list import ConversationList

if TYPE_CHECKING:
    from desktop_chat.ui.history.search_panel import SearchResults

__all__ = ["SEARCH_DEBOUNCE_MS", "UNDO_SECONDS", "HistorySidebar"]

#: How long "Undo" is offered after a delete.
UNDO_SECONDS = 10
#: Typing pauses this long before a search runs.
SEARCH_DEBOUNCE_MS = 150


class HistorySidebar(QWidget):
    """Search box, conversation list or results, and the undo bar.

    Args:
        storage: the conversation database.
        parent: the Qt parent.
        today: returns the local date for the list's headings (tests fix it).

    Signals:
        conversation_selected(int): open this conversation.
        result_chosen(int, object): open this conversation at this message (None: the top).
        conversation_deleted(int): this conversation went to the trash.
        conversation_restored(int): its delete was undone.
        problem_reported(str): the database refused a change.
    """

    conversation_selected = Signal(int)
    result_chosen = Signal(int, object)
    conversation_deleted = Signal(int)
    conversation_restored = Signal(int)
    problem_reported = Signal(str)

    def __init__(
        self,
        storage: Storage,
        parent: QWidget | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("historySidebar")
        self._storage = storage
        self._pending_delete: int | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)

        self.search_field = QLineEdit(self)
        self.search_field.setObjectName("historySearch")
        self.search_field.setClearButtonEnabled(True)
        shortcut = QKeySequence("Ctrl+K").toString(QKeySequence.SequenceFormat.NativeText)
        self.search_field.setPlaceholderText(
            self.tr("Search all chats ({shortcut})").format(shortcut=shortcut)
        )
        self.search_field.setAccessibleName(self.tr("Search all conversations"))
        self.search_field.textChanged.connect(self._on_search_field_text_changed)
        self.search_field.returnPressed.connect(self._on_search_field_return_pressed)
        layout.addWidget(self.search_field)

        self._stack = QStackedWidget(self)
        self.conversation_list = ConversationList(storage, self._stack, today)
        self.conversation_list.conversation_selected.connect(self.conversation_selected)
        self.conversation_list.delete_requested.connect(self._on_list_delete_requested)
        self.conversation_list.problem_reported.connect(self.problem_reported)
        self._stack.addWidget(self.conversation_list)
        self._results: SearchResults | None = None  # made by the first search
        layout.addWidget(self._stack, 1)

        self._no_results = plain_label("", self)
        self._no_results.setObjectName("noResults")
        self._no_results.setWordWrap(True)
        self._no_results.hide()
        layout.addWidget(self._no_results)

        self.undo_bar = QFrame(self)
        self.undo_bar.setObjectName("undoBar")
        self.undo_bar.setFrameShape(QFrame.Shape.StyledPanel)
        bar = QHBoxLayout(self.undo_bar)
        bar.setContentsMargins(8, 4, 4, 4)
        self._undo_label = plain_label(self.tr("Conversation deleted"), self.undo_bar)
        # A long title is cut (its tooltip shows it whole): it must not widen the sidebar.
        self._undo_label.setMinimumWidth(1)  # replaces the label's own: its whole text
        bar.addWidget(self._undo_label, 1)
        self.undo_button = QPushButton(self.tr("Undo"), self.undo_bar)
        self.undo_button.setObjectName("undoButton")
        self.undo_button.clicked.connect(self._on_undo_button_clicked)
        bar.addWidget(self.undo_button)
        self.undo_bar.hide()
        layout.addWidget(self.undo_bar)

        self._undo_timer = single_shot_timer(self, UNDO_SECONDS * 1000, self._on_undo_timer_timeout)
        self._search_timer = single_shot_timer(
            self, SEARCH_DEBOUNCE_MS, self._on_search_timer_timeout
        )
        self._purge_expired()

    def _purge_expired(self) -> None:
        # A run that was killed with an Undo still on offer left its delete in the trash.
        try:
            self._storage.purge_deleted(deleted_before=time.time() - UNDO_SECONDS)
        except StorageError as error:
            self.problem_reported.emit(error.message)

    # Search ------------------------------------------------------------------------------------

    def focus_search(self) -> None:
        """Put the cursor in the search box with its text selected (Ctrl+K)."""
        self.search_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_field.selectAll()

    @property
    def results(self) -> SearchResults:
        """The list of search hits, made the first time it is needed."""
        if self._results is None:
            # A second list view and its model cost the first paint a few milliseconds, and
            # many sessions never search.
            from desktop_chat.ui.history.search_panel import SearchResults  # noqa: PLC0415

            self._results = SearchResults(self._storage, self._stack)
            self._results.result_chosen.connect(self.result_chosen)
            self._results.problem_reported.connect(self.problem_reported)
            self._stack.addWidget(self._results)
        return self._results

    def is_searching(self) -> bool:
        """Whether results are shown instead of the list."""
        return self._results is not None and self._stack.currentWidget() is self._results

    def run_search(self) -> None:
        """Search now for the box's text (typing does this after a short pause)."""
        self._search_timer.stop()
        query = self.search_field.text()
        if not query.strip():
            self._stack.setCurrentWidget(self.conversation_list)
            self._no_results.hide()
            return
        found = self.results.search(query)
        self._stack.setCurrentWidget(self.results)
        self._no_results.setText(self.tr("No conversation matches."))
        self._no_results.setVisible(found == 0)

    @Slot(str)
    def _on_search_field_text_changed(self, text: str) -> None:
        del text
        self._search_timer.start()

    @Slot()
    def _on_search_timer_timeout(self) -> None:
        self.run_search()

    @Slot()
    def _on_search_field_return_pressed(self) -> None:
        self.run_search()
        if self._results is not None and self._results.hit_count():
            self.results.choose(0)

    # Deleting ----------------------------------------------------------------------------------

    def delete(self, conversation_id: int) -> bool:
        """Move ``conversation_id`` to the trash and offer Undo; False when that failed."""
        self.finish_pending_delete()
        try:
            self._storage.delete_conversation(conversation_id)
        except (StorageError, KeyError) as error:
            self.problem_reported.emit(str(error))
            return False
        self._pending_delete = conversation_id
        conversation = self._storage.get_conversation(conversation_id)
        title = conversation.title.strip() if conversation is not None else ""
        self._undo_label.setText(
            self.tr("Deleted “{title}”").format(title=title)
            if title
            else self.tr("Conversation deleted")
        )
        self._undo_label.setToolTip(inert_tooltip(title))
        self.undo_bar.show()
        self._undo_timer.start()
        self.conversation_deleted.emit(conversation_id)
        return True

    def undo_delete(self) -> bool:
        """Restore the conversation deleted last; False when there is none to restore."""
        conversation_id, self._pending_delete = self._pending_delete, None
        self._undo_timer.stop()
        self.undo_bar.hide()
        if conversation_id is None:
            return False
        try:
            self._storage.restore_conversation(conversation_id)
        except (StorageError, KeyError) as error:
            self.problem_reported.emit(str(error))
            return False
        self.conversation_restored.emit(conversation_id)
        return True

    def finish_pending_delete(self) -> None:
        """Remove for good what was deleted and not undone (at exit, or when time is up)."""
        self._undo_timer.stop()
        self.undo_bar.hide()
        if self._pending_delete is None:
            return
        self._pending_delete = None
        try:
            # Everything in the trash is past its undo time: only the last delete is undoable.
            self._storage.purge_deleted(deleted_before=time.time() + 1)
        except StorageError as error:
            self.problem_reported.emit(error.message)

    @property
    def pending_delete(self) -> int | None:
        """The conversation that Undo would restore, or None."""
        return self._pending_delete

    @Slot(int)
    def _on_list_delete_requested(self, conversation_id: int) -> None:
        self.delete(conversation_id)

    @Slot()
    def _on_undo_button_clicked(self) -> None:
        self.undo_delete()

    @Slot()
    def _on_undo_timer_timeout(self) -> None:
        self.finish_pending_delete()
