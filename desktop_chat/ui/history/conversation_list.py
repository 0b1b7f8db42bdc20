"""The list of saved conversations on the left: grouped by date, newest first, pinned on top.

A ``QListView`` over :class:`ConversationModel`, so ten thousand conversations cost one page of
rows. Titles are elided, never scrolled sideways; colours come from the palette (selection uses
``Highlight``/``HighlightedText``), so both themes keep their contrast. F2 or the context menu
renames in place (Enter saves, Esc cancels); the menu also pins and deletes, as does the Delete key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import (
    QAbstractItemModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QListView,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from desktop_chat.core.errors import StorageError
from desktop_chat.core.history.storage import Storage
from desktop_chat.ui.history.conversation_model import (
    HEADER_ROLE,
    ID_ROLE,
    PINNED_ROLE,
    ConversationModel,
)

__all__ = ["ConversationDelegate", "ConversationList", "ListEntry"]

_H_PAD = 10
_ROW_PAD = 7
_HEADER_TOP = 10
_LEFT_MIDDLE = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_Index = QModelIndex | QPersistentModelIndex


def _blend(base: QColor, over: QColor, amount: float) -> QColor:
    return QColor(
        round(base.red() + (over.red() - base.red()) * amount),
        round(base.green() + (over.green() - base.green()) * amount),
        round(base.blue() + (over.blue() - base.blue()) * amount),
    )


class ConversationDelegate(QStyledItemDelegate):
    """Paints headings and elided conversation titles with palette colours."""

    def _header_font(self, option: QStyleOptionViewItem) -> QFont:
        font = QFont(option.font)
        font.setBold(True)
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.85))
        return font

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        """One line of text with padding; the width follows the view, so nothing scrolls."""
        if index.data(HEADER_ROLE):
            height = QFontMetrics(self._header_font(option)).height() + _HEADER_TOP + 4
        else:
            height = option.fontMetrics.height() + 2 * _ROW_PAD
        return QSize(0, height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        """Draw a heading, or a title on the selection or hover colour."""
        rect: QRect = option.rect
        palette: QPalette = option.palette
        state = option.state
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if index.data(HEADER_ROLE):
            font = self._header_font(option)
            painter.setFont(font)
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            area = rect.adjusted(_H_PAD, _HEADER_TOP, -_H_PAD, 0)
            elided = QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, area.width())
            painter.drawText(area, _LEFT_MIDDLE, elided)
            painter.restore()
            return
        selected = bool(state & QStyle.StateFlag.State_Selected)
        hovered = bool(state & QStyle.StateFlag.State_MouseOver)
        text_color = palette.color(QPalette.ColorRole.Text)
        background: QColor | None = None
        if selected:
            background = palette.color(QPalette.ColorRole.Highlight)
            text_color = palette.color(QPalette.ColorRole.HighlightedText)
        elif hovered:
            # A faint tint of the selection colour: the normal text colour stays readable on it.
            background = _blend(
                palette.color(QPalette.ColorRole.Window),
                palette.color(QPalette.ColorRole.Highlight),
                0.14,
            )
        if background is not None:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(background)
            painter.drawRoundedRect(rect.adjusted(2, 1, -2, -1), 6, 6)
        painter.setFont(option.font)
        painter.setPen(text_color)
        area = rect.adjusted(_H_PAD, 0, -_H_PAD, 0)
        metrics: QFontMetrics = option.fontMetrics
        elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, area.width())
        painter.drawText(area, _LEFT_MIDDLE, elided)
        painter.restore()

    def updateEditorGeometry(
        self, editor: QWidget, option: QStyleOptionViewItem, index: _Index
    ) -> None:
        """The rename field covers the row."""
        del index
        editor.setGeometry(option.rect.adjusted(4, 1, -4, -1))


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One conversation as listed.

    Attributes:
        conversation_id: its id.
        title: the title shown.
        pinned: whether it is pinned.
        streaming: whether a reply of it is streaming.
    """

    conversation_id: int
    title: str
    pinned: bool
    streaming: bool = False

    def text(self) -> str:
        """The title shown."""
        return self.title


class ConversationList(QListView):
    """Shows conversations; selecting one asks the window to open it.

    Args:
        storage: the conversation database (renames and pins are saved here).
        parent: the Qt parent.
        today: returns the local date used for the headings (tests fix it).

    Signals:
        conversation_selected(int): the user picked this conversation.
        delete_requested(int): the user asked to delete this conversation.
        problem_reported(str): the database refused a change.
    """

    conversation_selected = Signal(int)
    delete_requested = Signal(int)
    problem_reported = Signal(str)

    def __init__(
        self,
        storage: Storage,
        parent: QWidget | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("conversationList")
        self.setAccessibleName(self.tr("Conversations"))
        self._storage = storage
        self._model = ConversationModel(storage, today, self)
        self._model.problem_reported.connect(self.problem_reported)
        self.setModel(self._model)
        self.setItemDelegate(ConversationDelegate(self))
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMouseTracking(True)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._on_self_custom_context_menu_requested)
        self.selectionModel().currentChanged.connect(self._on_selection_current_changed)
        self._quiet = False

    @property
    def conversation_model(self) -> ConversationModel:
        """The model behind the list."""
        return self._model

    def reload(self, current: int | None) -> None:
        """Read the list again and select ``current`` without signalling."""
        self._quiet = True
        try:
            self._model.reload()
            self.select(current)
        finally:
            self._quiet = False

    def select(self, conversation_id: int | None) -> None:
        """Highlight ``conversation_id`` (or nothing) without opening it again."""
        quiet, self._quiet = self._quiet, True
        try:
            row = -1 if conversation_id is None else self._model.row_of(conversation_id)
            if row < 0 and conversation_id is not None and self._model.canFetchMore():
                self._model.load_all()
                row = self._model.row_of(conversation_id)
            self.selectionModel().clearSelection()
            if row < 0:
                self.selectionModel().setCurrentIndex(
                    QModelIndex(), QItemSelectionModel.SelectionFlag.NoUpdate
                )
                return
            index = self._model.index(row)
            self.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
            self.scrollTo(index)
        finally:
            self._quiet = quiet

    def ids(self) -> list[int]:
        """The conversation ids listed so far, in display order."""
        return [conversation.id for conversation in self._model.conversations()]

    def count(self) -> int:
        """How many conversations are listed so far."""
        return len(self._model.conversations())

    def item(self, position: int) -> ListEntry:
        """The ``position``-th conversation listed (headings not counted)."""
        conversation = self._model.conversations()[position]
        return ListEntry(
            conversation.id,
            self._model.title_of(conversation),
            conversation.pinned,
            self._model.is_streaming(conversation.id),
        )

    def set_streaming(self, conversation_ids: frozenset[int]) -> None:
        """Mark the conversations whose reply is streaming."""
        self._model.set_streaming(conversation_ids)

    def headings(self) -> list[str]:
        """The group headings listed so far."""
        return self._model.headings()

    def rename(self, conversation_id: int) -> bool:
        """Open the in-place editor on ``conversation_id``; False when it is not listed."""
        row = self._model.row_of(conversation_id)
        if row < 0:
            return False
        index = self._model.index(row)
        self.scrollTo(index)
        self.setCurrentIndex(index)
        self.edit(index)
        return True

    def set_pinned(self, conversation_id: int, pinned: bool) -> None:
        """Pin or unpin ``conversation_id`` and list it again where it now belongs."""
        try:
            self._storage.update_conversation(conversation_id, pinned=pinned)
        except (StorageError, KeyError) as error:
            self.problem_reported.emit(str(error))
            return
        current = self.currentIndex()
        selected = current.data(ID_ROLE) if current.isValid() else None
        self.reload(selected if isinstance(selected, int) else None)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Delete asks to delete the current conversation (it can be undone)."""
        current = self.currentIndex()
        conversation_id = current.data(ID_ROLE) if current.isValid() else None
        if (
            event.key() == Qt.Key.Key_Delete
            and isinstance(conversation_id, int)
            and self.state() != QAbstractItemView.State.EditingState
        ):
            self.delete_requested.emit(conversation_id)
            return
        super().keyPressEvent(event)

    def setModel(self, model: QAbstractItemModel | None) -> None:
        """Only the conversation model may be shown."""
        if model is not None and not isinstance(model, ConversationModel):
            raise TypeError("ConversationList shows a ConversationModel.")
        super().setModel(model)

    @Slot(QModelIndex, QModelIndex)
    def _on_selection_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        del previous
        if self._quiet or not current.isValid():
            return
        conversation_id = current.data(ID_ROLE)
        if isinstance(conversation_id, int):
            self.conversation_selected.emit(conversation_id)

    @Slot(QPoint)
    def _on_self_custom_context_menu_requested(self, position: QPoint) -> None:
        index = self.indexAt(position)
        conversation_id = index.data(ID_ROLE) if index.isValid() else None
        if not isinstance(conversation_id, int):
            return
        pinned = bool(index.data(PINNED_ROLE))
        menu = QMenu(self)
        rename = menu.addAction(self.tr("Rename"))
        rename.setShortcut(Qt.Key.Key_F2)
        pin = menu.addAction(self.tr("Unpin") if pinned else self.tr("Pin"))
        menu.addSeparator()
        delete = menu.addAction(self.tr("Delete conversation"))
        chosen = menu.exec(self.viewport().mapToGlobal(position))
        if chosen is rename:
            self.rename(conversation_id)
        elif chosen is pin:
            self.set_pinned(conversation_id, not pinned)
        elif chosen is delete:
            self.delete_requested.emit(conversation_id)
