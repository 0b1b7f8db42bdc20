"""A tool call in the transcript: which tool, its arguments, its result, and, while it waits for
the user, Allow once / Always allow this tool / Deny.

Everything in a card comes from outside (the model wrote the name and the arguments, a server
the description and the result), so it is shown as plain text only. A long result is shown in a
box of a few lines that scrolls, and the details fold away under the header.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_chat.core.history.models import ToolCall
from desktop_chat.ui.common.inert import plain_label

__all__ = ["ALLOW_ALWAYS", "ALLOW_ONCE", "DENY", "ToolCallCard"]

#: The answers a card gives while it asks.
ALLOW_ONCE = "once"
ALLOW_ALWAYS = "always"
DENY = "deny"
#: The most characters of a result a card holds (the model received all of it).
_SHOWN_CHARS = 20_000
# How tall the arguments' and the result's boxes grow before they scroll, in lines.
_BOX_LINES = 8
# How much of the result the header shows, for a card folded away.
_PREVIEW_CHARS = 80


def _status_words(call: ToolCall) -> str:
    took = "" if call.duration_ms is None else f" · {call.duration_ms} ms"
    words = {
        "pending": "waiting",
        "asking": "asks to run",
        "running": "running…",
        "done": "done",
        "failed": "failed",
        "declined": "declined",
        "cancelled": "stopped",
        "skipped": "not run",
    }
    return words[call.status] + took


class ToolCallCard(QFrame):
    """Shows one tool call; its ``status`` property styles it.

    Signals:
        answered(str): the user's answer while it asks: :data:`ALLOW_ONCE`,
            :data:`ALLOW_ALWAYS` or :data:`DENY`.
    """

    answered = Signal(str)

    def __init__(self, call: ToolCall, description: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("toolCallCard")
        self.call = call
        # The call answered already: a second click, or a click before it shows, says nothing.
        self._answered: tuple[int, str] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 8)
        layout.setSpacing(4)
        self._toggle = QToolButton(self)
        self._toggle.setObjectName("toolCallToggle")
        self._toggle.setCheckable(True)
        self._toggle.setChecked(True)
        self._toggle.setAutoRaise(True)
        self._toggle.setArrowType(Qt.ArrowType.DownArrow)
        self._toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self._toggle.toggled.connect(self._on_toggle_toggled)
        layout.addWidget(self._toggle)
        self._details = QWidget(self)
        details = QVBoxLayout(self._details)
        details.setContentsMargins(0, 0, 0, 0)
        self._description = plain_label(description, self._details)
        self._description.setObjectName("toolDescription")
        self._description.setWordWrap(True)
        self._description.setVisible(bool(description))
        details.addWidget(self._description)
        details.addWidget(plain_label(self.tr("Arguments"), self._details))
        self._arguments = self._box("toolArguments")
        details.addWidget(self._arguments)
        self._result_label = plain_label(self.tr("Result"), self._details)
        details.addWidget(self._result_label)
        self._result = self._box("toolResult")
        details.addWidget(self._result)
        layout.addWidget(self._details)
        self._buttons = QWidget(self)
        row = QHBoxLayout(self._buttons)
        row.setContentsMargins(0, 2, 0, 0)
        for answer, text in (
            (ALLOW_ONCE, self.tr("Allow once")),
            (ALLOW_ALWAYS, self.tr("Always allow this tool")),
            (DENY, self.tr("Deny")),
        ):
            button = QPushButton(text, self._buttons)
            button.setObjectName(f"tool_{answer}")
            button.clicked.connect(lambda _checked=False, a=answer: self._answer(a))
            row.addWidget(button)
        row.addStretch(1)
        layout.addWidget(self._buttons)
        self.update_call(call)

    def _box(self, name: str) -> QPlainTextEdit:
        box = QPlainTextEdit(self._details)
        box.setObjectName(name)
        box.setReadOnly(True)
        box.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        box.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        return box

    def _fit(self, box: QPlainTextEdit) -> None:
        lines = min(_BOX_LINES, max(1, box.toPlainText().count("\n") + 1))
        height = box.fontMetrics().lineSpacing() * lines + 12
        box.setFixedHeight(height)

    def update_call(self, call: ToolCall, description: str | None = None) -> None:
        """Show ``call``'s current state."""
        self.call = call
        server = f" ({call.server})" if call.server else ""
        preview = " ".join(call.result.split())
        if len(preview) > _PREVIEW_CHARS:
            preview = preview[:_PREVIEW_CHARS] + "…"
        header = self.tr("Tool {name}{server} — {status}").format(
            name=call.name, server=server, status=_status_words(call)
        )
        self._toggle.setText(f"{header}: {preview}" if preview else header)
        self._toggle.setAccessibleName(self.tr("Tool call {name}").format(name=call.name))
        if description is not None:
            self._description.setText(description)
            self._description.setVisible(bool(description))
        arguments = call.pretty_arguments() or "{}"
        if self._arguments.toPlainText() != arguments:
            self._arguments.setPlainText(arguments)
            self._fit(self._arguments)
        result = call.result
        if len(result) > _SHOWN_CHARS:
            result = result[:_SHOWN_CHARS] + self.tr("\n… ({count} characters in all)").format(
                count=len(call.result)
            )
        if self._result.toPlainText() != result:
            self._result.setPlainText(result)
            self._fit(self._result)
        self._result.setVisible(bool(result))
        self._result_label.setVisible(bool(result))
        self._buttons.setVisible(
            call.status == "asking" and self._answered != (call.step, call.call_id)
        )
        self.setProperty("status", call.status)
        self.style().unpolish(self)
        self.style().polish(self)

    def result_text(self) -> str:
        """The result as shown."""
        return self._result.toPlainText()

    def asking(self) -> bool:
        """Whether it waits for the user's answer."""
        return self.call.status == "asking" and self._answered != (
            self.call.step,
            self.call.call_id,
        )

    def expanded(self) -> bool:
        """Whether the details show."""
        return self._toggle.isChecked()

    def set_expanded(self, expanded: bool) -> None:
        """Show or fold the details."""
        self._toggle.setChecked(expanded)

    @Slot(bool)
    def _on_toggle_toggled(self, checked: bool) -> None:
        self._details.setVisible(checked)
        self._toggle.setArrowType(Qt.ArrowType.DownArrow if checked else Qt.ArrowType.RightArrow)

    def _answer(self, answer: str) -> None:
        key = (self.call.step, self.call.call_id)
        if self.call.status != "asking" or self._answered == key:
            return
        self._answered = key
        self._buttons.hide()
        self.answered.emit(answer)
