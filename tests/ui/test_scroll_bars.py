"""Scroll bars are flat handles in the app's colours (cheap to paint while a reply streams)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QScrollBar
from pytestqt.qtbot import QtBot

from desktop_chat.ui.common.theme import apply_theme


def _handle_colour(qtbot: QtBot) -> QColor:
    bar = QScrollBar(Qt.Orientation.Vertical)
    qtbot.addWidget(bar)
    bar.resize(12, 300)
    bar.setRange(0, 700)
    bar.setPageStep(300)  # the handle is the top 30 % of the bar
    bar.setValue(0)
    return bar.grab().toImage().pixelColor(6, 45)


def test_scroll_bars_draw_a_flat_handle_in_each_scheme(qapp: QApplication, qtbot: QtBot) -> None:
    try:
        apply_theme(qapp, "light")
        assert _handle_colour(qtbot).name() == "#c4c9d0"
        apply_theme(qapp, "dark")
        assert _handle_colour(qtbot).name() == "#3d444d"
    finally:
        apply_theme(qapp, "system")
