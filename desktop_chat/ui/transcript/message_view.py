"""One message in the transcript: who said it, a collapsible Thinking block, the tools it called,
the text, the files attached, actions, and, when the reply failed, the reason and what to do."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import QPoint, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QMenu,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_chat.core.errors import StorageError
from desktop_chat.core.history.models import USER_ROLE, Attachment, ToolCall
from desktop_chat.ui.common.error_text import ErrorAction, ErrorAdvice
from desktop_chat.ui.common.icons import action_icon
from desktop_chat.ui.common.inert import plain_label
from desktop_chat.ui.common.timers import single_shot_timer
from desktop_chat.ui.transcript.attachment_strip import AttachmentSource, AttachmentStrip
from desktop_chat.ui.transcript.attachment_viewer import decoded_image
from desktop_chat.ui.transcript.branch_switcher import BranchSwitcher
from desktop_chat.ui.transcript.clipboard import CopyFormat, copy_code_block, copy_message
from desktop_chat.ui.transcript.message_body import MessageBody
from desktop_chat.ui.transcript.message_menu import build_message_menu
from desktop_chat.ui.transcript.tool_call_card import ToolCallCard

__all__ = ["MessageView"]

#: How long the Copy button says "Copied ✓".
_COPIED_MS = 1500


class MessageView(QFrame):
    """Shows one user or assistant message.

    Args:
        role: ``"user"`` or ``"assistant"`` (``"system"`` shows like an assistant note).
        message_id: the stored message id, or None.
        parent: the Qt parent.

    Signals:
        regenerate_requested(int): ask again for this reply (a new version).
        edit_requested(int): edit this user message and send it again.
        retry_requested(int): retry this failed or interrupted reply.
        continue_requested(int): continue this interrupted reply where it stopped.
        delete_requested(int): delete this message and what follows it.
        settings_requested(str): open Settings at this field ("api_key", "base_url", "model",
            "proxy", or "" for none in particular).
        new_chat_requested(): start a new chat (the conversation is too long).
        branch_step_requested(int, int): show another version of this message (id, -1 or +1).
    """

    regenerate_requested = Signal(int)
    edit_requested = Signal(int)
    retry_requested = Signal(int)
    continue_requested = Signal(int)
    delete_requested = Signal(int)
    settings_requested = Signal(str)
    new_chat_requested = Signal()
    branch_step_requested = Signal(int, int)

    def __init__(self, role: str, message_id: int | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.role = role
        self.message_id = message_id
        self.setObjectName("userMessage" if role == USER_ROLE else "assistantMessage")
        self.setAccessibleName(self.tr("Your message") if role == USER_ROLE else self.tr("Reply"))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._reasoning_parts: list[str] = []
        self._countdown = 0
        self._countdown_timer = QTimer(self)
        self._countdown_timer.setInterval(1000)
        self._countdown_timer.timeout.connect(self._on_countdown_timer_timeout)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(6)
        layout.addLayout(self._build_header())

        self._build_thinking(layout)
        self._tool_box = QWidget(self)
        self._tool_layout = QVBoxLayout(self._tool_box)
        self._tool_layout.setContentsMargins(0, 0, 0, 0)
        self._tool_layout.setSpacing(6)
        self._tool_box.hide()
        layout.addWidget(self._tool_box)
        self._tool_cards: dict[tuple[int, str], ToolCallCard] = {}

        self.body = MessageBody(self)
        self.body.setObjectName("messageBody")
        self.body.setAccessibleName(self.tr("Message text"))
        layout.addWidget(self.body)
        self._show_all = QPushButton(self)
        self._show_all.setObjectName("showAllButton")
        self._show_all.hide()
        self._show_all.clicked.connect(self._on_show_all_clicked)
        self.body.folded_changed.connect(self._on_body_folded_changed)
        self.body.code_copied.connect(self._on_body_code_copied)
        layout.addWidget(self._show_all, 0, Qt.AlignmentFlag.AlignLeft)
        self._layout = layout
        self.attachment_strip: AttachmentStrip | None = None
        for widget in (self, self.body):
            widget.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            widget.customContextMenuRequested.connect(self._on_context_menu_requested)

        self._note = plain_label("", self)
        self._note.setObjectName("messageNote")
        self._note.hide()
        layout.addWidget(self._note)

        self._build_error_banner(layout)

    def _build_thinking(self, layout: QVBoxLayout) -> None:
        """The folded reasoning of a model that thinks aloud, hidden until there is some."""
        self._thinking_toggle = QToolButton(self)
        self._thinking_toggle.setObjectName("thinkingToggle")
        self._thinking_toggle.setText(self.tr("Thinking"))
        self._thinking_toggle.setCheckable(True)
        self._thinking_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self._thinking_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self._thinking_toggle.setAutoRaise(True)
        self._thinking_toggle.toggled.connect(self._on_thinking_toggle_toggled)
        self._thinking_toggle.hide()
        layout.addWidget(self._thinking_toggle)
        self._thinking = plain_label("", self)
        self._thinking.setObjectName("thinkingText")
        self._thinking.setWordWrap(True)
        self._thinking.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._thinking.hide()
        layout.addWidget(self._thinking)

    def _build_error_banner(self, layout: QVBoxLayout) -> None:
        """What went wrong with this reply, with Retry, Continue and one more fitting action."""
        self._error = QFrame(self)
        self._error.setObjectName("errorBanner")
        error_layout = QVBoxLayout(self._error)
        error_layout.setContentsMargins(10, 8, 10, 8)
        self._error_label = plain_label("", self._error)
        self._error_label.setObjectName("errorText")
        self._error_label.setWordWrap(True)
        self._error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        error_layout.addWidget(self._error_label)
        buttons = QHBoxLayout()
        self._retry_button = QPushButton(self.tr("Retry"), self._error)
        self._retry_button.setObjectName("retryButton")
        self._retry_button.clicked.connect(self._on_retry_button_clicked)
        self._continue_button = QPushButton(self.tr("Continue"), self._error)
        self._continue_button.setObjectName("continueButton")
        self._continue_button.setToolTip(self.tr("Ask the model to go on from where it stopped"))
        self._continue_button.clicked.connect(self._on_continue_button_clicked)
        self._continue_button.hide()
        self._extra_button = QPushButton(self._error)
        self._extra_button.setObjectName("errorActionButton")
        self._extra_button.clicked.connect(self._on_extra_button_clicked)
        self._extra_action = ErrorAction.RETRY
        self._settings_field = ""
        buttons.addWidget(self._retry_button)
        buttons.addWidget(self._continue_button)
        buttons.addWidget(self._extra_button)
        buttons.addStretch(1)
        error_layout.addLayout(buttons)
        self._error.hide()
        layout.addWidget(self._error)

    def _build_header(self) -> QHBoxLayout:
        header = QHBoxLayout()
        header.setSpacing(4)
        self._who = plain_label(
            self.tr("You") if self.role == USER_ROLE else self.tr("Assistant"), self
        )
        self._who.setObjectName("messageRole")
        header.addWidget(self._who)
        self._origin = plain_label("", self)
        self._origin.setObjectName("messageOrigin")
        # A long model id gives way (cut) before the buttons do in a narrow window: a set
        # minimum width replaces the label's own, which is its whole text.
        self._origin.setMinimumWidth(1)
        self._origin.hide()
        header.addWidget(self._origin)
        header.addStretch(1)
        self._header = header
        self.branch_switcher: BranchSwitcher | None = None
        self._copy_button = QToolButton(self)
        self._copy_button.setObjectName("copyButton")
        self._copy_button.setText(self.tr("Copy"))
        self._copy_button.setIcon(action_icon("copy"))
        self._copy_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self._copy_button.setToolTip(self.tr("Copy as Markdown"))
        self._copy_button.setAutoRaise(True)
        self._copy_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        menu = QMenu(self._copy_button)
        menu.addAction(self.tr("Copy as Markdown"), self.copy_markdown)
        menu.addAction(self.tr("Copy as plain text"), self.copy_plain_text)
        menu.addAction(self.tr("Copy as rich text"), self.copy_rich_text)
        self._copy_button.setMenu(menu)
        self._copy_button.clicked.connect(self.copy_markdown)
        header.addWidget(self._copy_button)
        self._copied_timer = single_shot_timer(
            self, _COPIED_MS, self._on_copied_timer_timeout, "copiedTimer"
        )
        self._can_regenerate = False
        self._can_continue = False
        self._busy = False
        self._regenerate_button = self._action_button(
            header,
            "regenerateButton",
            "regenerate",
            self.tr("Regenerate"),
            self.tr("Ask again: a new version of this reply"),
        )
        self._regenerate_button.clicked.connect(self._on_regenerate_button_clicked)
        self._continue_reply_button = self._action_button(
            header,
            "continueReplyButton",
            "continue",
            self.tr("Continue"),
            self.tr("Ask the model to go on from where this reply stopped"),
        )
        self._continue_reply_button.clicked.connect(self._on_continue_button_clicked)
        self._edit_button = self._action_button(
            header, "editButton", "edit", self.tr("Edit and resend"), ""
        )
        self._edit_button.clicked.connect(self._on_edit_button_clicked)
        self._edit_button.setVisible(self.role == USER_ROLE)
        return header

    def _action_button(
        self, header: QHBoxLayout, name: str, icon: str, text: str, tooltip: str
    ) -> QToolButton:
        button = QToolButton(self)
        button.setObjectName(name)
        button.setText(text)
        button.setIcon(action_icon(icon))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setToolTip(tooltip)
        button.setAutoRaise(True)
        button.hide()
        header.addWidget(button)
        return button

    # Content -----------------------------------------------------------------------------------

    @Slot(bool)
    def _on_body_folded_changed(self, folded: bool) -> None:
        self._show_all.setText(
            self.tr("Show all ({count:,} characters; this may take a moment)").format(
                count=len(self.body.markdown())
            )
        )
        self._show_all.setVisible(folded)

    @Slot()
    def _on_show_all_clicked(self) -> None:
        self.body.show_all()

    def markdown(self) -> str:
        """The message's Markdown source."""
        return self.body.markdown()

    def reasoning(self) -> str:
        """The reasoning text shown in the Thinking block."""
        return "".join(self._reasoning_parts)

    def set_content(self, text: str, reasoning: str = "") -> None:
        """Show a finished message (user text is shown literally, replies as Markdown)."""
        if self.role == USER_ROLE:
            self.body.set_plain(text)
        else:
            self.body.set_markdown(text)
        self._reasoning_parts = [reasoning] if reasoning else []
        self._show_reasoning()

    def show_attachments(self, attachments: Sequence[Attachment], source: AttachmentSource) -> None:
        """Show the message's files under its text (thumbnails and file chips)."""
        if self.attachment_strip is not None:
            self._layout.removeWidget(self.attachment_strip)
            self.attachment_strip.deleteLater()
        self.attachment_strip = AttachmentStrip(attachments, source, self)
        self._layout.insertWidget(self._layout.indexOf(self.body) + 1, self.attachment_strip)

    def images(self) -> list[Attachment]:
        """The message's attached images that are stored."""
        strip = self.attachment_strip
        if strip is None:
            return []
        return [a for a in strip.attachments if a.kind == "image" and a.sha256 is not None]

    def copy_image(self, index: int) -> bool:
        """Put attached image ``index`` (among :meth:`images`) on the clipboard; False if none."""
        images = self.images()
        strip = self.attachment_strip
        if strip is None or not 0 <= index < len(images):
            return False
        sha256 = images[index].sha256
        assert sha256 is not None
        try:
            image = decoded_image(strip.source.attachment_data(sha256))
        except (StorageError, KeyError):
            return False
        if image.isNull():
            return False
        QGuiApplication.clipboard().setImage(image)
        return True

    @Slot()
    def on_copy_image_action_triggered(self) -> None:
        """Copy the image whose index the triggering menu action carries."""
        action = self.sender()
        if isinstance(action, QAction) and isinstance(action.data(), int):
            self.copy_image(action.data())

    def show_tool_call(self, call: ToolCall, description: str | None = None) -> ToolCallCard:
        """Show ``call`` in its card (made the first time), above the text."""
        key = (call.step, call.call_id)
        card = self._tool_cards.get(key)
        if card is None:
            card = ToolCallCard(call, description or "", self._tool_box)
            self._tool_cards[key] = card
            self._tool_layout.addWidget(card)
            self._tool_box.show()
        else:
            card.update_call(call, description)
        return card

    def tool_cards(self) -> list[ToolCallCard]:
        """The cards of the tool calls, in order."""
        return list(self._tool_cards.values())

    def append_reasoning(self, delta: str) -> None:
        """Add streamed reasoning to the Thinking block."""
        self._reasoning_parts.append(delta)
        self._show_reasoning()

    def _show_reasoning(self) -> None:
        has_reasoning = bool(self._reasoning_parts)
        self._thinking_toggle.setVisible(has_reasoning)
        # Joining costs O(length): only pay it while the block is open.
        if has_reasoning and self._thinking_toggle.isChecked():
            self._thinking.setText(self.reasoning())

    def set_branch(self, position: int, count: int) -> None:
        """Show the ``< position/count >`` switcher (hidden when there is one version)."""
        if count <= 1:
            if self.branch_switcher is not None:
                self.branch_switcher.hide()
            return
        if self.branch_switcher is None:
            self.branch_switcher = BranchSwitcher(self)
            self.branch_switcher.step_requested.connect(self._on_branch_switcher_step_requested)
            # At the header's right end: what comes before it (the model, the time, Continue)
            # differs between versions, and it must not move under the mouse while stepping.
            self._header.addWidget(self.branch_switcher)
        self.branch_switcher.set_position(position, count)
        self.branch_switcher.show()

    @Slot(int)
    def _on_branch_switcher_step_requested(self, step: int) -> None:
        if self.message_id is not None:
            self.branch_step_requested.emit(self.message_id, step)

    def set_note(self, text: str) -> None:
        """Show a short note under the text (``"Stopped"``, ``"Interrupted"``), or hide it."""
        self._note.setText(text)
        self._note.setVisible(bool(text))

    def note_text(self) -> str:
        """The note under the text ("" when none)."""
        return self._note.text()

    def set_can_regenerate(self, allowed: bool) -> None:
        """Offer Regenerate (a new version of this reply), once it is not streaming."""
        self._can_regenerate = allowed and self.role != USER_ROLE
        self._regenerate_button.setVisible(self._can_regenerate and not self._busy)

    def set_can_continue(self, allowed: bool) -> None:
        """Offer Continue (a new version that goes on from this reply's text)."""
        self._can_continue = allowed and self.role != USER_ROLE
        self._continue_reply_button.setVisible(self._can_continue and not self._busy)

    def set_origin(self, model: str, created_at: float) -> None:
        """Show which model wrote the reply, and when (hidden when neither is known)."""
        parts = [" ".join(model.split())[:80]] if model.strip() else []
        if created_at > 0:
            written = datetime.fromtimestamp(created_at)
            same_day = written.date() == datetime.now().date()
            parts.append(written.strftime("%H:%M" if same_day else "%Y-%m-%d %H:%M"))
        self._origin.setText(" · ".join(parts))
        self._origin.setVisible(bool(parts))

    def origin_text(self) -> str:
        """The model and time shown beside the role ("" when hidden)."""
        return self._origin.text()

    @property
    def busy(self) -> bool:
        """Whether this reply is streaming."""
        return self._busy

    @Slot()
    def request_delete(self) -> None:
        """Ask for this message, and what follows it, to be deleted."""
        if self.message_id is not None and not self._busy:
            self.delete_requested.emit(self.message_id)

    def set_busy(self, busy: bool) -> None:
        """Hide the actions that make no sense while this reply streams."""
        self._busy = busy
        self._copy_button.setEnabled(not busy)
        self._edit_button.setEnabled(not busy)
        self._regenerate_button.setVisible(self._can_regenerate and not busy)
        self._continue_reply_button.setVisible(self._can_continue and not busy)

    # Errors ------------------------------------------------------------------------------------

    def show_error(self, advice: ErrorAdvice) -> None:
        """Show why the reply failed under the partial text, with Retry and the helpful action."""
        self._error_label.setText(advice.text)
        self._extra_action = advice.action
        self._settings_field = advice.settings_field
        labels = {
            ErrorAction.OPEN_SETTINGS: self.tr("Open Settings"),
            ErrorAction.NEW_CHAT: self.tr("New chat"),
        }
        self._extra_button.setText(labels.get(advice.action, ""))
        self._extra_button.setVisible(advice.action in labels)
        self._continue_button.setVisible(advice.interrupted and bool(self.markdown().strip()))
        self._countdown_timer.stop()
        self._retry_button.setEnabled(True)
        self._retry_button.setText(self.tr("Retry"))
        if advice.action is ErrorAction.WAIT and advice.retry_after:
            self._countdown = max(1, round(advice.retry_after))
            self._update_countdown()
            self._countdown_timer.start()
        self._error.show()

    def error_text(self) -> str:
        """The error sentence shown, or "" when none."""
        return self._error_label.text() if not self._error.isHidden() else ""

    def retry_countdown(self) -> int:
        """Seconds left before Retry is offered (0 when it is)."""
        return self._countdown if self._countdown_timer.isActive() else 0

    def _update_countdown(self) -> None:
        if self._countdown > 0:
            self._retry_button.setEnabled(False)
            self._retry_button.setText(
                self.tr("Retry in {seconds} s").format(seconds=self._countdown)
            )
        else:
            self._countdown_timer.stop()
            self._retry_button.setEnabled(True)
            self._retry_button.setText(self.tr("Retry"))

    @Slot()
    def _on_countdown_timer_timeout(self) -> None:
        self._countdown -= 1
        self._update_countdown()

    # Actions -----------------------------------------------------------------------------------

    def can_copy(self) -> bool:
        """Whether the message may be copied now (not while it streams)."""
        return self._copy_button.isEnabled()

    @Slot()
    def copy_markdown(self) -> None:
        """Copy the message's Markdown source."""
        copy_message(self.role, self.markdown(), CopyFormat.MARKDOWN)
        self.show_copied()

    @Slot()
    def copy_plain_text(self) -> None:
        """Copy the message as plain text (what a reader sees, without Markdown marks)."""
        copy_message(self.role, self.markdown(), CopyFormat.PLAIN)
        self.show_copied()

    @Slot()
    def copy_rich_text(self) -> None:
        """Copy the message as formatted text (HTML) together with its plain text."""
        copy_message(self.role, self.markdown(), CopyFormat.RICH)
        self.show_copied()

    def copy_code_block(self, index: int) -> bool:
        """Copy code block ``index`` alone; False when there is no such block."""
        copied = copy_code_block(self.markdown(), index)
        if copied:
            self.show_copied()
        return copied

    @Slot()
    def show_copied(self) -> None:
        """Say, for a moment, that the copy went to the clipboard (on the Copy button)."""
        self._copy_button.setText(self.tr("Copied ✓"))
        self._copied_timer.start()

    @Slot(int)
    def _on_body_code_copied(self, index: int) -> None:
        del index
        self.show_copied()

    @Slot()
    def _on_copied_timer_timeout(self) -> None:
        self._copy_button.setText(self.tr("Copy"))

    def context_menu(self) -> QMenu:
        """Build the right-click menu (copy commands) for this message."""
        return build_message_menu(self)

    @Slot()
    def on_copy_code_action_triggered(self) -> None:
        """Copy the code block whose index the triggering menu action carries."""
        action = self.sender()
        if isinstance(action, QAction) and isinstance(action.data(), int):
            self.copy_code_block(action.data())

    @Slot(QPoint)
    def _on_context_menu_requested(self, position: QPoint) -> None:
        source = self.sender()
        origin = source if isinstance(source, QWidget) else self
        menu = self.context_menu()
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(origin.mapToGlobal(position))

    @Slot(bool)
    def _on_thinking_toggle_toggled(self, checked: bool) -> None:
        arrow = Qt.ArrowType.DownArrow if checked else Qt.ArrowType.RightArrow
        self._thinking_toggle.setArrowType(arrow)
        if checked:
            self._thinking.setText(self.reasoning())
        self._thinking.setVisible(checked)

    def request_regenerate(self) -> bool:
        """Ask for a new version of this reply, as its Regenerate button does; False when it
        offers none (a user message, or a reply still streaming)."""
        if not self._can_regenerate or self._busy or self.message_id is None:
            return False
        self.regenerate_requested.emit(self.message_id)
        return True

    @Slot()
    def _on_regenerate_button_clicked(self) -> None:
        self.request_regenerate()

    @Slot()
    def _on_edit_button_clicked(self) -> None:
        if self.message_id is not None:
            self.edit_requested.emit(self.message_id)

    @Slot()
    def _on_retry_button_clicked(self) -> None:
        if self.message_id is not None:
            self.retry_requested.emit(self.message_id)

    @Slot()
    def _on_continue_button_clicked(self) -> None:
        if self.message_id is not None:
            self.continue_requested.emit(self.message_id)

    @Slot()
    def _on_extra_button_clicked(self) -> None:
        if self._extra_action is ErrorAction.OPEN_SETTINGS:
            self.settings_requested.emit(self._settings_field)
        elif self._extra_action is ErrorAction.NEW_CHAT:
            self.new_chat_requested.emit()
