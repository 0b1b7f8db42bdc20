"""Starts the application: the QApplication, the theme, the stores, the window, or the self-test."""

from __future__ import annotations

import linecache
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_chat.core.config.paths import app_paths, database_path, settings_path
from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.config.settings import load_settings
from desktop_chat.core.errors import StorageError
from desktop_chat.core.history.storage import open_storage
from desktop_chat.ui.app.single_instance import InstanceGuard
from desktop_chat.ui.app.startup import make_application
from desktop_chat.ui.app.termination import TerminationWatcher
from desktop_chat.ui.common.first_paint import after_first_paint
from desktop_chat.ui.common.inert import plain_message
from desktop_chat.ui.common.theme import apply_theme
from desktop_chat.ui.window.main_window import MainWindow
from desktop_chat.ui.workers.background import wait_for_background

__all__ = [
    "GUI_BUSY_TIMEOUT_MS",
    "LISTEN_LATEST_MS",
    "make_application",
    "run",
]  # make_application re-exported

#: How long the window's database connection waits for another writer's lock, in milliseconds.
GUI_BUSY_TIMEOUT_MS = 100
#: When the single-instance socket opens at the latest if the window has not painted by then.
LISTEN_LATEST_MS = 2000


def run(qt_argv: list[str], self_test: bool = False, open_files: Sequence[Path] = ()) -> int:
    """Open the window and run until it closes; with ``self_test``, run the self-test instead.

    ``open_files`` are imported once the window is up: by this window, or, when the profile's
    window already runs, by that one.

    Returns:
        The process exit code.
    """
    if self_test:
        from desktop_chat.ui.app.self_test import run_self_test  # noqa: PLC0415 - rarely used

        return run_self_test(qt_argv)
    # PySide6 reads the source of every module imported after it (looking for its
    # ``__feature__`` switches) and leaves the lines in linecache: about 2 MB that only a
    # traceback would use, and a traceback reads them from disk again when they are gone.
    linecache.clearcache()
    app = make_application(qt_argv)
    guard = InstanceGuard(app_paths().data_dir, app)
    if not guard.claim(open_files):
        return 0  # the profile's window is already open and was asked to come forward
    first_run = not settings_path().exists()
    loaded = load_settings()
    notices = [loaded.problem] if loaded.problem else []
    try:
        opened = open_storage(database_path())
    except StorageError as error:
        plain_message(
            None,
            QMessageBox.Icon.Critical,
            QApplication.translate("App", "Desktop Chat"),
            error.message,
        ).exec()
        guard.release()
        return 1
    if opened.notice:
        notices.append(opened.notice)
    # The window's connection waits for another writer's lock for less than a frame's worth of
    # patience; the recorders on the streaming threads keep the long wait.
    opened.storage.set_busy_timeout(GUI_BUSY_TIMEOUT_MS)
    apply_theme(app, loaded.settings.theme)
    window = MainWindow(
        loaded.settings, opened.storage, database_path(), SecretStore(), first_run=first_run
    )
    QGuiApplication.styleHints().colorSchemeChanged.connect(window.on_system_color_scheme_changed)
    guard.show_requested.connect(window.bring_forward)
    guard.import_requested.connect(window.import_offered_files)
    termination = TerminationWatcher(app)
    termination.requested.connect(window.close)
    window.show()
    after_first_paint(window, guard.listen)
    # A window that is never exposed (another workspace, a locked screen) never paints.
    QTimer.singleShot(LISTEN_LATEST_MS, guard.listen)
    window.show_notices(notices)
    if open_files:
        offered = [str(path) for path in open_files]
        QTimer.singleShot(0, lambda: window.import_offered_files(offered))
    code = app.exec()
    termination.restore()
    from desktop_chat.ui.workers.math_typesetter import close_typesetter  # noqa: PLC0415

    close_typesetter()  # its child process first: a formula being typeset then ends at once
    wait_for_background(2000)
    opened.storage.close()
    guard.release()
    return int(code)
