"""``desktop-chat --self-test``: the real window streams one demo reply end to end, then exits.

It runs in a temporary home folder with an in-memory key store and saves nothing, so it never
depends on (or changes) the user's settings, history or keyring. The path it checks is the real
one: welcome screen, demo server over HTTP and SSE, the streamer thread, the recorder, the
transcript.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

from keyring.backends import fail
from PySide6.QtCore import (
    QEventLoop,
    QMessageLogContext,
    QObject,
    QTimer,
    QtMsgType,
    Slot,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication

from desktop_chat.core.config.paths import HOME_ENV, database_path
from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.config.settings import Settings
from desktop_chat.core.history.storage import open_storage
from desktop_chat.core.markdown.render import code_blocks
from desktop_chat.ui.app.startup import make_application
from desktop_chat.ui.common.theme import apply_theme
from desktop_chat.ui.window.main_window import MainWindow

__all__ = ["SelfTestError", "run_self_test", "self_test_in"]

_PROMPT = "Show me a small Python example."
_TIMEOUT_MS = 30_000


class SelfTestError(Exception):
    """A check of the self-test failed; the message says which."""


class _Waiter(QObject):
    """Ends a local event loop when the reply finishes or the time runs out."""

    def __init__(self, loop: QEventLoop) -> None:
        super().__init__()
        self._loop = loop
        self.stats: object = None

    @Slot(object)
    def on_reply_finished(self, stats: object) -> None:
        self.stats = stats
        self._loop.quit()

    @Slot()
    def on_timeout(self) -> None:
        self._loop.quit()


def run_self_test(qt_argv: list[str]) -> int:
    """Run the self-test in a temporary home; print one line; return the exit code."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    previous = os.environ.get(HOME_ENV)
    with tempfile.TemporaryDirectory(prefix="desktop-chat-self-test-") as home:
        os.environ[HOME_ENV] = home
        try:
            print(self_test_in(qt_argv))
        except SelfTestError as failure:
            print(f"self-test FAILED: {failure}", file=sys.stderr)
            return 1
        except Exception as error:  # noqa: BLE001 - any other failure fails the self-test
            print(f"self-test FAILED: {type(error).__name__}: {error}", file=sys.stderr)
            return 1
        finally:
            if previous is None:
                os.environ.pop(HOME_ENV, None)
            else:
                os.environ[HOME_ENV] = previous
    return 0


def _quiet_platform_messages(kind: QtMsgType, context: QMessageLogContext, text: str) -> None:
    # The offscreen platform warns about every window with a minimum size; the self-test's one
    # line of output must stay the only line.
    del context
    if "propagateSizeHints" not in text and kind != QtMsgType.QtDebugMsg:
        print(text, file=sys.stderr)


def self_test_in(qt_argv: list[str]) -> str:
    """Run the checks (in the current app folder) and return the line describing them.

    Raises:
        SelfTestError: a check failed.
    """
    previous_handler = qInstallMessageHandler(_quiet_platform_messages)
    try:
        return _run_window(qt_argv)
    finally:
        qInstallMessageHandler(previous_handler)


def _run_window(qt_argv: list[str]) -> str:
    app = make_application(qt_argv)
    apply_theme(app, "system")
    database = database_path()
    opened = open_storage(database)
    secrets = SecretStore(backend=fail.Keyring())  # type: ignore[no-untyped-call]
    window = MainWindow(
        Settings(), opened.storage, database, secrets, first_run=True, demo_pace=0.0, save=False
    )
    try:
        return _drive(app, window)
    finally:
        window.close()
        window.deleteLater()
        opened.storage.close()
        app.processEvents()


def _drive(app: QApplication, window: MainWindow) -> str:
    window.show()
    app.processEvents()
    if not window.is_welcome_shown():
        raise SelfTestError("the first-run welcome screen did not show")
    window.welcome.demo_button.click()
    if window.is_welcome_shown():
        raise SelfTestError("choosing the demo did not open the chat")
    base_url = window.demo_base_url()
    window.composer.setPlainText(_PROMPT)
    loop = QEventLoop()
    waiter = _Waiter(loop)
    window.session.reply_finished.connect(waiter.on_reply_finished)
    QTimer.singleShot(_TIMEOUT_MS, waiter.on_timeout)
    started = time.monotonic()
    if not window.send_current():
        raise SelfTestError("the message could not be sent")
    streamer = window.session.streamer
    if streamer is None:
        raise SelfTestError("no reply started streaming")
    loop.exec()
    elapsed = time.monotonic() - started
    if waiter.stats is None:
        raise SelfTestError(f"no complete reply within {_TIMEOUT_MS // 1000} s")
    view = window.transcript.last_view()
    if view is None or view.role != "assistant":
        raise SelfTestError("the reply is not in the transcript")
    if view.error_text():
        raise SelfTestError(f"the reply failed: {view.error_text()}")
    outcome = streamer.outcome
    streamed = outcome.text if outcome is not None else ""
    shown = view.markdown()
    if not streamed or shown != streamed:
        raise SelfTestError(
            f"the transcript shows {len(shown)} chars but {len(streamed)} were streamed"
        )
    if not view.body.toPlainText().strip():
        raise SelfTestError("the reply was not rendered")
    message = window.storage.get_message(view.message_id or -1)
    if message is None or message.content != streamed or message.status != "complete":
        raise SelfTestError("the reply was not saved complete in the database")
    blocks = len(code_blocks(shown))
    deltas = outcome.deltas if outcome is not None else 0
    return (
        f"self-test passed: streamed {deltas} deltas ({len(streamed)} chars, "
        f"{blocks} code block{'s' if blocks != 1 else ''}) from the demo server at {base_url} "
        f"into the transcript and the database in {elapsed:.2f} s"
    )
