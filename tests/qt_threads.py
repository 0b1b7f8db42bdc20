"""A fixture that fails any test leaving a QThread running: a thread outliving its test would
crash Qt at exit ("QThread: Destroyed while thread is still running")."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtCore import QThread

__all__ = ["no_dangling_qthreads"]


def _running_qthreads() -> list[QThread]:
    return [
        thread
        for thread in gc.get_objects()
        if isinstance(thread, QThread) and shiboken6.isValid(thread) and thread.isRunning()
    ]


@pytest.fixture(autouse=True)
def no_dangling_qthreads() -> Iterator[None]:
    """Fail any test that leaves a QThread of ours running (found among live Python objects)."""
    yield
    deadline = time.monotonic() + 0.5
    running = _running_qthreads()
    while running and time.monotonic() < deadline:
        time.sleep(0.02)
        running = _running_qthreads()
    names = [type(thread).__name__ for thread in running]
    for thread in running:
        thread.wait(5000)
    assert not running, f"QThreads left running: {names}"
