"""A fixture that fails any test leaving a thread running, Python's or Qt's.

A QThread outliving its test crashes Qt at exit ("QThread: Destroyed while thread is still
running"); a Python thread outliving it holds sockets and files of a test that has ended, and
hides a close or cancel that does not work.
"""

from __future__ import annotations

import gc
import sys
import threading
import time
from collections.abc import Iterator

import pytest

__all__ = ["no_dangling_threads"]

#: How long threads get to end after the test's own teardown; a guard, not a budget.
GRACE = 5.0


def _running_qthreads() -> list[object]:
    if "PySide6.QtCore" not in sys.modules:  # tests that never touched Qt started no QThread
        return []
    import shiboken6
    from PySide6.QtCore import QThread

    return [
        thread
        for thread in gc.get_objects()
        if isinstance(thread, QThread) and shiboken6.isValid(thread) and thread.isRunning()
    ]


def _new_threads(before: set[threading.Thread]) -> list[threading.Thread]:
    # A thread Python did not start (a QThread) shows as a _DummyThread once it asks for
    # current_thread(), and stays listed for good: the QThread check covers those.
    return [
        t
        for t in threading.enumerate()
        if t not in before and t.is_alive() and not isinstance(t, threading._DummyThread)
    ]


@pytest.fixture(autouse=True)
def no_dangling_threads() -> Iterator[None]:
    """Fail the test if a thread it started, or a QThread of ours, still runs after it."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + GRACE
    while (_new_threads(before) or _running_qthreads()) and time.monotonic() < deadline:
        time.sleep(0.02)
    qthreads = _running_qthreads()
    names = [type(thread).__name__ for thread in qthreads]
    for thread in qthreads:
        thread.wait(5000)  # type: ignore[attr-defined]
    assert not qthreads, f"QThreads left running: {names}"
    threads = [t.name for t in _new_threads(before)]
    assert not threads, f"threads left running: {threads}"
