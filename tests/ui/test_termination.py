"""Asked to end (SIGTERM at logout, Ctrl+C in a terminal), the app closes like a user closing it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

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
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", DESKTOP_CHAT_HOME=str(app_home))
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop_chat"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
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
