"""One window per profile: a second launch brings the running window forward and ends.

A launch with files to import (``desktop-chat --open FILE ...``) hands them to the running
window, which imports them as its Import command would.

Two windows on one profile undo each other: each rewrites the settings file, purges what the
other still offers to undo, and marks the other's streaming reply as interrupted. The first
window of a profile holds a lock file in the profile's data folder for as long as it runs and
listens on a local socket named after the profile, from its first paint on (Qt's network
module is not needed to paint). A later launch that cannot take the lock connects to that
socket, waiting for it if the first window is still starting, asks the window to show itself,
and exits.

The lock decides who is first (two launches at the same moment cannot both win), and ``QLockFile``
takes over a lock whose process has died, so a crash never blocks the next start.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCryptographicHash, QLockFile, QObject, Signal, Slot

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalServer

__all__ = ["IMPORT_COMMAND", "SHOW_COMMAND", "InstanceGuard"]

# The message is lines: "show", then one "import<TAB><absolute path>" per file.
SHOW_COMMAND = b"show\n"
IMPORT_COMMAND = b"import\t"
_CONNECT_MS = 500
# The first window may still be starting: it listens once it has painted. A name nobody listens
# on is refused at once, so the attempts are spaced out, for this long at most.
_WAIT_SECONDS = 5.0
_RETRY_SECONDS = 0.1
_MAX_MESSAGE = 256 * 1024  # a few hundred long paths; more is not a launch of ours
_BUFFER = "desktopChatMessage"


def _server_name(data_dir: Path) -> str:
    # Qt's own SHA-256: Python's hashlib would load OpenSSL (3 MB resident) at every start.
    path = str(data_dir.resolve()).encode()
    digest = QCryptographicHash.hash(path, QCryptographicHash.Algorithm.Sha256).toHex()
    return f"desktop-chat-{bytes(digest.data()).decode()[:16]}"


class InstanceGuard(QObject):
    """The single-instance lock and socket of the profile whose data folder is ``data_dir``.

    Call :meth:`claim` once, after the ``QApplication`` exists; when it succeeds, call
    :meth:`listen` (the window does so after its first paint). Keep the guard for the life of
    the window.

    Signals:
        show_requested(): another launch asked the running window to come forward.
        import_requested(list): another launch gave files to import (a list of paths as str).
    """

    show_requested = Signal()
    import_requested = Signal(list)

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = _server_name(data_dir)
        self._lock = QLockFile(str(data_dir / "instance.lock"))
        self._lock.setStaleLockTime(0)  # a lock is stale only when its process is gone
        self._server: QLocalServer | None = None

    def claim(self, files: Sequence[Path] = ()) -> bool:
        """True when this process is the profile's first window; False when one already runs.

        When one runs, it has been asked to show itself and to import ``files`` (if it
        answered at all).
        """
        if self._lock.tryLock(0):
            return True
        message = SHOW_COMMAND + b"".join(
            IMPORT_COMMAND + os.fsencode(path.resolve()) + b"\n"
            for path in files
            if "\n" not in str(path)
        )
        deadline = time.monotonic() + _WAIT_SECONDS
        while not _send(self.name, message) and time.monotonic() < deadline:
            time.sleep(_RETRY_SECONDS)
        return False

    def release(self) -> None:
        """Stop listening and let the next launch be first."""
        if self._server is not None:
            self._server.close()
            self._server = None
        self._lock.unlock()

    def listen(self) -> None:
        """Answer later launches from now on (after a successful :meth:`claim`)."""
        from PySide6.QtNetwork import QLocalServer  # noqa: PLC0415 - not needed to paint

        if self._server is not None or not self._lock.isLocked():
            return
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
            socket.setProperty(_BUFFER, b"")
            socket.readyRead.connect(self._on_socket_ready_read)
            socket.disconnected.connect(self._on_socket_disconnected)

    @Slot()
    def _on_socket_ready_read(self) -> None:
        from PySide6.QtNetwork import QLocalSocket  # noqa: PLC0415 - loaded by listen()

        socket = self.sender()
        if not isinstance(socket, QLocalSocket) or not socket.isOpen():
            return
        received = bytes(socket.property(_BUFFER)) + bytes(socket.readAll().data())
        if len(received) > _MAX_MESSAGE:
            received = b"too long\n"  # not a launch of ours: the rest is read and dropped
        socket.setProperty(_BUFFER, received[:_MAX_MESSAGE])

    @Slot()
    def _on_socket_disconnected(self) -> None:
        from PySide6.QtNetwork import QLocalSocket  # noqa: PLC0415 - loaded by listen()

        socket = self.sender()
        if not isinstance(socket, QLocalSocket):
            return
        socket.deleteLater()
        received = bytes(socket.property(_BUFFER))
        if socket.bytesAvailable():
            received += bytes(socket.readAll().data())
        lines = received[:_MAX_MESSAGE].split(b"\n")
        if lines[0] + b"\n" != SHOW_COMMAND:
            return
        self.show_requested.emit()
        files = [
            os.fsdecode(line.removeprefix(IMPORT_COMMAND))
            for line in lines[1:]
            if line.startswith(IMPORT_COMMAND)
        ]
        if files:
            self.import_requested.emit(files)


def _send(name: str, message: bytes) -> bool:
    from PySide6.QtNetwork import QLocalSocket  # noqa: PLC0415 - only a second launch sends

    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(_CONNECT_MS):
        return False
    socket.write(message)
    sent = socket.waitForBytesWritten(_CONNECT_MS)
    socket.disconnectFromServer()
    if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
        socket.waitForDisconnected(_CONNECT_MS)
    return sent
