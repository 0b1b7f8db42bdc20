"""The ``< 2/3 >`` control on a message that has siblings (edits or regenerated replies)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QToolButton, QWidget

from desktop_chat.ui.common.inert import plain_label

__all__ = ["BranchSwitcher"]


class BranchSwitcher(QWidget):
    """Shows which of several versions of a message is on screen and steps between them.

    Signals:
        step_requested(int): -1 for the previous version, +1 for the next.
    """

    step_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("branchSwitcher")
        self.setAccessibleName(self.tr("Versions of this message"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.previous_button = QToolButton(self)
        self.previous_button.setObjectName("branchPrevious")
        self.previous_button.setText("<")
        self.previous_button.setAutoRaise(True)
        self.previous_button.setToolTip(self.tr("Previous version"))
        self.previous_button.setAccessibleName(self.tr("Previous version"))
        self.previous_button.clicked.connect(self._on_previous_button_clicked)
        self.label = plain_label("", self)
        self.label.setObjectName("branchPosition")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.next_button = QToolButton(self)
        self.next_button.setObjectName("branchNext")
        self.next_button.setText(">")
        self.next_button.setAutoRaise(True)
        self.next_button.setToolTip(self.tr("Next version"))
        self.next_button.setAccessibleName(self.tr("Next version"))
        self.next_button.clicked.connect(self._on_next_button_clicked)
        layout.addWidget(self.previous_button)
        layout.addWidget(self.label)
        layout.addWidget(self.next_button)
        self._position = 1
        self._count = 1

    def set_position(self, position: int, count: int) -> None:
        """Show ``position`` of ``count`` (from 1); the arrows stop at the ends."""
        self._position, self._count = position, count
        self.label.setText(f"{position}/{count}")
        self.previous_button.setEnabled(position > 1)
        self.next_button.setEnabled(position < count)

    def text(self) -> str:
        """What the control shows, e.g. ``"2/3"``."""
        return self.label.text()

    @Slot()
    def _on_previous_button_clicked(self) -> None:
        self.step_requested.emit(-1)

    @Slot()
    def _on_next_button_clicked(self) -> None:
        self.step_requested.emit(1)
