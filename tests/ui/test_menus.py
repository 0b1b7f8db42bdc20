"""The menu bar, its keys, and what they do: sidebar, zoom, theme, chat stepping, regenerate."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QTableWidget, QWidget
from pytestqt.qtbot import QtBot

from desktop_chat.core.config.settings import DEFAULT_FONT_SIZE, load_settings
from desktop_chat.core.history.storage import Storage
from desktop_chat.ui.dialogs.shortcuts_dialog import ShortcutsDialog
from desktop_chat.ui.window.main_window import MainWindow
from tests.scripted_server import ScriptedServer, sse_reply
from tests.ui.conftest import open_window
from tests.widgets import child


def _menu_entries(window: MainWindow) -> dict[str, list[str]]:
    entries = {}
    for top in window.menuBar().actions():
        menu = top.menu()
        assert isinstance(menu, QMenu)
        entries[top.text().replace("&", "")] = [
            a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()
        ]
    return entries


def _trigger(window: MainWindow, name: str) -> None:
    action = child(window, QAction, name)
    action.trigger()


def _chat(qtbot: QtBot, window: MainWindow, server: ScriptedServer, text: str) -> None:
    server.add(sse_reply([f"About {text}.\n\n```python\nprint(1)\n```"]))
    window.new_chat()
    window.composer.setPlainText(text)
    with qtbot.waitSignal(window.session.reply_finished, timeout=5000):
        window.send_button.click()


def test_the_menus_people_look_for(window: MainWindow) -> None:
    entries = _menu_entries(window)
    assert list(entries) == ["File", "Edit", "View", "Help"]
    assert entries["File"][0] == "New chat"
    assert entries["File"][-2:] == ["Settings…", "Quit"]
    assert entries["Edit"] == [
        "Copy",
        "Find in this chat…",
        "Search all chats…",
        "Regenerate the last reply",
        "Go to the message box",
    ]
    assert entries["View"][:4] == ["Show the list of chats", "Zoom in", "Zoom out", "Actual size"]
    assert entries["View"][-2:] == ["Previous chat", "Next chat"]
    assert entries["Help"] == ["Keyboard shortcuts", "About Desktop Chat"]


def test_the_sidebar_hides_and_the_next_window_remembers(
    qtbot: QtBot, window: MainWindow, storage: Storage, scripted_server: ScriptedServer
) -> None:
    sidebar = child(window, QWidget, "sidebar")
    assert sidebar.isVisible()
    _trigger(window, "sidebarAction")
    assert not sidebar.isVisible()
    window.close()
    again = open_window(qtbot, storage, scripted_server)
    assert not child(again, QWidget, "sidebar").isVisible()
    assert not again.menus.sidebar_action.isChecked()
    again.show_search()  # searching brings the list back
    assert child(again, QWidget, "sidebar").isVisible()


def test_zoom_resizes_every_message_and_the_next_start_keeps_it(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    _chat(qtbot, window, scripted_server, "zoom")
    body = window.transcript.views()[-1].body
    before = body.document().defaultFont().pointSize()
    _trigger(window, "zoomInAction")
    _trigger(window, "zoomInAction")
    assert body.document().defaultFont().pointSize() == before + 2
    assert window.composer.font().pointSize() == before + 2
    assert load_settings().settings.font_size == before + 2
    _chat(qtbot, window, scripted_server, "after zoom")  # new messages take the size too
    assert window.transcript.views()[-1].body.document().defaultFont().pointSize() == before + 2
    _trigger(window, "zoomResetAction")
    assert window.transcript.views()[-1].body.document().defaultFont().pointSize() == (
        DEFAULT_FONT_SIZE
    )


def test_a_theme_switch_restyles_the_messages_on_screen(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    _chat(qtbot, window, scripted_server, "colours")
    body = window.transcript.views()[-1].body
    _trigger(window, "theme-light")
    assert "#f6f8fa" in body.toHtml()  # the light code background
    _trigger(window, "theme-dark")
    assert "#161b22" in body.toHtml()
    assert "#f6f8fa" not in body.toHtml()
    assert load_settings().settings.theme == "dark"
    assert window.menus.theme_actions["dark"].isChecked()
    _trigger(window, "theme-light")


def test_previous_and_next_chat_walk_the_list_and_the_title_follows(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    for name in ("first", "second", "third"):
        _chat(qtbot, window, scripted_server, name)
    assert window.windowTitle() == "third — Desktop Chat"
    _trigger(window, "nextChatAction")  # down the list: older
    assert window.windowTitle() == "second — Desktop Chat"
    _trigger(window, "previousChatAction")
    _trigger(window, "previousChatAction")  # past the top: wraps to the bottom
    assert window.windowTitle() == "first — Desktop Chat"
    window.new_chat()
    assert window.windowTitle() == "Desktop Chat"


def test_ctrl_r_regenerates_the_last_reply(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    _chat(qtbot, window, scripted_server, "once")
    scripted_server.add(sse_reply(["Again."]))
    with qtbot.waitSignal(window.session.reply_finished, timeout=5000):
        _trigger(window, "regenerateAction")
    assert window.transcript.views()[-1].markdown() == "Again."


def test_the_shortcuts_sheet_lists_the_menu_keys(qtbot: QtBot, window: MainWindow) -> None:
    window.show_shortcuts()
    dialog = child(window, ShortcutsDialog, "shortcutsDialog")
    table = child(dialog, QTableWidget, "shortcutsTable")
    cells = [(table.item(row, 0), table.item(row, 1)) for row in range(table.rowCount())]
    rows = {what.text(): keys.text() for what, keys in cells if what and keys}
    zoom_in = QKeySequence(QKeySequence.StandardKey.ZoomIn).toString(
        QKeySequence.SequenceFormat.NativeText
    )
    assert rows["Zoom in"].startswith(zoom_in)
    assert rows["Show the list of chats"] == "Ctrl+B"
    assert rows["Settings"].endswith("Ctrl+,")
    assert not rows["Settings"].startswith(",")  # no empty key from a missing standard one
    assert rows["Send the message"] == "Enter"
    assert rows["Next chat"] == "Ctrl+PgDown, Ctrl+Tab"
    dialog.close()
