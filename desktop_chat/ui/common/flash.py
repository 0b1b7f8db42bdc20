"""A brief tint over a widget, to show where a search result or a find match landed."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QWidget

__all__ = ["FLASH_MS", "Flash", "flash"]

#: How long the tint stays.
FLASH_MS = 1600


class Flash(QWidget):
    """A see-through tint covering its parent; it lets every click through and removes itself."""

    def __init__(self, parent: QWidget, duration_ms: int = FLASH_MS) -> None:
        super().__init__(parent)
        self.setObjectName("flash")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setGeometry(parent.rect())
        parent.installEventFilter(self)
        QTimer.singleShot(duration_ms, self.deleteLater)
        self.show()
        self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Follow the parent's size."""
        if watched is self.parent() and event.type() == QEvent.Type.Resize:
            parent = self.parentWidget()
            if parent is not None:
                self.setGeometry(parent.rect())
        return super().eventFilter(watched, event)

    def paintEvent(self, event: QPaintEvent) -> None:
        """A rounded band of the selection colour, mostly transparent."""
        del event
        color = QColor(self.palette().color(QPalette.ColorRole.Highlight))
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(color)
        color.setAlpha(40)
        painter.setBrush(color)
        painter.drawRoundedRect(self.rect().adjusted(1, 1, -1, -1), 10, 10)


def flash(widget: QWidget, duration_ms: int = FLASH_MS) -> Flash:
    """Tint ``widget`` for ``duration_ms`` milliseconds."""
    return Flash(widget, duration_ms)
