"""The message box under the transcript: multi-line, grows with its text, sends on a key.

Pasting or dropping files or a picture into it offers them to attach instead of inserting text.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QSize, Qt, Signal, Slot
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragLeaveEvent,
    QDropEvent,
    QKeyEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import QFrame, QPlainTextEdit, QSizePolicy, QWidget

from desktop_chat.ui.window.offered_files import offered_files

__all__ = ["SEND_CTRL_ENTER", "SEND_ENTER", "Composer"]

SEND_ENTER = "enter"
SEND_CTRL_ENTER = "ctrl+enter"
_MAX_LINES = 10


class Composer(QPlainTextEdit):
    """Where the user types. Enter sends and Shift+Enter adds a line (or Ctrl+Enter sends).

    Args:
        parent: the Qt parent.

    Signals:
        send_requested(): the user pressed the send key.
        stop_requested(): the user pressed Escape.
        files_offered(object): files or a picture were pasted or dropped: a list of
            (source, name) pairs for the attacher.
        drag_hovered(int): how many files a drag over the box would attach (0 when it left, was
            dropped, or carries none).
    """

    send_requested = Signal()
    stop_requested = Signal()
    files_offered = Signal(object)
    drag_hovered = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self.setAccessibleName(self.tr("Message"))
        self.setTabChangesFocus(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self._send_key = SEND_ENTER
        self._update_placeholder()
        self.document().contentsChanged.connect(self._on_document_contents_changed)
        self._on_document_contents_changed()

    @property
    def send_key(self) -> str:
        """``"enter"`` or ``"ctrl+enter"``."""
        return self._send_key

    def set_send_key(self, send_key: str) -> None:
        """Choose which key sends: ``"enter"`` (Shift+Enter adds a line) or ``"ctrl+enter"``."""
        self._send_key = SEND_CTRL_ENTER if send_key == SEND_CTRL_ENTER else SEND_ENTER
        self._update_placeholder()

    def _update_placeholder(self) -> None:
        if self._send_key == SEND_ENTER:
            hint = self.tr("Message (Enter to send, Shift+Enter for a new line)")
        else:
            hint = self.tr("Message (Ctrl+Enter to send)")
        self.setPlaceholderText(hint)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Send, stop, or type, depending on the key and the send-key setting."""
        key = event.key()
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if key == Qt.Key.Key_Escape:
            self.stop_requested.emit()
            event.accept()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            ctrl = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
            shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
            sends = ctrl if self._send_key == SEND_CTRL_ENTER else not shift and not ctrl
            if sends:
                self.send_requested.emit()
            else:
                # A plain newline: Qt would insert U+2028 for Shift+Enter.
                self.textCursor().insertText("\n")
                self.ensureCursorVisible()
            event.accept()
            return
        super().keyPressEvent(event)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        """Files and pictures are accepted too (to attach)."""
        return bool(offered_files(source)) or super().canInsertFromMimeData(source)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Say how many files the drag would attach, so the window can show where they go."""
        super().dragEnterEvent(event)
        self.drag_hovered.emit(len(offered_files(event.mimeData())))

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        """The drag went elsewhere."""
        super().dragLeaveEvent(event)
        self.drag_hovered.emit(0)

    def dropEvent(self, event: QDropEvent) -> None:
        """The drag ended here (the files are offered by :meth:`insertFromMimeData`)."""
        self.drag_hovered.emit(0)
        super().dropEvent(event)

    def insertFromMimeData(self, source: QMimeData) -> None:
        """Offer pasted or dropped files and pictures to attach; insert text as usual."""
        offered = offered_files(source)
        if offered:
            self.files_offered.emit(offered)
            return
        super().insertFromMimeData(source)

    @Slot()
    def _on_document_contents_changed(self) -> None:
        spacing = self.fontMetrics().lineSpacing()
        limit = _MAX_LINES * spacing
        content = 0.0
        block = self.document().firstBlock()
        while block.isValid() and content < limit:
            content += self.blockBoundingRect(block).height()
            block = block.next()
        content = min(max(content, spacing), limit)
        margins = self.contentsMargins()
        height = round(
            content + 2 * self.document().documentMargin() + margins.top() + margins.bottom()
        )
        if height != self.height():
            self.setFixedHeight(height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Re-measure: a new width changes how the text wraps."""
        super().resizeEvent(event)
        self._on_document_contents_changed()

    def sizeHint(self) -> QSize:
        """Width from the layout; height from the text (set by the growth logic)."""
        hint = super().sizeHint()
        return QSize(hint.width(), self.height())
