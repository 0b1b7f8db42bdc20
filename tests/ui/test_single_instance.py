"""One window per profile: a second launch brings the first forward; a crash blocks nothing."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtNetwork import QLocalSocket
from pytestqt.qtbot import QtBot

from desktop_chat.core.config.paths import app_paths
from desktop_chat.ui.app.single_instance import InstanceGuard
from tests.app_process import start_app

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _wait_for_database(app_home: Path, process: subprocess.Popen[bytes]) -> None:
    wal = app_home / "data" / "conversations.sqlite3-wal"
    while not wal.exists():  # the global test timeout bounds this wait
        assert process.poll() is None, process.communicate()[1].decode(errors="replace")
        time.sleep(0.05)


def test_a_second_launch_brings_the_first_forward_and_ends(qtbot: QtBot, app_home: Path) -> None:
    first = InstanceGuard(app_paths().data_dir)
    assert first.claim()
    first.listen()
    try:
        with qtbot.waitSignal(first.show_requested, timeout=30_000):
            second = start_app(app_home)
            while second.poll() is None:
                qtbot.wait(20)  # the first window's loop answers while the second waits
        _, stderr = second.communicate()
        assert second.returncode == 0, stderr.decode(errors="replace")
        # The second launch opened nothing: no database of its own, no settings written.
        assert not (app_home / "data" / "conversations.sqlite3").exists()
    finally:
        first.release()


def test_a_second_launch_hands_its_files_to_the_first(
    qtbot: QtBot, app_home: Path, tmp_path: Path
) -> None:
    first = InstanceGuard(app_paths().data_dir)
    assert first.claim()
    first.listen()
    export = tmp_path / "my export.json"
    other = tmp_path / "conversations.zip"
    try:
        with qtbot.waitSignal(first.import_requested, timeout=30_000) as offered:
            second = start_app(app_home, "--open", str(export), str(other), "-style", "fusion")
            while second.poll() is None:
                qtbot.wait(20)
        second.communicate()
        assert second.returncode == 0
        assert offered.args == [[str(export), str(other)]]
    finally:
        first.release()


def test_a_launch_while_the_first_window_starts_waits_for_it(qtbot: QtBot, app_home: Path) -> None:
    # The first window holds the lock from its start but listens only after its first paint: a
    # second launch in between keeps trying until it is heard.
    first = InstanceGuard(app_paths().data_dir)
    assert first.claim()
    try:
        with qtbot.waitSignal(first.show_requested, timeout=30_000):
            second = start_app(app_home)
            qtbot.wait(1000)  # the second launch is refused meanwhile, and tries again
            assert second.poll() is None
            first.listen()
            while second.poll() is None:
                qtbot.wait(20)
        _, stderr = second.communicate()
        assert second.returncode == 0, stderr.decode(errors="replace")
    finally:
        first.release()


def test_a_message_that_is_not_a_launch_of_ours_is_dropped(qtbot: QtBot, app_home: Path) -> None:
    del app_home
    guard = InstanceGuard(app_paths().data_dir)
    assert guard.claim()
    guard.listen()
    asked: list[object] = []
    guard.show_requested.connect(lambda: asked.append("show"))
    try:
        for message in (b"x" * (300 * 1024), b"import\t/etc/passwd\n", b"hello"):
            socket = QLocalSocket()
            socket.connectToServer(guard.name)
            assert socket.waitForConnected(5000)
            socket.write(message)
            socket.waitForBytesWritten(5000)
            socket.disconnectFromServer()
            qtbot.wait(100)
        assert asked == []
    finally:
        guard.release()


def test_the_guard_refuses_a_second_claim_until_released(qtbot: QtBot, app_home: Path) -> None:
    del qtbot
    first = InstanceGuard(app_paths().data_dir)
    second = InstanceGuard(app_paths().data_dir)
    assert first.claim()
    first.listen()
    try:
        assert not second.claim()
    finally:
        first.release()
    assert second.claim()
    second.release()


def test_a_killed_window_does_not_block_the_next_start(app_home: Path) -> None:
    crashed = start_app(app_home)
    _wait_for_database(app_home, crashed)
    crashed.send_signal(signal.SIGKILL)
    crashed.communicate()
    assert (app_home / "data" / "instance.lock").exists()  # left behind by the crash
    again = start_app(app_home)
    try:
        # The lock file names the process that holds it: the new window takes it over.
        lock = app_home / "data" / "instance.lock"
        while lock.read_text().split("\n")[0] != str(again.pid):
            assert again.poll() is None, "the next start gave way to a window that is gone"
            time.sleep(0.05)
    finally:
        again.kill()
        again.communicate()
