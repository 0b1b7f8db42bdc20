"""The About box names the version from the package metadata and where files are kept."""

from __future__ import annotations

from pathlib import Path

from desktop_chat import __version__
from desktop_chat.ui.dialogs.about import about_html
from desktop_chat.ui.window.main_window import MainWindow


def test_about_names_the_version_and_the_folders(app_home: Path) -> None:
    text = about_html()
    assert f"<td>{__version__}</td>" in text
    assert str(app_home / "config") in text
    assert str(app_home / "data") in text


def test_the_help_menu_offers_about(window: MainWindow) -> None:
    menus = [action.text() for action in window.menuBar().actions()]
    assert "&Help" in menus
    assert window.menus.about_action.isEnabled()
    assert window.menus.about_action.text() == "&About Desktop Chat"
