"""Work put off until a window's first paint runs once, after that paint."""

from __future__ import annotations

from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop_chat.ui.common.first_paint import after_first_paint


class _Painted(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def paintEvent(self, event: QPaintEvent) -> None:
        self.paints += 1
        super().paintEvent(event)


def test_the_work_runs_once_after_the_first_paint(qtbot: QtBot) -> None:
    widget = _Painted()
    qtbot.addWidget(widget)
    calls: list[int] = []
    after_first_paint(widget, lambda: calls.append(widget.paints))
    qtbot.wait(50)
    assert calls == []  # not shown, never painted: nothing runs
    widget.show()
    qtbot.waitUntil(lambda: calls != [])
    widget.update()
    widget.repaint()
    qtbot.wait(50)
    assert calls == [1]  # after the first paint, and only once
