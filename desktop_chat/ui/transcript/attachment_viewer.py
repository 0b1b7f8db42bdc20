"""Opening a sent file: an image at full size, or the text that was sent, read-only.

Both are plain windows of their own (Esc closes them). The file's name is only a title and the
text is shown as plain text, never as rich text.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QGuiApplication, QImage, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop_chat.ui.common.inert import plain_label

__all__ = ["ImageViewer", "TextPreview", "decoded_image"]


class _Closable(QDialog):
    """A dialog that Esc closes, even when the window behind it has Esc as a shortcut."""

    def event(self, event: QEvent) -> bool:
        """Take Esc before any window shortcut does."""
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
        ):
            event.accept()
            return True
        return super().event(event)


def decoded_image(data: bytes) -> QImage:
    """The image in ``data`` (a null image when it cannot be decoded)."""
    image = QImage()
    image.loadFromData(data)
    return image


class ImageViewer(_Closable):
    """An attached image at full size (scrolled when larger than the screen); Esc closes it."""

    def __init__(self, name: str, data: bytes, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("imageViewer")
        self.setWindowTitle(name)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.image = decoded_image(data)
        scroll = QScrollArea(self)
        scroll.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if self.image.isNull():
            scroll.setWidget(plain_label(self.tr("This image cannot be shown."), scroll))
        else:
            picture = QLabel(scroll)
            picture.setObjectName("fullImage")
            picture.setPixmap(QPixmap.fromImage(self.image))
            scroll.setWidget(picture)
        layout.addWidget(scroll)
        room = QGuiApplication.primaryScreen().availableSize() * 0.9
        width = self.image.width() + 4 if not self.image.isNull() else 320
        height = self.image.height() + 4 if not self.image.isNull() else 120
        self.resize(max(min(width, room.width()), 200), max(min(height, room.height()), 120))


class TextPreview(_Closable):
    """The text a file sent to the model, read-only; Esc closes it."""

    def __init__(self, name: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("textPreview")
        self.setWindowTitle(name)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("previewText")
        self.text.setReadOnly(True)
        self.text.setPlainText(text)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        layout.addWidget(self.text)
        self.resize(760, 560)
