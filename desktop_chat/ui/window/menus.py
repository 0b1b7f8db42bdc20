"""The window's menu bar: File, Edit, View and Help, with the keys of every command.

Each command is a ``QAction`` added to the window, so its key works whether the menu is open or
not; the Keyboard shortcuts sheet (:mod:`desktop_chat.ui.dialogs.shortcuts_dialog`) lists them
from these very actions, so it can never fall out of step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

__all__ = ["MenuCommands", "WindowMenus"]

_THEMES = (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark"))


class MenuCommands(Protocol):
    """What the menus ask of the window."""

    def new_chat(self) -> None:
        """Open an empty conversation."""

    def open_settings(self) -> object:
        """Show Settings."""

    def request_quit(self) -> bool:
        """Quit as the user asked to (asking first while replies stream)."""

    def copy_selection(self) -> None:
        """Copy what is selected where the keyboard focus is."""

    def show_find_bar(self) -> None:
        """Find in the open conversation."""

    def show_search(self) -> None:
        """Search every conversation."""

    def regenerate_last(self) -> None:
        """Ask again for the open conversation's last reply."""

    def focus_composer(self) -> None:
        """Put the cursor in the message box."""

    def set_sidebar_shown(self, shown: bool) -> None:
        """Show or hide the conversation list."""

    def zoom(self, step: int) -> None:
        """Make the text larger (1), smaller (-1) or its usual size (0)."""

    def set_theme(self, theme: str) -> None:
        """Use the ``system``, ``light`` or ``dark`` theme."""

    def step_chat(self, offset: int) -> None:
        """Open the conversation ``offset`` places down the list (up when negative)."""

    def show_shortcuts(self) -> None:
        """Show the keyboard shortcuts."""

    def show_about(self) -> None:
        """Show the About box."""


class WindowMenus(QObject):
    """Builds the menu bar of ``window`` and holds its actions.

    Args:
        window: the main window; it receives every action, so their keys work anywhere in it.
        commands: what the actions do (the window itself).
        file_menu: the File menu's export, import and copy commands, which the menu extends.
        new_chat_action: the toolbar's New chat action, also the File menu's first entry.
    """

    def __init__(
        self,
        window: QMainWindow,
        commands: MenuCommands,
        file_menu: QMenu,
        new_chat_action: QAction,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._commands = commands
        self.actions: list[QAction] = []
        self._build_file(file_menu, new_chat_action)
        self._build_edit()
        self._build_view()
        self._build_help()

    def _action(
        self,
        text: str,
        name: str,
        slot: Callable[[], object] | Callable[[bool], None],
        keys: Sequence[QKeySequence | str] = (),
    ) -> QAction:
        action = QAction(text, self._window)
        action.setObjectName(name)
        sequences = [QKeySequence(key) if isinstance(key, str) else key for key in keys]
        # A standard key the platform does not define (Preferences on Linux) is empty.
        action.setShortcuts([key for key in sequences if not key.isEmpty()])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        # Keys work only for actions added to a widget, menu or not.
        self._window.addAction(action)
        self.actions.append(action)
        return action

    def _build_file(self, menu: QMenu, new_chat_action: QAction) -> None:
        first = menu.actions()[0]  # the export commands come after New chat
        menu.insertAction(first, new_chat_action)
        menu.insertSeparator(first)
        self.actions.append(new_chat_action)
        menu.addSeparator()
        self.settings_action = self._action(
            self.tr("&Settings…"),
            "settingsAction",
            self._commands.open_settings,
            [QKeySequence(QKeySequence.StandardKey.Preferences), "Ctrl+,"],
        )
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        menu.addAction(self.settings_action)
        menu.addSeparator()
        self.quit_action = self._action(
            self.tr("&Quit"),
            "quitAction",
            self._commands.request_quit,
            [QKeySequence(QKeySequence.StandardKey.Quit)],
        )
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        menu.addAction(self.quit_action)
        self._window.menuBar().addMenu(menu)

    def _build_edit(self) -> None:
        menu = self._window.menuBar().addMenu(self.tr("&Edit"))
        menu.setObjectName("editMenu")
        copy = self._action(self.tr("&Copy"), "copyAction", self._commands.copy_selection)
        # Shown, not bound: each text field and message already answers Ctrl+C itself.
        copy.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        copy.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        menu.addAction(copy)
        menu.addSeparator()
        menu.addAction(
            self._action(
                self.tr("&Find in this chat…"),
                "findAction",
                self._commands.show_find_bar,
                [QKeySequence(QKeySequence.StandardKey.Find)],
            )
        )
        menu.addAction(
            self._action(
                self.tr("&Search all chats…"),
                "searchAction",
                self._commands.show_search,
                ["Ctrl+K"],
            )
        )
        menu.addSeparator()
        menu.addAction(
            self._action(
                self.tr("&Regenerate the last reply"),
                "regenerateAction",
                self._commands.regenerate_last,
                ["Ctrl+R"],
            )
        )
        menu.addAction(
            self._action(
                self.tr("Go to the &message box"),
                "focusComposerAction",
                self._commands.focus_composer,
                ["Ctrl+L"],
            )
        )

    def _build_view(self) -> None:
        menu = self._window.menuBar().addMenu(self.tr("&View"))
        menu.setObjectName("viewMenu")
        self.sidebar_action = self._action(
            self.tr("Show the &list of chats"),
            "sidebarAction",
            self._on_sidebar_action_triggered,
            ["Ctrl+B"],
        )
        self.sidebar_action.setCheckable(True)
        self.sidebar_action.setChecked(True)
        menu.addAction(self.sidebar_action)
        menu.addSeparator()
        menu.addAction(
            self._action(
                self.tr("Zoom &in"),
                "zoomInAction",
                self._on_zoom_in_triggered,
                [QKeySequence(QKeySequence.StandardKey.ZoomIn), "Ctrl+="],
            )
        )
        menu.addAction(
            self._action(
                self.tr("Zoom &out"),
                "zoomOutAction",
                self._on_zoom_out_triggered,
                [QKeySequence(QKeySequence.StandardKey.ZoomOut)],
            )
        )
        menu.addAction(
            self._action(
                self.tr("&Actual size"),
                "zoomResetAction",
                self._on_zoom_reset_triggered,
                ["Ctrl+0"],
            )
        )
        menu.addSeparator()
        themes = menu.addMenu(self.tr("&Theme"))
        themes.setObjectName("themeMenu")
        self._theme_group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for theme, label in _THEMES:
            action = QAction(self.tr(label), self._window)
            action.setObjectName(f"theme-{theme}")
            action.setCheckable(True)
            action.setData(theme)
            self._theme_group.addAction(action)
            themes.addAction(action)
            self.theme_actions[theme] = action
        self._theme_group.triggered.connect(self._on_theme_group_triggered)
        menu.addSeparator()
        menu.addAction(
            self._action(
                self.tr("&Previous chat"),
                "previousChatAction",
                self._on_previous_chat_triggered,
                ["Ctrl+PgUp", "Ctrl+Shift+Tab"],
            )
        )
        menu.addAction(
            self._action(
                self.tr("&Next chat"),
                "nextChatAction",
                self._on_next_chat_triggered,
                ["Ctrl+PgDown", "Ctrl+Tab"],
            )
        )

    def _build_help(self) -> None:
        menu = self._window.menuBar().addMenu(self.tr("&Help"))
        menu.setObjectName("helpMenu")
        menu.addAction(
            self._action(
                self.tr("&Keyboard shortcuts"),
                "shortcutsAction",
                self._commands.show_shortcuts,
                ["Ctrl+/"],
            )
        )
        self.about_action = self._action(
            self.tr("&About Desktop Chat"), "aboutAction", self._commands.show_about
        )
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        menu.addAction(self.about_action)

    def show_theme(self, theme: str) -> None:
        """Tick ``theme`` in the Theme menu (after it changed elsewhere, in Settings)."""
        action = self.theme_actions.get(theme)
        if action is not None:
            action.setChecked(True)

    @Slot(bool)
    def _on_sidebar_action_triggered(self, checked: bool) -> None:
        self._commands.set_sidebar_shown(checked)

    @Slot()
    def _on_zoom_in_triggered(self) -> None:
        self._commands.zoom(1)

    @Slot()
    def _on_zoom_out_triggered(self) -> None:
        self._commands.zoom(-1)

    @Slot()
    def _on_zoom_reset_triggered(self) -> None:
        self._commands.zoom(0)

    @Slot()
    def _on_previous_chat_triggered(self) -> None:
        self._commands.step_chat(-1)

    @Slot()
    def _on_next_chat_triggered(self) -> None:
        self._commands.step_chat(1)

    @Slot(QAction)
    def _on_theme_group_triggered(self, action: QAction) -> None:
        self._commands.set_theme(str(action.data()))
