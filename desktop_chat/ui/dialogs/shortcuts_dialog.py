"""The keyboard shortcuts sheet (Help → Keyboard shortcuts, Ctrl+/).

It lists the window's menu commands from their own actions, so a key changed in the menus is
changed here too, then the keys that belong to the message box, the list of chats and messages.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

__all__ = ["ShortcutsDialog", "shortcut_rows"]


def _keys_text(keys: Sequence[QKeySequence]) -> str:
    return ", ".join(key.toString(QKeySequence.SequenceFormat.NativeText) for key in keys)


def shortcut_rows(actions: Sequence[QAction], send_key: str) -> list[tuple[str, str]]:
    """(what, keys) for each action with keys, then the keys of the message box and lists."""
    rows = [
        (action.text().replace("&", "").removesuffix("…"), _keys_text(action.shortcuts()))
        for action in actions
        if action.shortcuts()
    ]
    send, new_line = (
        ("Ctrl+Enter", "Enter") if send_key == "ctrl+enter" else ("Enter", "Shift+Enter")
    )
    rows += [
        ("Send the message", send),
        ("A new line in the message", new_line),
        ("Stop the reply", "Esc"),
        ("Rename the chat (in the list)", "F2"),
        ("Delete the chat (in the list)", "Delete"),
    ]
    return rows


class ShortcutsDialog(QDialog):
    """A table of every keyboard shortcut of the window.

    Args:
        actions: the window's menu actions.
        send_key: how the message box sends (``"enter"`` or ``"ctrl+enter"``).
        parent: the window.
    """

    def __init__(
        self, actions: Sequence[QAction], send_key: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        rows = shortcut_rows(actions, send_key)
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setObjectName("shortcutsTable")
        self.table.setHorizontalHeaderLabels([self.tr("Command"), self.tr("Keys")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for row, (what, keys) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(self.tr(what)))
            self.table.setItem(row, 1, QTableWidgetItem(keys))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(520, 560)
