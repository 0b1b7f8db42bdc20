"""Sending and streaming for the open conversation: the glue between storage, streamer and view.

Deltas from the streamer are coalesced and painted at most once per frame (a ~16 ms single-shot
timer flushes what arrived), and each paint only touches the open tail of the reply. The database
is written by the streamer's recorder, off the GUI thread; the GUI thread only adds the message
rows before a reply starts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from desktop_chat.core.api import ChatClient, Usage
from desktop_chat.core.errors import ApiError, DesktopChatError, StorageError
from desktop_chat.core.models import Message
from desktop_chat.core.providers import ProviderConfig
from desktop_chat.core.storage import Storage
from desktop_chat.ui.branch_switcher import branch_position, sibling_after_step
from desktop_chat.ui.error_text import ErrorAction, ErrorAdvice, describe_error
from desktop_chat.ui.message_view import MessageView
from desktop_chat.ui.streamer import CANCELLED_REASON, Streamer
from desktop_chat.ui.timers import single_shot_timer
from desktop_chat.ui.title_maker import first_line_title
from desktop_chat.ui.transcript import Transcript

__all__ = ["FRAME_MS", "ChatSession", "ReplyStats", "ReplyTarget"]

#: How long deltas are gathered before one paint.
FRAME_MS = 16
# Sent to the model (not shown, not saved) after the kept part of a cut-off reply.
_CONTINUE_PROMPT = "Continue exactly where your previous reply stopped, without repeating it."


@dataclass(frozen=True, slots=True)
class ReplyTarget:
    """Where a reply comes from: the provider, a ready client and the model.

    Attributes:
        provider: the provider configuration used.
        client: a client for it (the streamer closes it).
        model: the model to request.
        params: extra request parameters.
    """

    provider: ProviderConfig
    client: ChatClient
    model: str
    params: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ReplyStats:
    """Figures of the last reply for the status bar.

    Attributes:
        ttft_ms: milliseconds to the first token, or None.
        duration_ms: milliseconds for the whole reply, or None.
        usage: the token usage the server reported, or None.
        deltas: how many text pieces arrived.
        chars: how many characters the reply has.
    """

    ttft_ms: int | None
    duration_ms: int | None
    usage: Usage | None
    deltas: int
    chars: int

    @property
    def tokens_per_second(self) -> float | None:
        """Completion tokens per second after the first token, when the server counted them."""
        if self.usage is None or self.duration_ms is None:
            return None
        seconds = (self.duration_ms - (self.ttft_ms or 0)) / 1000
        if seconds <= 0 or self.usage.completion_tokens <= 0:
            return None
        return self.usage.completion_tokens / seconds


class ChatSession(QObject):
    """Sends messages of one conversation at a time and streams the replies into the transcript.

    Args:
        storage: the conversation database (GUI-thread connection).
        database: its path, for the streamer's recorder.
        transcript: the view to fill.
        target: returns where the next reply comes from; raises DesktopChatError when it cannot.
        parent: the Qt parent.

    Signals:
        streaming_changed(bool): a reply started or ended.
        conversation_changed(int): a conversation was created or changed (list needs refresh).
        reply_finished(object): a reply ended; carries its ``ReplyStats``.
        problem_reported(str): something outside a reply failed (the database refused a write).
    """

    streaming_changed = Signal(bool)
    conversation_changed = Signal(int)
    reply_finished = Signal(object)
    problem_reported = Signal(str)

    def __init__(
        self,
        storage: Storage,
        database: Path,
        transcript: Transcript,
        target: Callable[[], ReplyTarget],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._storage = storage
        self._database = database
        self._transcript = transcript
        self._target = target
        self._conversation_id: int | None = None
        self._streamer: Streamer | None = None
        self._view: MessageView | None = None
        self._message_id: int | None = None
        self._pending: list[str] = []
        self._pending_reasoning: list[str] = []
        self._edit_target: Message | None = None
        self._closing = False
        self._flush_timer = single_shot_timer(self, FRAME_MS, self._on_flush_timer_timeout)
        transcript.regenerate_requested.connect(self._on_transcript_regenerate_requested)
        transcript.retry_requested.connect(self._on_transcript_regenerate_requested)
        transcript.continue_requested.connect(self._on_transcript_continue_requested)
        transcript.branch_step_requested.connect(self._on_transcript_branch_step_requested)
        transcript.set_branch_lookup(self._branch_position)

    # State -------------------------------------------------------------------------------------

    @property
    def conversation_id(self) -> int | None:
        """The open conversation, or None for a new chat not saved yet."""
        return self._conversation_id

    @property
    def is_streaming(self) -> bool:
        """Whether a reply is streaming."""
        return self._streamer is not None

    @property
    def streamer(self) -> Streamer | None:
        """The running streamer, if any (tests and the self-test watch it)."""
        return self._streamer

    def open(self, conversation_id: int | None) -> None:
        """Show ``conversation_id`` (None: an empty new chat). Stops a streaming reply first."""
        self.stop()
        self._finish_streamer_wait()
        self._edit_target = None
        self._conversation_id = conversation_id
        messages = [] if conversation_id is None else self._storage.current_path(conversation_id)
        self._transcript.set_messages([m for m in messages if m.role != "system"])

    # Sending -----------------------------------------------------------------------------------

    def send(self, text: str) -> bool:
        """Send ``text`` as a user message and stream the reply; False when nothing was sent."""
        text = text.strip()
        if not text or self.is_streaming or self._closing:
            return False
        try:
            if self._conversation_id is None:
                title = first_line_title(text)
                conversation = self._storage.create_conversation(title=title)
                self._conversation_id = conversation.id
            if self._edit_target is not None:
                target, self._edit_target = self._edit_target, None
                self._transcript.remove_from(target.id)
                parent_id = target.parent_id
            else:
                known = self._transcript.messages()
                parent_id = known[-1].id if known else None
            user = self._storage.add_message(self._conversation_id, parent_id, "user", text)
        except (StorageError, KeyError, ValueError) as error:
            self.problem_reported.emit(str(error))
            return False
        self._transcript.append_message(user)
        self._transcript.scroll_to_latest()
        self.conversation_changed.emit(self._conversation_id)
        self._start_reply(user)
        return True

    def begin_edit(self, message_id: int) -> str:
        """Mark user message ``message_id`` as the one the next send replaces; return its text."""
        message = next((m for m in self._transcript.messages() if m.id == message_id), None)
        if message is None or message.role != "user" or self.is_streaming:
            return ""
        self._edit_target = message
        return message.content

    @property
    def editing(self) -> bool:
        """Whether the next send replaces an earlier user message."""
        return self._edit_target is not None

    def cancel_edit(self) -> None:
        """Forget the message being edited."""
        self._edit_target = None

    def regenerate(self, message_id: int) -> bool:
        """Ask again for the reply ``message_id`` (a new sibling of it); False when impossible."""
        if self.is_streaming or self._closing:
            return False
        messages = self._transcript.messages()
        index = next((i for i, m in enumerate(messages) if m.id == message_id), None)
        if index is None or index == 0 or messages[index - 1].role != "user":
            return False
        user = messages[index - 1]
        self._transcript.remove_from(message_id)
        self._start_reply(user)
        return True

    @Slot(int)
    def _on_transcript_regenerate_requested(self, message_id: int) -> None:
        self.regenerate(message_id)

    def continue_reply(self, message_id: int) -> bool:
        """Stream more of the cut-off reply ``message_id`` into a new copy that starts with its
        text; False when impossible."""
        if self.is_streaming or self._closing:
            return False
        messages = self._transcript.messages()
        index = next((i for i, m in enumerate(messages) if m.id == message_id), None)
        if index is None or index == 0 or messages[index - 1].role != "user":
            return False
        partial = messages[index]
        if partial.role != "assistant" or not partial.content:
            return False
        self._transcript.remove_from(message_id)
        self._start_reply(messages[index - 1], prefix=partial.content)
        return True

    @Slot(int)
    def _on_transcript_continue_requested(self, message_id: int) -> None:
        self.continue_reply(message_id)

    # Branches ----------------------------------------------------------------------------------

    def _branch_position(self, message: Message) -> tuple[int, int]:
        return branch_position(self._storage, message)

    def switch_branch(self, message_id: int, step: int) -> int | None:
        """Show the version ``step`` places from message ``message_id``; returns its id."""
        if self.is_streaming or self._closing or self._conversation_id is None:
            return None
        try:
            target = sibling_after_step(self._storage, message_id, step)
            if target is None:
                return None
            self._storage.select_branch(target)
        except (StorageError, KeyError) as error:
            self.problem_reported.emit(str(error))
            return None
        self.open(self._conversation_id)
        self._transcript.reveal_message(target)
        return target

    @Slot(int, int)
    def _on_transcript_branch_step_requested(self, message_id: int, step: int) -> None:
        self.switch_branch(message_id, step)

    def _system_prompt(self, provider: ProviderConfig) -> str:
        # The conversation keeps the prompt it started with; the provider's is the fallback.
        if self._conversation_id is not None:
            try:
                conversation = self._storage.get_conversation(self._conversation_id)
            except StorageError:
                conversation = None
            if conversation is not None and conversation.system_prompt.strip():
                return conversation.system_prompt
        return provider.system_prompt

    def _history(self, provider: ProviderConfig) -> list[dict[str, Any]]:
        history: list[dict[str, Any]] = []
        system_prompt = self._system_prompt(provider)
        if system_prompt.strip():
            history.append({"role": "system", "content": system_prompt})
        for message in self._transcript.messages():
            if message.role == "assistant" and not message.content:
                continue
            history.append({"role": message.role, "content": message.content})
        return history

    def _start_reply(self, user: Message, prefix: str = "") -> None:
        conversation_id = user.conversation_id
        try:
            target = self._target()
        except DesktopChatError as error:
            self._show_unsendable(user, error.message)
            return
        history = self._history(target.provider)
        if prefix:
            history += [
                {"role": "assistant", "content": prefix},
                {"role": "user", "content": _CONTINUE_PROMPT},
            ]
        try:
            reply = self._storage.add_message(
                conversation_id,
                user.id,
                "assistant",
                prefix,
                status="streaming",
                model=target.model,
                provider=target.provider.name,
            )
        except (StorageError, KeyError, ValueError) as error:
            target.client.close()
            self.problem_reported.emit(str(error))
            return
        view = self._transcript.append_message(reply)
        view.body.begin_stream(prefix)
        view.set_busy(True)
        self._view = view
        self._message_id = reply.id
        streamer = Streamer(
            target.client,
            target.model,
            history,
            target.params,
            database=self._database,
            message_id=reply.id,
            prefix=prefix,
        )
        streamer.delta_received.connect(self._on_streamer_delta_received)
        streamer.reasoning_received.connect(self._on_streamer_reasoning_received)
        streamer.reply_finished.connect(self._on_streamer_reply_finished)
        streamer.failed.connect(self._on_streamer_failed)
        streamer.record_failed.connect(self._on_streamer_record_failed)
        self._streamer = streamer
        self.streaming_changed.emit(True)
        streamer.start()

    def _show_unsendable(self, user: Message, message: str) -> None:
        try:
            reply = self._storage.add_message(
                user.conversation_id, user.id, "assistant", status="error", error=message
            )
        except (StorageError, KeyError, ValueError) as error:
            self.problem_reported.emit(str(error))
            return
        view = self._transcript.append_message(reply)
        view.show_error(ErrorAdvice(message, ErrorAction.OPEN_SETTINGS))

    def stop(self) -> None:
        """Stop the streaming reply (its text so far is kept)."""
        if self._streamer is not None:
            self._streamer.cancel()

    # Streamer signals --------------------------------------------------------------------------

    @Slot(str)
    def _on_streamer_delta_received(self, text: str) -> None:
        self._pending.append(text)
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    @Slot(str)
    def _on_streamer_reasoning_received(self, text: str) -> None:
        self._pending_reasoning.append(text)
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    @Slot()
    def _on_flush_timer_timeout(self) -> None:
        view = self._view
        if view is None:
            self._pending.clear()
            self._pending_reasoning.clear()
            return
        if self._pending_reasoning:
            view.append_reasoning("".join(self._pending_reasoning))
            self._pending_reasoning.clear()
        if self._pending:
            view.body.append_markdown("".join(self._pending))
            self._pending.clear()

    @Slot(str, object)
    def _on_streamer_reply_finished(self, reason: str, usage: object) -> None:
        view = self._end_view()
        if view is not None:
            if reason == CANCELLED_REASON:
                view.set_note(self.tr("Stopped."))
            elif reason == "length":
                view.set_note(self.tr("The reply reached the length limit."))
            elif reason == "content_filter":
                view.set_note(self.tr("The provider's content filter ended the reply."))
        self._end_stream(usage if isinstance(usage, Usage) else None)

    @Slot(object)
    def _on_streamer_failed(self, error: object) -> None:
        view = self._end_view()
        if view is not None and isinstance(error, ApiError):
            view.show_error(describe_error(error))
        self._end_stream(None)

    @Slot(str)
    def _on_streamer_record_failed(self, message: str) -> None:
        self.problem_reported.emit(
            self.tr("The reply could not be saved: {message}").format(message=message)
        )

    def _end_view(self) -> MessageView | None:
        self._flush_timer.stop()
        self._on_flush_timer_timeout()
        view = self._view
        if view is not None:
            view.body.end_stream()
            view.set_busy(False)
        return view

    def _end_stream(self, usage: Usage | None) -> None:
        streamer = self._streamer
        message_id = self._message_id
        self._streamer = None
        self._view = None
        self._message_id = None
        if streamer is None:
            return
        streamer.wait(2000)
        stats = ReplyStats(
            streamer.ttft_ms, streamer.duration_ms, usage, streamer.delta_count, len(streamer.text)
        )
        streamer.deleteLater()
        if message_id is not None:
            stored = self._safe_get(message_id)
            if stored is not None:
                self._transcript.replace_message(stored)
        self.streaming_changed.emit(False)
        if self._conversation_id is not None:
            self.conversation_changed.emit(self._conversation_id)
        self.reply_finished.emit(stats)

    def _safe_get(self, message_id: int) -> Message | None:
        try:
            return self._storage.get_message(message_id)
        except StorageError:
            return None

    def _finish_streamer_wait(self) -> None:
        if self._streamer is not None:
            self._streamer.wait(3000)
            self._end_view()
            self._end_stream(None)

    def shutdown(self, timeout_ms: int = 1000) -> bool:
        """Stop any reply and wait for its thread; True when no thread is left running."""
        self._closing = True
        streamer = self._streamer
        if streamer is None:
            return True
        streamer.cancel()
        finished = streamer.wait(timeout_ms)
        if not finished:
            finished = streamer.wait(5000)
        self._flush_timer.stop()
        self._streamer = None
        self._view = None
        return finished
