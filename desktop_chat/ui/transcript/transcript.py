"""The conversation view: one widget per message, created lazily, following the stream.

Only the newest messages get widgets at first; earlier ones are created a page at a time when the
user scrolls to the top, so a conversation of thousands of messages opens and scrolls smoothly.
The view keeps to the bottom while a reply streams, unless the user scrolled up: then a
"Jump to latest" button appears.
"""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop_chat.core.chat.turns import CANCELLED_REASON, can_continue
from desktop_chat.core.history.models import ASSISTANT_ROLE, USER_ROLE, Message
from desktop_chat.ui.common.error_text import ErrorAction, ErrorAdvice, ending_note
from desktop_chat.ui.common.inert import plain_label
from desktop_chat.ui.common.timers import single_shot_timer

if TYPE_CHECKING:
    from desktop_chat.ui.transcript.attachment_strip import AttachmentSource
    from desktop_chat.ui.transcript.message_view import MessageView

__all__ = ["COLLECT_AFTER_OPENING", "FIRST_PAGE_SIZE", "PAGE_SIZE", "Transcript"]

#: How many message widgets are created per scroll to the top.
PAGE_SIZE = 50
#: How many are created when a conversation opens: enough to fill a window or two, so that a
#: long conversation paints fast; the rest come as the user scrolls up.
FIRST_PAGE_SIZE = 20
_COLUMN_WIDTH = 860
#: Space above and below Jump to latest in its strip.
_JUMP_GAP = 6
_FOLLOW_SLACK = 24
#: How many layouts a message's new height passes through to reach the scroll area (the body,
#: the message, the column, the canvas, the scroll area).
_LAYOUT_LEVELS = 5
_FIRST_VIEW_INDEX = 3  # after the stretch, the empty-chat hint and its spacing
#: From this many messages on, opening a conversation is followed by a full garbage collection
#: once the view has been quiet a moment (see ``_on_collect_timer_timeout``).
COLLECT_AFTER_OPENING = 1000
_COLLECT_DELAY_MS = 300


class Transcript(QScrollArea):
    """Shows the messages of one conversation path.

    Signals:
        regenerate_requested(int), edit_requested(int), retry_requested(int),
        continue_requested(int), delete_requested(int): from a message.
        settings_requested(str), new_chat_requested(): from an error banner (the str: the
            Settings field to fix).
        branch_step_requested(int, int): show another version of a message (id, -1 or +1).
    """

    regenerate_requested = Signal(int)
    edit_requested = Signal(int)
    retry_requested = Signal(int)
    continue_requested = Signal(int)
    delete_requested = Signal(int)
    settings_requested = Signal(str)
    new_chat_requested = Signal()
    branch_step_requested = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # While earlier messages are laid out, the first previously shown message stays put.
        self._anchor: tuple[MessageView, int] | None = None
        self.setObjectName("transcript")
        self.setAccessibleName(self.tr("Conversation"))
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        canvas = QWidget()
        canvas.setObjectName("transcriptCanvas")
        outer = QHBoxLayout(canvas)
        outer.setContentsMargins(16, 16, 16, 16)
        self._column = QWidget(canvas)
        self._column.setMaximumWidth(_COLUMN_WIDTH)
        self._column.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        outer.addStretch(1)
        outer.addWidget(self._column, 100)
        outer.addStretch(1)
        self._layout = QVBoxLayout(self._column)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(12)
        self._layout.addStretch(1)
        self._empty_hint = plain_label(
            self.tr("Ask anything below. The reply appears here as it is written."), self._column
        )
        self._empty_hint.setObjectName("emptyHint")
        self._empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty_hint.setWordWrap(True)
        self._layout.addWidget(self._empty_hint)
        self._layout.addSpacing(24)
        self.setWidget(canvas)

        self._messages: list[Message] = []
        self._text_font: QFont | None = None
        self._branch_lookup: Callable[[Message], tuple[int, int]] | None = None
        self._attachment_source: AttachmentSource | None = None
        self._reveal_target: MessageView | None = None
        self._first_shown = 0
        self._views: list[MessageView] = []
        self._follow = True
        self._anchor_timer = single_shot_timer(self, 250, self._on_anchor_timer_timeout)
        # When the newest page does not fill the view there is nothing to scroll, so the user
        # could never reach the top to ask for more: load earlier pages once laid out.
        self._fill_timer = single_shot_timer(self, 100, self._on_fill_timer_timeout)
        self._collect_timer = single_shot_timer(
            self, _COLLECT_DELAY_MS, self._on_collect_timer_timeout, "collectTimer"
        )

        self._jump = QPushButton(self.tr("Jump to latest ↓"), self)
        self._jump.setObjectName("jumpToLatestButton")
        self._jump.setCursor(Qt.CursorShape.PointingHandCursor)
        self._jump.clicked.connect(self._on_jump_clicked)
        self._jump.hide()

        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._on_scrollbar_value_changed)
        bar.rangeChanged.connect(self._on_scrollbar_range_changed)

    # Content -----------------------------------------------------------------------------------

    def set_messages(self, messages: Sequence[Message]) -> None:
        """Show ``messages`` (root first), creating widgets for the newest page only."""
        self.clear()
        self._messages = list(messages)
        self._first_shown = max(0, len(self._messages) - FIRST_PAGE_SIZE)
        for message in self._messages[self._first_shown :]:
            self._views.append(self._make_view(message))
            self._layout.addWidget(self._views[-1])
        self._follow = True
        self._refresh_actions()
        self.scroll_to_latest()
        if self._first_shown > 0:
            self._fill_timer.start()
        if len(self._messages) >= COLLECT_AFTER_OPENING:
            self._collect_timer.start()

    def clear(self) -> None:
        """Remove every message."""
        for view in self._views:
            self._layout.removeWidget(view)
            view.deleteLater()
        self._views = []
        self._messages = []
        self._first_shown = 0
        self._empty_hint.show()
        self._on_anchor_timer_timeout()
        self._anchor_timer.stop()

    def append_message(self, message: Message) -> MessageView:
        """Add ``message`` at the end and return its widget."""
        self._messages.append(message)
        view = self._make_view(message)
        self._views.append(view)
        self._layout.addWidget(view)
        self._refresh_actions()
        return view

    def remove_from(self, message_id: int) -> None:
        """Remove the message ``message_id`` and every message after it."""
        index = next((i for i, m in enumerate(self._messages) if m.id == message_id), None)
        if index is None:
            return
        del self._messages[index:]
        keep = max(0, index - self._first_shown)
        for view in self._views[keep:]:
            self._layout.removeWidget(view)
            view.deleteLater()
        del self._views[keep:]
        self._first_shown = min(self._first_shown, len(self._messages))
        self._refresh_actions()

    def replace_message(self, message: Message) -> None:
        """Update the stored copy of ``message`` (after it was saved with new fields)."""
        for index, known in enumerate(self._messages):
            if known.id == message.id:
                self._messages[index] = message
                return

    def messages(self) -> list[Message]:
        """Every message of the path, shown or not yet created."""
        return list(self._messages)

    def set_text_font(self, font: QFont) -> None:
        """Show every message, and the ones to come, in ``font`` (the text size)."""
        self._text_font = QFont(font)
        self.setFont(font)
        for view in self._views:
            view.body.set_text_font(font)

    def restyle(self) -> None:
        """Render every message again in the current theme (its colours are in the rendering)."""
        for view in self._views:
            view.body.restyle()

    def views(self) -> list[MessageView]:
        """The message widgets that exist (the newest ones)."""
        return list(self._views)

    def view_for(self, message_id: int) -> MessageView | None:
        """The widget of ``message_id``, if it was created."""
        return next((v for v in self._views if v.message_id == message_id), None)

    def last_view(self) -> MessageView | None:
        """The widget of the last message, or None."""
        return self._views[-1] if self._views else None

    def hidden_count(self) -> int:
        """How many earlier messages have no widget yet."""
        return self._first_shown

    def set_branch_lookup(self, lookup: Callable[[Message], tuple[int, int]] | None) -> None:
        """Use ``lookup(message) -> (position, count)`` to show version switchers on new views."""
        self._branch_lookup = lookup

    def viewport_top(self, message_id: int) -> int | None:
        """How far below the top of the view message ``message_id`` starts (None: no widget)."""
        view = self.view_for(message_id)
        if view is None:
            return None
        return self._top_of(view) - self.verticalScrollBar().value()

    def hold_in_place(self, message_id: int, viewport_top: int) -> None:
        """Keep message ``message_id`` ``viewport_top`` pixels below the top of the view while
        the transcript is laid out anew (another version of it was just put in its place)."""
        view = self.view_for(message_id)
        if view is None:
            return
        self._follow = False
        self._on_anchor_timer_timeout()
        self._anchor = (view, -viewport_top)
        view.installEventFilter(self)
        self._anchor_timer.start()
        self.verticalScrollBar().setValue(self._top_of(view) - viewport_top)

    def set_attachment_source(self, source: AttachmentSource | None) -> None:
        """Read the files of messages (thumbnails, bytes, text) from ``source``."""
        self._attachment_source = source

    def reveal_message(self, message_id: int) -> MessageView | None:
        """Create the widgets down to ``message_id`` if needed and scroll it into view."""
        index = next((i for i, m in enumerate(self._messages) if m.id == message_id), None)
        if index is None:
            return None
        if index < self._first_shown:
            start = max(0, min(index, self._first_shown - PAGE_SIZE))
            new_views = [self._make_view(m) for m in self._messages[start : self._first_shown]]
            for offset, view in enumerate(new_views):
                self._layout.insertWidget(_FIRST_VIEW_INDEX + offset, view)
            self._views[0:0] = new_views
            self._first_shown = start
        view = self._views[index - self._first_shown]
        self._follow = False
        self._layout.activate()
        canvas = self.widget()
        outer = canvas.layout() if canvas is not None else None
        if outer is not None:
            outer.activate()
        self.ensureWidgetVisible(view, 0, 48)
        # The scroll range follows the new layout only after queued events: aim again then.
        self._reveal_target = view
        QTimer.singleShot(0, self._on_reveal_timer_timeout)
        return view

    @Slot()
    def _on_reveal_timer_timeout(self) -> None:
        view, self._reveal_target = self._reveal_target, None
        if view is not None and view in self._views:
            self._follow = False
            self.ensureWidgetVisible(view, 0, 48)

    def _make_view(self, message: Message) -> MessageView:
        # Loaded with the first message, not for the first paint: a new chat shows none.
        from desktop_chat.ui.transcript.message_view import MessageView  # noqa: PLC0415

        view = MessageView(message.role, message.id, self._column)
        if self._text_font is not None:
            view.body.set_text_font(self._text_font)
        view.set_content(message.content, message.reasoning)
        if message.attachments and self._attachment_source is not None:
            view.show_attachments(message.attachments, self._attachment_source)
        for call in message.tool_calls:
            if not call.finished and message.status != "streaming":
                # Saved mid-call by a window that closed or crashed: it never finished.
                call = dataclasses.replace(call, status="cancelled")  # noqa: PLW2901
            view.show_tool_call(call).set_expanded(False)
        if message.role == ASSISTANT_ROLE:
            view.set_origin(message.model, message.created_at)
            view.set_can_continue(can_continue(message))
        if self._branch_lookup is not None and message.role != "system":
            view.set_branch(*self._branch_lookup(message))
        view.branch_step_requested.connect(self.branch_step_requested)
        if message.finish_reason == CANCELLED_REASON:
            view.set_note(self.tr("Stopped."))
        elif message.role == ASSISTANT_ROLE and message.status in ("interrupted", "error"):
            if message.content:
                view.set_note(self.tr("This reply was cut off."))
            unfinished = (
                self.tr("Desktop Chat closed before this reply finished.")
                if message.status == "interrupted"
                else self.tr("The reply did not finish.")
            )
            view.show_error(
                ErrorAdvice(
                    message.error or unfinished,
                    ErrorAction.RETRY,
                    interrupted=True,
                )
            )
        elif message.role == ASSISTANT_ROLE and message.status == "complete":
            view.set_note(ending_note(message.finish_reason, message.content, message.reasoning))
        view.regenerate_requested.connect(self.regenerate_requested)
        view.edit_requested.connect(self.edit_requested)
        view.retry_requested.connect(self.retry_requested)
        view.continue_requested.connect(self.continue_requested)
        view.delete_requested.connect(self.delete_requested)
        view.settings_requested.connect(self.settings_requested)
        view.new_chat_requested.connect(self.new_chat_requested)
        return view

    def _refresh_actions(self) -> None:
        self._empty_hint.setVisible(not self._messages)
        for view in self._views:
            view.set_can_regenerate(view.role != USER_ROLE)

    def _load_earlier(self) -> None:
        if self._first_shown == 0:
            return
        start = max(0, self._first_shown - PAGE_SIZE)
        bar = self.verticalScrollBar()
        if self._views:
            first = self._views[0]
            self._anchor = (first, bar.value() - self._top_of(first))
            first.installEventFilter(self)
            self._anchor_timer.start()
        new_views = [self._make_view(m) for m in self._messages[start : self._first_shown]]
        for offset, view in enumerate(new_views):
            self._layout.insertWidget(_FIRST_VIEW_INDEX + offset, view)
        self._views[0:0] = new_views
        self._first_shown = start

    # Following the stream ----------------------------------------------------------------------

    def settle(self) -> None:
        """Lay out now what a growing message changed, so that the next paint shows it grown and
        scrolled to follow it at once.

        Left to the event loop, a frame was painted twice: the grown text first, then, once the
        layouts had passed the new height up to the scroll area, the scrolled view. Each level
        (message, column, canvas, scroll area) posts its layout request only when the one below
        ran, hence one pass per level.
        """
        for _ in range(_LAYOUT_LEVELS):
            QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)

    @property
    def following(self) -> bool:
        """Whether the view keeps to the newest text."""
        return self._follow

    def scroll_to_latest(self) -> None:
        """Scroll to the bottom and follow the stream again."""
        self._follow = True
        self._show_jump(False)
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    @Slot()
    def _on_jump_clicked(self) -> None:
        self.scroll_to_latest()

    @Slot(int)
    def _on_scrollbar_value_changed(self, value: int) -> None:
        bar = self.verticalScrollBar()
        if self._anchor is None:
            self._follow = value >= bar.maximum() - _FOLLOW_SLACK
            self._show_jump(not self._follow)
        if value == bar.minimum() and self._first_shown > 0 and self._anchor is None:
            self._load_earlier()

    @Slot(int, int)
    def _on_scrollbar_range_changed(self, minimum: int, maximum: int) -> None:
        del minimum
        bar = self.verticalScrollBar()
        if self._anchor is not None:
            view, offset = self._anchor
            bar.setValue(self._top_of(view) + offset)
        elif self._follow:
            bar.setValue(maximum)
        if maximum == 0 and self._first_shown > 0 and self._views:
            self._fill_timer.start()

    @Slot()
    def _on_collect_timer_timeout(self) -> None:
        # A long conversation brings tens of thousands of objects into Python's heap, and the
        # garbage collector's next full pass over them takes 30-50 ms. Left to itself it comes
        # a little later, typically while the next reply streams, where it shows as a stutter;
        # run now, while the user reads, it puts the next one far off.
        gc.collect()

    @Slot()
    def _on_fill_timer_timeout(self) -> None:
        if self.verticalScrollBar().maximum() == 0 and self._first_shown > 0:
            self._load_earlier()
            self._fill_timer.start()

    @Slot()
    def _on_anchor_timer_timeout(self) -> None:
        if self._anchor is not None:
            self._anchor[0].removeEventFilter(self)
        self._anchor = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Keep the anchored message in place while earlier messages are laid out above it."""
        if (
            self._anchor is not None
            and watched is self._anchor[0]
            and event.type() == QEvent.Type.Move
        ):
            view, offset = self._anchor
            self.verticalScrollBar().setValue(self._top_of(view) + offset)
        return super().eventFilter(watched, event)

    def _top_of(self, view: MessageView) -> int:
        return self._column.y() + view.y()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep the Jump button in the bottom-right corner."""
        super().resizeEvent(event)
        self._place_jump()

    def _show_jump(self, shown: bool) -> None:
        """Show or hide Jump to latest, in a strip of its own under the text, never over it."""
        if shown != self._jump.isVisibleTo(self):
            strip = self._jump.sizeHint().height() + 2 * _JUMP_GAP if shown else 0
            self.setViewportMargins(0, 0, 0, strip)
            self._jump.setVisible(shown)
        self._place_jump()

    def _place_jump(self) -> None:
        self._jump.adjustSize()
        viewport = self.viewport().geometry()
        self._jump.move(viewport.right() - self._jump.width() - 16, viewport.bottom() + _JUMP_GAP)
        self._jump.raise_()
