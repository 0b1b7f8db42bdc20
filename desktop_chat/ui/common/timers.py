"""The one way the window waits a moment before acting: a named single-shot timer.

Debouncing a search, coalescing deltas into one paint per frame, the Undo window and idle-time
work all follow the same pattern: ``start()`` (again) pushes the action back by the interval,
``stop()`` cancels it, and the slot runs on the GUI thread once the time is up.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

__all__ = ["single_shot_timer"]


def single_shot_timer(
    parent: QObject, interval_ms: int, slot: Callable[[], None], name: str = ""
) -> QTimer:
    """A stopped single-shot timer owned by ``parent`` that calls ``slot`` when it fires.

    Args:
        parent: owns the timer; it stops with it.
        interval_ms: the delay after each ``start()``.
        slot: a bound ``@Slot`` method of ``parent`` (no lambda: it must run on its thread).
        name: an object name, so tests and tools can find the timer.
    """
    timer = QTimer(parent)
    timer.setObjectName(name)
    timer.setSingleShot(True)
    timer.setInterval(interval_ms)
    timer.timeout.connect(slot)
    return timer
