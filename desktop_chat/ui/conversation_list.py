"""The list of saved conversations on the left: newest first, titled by the first message."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPoint, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QWidget,
)

from desktop_chat.core.models import Conversation

__all__ = ["ConversationList"]

_ID_ROLE = Qt.ItemDataRole.UserRole


class ConversationList(QListWidget):
    """Shows conversations; selecting one asks the window to open it.

    Signals:
        conversation_selected(int): the user picked this conversation.
        delete_requested(int): the user asked to delete this conversation.
    """

    conversation_selected = Signal(int)
    delete_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conversationList")
        self.setAccessibleName(self.tr("Conversations"))
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setUniformItemSizes(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._on_self_custom_context_menu_requested)
        self.currentItemChanged.connect(self._on_self_current_item_changed)
        self._quiet = False

    def set_conversations(self, conversations: Sequence[Conversation], current: int | None) -> None:
        """Replace the list (already in display order) and select ``current`` without signalling."""
        self._quiet = True
        try:
            self.clear()
            for conversation in conversations:
                item = QListWidgetItem(self.title_of(conversation))
                item.setData(_ID_ROLE, conversation.id)
                item.setToolTip(self.title_of(conversation))
                self.addItem(item)
            self.select(current)
        finally:
            self._quiet = False

    def title_of(self, conversation: Conversation) -> str:
        """The title shown for ``conversation``."""
        return conversation.title.strip() or self.tr("New chat")

    def select(self, conversation_id: int | None) -> None:
        """Highlight ``conversation_id`` (or nothing) without opening it again."""
        quiet, self._quiet = self._quiet, True
        try:
            self.clearSelection()
            self.setCurrentRow(-1)
            for row in range(self.count()):
                item = self.item(row)
                if item.data(_ID_ROLE) == conversation_id:
                    self.setCurrentItem(item)
                    break
        finally:
            self._quiet = quiet

    def ids(self) -> list[int]:
        """The conversation ids in display order."""
        return [int(self.item(row).data(_ID_ROLE)) for row in range(self.count())]

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_self_current_item_changed(
        self, current: QListWidgetItem | None, previous: QListWidgetItem | None
    ) -> None:
        del previous
        if not self._quiet and current is not None:
            self.conversation_selected.emit(int(current.data(_ID_ROLE)))

    @Slot(QPoint)
    def _on_self_custom_context_menu_requested(self, position: QPoint) -> None:
        item = self.itemAt(position)
        if item is None:
            return
        menu = QMenu(self)
        delete = menu.addAction(self.tr("Delete conversation"))
        if menu.exec(self.viewport().mapToGlobal(position)) is delete:
            self.delete_requested.emit(int(item.data(_ID_ROLE)))
