"""Find in the open conversation (Ctrl+F): a bar above the transcript with the match count,
next and previous, and every match highlighted in the messages on screen.

Matches are counted in the text of every message of the branch on screen, loaded or not (plain
case-insensitive text, as typed); going to a match creates its message's widget if needed.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import QColor, QKeyEvent, QPalette, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QTextEdit,
    QToolButton,
    QWidget,
)

from desktop_chat.core.history.find import Match, find_matches
from desktop_chat.ui.common.flash import flash
from desktop_chat.ui.common.inert import plain_label
from desktop_chat.ui.common.timers import single_shot_timer
from desktop_chat.ui.transcript.transcript import Transcript

__all__ = ["FIND_DEBOUNCE_MS", "FindBar"]

#: Typing pauses this long before the matches are counted again.
FIND_DEBOUNCE_MS = 120


class FindBar(QFrame):
    """The find bar; hidden until :meth:`open_bar`.

    Args:
        transcript: the conversation view searched.
        parent: the Qt parent.

    Signals:
        closed(): the bar was closed (focus can go back to the composer).
    """

    closed = Signal()

    def __init__(self, transcript: Transcript, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("findBar")
        self._transcript = transcript
        self._matches: list[Match] = []
        self._current = -1
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        self.field = QLineEdit(self)
        self.field.setObjectName("findField")
        self.field.setPlaceholderText(self.tr("Find in this conversation"))
        self.field.setAccessibleName(self.tr("Find in this conversation"))
        self.field.setClearButtonEnabled(True)
        self.field.textChanged.connect(self._on_field_text_changed)
        self.field.installEventFilter(self)
        layout.addWidget(self.field, 1)
        self.count_label = plain_label("", self)
        self.count_label.setObjectName("findCount")
        self.count_label.setMinimumWidth(90)
        layout.addWidget(self.count_label)
        self.previous_button = self._button("↑", self.tr("Previous match (Shift+Enter)"))
        self.previous_button.clicked.connect(self._on_previous_button_clicked)
        layout.addWidget(self.previous_button)
        self.next_button = self._button("↓", self.tr("Next match (Enter)"))
        self.next_button.clicked.connect(self._on_next_button_clicked)
        layout.addWidget(self.next_button)
        close = self._button("✕", self.tr("Close (Esc)"))
        close.clicked.connect(self.close_bar)
        layout.addWidget(close)
        self._timer = single_shot_timer(self, FIND_DEBOUNCE_MS, self._on_timer_timeout)
        self.hide()

    def _button(self, text: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.setAutoRaise(True)
        return button

    # Opening and closing -----------------------------------------------------------------------

    def open_bar(self) -> None:
        """Show the bar and put the cursor in it (Ctrl+F)."""
        self.show()
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()
        if self.field.text():
            self.refresh()

    @Slot()
    def close_bar(self) -> None:
        """Hide the bar and its highlights."""
        self._timer.stop()
        self._matches = []
        self._current = -1
        self._paint_highlights()
        self.hide()
        self.closed.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter and Shift+Enter step through matches; Esc closes (before any window shortcut)."""
        if watched is self.field and isinstance(event, QKeyEvent):
            key = event.key()
            if event.type() == QEvent.Type.ShortcutOverride and key == Qt.Key.Key_Escape:
                event.accept()
                return True
            if event.type() == QEvent.Type.KeyPress:
                if key == Qt.Key.Key_Escape:
                    self.close_bar()
                    return True
                if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                    backwards = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
                    self.step(-1 if backwards else 1)
                    return True
        return super().eventFilter(watched, event)

    # Matching ----------------------------------------------------------------------------------

    @property
    def matches(self) -> list[Match]:
        """Every match in the conversation."""
        return list(self._matches)

    @property
    def current(self) -> int:
        """The index of the match shown, -1 for none."""
        return self._current

    def refresh(self) -> None:
        """Count the matches again (the text or the conversation changed) and show the first."""
        self._timer.stop()
        texts = [(m.id, m.content) for m in self._transcript.messages()]
        self._matches = find_matches(texts, self.field.text())
        self._current = -1
        if self._matches:
            self.step(1)
        else:
            self._paint_highlights()
            self._update_count()

    def step(self, direction: int) -> None:
        """Go to the next (+1) or previous (-1) match, wrapping around."""
        if self._timer.isActive():
            self.refresh()
            return
        if not self._matches:
            return
        self._current = (self._current + direction) % len(self._matches)
        match = self._matches[self._current]
        view = self._transcript.reveal_message(match.message_id)
        self._paint_highlights()
        self._update_count()
        if view is not None:
            flash(view, 600)

    def _update_count(self) -> None:
        if not self.field.text().strip():
            self.count_label.setText("")
        elif not self._matches:
            self.count_label.setText(self.tr("No matches"))
        else:
            self.count_label.setText(
                self.tr("{current} of {total}").format(
                    current=self._current + 1, total=len(self._matches)
                )
            )
        self.previous_button.setEnabled(bool(self._matches))
        self.next_button.setEnabled(bool(self._matches))

    def _paint_highlights(self) -> None:
        needle = self.field.text() if self._matches else ""
        current = self._matches[self._current] if 0 <= self._current < len(self._matches) else None
        palette = self.palette()
        every = QTextCharFormat()
        every.setBackground(QColor("#fde68a"))
        every.setForeground(QColor("#1f2328"))
        chosen = QTextCharFormat()
        chosen.setBackground(palette.color(QPalette.ColorRole.Highlight))
        chosen.setForeground(palette.color(QPalette.ColorRole.HighlightedText))
        for view in self._transcript.views():
            body = view.body
            selections: list[QTextEdit.ExtraSelection] = []
            if needle.strip():
                cursor = QTextCursor(body.document())
                occurrence = 0
                while True:
                    cursor = body.document().find(needle, cursor)
                    if cursor.isNull():
                        break
                    selection = QTextEdit.ExtraSelection()
                    selection.cursor = cursor
                    is_current = (
                        current is not None
                        and current.message_id == view.message_id
                        and current.occurrence == occurrence
                    )
                    selection.format = chosen if is_current else every
                    selections.append(selection)
                    occurrence += 1
            body.setExtraSelections(selections)

    @Slot(str)
    def _on_field_text_changed(self, text: str) -> None:
        del text
        self._timer.start()

    @Slot()
    def _on_timer_timeout(self) -> None:
        self.refresh()

    @Slot()
    def _on_previous_button_clicked(self) -> None:
        self.step(-1)

    @Slot()
    def _on_next_button_clicked(self) -> None:
        self.step(1)
