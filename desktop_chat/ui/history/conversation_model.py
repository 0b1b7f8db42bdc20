"""The conversation list's model: conversations read a page at a time, with group headings.

Rows are headings (not selectable) and conversations, in the storage's order: pinned first,
then most recently updated. The view asks for more rows as it scrolls (``canFetchMore`` /
``fetchMore``), so ten thousand conversations cost one page at start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from desktop_chat.core.errors import StorageError
from desktop_chat.core.history.groups import GroupKey, group_key
from desktop_chat.core.history.models import Conversation
from desktop_chat.core.history.storage import Storage
from desktop_chat.ui.common.inert import inert_tooltip
from desktop_chat.ui.history.history_groups import group_label

__all__ = ["HEADER_ROLE", "ID_ROLE", "PAGE", "PINNED_ROLE", "ConversationModel"]

#: The conversation id of a row (None for a heading).
ID_ROLE = Qt.ItemDataRole.UserRole + 1
#: True for a heading row.
HEADER_ROLE = Qt.ItemDataRole.UserRole + 2
#: True for a pinned conversation.
PINNED_ROLE = Qt.ItemDataRole.UserRole + 3
#: Conversations read per page.
PAGE = 200

_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class _Row:
    label: str
    conversation: Conversation | None = None


class ConversationModel(QAbstractListModel):
    """Conversations from the storage, grouped under headings.

    Args:
        storage: the conversation database.
        today: returns the current local date (tests pass a fixed one).
        parent: the Qt parent.

    Signals:
        problem_reported(str): the database failed; the sentence says how.
    """

    problem_reported = Signal(str)

    def __init__(
        self,
        storage: Storage,
        today: Callable[[], date] = date.today,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._storage = storage
        self._today = today
        self._rows: list[_Row] = []
        self._loaded = 0
        self._exhausted = True
        self._last_key: GroupKey | None = None
        self._day = today()
        self._streaming: frozenset[int] = frozenset()

    # Loading -----------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the list again from the start (after a change)."""
        self.beginResetModel()
        self._rows = []
        self._loaded = 0
        self._exhausted = False
        self._last_key = None
        self._day = self._today()
        self._rows = self._read_page()
        self.endResetModel()

    def _read_page(self) -> list[_Row]:
        try:
            page = self._storage.list_conversations(limit=PAGE, offset=self._loaded)
        except StorageError as error:
            self._exhausted = True
            self.problem_reported.emit(error.message)
            return []
        self._loaded += len(page)
        self._exhausted = len(page) < PAGE
        rows: list[_Row] = []
        for conversation in page:
            key = group_key(conversation.updated_at, conversation.pinned, self._day)
            if key != self._last_key:
                rows.append(_Row(group_label(key)))
                self._last_key = key
            rows.append(_Row("", conversation))
        return rows

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        """Whether more conversations wait in the database."""
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        """Read the next page."""
        if parent.isValid() or self._exhausted:
            return
        rows = self._read_page()
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()

    def load_all(self) -> None:
        """Read every remaining page (to find a conversation far down the list)."""
        while self.canFetchMore():
            self.fetchMore()

    # Queries -----------------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """Headings and conversations read so far."""
        return 0 if parent.isValid() else len(self._rows)

    def conversation_at(self, row: int) -> Conversation | None:
        """The conversation on ``row``, None for a heading or a row out of range."""
        if 0 <= row < len(self._rows):
            return self._rows[row].conversation
        return None

    def row_of(self, conversation_id: int) -> int:
        """The row of ``conversation_id`` among those read so far, or -1."""
        for row, entry in enumerate(self._rows):
            if entry.conversation is not None and entry.conversation.id == conversation_id:
                return row
        return -1

    def conversations(self) -> list[Conversation]:
        """The conversations read so far, in display order."""
        return [row.conversation for row in self._rows if row.conversation is not None]

    def headings(self) -> list[str]:
        """The headings read so far, in display order."""
        return [row.label for row in self._rows if row.conversation is None]

    def title_of(self, conversation: Conversation) -> str:
        """The title shown for ``conversation``."""
        return conversation.title.strip() or self.tr("New chat")

    def is_streaming(self, conversation_id: int) -> bool:
        """Whether ``conversation_id`` has a reply streaming (or waiting to)."""
        return conversation_id in self._streaming

    def set_streaming(self, conversation_ids: frozenset[int]) -> None:
        """Mark the conversations whose reply streams; the others lose their mark."""
        changed = self._streaming ^ conversation_ids
        self._streaming = conversation_ids
        for conversation_id in changed:
            row = self.row_of(conversation_id)
            if row >= 0:
                index = self.index(row)
                self.dataChanged.emit(index, index)

    def _shown_title(self, conversation: Conversation) -> str:
        title = self.title_of(conversation)
        return f"● {title}" if conversation.id in self._streaming else title

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The title (or heading), id, heading flag and pinned flag of a row."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        entry = self._rows[index.row()]
        conversation = entry.conversation
        if role == HEADER_ROLE:
            return conversation is None
        if conversation is None:
            return entry.label if role == Qt.ItemDataRole.DisplayRole else None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._shown_title(conversation)
        if role == Qt.ItemDataRole.ToolTipRole:
            if conversation.id in self._streaming:
                return inert_tooltip(
                    self.tr("{title} (a reply is streaming)").format(
                        title=self.title_of(conversation)
                    )
                )
            return inert_tooltip(self.title_of(conversation))
        if role == Qt.ItemDataRole.EditRole:
            return conversation.title
        if role == ID_ROLE:
            return conversation.id
        if role == PINNED_ROLE:
            return conversation.pinned
        if role == Qt.ItemDataRole.AccessibleTextRole:
            if conversation.id in self._streaming:
                return self.tr("{title}, reply streaming").format(title=self.title_of(conversation))
            return self.title_of(conversation)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        """Conversations can be selected and renamed; headings are only shown."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if self.conversation_at(index.row()) is None:
            return Qt.ItemFlag.ItemIsEnabled
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsEditable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    # Changes -----------------------------------------------------------------------------------

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Rename the conversation (an empty name is refused)."""
        conversation = self.conversation_at(index.row()) if index.isValid() else None
        if role != Qt.ItemDataRole.EditRole or conversation is None:
            return False
        title = " ".join(str(value).split())
        if not title or title == conversation.title:
            return False
        return self.rename(conversation.id, title)

    def rename(self, conversation_id: int, title: str) -> bool:
        """Save a new title for ``conversation_id``; False when it could not be saved."""
        row = self.row_of(conversation_id)
        try:
            updated = self._storage.update_conversation(conversation_id, title=title)
        except (StorageError, KeyError) as error:
            self.problem_reported.emit(str(error))
            return False
        if row >= 0:
            self._rows[row] = _Row("", updated)
            changed = self.index(row)
            self.dataChanged.emit(changed, changed)
        return True
