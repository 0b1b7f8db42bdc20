"""Small and high-density screens: the window fits, and the first-run cards stack."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop_chat.core.history.storage import Storage
from desktop_chat.ui.dialogs.welcome import WelcomeView
from desktop_chat.ui.window.main_window import MainWindow
from tests.scripted_server import ScriptedServer
from tests.ui.conftest import open_window


def test_the_window_fits_an_800_by_600_screen(qtbot: QtBot, window: MainWindow) -> None:
    window.resize(800, 600)
    qtbot.waitUntil(lambda: window.width() == 800)
    assert window.minimumSizeHint().width() <= 800
    assert window.height() == 600
    assert window.send_button.isVisible()


def test_a_window_saved_larger_than_the_screen_opens_inside_it(
    qtbot: QtBot, window: MainWindow, storage: Storage, scripted_server: ScriptedServer
) -> None:
    free = window.screen().availableGeometry()
    window.resize(free.width() * 3, free.height() * 3)  # as saved at another scale factor
    window.move(free.right() + 500, free.bottom() + 500)
    window.close()  # saves the geometry
    again = open_window(qtbot, storage, scripted_server)
    assert free.contains(again.frameGeometry())


def test_the_first_run_cards_stack_when_three_do_not_fit(qtbot: QtBot) -> None:
    welcome = WelcomeView()
    qtbot.addWidget(welcome)
    welcome.resize(1000, 600)
    welcome.show()
    qtbot.waitUntil(lambda: welcome.width() == 1000)
    assert not welcome.stacked
    welcome.resize(500, 600)
    qtbot.waitUntil(lambda: welcome.stacked)
    assert welcome.minimumSizeHint().width() < 500
    welcome.resize(1000, 600)
    qtbot.waitUntil(lambda: not welcome.stacked)
