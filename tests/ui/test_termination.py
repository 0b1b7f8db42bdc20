"""Asked to end (SIGTERM at logout, Ctrl+C in a terminal), the app closes like a user closing it."""

from __future__ import annotations

import contextlib
import signal
import socket
import sys
import threading
import time
from pathlib import Path

import pytest

from desktop_chat.core.config.providers import ProviderConfig
from desktop_chat.core.config.settings import Settings, save_settings
from tests.app_process import start_app

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _wait_for(path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.05)


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT])
def test_a_termination_signal_closes_the_window_and_the_database(
    app_home: Path, number: signal.Signals
) -> None:
    process = start_app(app_home)
    try:
        wal = app_home / "data" / "conversations.sqlite3-wal"
        _wait_for(wal, 20)  # the database is open; the window follows at once
        time.sleep(1.0)
        process.send_signal(number)
        _, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr.decode(errors="replace")
    # SQLite removes the write-ahead log when the last connection closes cleanly.
    assert not wal.exists()
    assert b"Traceback" not in stderr


class _SilentServer:
    """A loopback server that takes requests and never answers them."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.asked = threading.Event()
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _ = self._listener.accept()
                self._open.append(connection)
                if connection.recv(65536):
                    self.asked.set()

    def close(self) -> None:
        for connection in self._open:
            connection.close()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept
        self._listener.close()
        self._thread.join()


def test_quitting_while_the_model_list_waits_ends_cleanly(app_home: Path) -> None:
    server = _SilentServer()
    provider = ProviderConfig(
        id="local",
        name="Local",
        kind="custom",
        base_url=f"http://127.0.0.1:{server.port}/v1",
        model="m",
    )
    save_settings(Settings(providers=[provider], active_provider_id="local"))
    process = start_app(app_home)
    try:
        assert server.asked.wait(30), "the window never asked for the model list"
        process.send_signal(signal.SIGTERM)  # the model list is still waiting for its answer
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        server.close()
    assert process.returncode == 0, stderr.decode(errors="replace")
    assert b"QThread" not in stderr
    assert b"Traceback" not in stderr
