"""Killing the app mid-reply never damages the database nor loses more than a moment of text.

The real application (its own ``ui.app.run`` start-up) runs in a subprocess, offscreen, with a home
folder whose settings point a Custom provider at a loopback server. The server streams a long reply,
one piece every 10 ms, and notes when each piece was written. The app sends one message, and the
test kills it with SIGKILL at a random moment of the stream, twenty times over the same database.

After each kill: ``PRAGMA integrity_check`` is ok, the saved reply is a prefix of what the server
sent, and it holds every piece the server wrote more than ``FLUSH_INTERVAL + MARGIN`` before the
kill. The recorder commits at most every 250 ms; ``MARGIN`` (150 ms) covers the time from the
server's write to the app reading it, the 10 ms between pieces, the commit itself and scheduling on
a busy machine. Finally the app opens once in-process and shows the last reply as interrupted.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop_chat.core.paths import database_path, settings_path
from desktop_chat.core.providers import ProviderConfig
from desktop_chat.core.secrets import SecretStore
from desktop_chat.core.settings import Settings, save_settings
from desktop_chat.core.storage import open_storage
from desktop_chat.ui.main_window import MainWindow
from tests.scripted_server import RecordedRequest, Reply, ScriptedServer, json_reply, sse_reply

pytestmark = [pytest.mark.slow, pytest.mark.qt_log_ignore("does not support propagateSizeHints")]

KILLS = 20
PIECES = 800
PIECE_DELAY = 0.01
FLUSH_INTERVAL = 0.25
MARGIN = 0.15
PROVIDER_ID = "kill-test"
ROOT = Path(__file__).resolve().parents[1]

# The app's own start-up (ui.app.run), plus a timer that sends one message once the window shows.
_DRIVER = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from desktop_chat.core.secrets import SecretStore
from desktop_chat.ui.app import run
from desktop_chat.ui.main_window import MainWindow
from desktop_chat.ui.startup import make_application

argv = [sys.argv[0]]
make_application(argv)
# No keyring here: the key lives in this process's memory only, as the app does without one.
SecretStore().set("kill-test", "sk-kill-test-key")

def send():
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, MainWindow) and widget.isVisible():
            widget.composer.setPlainText("Tell me a long story.")
            if widget.send_current():
                return
    QTimer.singleShot(20, send)

QTimer.singleShot(0, send)
sys.exit(run(argv))
"""


def _piece(number: int) -> str:
    return f"w{number:04d} "


class TimedServer(ScriptedServer):
    """Answers the model list and streams the long reply; notes when each piece was written."""

    def __init__(self) -> None:
        self._where = threading.local()
        self.log: list[tuple[float, str]] = []
        self._log_lock = threading.Lock()
        super().__init__()

    def _read_request(self, *args: object) -> tuple[RecordedRequest | None, bytes]:
        request, rest = super()._read_request(*args)  # type: ignore[arg-type]
        self._where.path = request.path if request is not None else ""
        return request, rest

    def _next_reply(self) -> Reply:
        if str(getattr(self._where, "path", "")).endswith("/models"):
            return json_reply(200, {"data": [{"id": "test-model"}]})
        self._where.streaming = True
        return sse_reply([_piece(n) for n in range(PIECES)], delay=PIECE_DELAY)

    def _send(self, sock: object, data: bytes) -> None:
        super()._send(sock, data)  # type: ignore[arg-type]
        sent_at = time.monotonic()
        if not getattr(self._where, "streaming", False) or b'"content": "w' not in data:
            return
        event = data[data.index(b"data: ") + 6 :].split(b"\n\n", 1)[0]
        text = json.loads(event)["choices"][0]["delta"]["content"]
        with self._log_lock:
            self.log.append((sent_at, text))

    def take_log(self) -> list[tuple[float, str]]:
        """The pieces written since the last call, with their times."""
        with self._log_lock:
            log, self.log = self.log, []
        return log


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    env["PYTHONPATH"] = str(ROOT)
    return env


def _wait_for_first_piece(server: TimedServer, child: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while not server.log:
        if child.poll() is not None:
            raise AssertionError(f"The app exited early: {child.stderr and child.stderr.read()!r}")
        assert time.monotonic() < deadline, "the app never started streaming"
        time.sleep(0.005)


def _last_reply(database: Path) -> tuple[str, str, int]:
    connection = sqlite3.connect(database)
    try:
        (check,) = connection.execute("PRAGMA integrity_check").fetchone()
        assert check == "ok"
        content, status = connection.execute(
            "SELECT content, status FROM messages WHERE role = 'assistant' ORDER BY id DESC"
        ).fetchone()
        (count,) = connection.execute(
            "SELECT count(*) FROM messages WHERE role = 'assistant'"
        ).fetchone()
    finally:
        connection.close()
    return content, status, count


def test_killing_the_app_mid_reply_keeps_the_database_whole(qtbot: QtBot) -> None:
    rng = random.Random(20261128)
    server = TimedServer()
    try:
        provider = ProviderConfig(
            id=PROVIDER_ID, name="Kill test", kind="custom", base_url=server.base_url,
            model="test-model",
        )  # fmt: skip
        save_settings(Settings(providers=[provider], active_provider_id=PROVIDER_ID))
        assert settings_path().exists()
        worst_lag = 0.0
        for run in range(1, KILLS + 1):
            server.take_log()
            child = subprocess.Popen(
                [sys.executable, "-c", _DRIVER],
                cwd=ROOT,
                env=_child_env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            try:
                _wait_for_first_piece(server, child)
                time.sleep(rng.uniform(0.0, 1.2))
                killed_at = time.monotonic()
                child.send_signal(signal.SIGKILL)
            finally:
                child.kill()
                child.wait(10)
                if child.stderr is not None:
                    child.stderr.close()
            time.sleep(0.05)  # let the server notice the closed socket before reading its log
            log = server.take_log()
            sent = "".join(text for _, text in log)
            required = "".join(text for at, text in log if at < killed_at - FLUSH_INTERVAL - MARGIN)
            saved, status, count = _last_reply(database_path())
            assert count == run, "each run adds exactly one reply"
            assert status == "streaming", "a killed reply stays 'streaming' until the next start"
            assert sent.startswith(saved), f"run {run}: saved text is not what the server sent"
            assert saved.startswith(required), (
                f"run {run}: lost text sent more than {FLUSH_INTERVAL + MARGIN:.2f} s before the "
                f"kill ({len(saved)} chars saved, {len(required)} required)"
            )
            first_lost = len(saved) // len(_piece(0))
            if first_lost < len(log):
                worst_lag = max(worst_lag, killed_at - log[first_lost][0])
        print(f"\nlongest time from sending a piece to a kill that lost it: {worst_lag:.3f} s")

        opened = open_storage(database_path())
        assert opened.interrupted == 1
        secrets = SecretStore()
        secrets.set(PROVIDER_ID, "sk-kill-test-key")
        window = MainWindow(
            Settings(providers=[provider], active_provider_id=PROVIDER_ID),
            opened.storage,
            database_path(),
            secrets,
            save=False,
        )
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: window.model_picker.count() == 1, timeout=5000)
        window.open_conversation(window.conversation_list.ids()[0])
        view = window.transcript.last_view()
        assert view is not None
        assert view.markdown().startswith(_piece(0))
        assert view._note.text() == "This reply was cut off."
        assert "closed before this reply finished" in view.error_text()
        assert not view._continue_button.isHidden()
        assert not view._retry_button.isHidden()
        window.close()
        opened.storage.close()
    finally:
        server.stop()
