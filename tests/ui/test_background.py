"""Blocking calls run off the GUI thread and always report back."""

from __future__ import annotations

import functools
import time

from PySide6.QtCore import QObject, Slot
from pytestqt.qtbot import QtBot

from desktop_chat.ui.workers.background import start_background, wait_for_background


class _Receiver(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.results: list[object] = []
        self.errors: list[object] = []
        self.names: list[str] = []

    @Slot(str, object)
    def _on_call_succeeded(self, name: str, result: object) -> None:
        self.names.append(name)
        self.results.append(result)

    @Slot(str, object)
    def _on_call_failed(self, name: str, error: object) -> None:
        del name
        self.errors.append(error)


def _answer(number: int) -> object:
    return number


def _fail() -> object:
    raise ValueError("no server")


def test_a_call_that_ends_before_the_event_loop_runs_still_reports(qtbot: QtBot) -> None:
    receiver = _Receiver()
    for number in range(20):
        start_background(
            functools.partial(_answer, number),
            succeeded=receiver._on_call_succeeded,
            failed=receiver._on_call_failed,
            name=f"call-{number}",
        )
        # the GUI thread is busy while the worker finishes and emits
        time.sleep(0.005)
    qtbot.waitUntil(lambda: len(receiver.results) == 20, timeout=5000)
    assert sorted(int(str(result)) for result in receiver.results) == list(range(20))
    assert sorted(receiver.names) == sorted(f"call-{n}" for n in range(20))
    assert receiver.errors == []
    assert wait_for_background()


def test_an_exception_reaches_the_failure_receiver(qtbot: QtBot) -> None:
    receiver = _Receiver()
    start_background(_fail, succeeded=receiver._on_call_succeeded, failed=receiver._on_call_failed)
    time.sleep(0.02)
    qtbot.waitUntil(lambda: len(receiver.errors) == 1, timeout=5000)
    assert isinstance(receiver.errors[0], ValueError)
    assert receiver.results == []
    assert wait_for_background()
