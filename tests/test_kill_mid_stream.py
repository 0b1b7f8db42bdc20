"""Killing the app mid-reply never damages the database nor loses more than a moment of text.

The real application (its own ``ui.app.run`` start-up) runs in a subprocess, offscreen, with a home
folder whose settings point a Custom provider at a loopback server. The server streams a long reply,
one piece every 10 ms, and notes when each piece was written. The app sends one message, and the
test kills it with SIGKILL at a random moment of the stream, twenty times over the same database.

After each kill: ``PRAGMA integrity_check`` is ok, the saved reply is a prefix of what the server
sent, and the reply is saved as still streaming. Finally the app opens once in-process and shows
the last reply as interrupted. How much text a kill loses is a time, so it is measured by
``benchmarks/bench_kill.py``, which runs these same kills (the recorder's interval itself is
tested with an injected clock in ``tests/core/test_recorder.py``).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot

from desktop_chat.core.config.paths import database_path, settings_path
from desktop_chat.core.config.providers import ProviderConfig
from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.config.settings import Settings, save_settings
from desktop_chat.core.history.storage import open_storage
from desktop_chat.ui.window.main_window import MainWindow
from tests.scripted_server import RecordedRequest, Reply, ScriptedServer, json_reply, sse_reply
from tests.widgets import child

pytestmark = [pytest.mark.slow, pytest.mark.qt_log_ignore("does not support propagateSizeHints")]

KILLS = 20
PIECES = 800
PIECE_DELAY = 0.01
PROVIDER_ID = "kill-test"
ROOT = Path(__file__).resolve().parents[1]

# The app's own start-up (ui.app.run), plus a timer that sends one message once the window shows.
_DRIVER = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.ui.app.app import run
from desktop_chat.ui.window.main_window import MainWindow
from desktop_chat.ui.app.startup import make_application

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


def _start_driver(stderr: int) -> subprocess.Popen[bytes]:
    """The app, sending one message as soon as its window shows."""
    return subprocess.Popen(
        [sys.executable, "-c", _DRIVER],
        cwd=ROOT,
        env=_child_env(),
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )


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


@dataclass(frozen=True)
class Kill:
    """One kill: what the server wrote (with when), what was saved, and when the kill came."""

    log: list[tuple[float, str]]
    killed_at: float
    saved: str
    status: str
    replies: int

    def lag(self) -> float | None:
        """Seconds from the server writing the first piece that was lost to the kill."""
        first_lost = len(self.saved) // len(_piece(0))
        return self.killed_at - self.log[first_lost][0] if first_lost < len(self.log) else None


def run_kills(server: TimedServer, kills: int, seed: int) -> Iterator[Kill]:
    """Start the app, let it stream and SIGKILL it at a random moment, ``kills`` times."""
    rng = random.Random(seed)
    for _ in range(kills):
        server.take_log()
        child = _start_driver(subprocess.PIPE)
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
        saved, status, count = _last_reply(database_path())
        yield Kill(log, killed_at, saved, status, count)


def save_kill_test_settings(server: TimedServer) -> ProviderConfig:
    """Point the profile at ``server`` through a Custom provider; that provider."""
    provider = ProviderConfig(
        id=PROVIDER_ID, name="Kill test", kind="custom", base_url=server.base_url,
        model="test-model",
    )  # fmt: skip
    save_settings(Settings(providers=[provider], active_provider_id=PROVIDER_ID))
    return provider


def test_killing_the_app_mid_reply_keeps_the_database_whole(qtbot: QtBot) -> None:
    server = TimedServer()
    try:
        provider = save_kill_test_settings(server)
        assert settings_path().exists()
        for run, kill in enumerate(run_kills(server, KILLS, seed=20261128), start=1):
            sent = "".join(text for _, text in kill.log)
            assert kill.replies == run, "each run adds exactly one reply"
            assert kill.status == "streaming", "a killed reply stays 'streaming' until next start"
            assert sent.startswith(kill.saved), f"run {run}: saved text is not what was sent"

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
        assert child(view, QLabel, "messageNote").text() == "This reply was cut off."
        assert "closed before this reply finished" in view.error_text()
        assert not child(view, QPushButton, "continueButton").isHidden()
        assert not child(view, QPushButton, "retryButton").isHidden()
        window.close()
        opened.storage.close()
    finally:
        server.stop()


BURST = 40


class PausingServer(TimedServer):
    """Streams bursts of ``BURST`` pieces and waits, between bursts, until the test says go on.

    A model that thinks, or a tool that runs, sends nothing for a while after a burst: what came
    before the pause must reach the disk during it, not when the next piece arrives.
    """

    def __init__(self) -> None:
        self.go_on = threading.Event()
        super().__init__()

    def _next_reply(self) -> Reply:
        if str(getattr(self._where, "path", "")).endswith("/models"):
            return json_reply(200, {"data": [{"id": "test-model"}]})
        self._where.streaming = True
        return sse_reply([_piece(n) for n in range(3 * BURST)], delay=0.0)

    def _send(self, sock: object, data: bytes) -> None:
        for pause_before in (BURST, 2 * BURST):
            if _piece(pause_before).encode() in data:
                self.go_on.wait()
                self.go_on.clear()
        super()._send(sock, data)


def _wait_until_saved(database: Path, text: str, child: subprocess.Popen[bytes]) -> None:
    """Poll the database until the reply reads ``text`` (the global test timeout bounds this)."""
    while True:
        assert child.poll() is None, "the app exited early"
        if database.exists():
            with contextlib.suppress(sqlite3.OperationalError, TypeError):
                saved, _, _ = _last_reply(database)
                if saved == text:
                    return
        time.sleep(0.02)


def test_a_burst_then_a_pause_is_on_disk_before_the_kill() -> None:
    server = PausingServer()
    try:
        save_kill_test_settings(server)
        child = _start_driver(subprocess.DEVNULL)
        try:
            first = "".join(_piece(n) for n in range(BURST))
            # Nothing arrives after the first burst: only a timer can save its tail.
            _wait_until_saved(database_path(), first, child)
            server.go_on.set()
            both = "".join(_piece(n) for n in range(2 * BURST))
            _wait_until_saved(database_path(), both, child)
            child.send_signal(signal.SIGKILL)
            child.wait(10)
        finally:
            server.go_on.set()
            child.kill()
            child.wait(10)
        saved, status, count = _last_reply(database_path())
        assert (saved, status, count) == (both, "streaming", 1)
    finally:
        server.go_on.set()
        server.stop()
