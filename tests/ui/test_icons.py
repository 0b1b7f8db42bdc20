"""The bundled action icons: each drawing is there, drawn in the colour asked for, and used."""

from __future__ import annotations

from importlib import resources

from PySide6.QtCore import QSize
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QToolButton
from pytestqt.qtbot import QtBot

from desktop_chat.ui.common.icons import ICON_GREY, ICON_NAMES, ON_ACCENT, action_icon
from desktop_chat.ui.window.main_window import MainWindow
from tests.scripted_server import ScriptedServer, sse_reply
from tests.ui.conftest import send_text
from tests.widgets import child


def _colours(name: str, color: str, size: int) -> set[str]:
    image = action_icon(name, color).pixmap(QSize(size, size)).toImage()
    return {
        QColor(image.pixel(x, y)).name()
        for x in range(image.width())
        for y in range(image.height())
        if QColor.fromRgba(image.pixel(x, y)).alpha() == 255
    }


def test_every_icon_is_bundled_and_drawn_in_the_colour_asked_for(qtbot: QtBot) -> None:
    folder = resources.files("desktop_chat") / "resources" / "icons" / "actions"
    assert {entry.name.removesuffix(".svg") for entry in folder.iterdir()} == ICON_NAMES
    for name in ICON_NAMES:
        for size in (16, 48):
            assert _colours(name, ICON_GREY, size) == {ICON_GREY}, name
        assert _colours(name, ON_ACCENT, 24) == {ON_ACCENT}, name


def test_an_icon_that_is_not_bundled_is_empty_and_the_button_keeps_its_words() -> None:
    assert action_icon("no-such-icon").isNull()


def test_the_window_and_its_messages_show_icons_beside_their_words(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    for button in (window.settings_button, window.chat_settings_button, window.attach_button):
        assert not button.icon().isNull()
        assert button.text()
    assert not window.new_chat_action.icon().isNull()
    assert not window.send_button.icon().isNull()
    assert not window.stop_button.icon().isNull()
    scripted_server.add(sse_reply(["Hi."]))
    send_text(window, "Hello")
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=10000)
    view = window.transcript.last_view()
    assert view is not None
    for name in ("copyButton", "regenerateButton"):
        assert not child(view, QToolButton, name).icon().isNull(), name
