"""Runs work once a window has painted for the first time: what the first paint does not need
waits until the user already sees the window."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

__all__ = ["after_first_paint"]


class _FirstPaintWatch(QObject):
    """Calls ``callback`` from the event loop after ``widget``'s first paint event, then goes."""

    def __init__(self, widget: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(widget)
        self._callback = callback
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Let the paint happen; queue the callback behind it."""
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            # Queued, so the painted frame reaches the screen before the work starts.
            QTimer.singleShot(0, self._callback)
            self.deleteLater()
        return super().eventFilter(watched, event)


def after_first_paint(widget: QWidget, callback: Callable[[], None]) -> None:
    """Call ``callback`` once, from the event loop, after ``widget`` first paints."""
    _FirstPaintWatch(widget, callback)
