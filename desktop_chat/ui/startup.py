"""Creates the QApplication with the app's names and HiDPI policy (shared by the window and the
self-test)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from desktop_chat import __version__

__all__ = ["make_application"]


def make_application(qt_argv: list[str]) -> QApplication:
    """Return the QApplication, creating it (with HiDPI and app names set) when needed."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication(qt_argv)
    app.setApplicationName("desktop-chat")
    app.setApplicationDisplayName("Desktop Chat")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("desktop-chat")
    return app
