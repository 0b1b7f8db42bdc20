"""Creates the QApplication with the app's names, icon and HiDPI policy (shared by the window and
the self-test).

The version is not given to Qt, which shows it nowhere: reading it loads ``importlib.metadata``,
which takes longer than painting the window. ``desktop_chat.__version__`` has it.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from desktop_chat.core.resources import icon_path

__all__ = ["make_application", "set_window_icon"]

_log = logging.getLogger(__name__)


def set_window_icon(app: QApplication) -> bool:
    """Give every window the application icon; False (logged, never raised) when it is missing."""
    try:
        path = icon_path()
    except FileNotFoundError as error:
        _log.warning("No window icon: %s", error)
        return False
    icon = QIcon(str(path))
    if icon.isNull():
        _log.warning("No window icon: %s could not be loaded.", path)
        return False
    app.setWindowIcon(icon)
    return True


def make_application(qt_argv: list[str]) -> QApplication:
    """Return the QApplication, creating it (with HiDPI, app names and icon set) when needed."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication(qt_argv)
    app.setApplicationName("desktop-chat")
    app.setApplicationDisplayName("Desktop Chat")
    app.setDesktopFileName("desktop-chat")
    set_window_icon(app)
    return app
