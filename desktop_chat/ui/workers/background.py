"""Runs one blocking call (test a connection, probe local servers) off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

__all__ = ["BackgroundCall", "start_background", "wait_for_background"]

# Running calls are kept here, not by the widget that asked: a dialog closed mid-call must not
# destroy a running thread. Each removes itself when its thread ends.
_running: set[BackgroundCall] = set()


class BackgroundCall(QThread):
    """Calls ``function()`` in a worker thread and reports the outcome with a signal.

    The function must not touch widgets; its result travels as plain data.

    Args:
        function: the blocking call.
        parent: the Qt parent.

    Signals:
        succeeded(str, object): the call's object name and the function's return value.
        failed(str, object): the call's object name and the exception it raised.
    """

    succeeded = Signal(str, object)
    failed = Signal(str, object)

    def __init__(self, function: Callable[[], object], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._function = function
        self.finished.connect(self._on_thread_finished)

    @Slot()
    def _on_thread_finished(self) -> None:
        _running.discard(self)
        self.deleteLater()

    def run(self) -> None:
        """Call the function (runs in the worker thread)."""
        try:
            result = self._function()
        except Exception as error:  # noqa: BLE001 - the caller's slot decides what it means
            self.failed.emit(self.objectName(), error)
        else:
            self.succeeded.emit(self.objectName(), result)


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
    """Wait for running calls to end (at exit); True when none is left running."""
    for call in list(_running):
        call.wait(timeout_ms)
    return not any(call.isRunning() for call in _running)
