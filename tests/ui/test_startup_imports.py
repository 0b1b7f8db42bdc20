"""What the window loads before its first paint, and that what it leaves out still loads later.

The app is started for real (``python -m desktop_chat``'s entry point) in a subprocess, off
screen; at the main window's first paint it prints the names of the modules loaded and quits.
Everything below is loaded on first use (a send, a scan, a dialog, an import), after the paint.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

_AT_FIRST_PAINT = """
import json, sys
import desktop_chat.ui.app.app as app_module
from desktop_chat.__main__ import main
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QMainWindow

make_application = app_module.make_application

class Watcher(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and isinstance(watched, QMainWindow):
            print(json.dumps(sorted(sys.modules)), flush=True)
            QApplication.instance().removeEventFilter(self)
            QApplication.closeAllWindows()
        return False

def watched(argv):
    app = make_application(argv)
    app._watcher = Watcher()
    app.installEventFilter(app._watcher)
    return app

app_module.make_application = watched
sys.exit(main([]))
"""

#: Loaded on first use, never for the first paint.
LATER = [
    # the HTTP client and what it brings
    "httpx",
    "ssl",
    "msgspec",
    "desktop_chat.core.client.api",
    "desktop_chat.core.client.discovery",
    "desktop_chat.core.client.demo_server",
    "desktop_chat.core.chat.runner",
    "desktop_chat.core.chat.connection",
    # the keyring, its plugins and their metadata
    "keyring",
    "importlib.metadata",
    # OpenSSL, through Python's hashing (attachments are named by their SHA-256)
    "hashlib",
    # rendering Markdown and highlighting code
    "markdown_it",
    "pygments",
    "desktop_chat.core.markdown.render",
    # import and export
    "desktop_chat.core.transfer.importers",
    "desktop_chat.core.transfer.export",
    "desktop_chat.ui.transfer.pdf_export",
    # attaching files: decoding images, reading PDFs
    "PIL",
    "pypdf",
    # typesetting formulas
    "desktop_chat.core.markdown.math",
    "desktop_chat.ui.workers.math_typesetter",
    # the local socket that answers a second launch, opened after the first paint
    "PySide6.QtNetwork",
    # a message's widgets, made for the first message (a new chat shows none), and copying
    "desktop_chat.ui.transcript.message_view",
    "desktop_chat.ui.transcript.message_body",
    "desktop_chat.ui.transcript.tool_call_card",
    "desktop_chat.ui.transcript.clipboard",
    # the list of search results, made by the first search
    "desktop_chat.ui.history.search_panel",
    # dialogs
    "desktop_chat.ui.dialogs.settings_dialog",
    "desktop_chat.ui.dialogs.chat_settings_dialog",
    "desktop_chat.ui.dialogs.about",
]


def modules_at_first_paint(home: Path) -> set[str]:
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", DESKTOP_CHAT_HOME=str(home))
    result = subprocess.run(
        [sys.executable, "-c", _AT_FIRST_PAINT],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.splitlines()[0]))


def _settings_saved(home: Path) -> None:
    """Make ``home`` a profile that has been used: no welcome screen at start."""
    code = (
        "from desktop_chat.core.config.settings import Settings, save_settings\n"
        "save_settings(Settings())"
    )
    environment = dict(os.environ, DESKTOP_CHAT_HOME=str(home))
    subprocess.run([sys.executable, "-c", code], env=environment, check=True, timeout=60)


def test_the_first_paint_loads_the_window_and_nothing_it_does_not_show(tmp_path: Path) -> None:
    _settings_saved(tmp_path)
    loaded = modules_at_first_paint(tmp_path)
    # What the first paint shows is there: the window, the history.
    assert {"desktop_chat.ui.window.main_window", "desktop_chat.core.history.storage"} <= loaded
    assert [name for name in LATER if name in loaded] == []


def test_the_welcome_screen_paints_before_the_keyring_loads(tmp_path: Path) -> None:
    # A first run shows the welcome screen, which says whether a pasted key is kept in the
    # system keyring or in memory; the keyring is asked when a key is typed.
    loaded = modules_at_first_paint(tmp_path)
    assert "desktop_chat.ui.dialogs.welcome" in loaded
    assert [name for name in LATER if name in loaded] == []


def test_what_the_first_paint_leaves_out_loads_when_used() -> None:
    # The deferred imports name real modules: each loads on its own, without Qt's event loop.
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)"
    result = subprocess.run(
        [sys.executable, "-c", code, *LATER],
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
