"""Turns SIGTERM and SIGINT into a normal close of the window.

A desktop session ends its programs with SIGTERM at logout. Python's default would end the
process on the spot, mid-write; closing the window instead stops a streaming reply, saves it and
closes the database like the user closing it. Qt's event loop runs in C, where Python's own signal
handlers never get a chance to run, so the signal is carried into the loop through the
interpreter's wakeup file descriptor and a socket notifier.
"""

from __future__ import annotations

import contextlib
import signal
import socket
from types import FrameType

from PySide6.QtCore import QObject, QSocketNotifier, Signal, Slot

__all__ = ["TerminationWatcher"]

_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, name)
)


def _note_signal(number: int, frame: FrameType | None) -> None:
    """Python-level handler: the wakeup descriptor has already carried the signal to Qt."""
    del number, frame


class TerminationWatcher(QObject):
    """Emits ``requested`` when the process is asked to end.

    Create it on the main thread, once the window exists, and connect ``requested`` to the
    window's ``close``. ``restore()`` puts the previous handlers back.

    Signals:
        requested(): SIGTERM, SIGINT or SIGHUP arrived.
    """

    requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
        self._previous_handlers = {
            number: signal.signal(number, _note_signal) for number in _SIGNALS
        }
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_notifier_activated)

    @Slot()
    def _on_notifier_activated(self) -> None:
        with contextlib.suppress(BlockingIOError):
            while self._reader.recv(64):
                pass
        self.requested.emit()

    def restore(self) -> None:
        """Give the signals back to the handlers they had before."""
        self._notifier.setEnabled(False)
        for number, handler in self._previous_handlers.items():
            signal.signal(number, handler)
        signal.set_wakeup_fd(self._previous_fd)
        self._reader.close()
        self._writer.close()
