"""Runs one blocking call (test a connection, probe local servers) off the GUI thread.

The call runs in a daemon Python thread, not a ``QThread``: a call can wait on a server for many
seconds, and a ``QThread`` still running when the application ends aborts the process
("QThread: Destroyed while thread is still running"). A daemon thread is simply left behind at
exit; what it would have reported no longer matters, and it holds nothing that needs closing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot

__all__ = ["BackgroundCall", "start_background", "wait_for_background"]

# Running calls are kept here, not by the widget that asked: a dialog closed mid-call must not
# destroy the object its thread reports through. Each removes itself once it has reported.
_running: set[BackgroundCall] = set()


class BackgroundCall(QObject):
    """Calls ``function()`` in a worker thread and reports the outcome with a signal.

    The function must not touch widgets; its result travels as plain data. Create it on the
    GUI thread: the signals are delivered there.

    Args:
        function: the blocking call.
        parent: the Qt parent.

    Signals:
        succeeded(str, object): the call's object name and the function's return value.
        failed(str, object): the call's object name and the exception it raised.
    """

    succeeded = Signal(str, object)
    failed = Signal(str, object)
    _ended = Signal()

    def __init__(self, function: Callable[[], object], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._function = function
        self._thread: threading.Thread | None = None
        self._ended.connect(self._on_self_ended)

    def start(self) -> None:
        """Start the worker thread."""
        self._thread = threading.Thread(
            target=self._run, name=f"background-{self.objectName()}", daemon=True
        )
        self._thread.start()

    def is_running(self) -> bool:
        """Whether the function has not returned yet."""
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the function to return; True if it has."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.is_running()

    @Slot()
    def _on_self_ended(self) -> None:
        _running.discard(self)
        self.deleteLater()

    def _run(self) -> None:
        try:
            result = self._function()
        except Exception as error:  # noqa: BLE001 - the caller's slot decides what it means
            self.failed.emit(self.objectName(), error)
        else:
            self.succeeded.emit(self.objectName(), result)
        self._ended.emit()


def start_background(
    function: Callable[[], object],
    *,
    succeeded: Callable[[str, object], None] | None = None,
    failed: Callable[[str, object], None] | None = None,
    name: str = "",
) -> BackgroundCall:
    """Create and start a BackgroundCall that lives until it ends, whoever asked for it.

    The receivers are connected, and the name set, before the thread starts: a signal emitted
    while nothing is connected is lost, and a fast call can finish before this function returns.

    Args:
        function: the blocking call; it must not touch widgets.
        succeeded: receives the call's name and the return value (a bound ``@Slot`` method).
        failed: receives the call's name and the exception raised.
        name: the call's object name, handed to the receivers so they can tell calls apart.
    """
    call = BackgroundCall(function)
    call.setObjectName(name)
    if succeeded is not None:
        call.succeeded.connect(succeeded)
    if failed is not None:
        call.failed.connect(failed)
    _running.add(call)
    call.start()
    return call


def wait_for_background(timeout_ms: int = 2000) -> bool:
    """Give running calls up to ``timeout_ms`` in all to end (at exit); True when none is left.

    Calls still waiting after that are left to end with the process.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    for call in list(_running):
        call.wait(max(0.0, deadline - time.monotonic()))
    return not any(call.is_running() for call in _running)
