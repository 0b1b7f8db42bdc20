"""One window per profile: a second launch brings the running window forward and ends.

Two windows on one profile undo each other: each rewrites the settings file, purges what the
other still offers to undo, and marks the other's streaming reply as interrupted. The first
window of a profile holds a lock file in the profile's data folder for as long as it runs and
listens on a local socket named after the profile. A later launch that cannot take the lock
connects to that socket, asks the window to show itself, and exits.

The lock decides who is first (two launches at the same moment cannot both win), and ``QLockFile``
takes over a lock whose process has died, so a crash never blocks the next start.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket

__all__ = ["SHOW_COMMAND", "InstanceGuard"]

SHOW_COMMAND = b"show\n"
_CONNECT_MS = 500
_ATTEMPTS = 10  # the first window may still be starting to listen
_MAX_COMMAND = 256


def _server_name(data_dir: Path) -> str:
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    return f"desktop-chat-{digest}"


class InstanceGuard(QObject):
    """The single-instance lock and socket of the profile whose data folder is ``data_dir``.

    Call :meth:`claim` once, after the ``QApplication`` exists. Keep the guard for the life of the
    window.

    Signals:
        show_requested(): another launch asked the running window to come forward.
    """

    show_requested = Signal()

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = _server_name(data_dir)
        self._lock = QLockFile(str(data_dir / "instance.lock"))
        self._lock.setStaleLockTime(0)  # a lock is stale only when its process is gone
        self._server: QLocalServer | None = None

    def claim(self) -> bool:
        """True when this process is the profile's first window; False when one already runs.

        When one runs, it has been asked to show itself (if it answered at all).
        """
        if self._lock.tryLock(0):
            self._listen()
            return True
        for _ in range(_ATTEMPTS):
            if _send_show(self.name):
                break
        return False

    def release(self) -> None:
        """Stop listening and let the next launch be first."""
        if self._server is not None:
            self._server.close()
            self._server = None
        self._lock.unlock()

    def _listen(self) -> None:
        server = QLocalServer(self)
        # A socket left by a window that crashed would refuse the name; the lock says it is dead.
        QLocalServer.removeServer(self.name)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        server.newConnection.connect(self._on_server_new_connection)
        if server.listen(self.name):
            self._server = server

    @Slot()
    def _on_server_new_connection(self) -> None:
        server = self._server
        while server is not None and server.hasPendingConnections():
            socket = server.nextPendingConnection()
            socket.setReadBufferSize(_MAX_COMMAND)
            socket.readyRead.connect(self._on_socket_ready_read)
            socket.disconnected.connect(socket.deleteLater)

    @Slot()
    def _on_socket_ready_read(self) -> None:
        socket = self.sender()
        if not isinstance(socket, QLocalSocket):
            return
        command = bytes(socket.readAll().data())[:_MAX_COMMAND]
        if command.startswith(SHOW_COMMAND.strip()):
            self.show_requested.emit()
        socket.disconnectFromServer()


def _send_show(name: str) -> bool:
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(_CONNECT_MS):
        return False
    socket.write(SHOW_COMMAND)
    sent = socket.waitForBytesWritten(_CONNECT_MS)
    socket.disconnectFromServer()
    return sent
