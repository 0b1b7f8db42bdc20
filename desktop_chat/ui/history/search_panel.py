"""Search across every conversation: results with highlighted snippets, a page at a time.

Snippets come from the storage with matched words between ``HIGHLIGHT_START`` and
``HIGHLIGHT_END``; the text is HTML-escaped first, then the markers become ``<b>`` and ``</b>``,
so a message containing markup shows it as text.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QKeyEvent,
    QPainter,
    QPalette,
    QStandardItem,
    QStandardItemModel,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QFrame,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from desktop_chat.core.errors import StorageError
from desktop_chat.core.history.models import HIGHLIGHT_END, HIGHLIGHT_START, SearchHit
from desktop_chat.core.history.storage import Storage

__all__ = ["RESULTS_PAGE", "SearchResults", "hit_html", "snippet_html"]

#: Hits read per page.
RESULTS_PAGE = 50
_HTML_ROLE = Qt.ItemDataRole.UserRole + 1
_CONVERSATION_ROLE = Qt.ItemDataRole.UserRole + 2
_MESSAGE_ROLE = Qt.ItemDataRole.UserRole + 3
_PAD = 8
_Index = QModelIndex | QPersistentModelIndex


def snippet_html(snippet: str) -> str:
    """``snippet`` as safe HTML: escaped, markers turned into bold, newlines into spaces."""
    text = html.escape(" ".join(snippet.split()), quote=False)
    return text.replace(HIGHLIGHT_START, "<b>").replace(HIGHLIGHT_END, "</b>")


def hit_html(hit: SearchHit, untitled: str, version_label: str = "version {0} of {1}") -> str:
    """Two lines for a result: the conversation's title (and which version of its message
    matched, when there are several), then the snippet (for message hits)."""
    if hit.message_id is None:
        return f"<div>{snippet_html(hit.snippet) or html.escape(untitled)}</div>"
    title = html.escape(hit.title.strip() or untitled, quote=False)
    if hit.version is not None:
        title += " · " + html.escape(version_label.format(*hit.version), quote=False)
    return f"<div><small>{title}</small></div><div>{snippet_html(hit.snippet)}</div>"


class _HtmlDelegate(QStyledItemDelegate):
    """Paints a result's HTML, wrapped to the view's width, on palette colours."""

    def _document(self, option: QStyleOptionViewItem, index: _Index) -> QTextDocument:
        document = QTextDocument()
        document.setDocumentMargin(0)
        document.setDefaultFont(option.font)
        document.setHtml(str(index.data(_HTML_ROLE) or ""))
        document.setTextWidth(max(40, option.rect.width() - 2 * _PAD))
        return document

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        """As tall as the wrapped text."""
        view = option.widget
        width = view.viewport().width() if isinstance(view, QAbstractScrollArea) else 220
        option.rect.setWidth(width)
        document = self._document(option, index)
        return QSize(0, int(document.size().height()) + 2 * _PAD)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        """Draw the HTML; selected rows use the highlight colours."""
        palette: QPalette = option.palette
        rect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
            painter.drawRoundedRect(rect.adjusted(2, 1, -2, -1), 6, 6)
        document = self._document(option, index)
        context = QAbstractTextDocumentLayout.PaintContext()
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        context.palette.setColor(QPalette.ColorRole.Text, palette.color(role))
        painter.translate(rect.left() + _PAD, rect.top() + _PAD)
        clip = QRectF(0, 0, rect.width() - 2 * _PAD, rect.height() - 2 * _PAD)
        painter.setClipRect(clip)
        context.clip = clip
        document.documentLayout().draw(painter, context)
        painter.restore()


class SearchResults(QListView):
    """Full-text search results of all conversations; more are read as the list scrolls.

    Args:
        storage: the conversation database.
        parent: the Qt parent.

    Signals:
        result_chosen(int, object): a conversation id and the matched message id (None when the
            title matched).
        problem_reported(str): the database failed.
    """

    result_chosen = Signal(int, object)
    problem_reported = Signal(str)

    def __init__(self, storage: Storage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchResults")
        self.setAccessibleName(self.tr("Search results"))
        self._storage = storage
        self._items = QStandardItemModel(self)
        self.setModel(self._items)
        self.setItemDelegate(_HtmlDelegate(self))
        self.setFrameShape(QFrame.Shape.NoFrame)
        # The sidebar's colour shows through, as under the conversation list.
        self.viewport().setAutoFillBackground(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setWordWrap(True)
        self._query = ""
        self._exhausted = True
        # Only clicks and Enter: ``activated`` also fires on click where the style says so.
        self.clicked.connect(self._on_self_activated)
        self.verticalScrollBar().valueChanged.connect(self._on_scrollbar_value_changed)

    @property
    def query(self) -> str:
        """The text searched for."""
        return self._query

    def search(self, query: str) -> int:
        """Show the first page of hits for ``query``; returns how many are shown."""
        self._query = query
        self._items.clear()
        self._exhausted = False
        self._read_page()
        return self._items.rowCount()

    def hit_count(self) -> int:
        """How many hits are shown so far."""
        return self._items.rowCount()

    def hit_html(self, row: int) -> str:
        """The HTML shown for result ``row``."""
        return str(self._items.item(row).data(_HTML_ROLE))

    def choose(self, row: int) -> None:
        """Open result ``row`` (as a click does)."""
        self._on_self_activated(self._items.index(row, 0))

    def more(self) -> None:
        """Read the next page of hits."""
        if not self._exhausted:
            self._read_page()

    def _read_page(self) -> None:
        try:
            hits = self._storage.search(
                self._query, limit=RESULTS_PAGE, offset=self._items.rowCount()
            )
        except StorageError as error:
            self._exhausted = True
            self.problem_reported.emit(error.message)
            return
        self._exhausted = len(hits) < RESULTS_PAGE
        untitled = self.tr("New chat")
        for hit in hits:
            item = QStandardItem()
            item.setData(hit_html(hit, untitled, self.tr("version {0} of {1}")), _HTML_ROLE)
            item.setData(hit.conversation_id, _CONVERSATION_ROLE)
            item.setData(hit.message_id, _MESSAGE_ROLE)
            item.setData(hit.title or untitled, Qt.ItemDataRole.AccessibleTextRole)
            item.setEditable(False)
            self._items.appendRow(item)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter opens the current result."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._on_self_activated(self.currentIndex())
            return
        super().keyPressEvent(event)

    @Slot(QModelIndex)
    def _on_self_activated(self, index: QModelIndex) -> None:
        conversation_id = index.data(_CONVERSATION_ROLE) if index.isValid() else None
        if isinstance(conversation_id, int):
            message_id = index.data(_MESSAGE_ROLE)
            self.result_chosen.emit(
                conversation_id, message_id if isinstance(message_id, int) else None
            )

    @Slot(int)
    def _on_scrollbar_value_changed(self, value: int) -> None:
        if value >= self.verticalScrollBar().maximum() - 4:
            self.more()
