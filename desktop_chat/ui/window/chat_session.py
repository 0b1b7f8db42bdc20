"""Sending and streaming for every conversation: the glue between the engine, streamers and view.

Replies keep streaming when their chat is left: each streaming reply belongs to its conversation,
not to the screen. Up to :data:`MAX_STREAMS` stream at once; a further send waits for a free slot,
and says so. Deltas of the chat on screen are coalesced and painted at most once per frame (a ~16
ms single-shot timer flushes what arrived); those of other chats are only gathered, so coming back
shows the reply whole and live. The database is written by the engine's recorder, off the GUI
thread; the GUI thread only adds the rows a turn starts with.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeAlias, cast

from PySide6.QtCore import QObject, Signal, Slot

from desktop_chat.core.chat.options import ChatOptions
from desktop_chat.core.chat.turns import (
    CANCELLED_REASON,
    LATEST,
    Turn,
    can_continue,
    continue_turn,
    regenerate_turn,
    send_turn,
)
from desktop_chat.core.config.providers import ProviderConfig
from desktop_chat.core.errors import (
    ApiError,
    DesktopChatError,
    ImagesNotSupportedError,
    StorageError,
)
from desktop_chat.core.history.branches import branch_position, sibling_after_step
from desktop_chat.core.history.models import Message, ToolCall
from desktop_chat.core.history.storage import NewAttachment, Storage
from desktop_chat.ui.common.error_text import describe_error, ending_note
from desktop_chat.ui.common.timers import single_shot_timer
from desktop_chat.ui.transcript.transcript import Transcript
from desktop_chat.ui.workers.streamer import Streamer

if TYPE_CHECKING:
    # Loaded on the first send, with the HTTP client, not before the window's first paint.
    from desktop_chat.core.chat.runner import TurnOutcome
    from desktop_chat.core.chat.toolbox import OfferedTool
    from desktop_chat.core.client.api import ChatClient, Usage
    from desktop_chat.ui.transcript.message_view import MessageView
    from desktop_chat.ui.workers.streamer import ToolboxMaker

__all__ = ["FRAME_MS", "MAX_STREAMS", "ChatSession", "Connect", "ReplyStats"]

#: How long deltas are gathered before one paint.
FRAME_MS = 16
#: How many replies stream at once; more sends wait for a free slot.
MAX_STREAMS = 4

#: Returns the provider for a chat's options and what makes its client on the worker thread;
#: raises DesktopChatError when the chat cannot send (it runs on the GUI thread: no keyring).
Connect: TypeAlias = "Callable[[ChatOptions], tuple[ProviderConfig, Callable[[], ChatClient]]]"


class _ReplyPlanner(Protocol):
    """``regenerate_turn`` or ``continue_turn``: plans a new version of a reply."""

    def __call__(
        self, storage: Storage, reply_id: int, options: ChatOptions, *, provider_name: str = ""
    ) -> Turn: ...


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

    @classmethod
    def of(cls, outcome: TurnOutcome) -> ReplyStats:
        """The figures of a finished turn."""
        return cls(
            outcome.ttft_ms, outcome.duration_ms, outcome.usage, outcome.deltas, len(outcome.text)
        )

    @property
    def tokens_per_second(self) -> float | None:
        """Completion tokens per second after the first token, when the server counted them."""
        if self.usage is None or self.duration_ms is None:
            return None
        seconds = (self.duration_ms - (self.ttft_ms or 0)) / 1000
        if seconds <= 0 or self.usage.completion_tokens <= 0:
            return None
        return self.usage.completion_tokens / seconds


@dataclass(eq=False)
class _Live:
    """A reply that streams, or waits for a slot, whatever chat is on screen."""

    turn: Turn
    streamer: Streamer
    text: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    pending_reasoning: list[str] = field(default_factory=list)
    view: MessageView | None = None
    started: bool = False
    calls: dict[tuple[int, str], ToolCall] = field(default_factory=dict)
    #: The call waiting for the user's answer, the tool's description and its server's name.
    asking: tuple[ToolCall, str, str] | None = None
    #: Why some of the chat's tool servers could not be used for this reply ("" when all were).
    tool_problems: str = ""


class _Relay(QObject):
    """Hands one streamer's signals to the session with the reply they belong to.

    It lives on the GUI thread, so the streamer's signals reach it queued, in order.
    """

    def __init__(self, session: ChatSession, live: _Live) -> None:
        super().__init__(live.streamer)
        self._session = session
        self._live = live

    @Slot(str)
    def on_delta(self, text: str) -> None:
        self._session.on_delta(self._live, text)

    @Slot(str)
    def on_reasoning(self, text: str) -> None:
        self._session.on_reasoning(self._live, text)

    @Slot(str, object)
    def on_ended(self, reason: str, usage: object) -> None:
        del reason, usage
        self._session.on_ended(self._live)

    @Slot(object)
    def on_failed(self, error: object) -> None:
        del error
        self._session.on_ended(self._live)

    @Slot(object)
    def on_tool_call(self, call: object) -> None:
        assert isinstance(call, ToolCall)
        self._session.on_tool_call(self._live, call)

    @Slot(object, object)
    def on_approval(self, call: object, tool: object) -> None:
        assert isinstance(call, ToolCall)
        offered = cast("OfferedTool", tool)
        self._session.on_approval(self._live, call, offered.info.description, offered.info.name)

    @Slot(str)
    def on_tools_unavailable(self, text: str) -> None:
        self._live.tool_problems = text  # shown under the reply when it ends


class ChatSession(QObject):
    """Shows one conversation at a time and streams the replies of any number of them.

    Args:
        storage: the conversation database (GUI-thread connection).
        database: its path, for the recorders.
        transcript: the view to fill.
        options: returns a conversation's options (None: the new chat), or None when unset.
        connect: returns the provider and a client for options; raises DesktopChatError.
        tools: returns what makes a reply's toolbox for options (on the worker thread), or
            None for no tools.
        parent: the Qt parent.

    Signals:
        streaming_changed(bool): the chat on screen started or stopped streaming.
        live_changed(object): the frozenset of conversations whose reply streams or waits.
        conversation_changed(int): a conversation was created or changed (list needs refresh).
        reply_finished(object): a reply of the chat on screen ended; carries its ``ReplyStats``.
        reply_ended(int, object): a reply of any chat ended (its conversation, the
            ``TurnOutcome``).
        send_refused(str): a send was refused before anything was written (no model ...).
        problem_reported(str): something outside a reply failed (the database refused a write).
        stopped(): after :meth:`shutdown`, the last reply's thread has ended.
        message_deleted(int): a message was deleted from view; Undo is possible until the next
            action (its id).
        images_refused(int, str): a model refused the images of a conversation (its id, the
            model).
        tool_always_allowed(str, str): the user chose "Always allow" for a tool (server, tool).
        approval_answered(): the user answered a tool call's card.
    """

    streaming_changed = Signal(bool)
    live_changed = Signal(object)
    conversation_changed = Signal(int)
    reply_finished = Signal(object)
    reply_ended = Signal(int, object)
    send_refused = Signal(str)
    problem_reported = Signal(str)
    stopped = Signal()
    message_deleted = Signal(int)
    images_refused = Signal(int, str)
    tool_always_allowed = Signal(str, str)
    approval_answered = Signal()

    def __init__(
        self,
        storage: Storage,
        database: Path,
        transcript: Transcript,
        options: Callable[[int | None], ChatOptions | None],
        connect: Connect,
        *,
        tools: Callable[[ChatOptions], ToolboxMaker | None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._storage = storage
        self._database = database
        self._transcript = transcript
        self._options = options
        self._connect = connect
        self._tools = tools
        self._conversation_id: int | None = None
        self._live: dict[int, _Live] = {}
        self._waiting: deque[_Live] = deque()
        self._ending: set[Streamer] = set()
        self._edit_target: Message | None = None
        self._closing = False
        self._flush_timer = single_shot_timer(self, FRAME_MS, self._on_flush_timer_timeout)
        transcript.regenerate_requested.connect(self._on_transcript_regenerate_requested)
        transcript.retry_requested.connect(self._on_transcript_regenerate_requested)
        transcript.continue_requested.connect(self._on_transcript_continue_requested)
        transcript.branch_step_requested.connect(self._on_transcript_branch_step_requested)
        transcript.delete_requested.connect(self._on_transcript_delete_requested)
        # (message id, the leaf shown before): deleted for good by finish_pending_delete.
        self._pending_delete: tuple[int, int, int | None] | None = None
        transcript.set_branch_lookup(self._branch_position)
        transcript.set_attachment_source(storage)

    # State -------------------------------------------------------------------------------------

    @property
    def conversation_id(self) -> int | None:
        """The open conversation, or None for a new chat not saved yet."""
        return self._conversation_id

    @property
    def is_streaming(self) -> bool:
        """Whether the chat on screen has a reply streaming (or waiting to)."""
        return self._conversation_id in self._live

    @property
    def live_conversations(self) -> frozenset[int]:
        """The conversations whose reply streams or waits for a slot."""
        return frozenset(self._live)

    @property
    def streamer(self) -> Streamer | None:
        """The streamer of the chat on screen, if any (tests and the self-test watch it)."""
        live = self._live.get(self._conversation_id) if self._conversation_id else None
        return None if live is None else live.streamer

    def streamer_of(self, conversation_id: int) -> Streamer | None:
        """The streamer of ``conversation_id``'s reply, if one streams or waits."""
        live = self._live.get(conversation_id)
        return None if live is None else live.streamer

    def open(self, conversation_id: int | None) -> None:
        """Show ``conversation_id`` (None: an empty new chat); streaming replies go on."""
        if self._pending_delete is not None and self._pending_delete[1] != conversation_id:
            self.finish_pending_delete()
        self._detach_view()
        self._edit_target = None
        self._conversation_id = conversation_id
        try:
            messages = (
                [] if conversation_id is None else self._storage.current_path(conversation_id)
            )
        except StorageError as error:
            self.problem_reported.emit(str(error))
            messages = []
        self._transcript.set_messages([m for m in messages if m.role != "system"])
        live = self._live.get(conversation_id) if conversation_id is not None else None
        if live is not None:
            self._attach_view(live)
        self.streaming_changed.emit(live is not None)

    def _detach_view(self) -> None:
        self._flush_timer.stop()
        live = self._live.get(self._conversation_id) if self._conversation_id else None
        if live is not None:
            live.pending.clear()
            live.pending_reasoning.clear()
            live.view = None

    def _attach_view(self, live: _Live) -> None:
        view = self._transcript.view_for(live.turn.reply.id)
        if view is None:
            return  # another branch is on screen
        view.body.begin_stream("".join(live.text))
        if live.reasoning:
            view.append_reasoning("".join(live.reasoning))
        for call in live.calls.values():
            self._show_call(live, view, call)
        view.set_busy(True)
        if not live.started:
            view.set_note(self._waiting_note())
        live.view = view

    def _waiting_note(self) -> str:
        return self.tr(
            "Waiting: {count} replies are streaming already. This one starts when one of them ends."
        ).format(count=MAX_STREAMS)

    # Sending -----------------------------------------------------------------------------------

    def send(self, text: str, attachments: Sequence[NewAttachment] = ()) -> bool:
        """Send ``text`` with ``attachments`` as a user message and stream the reply; False when
        nothing was sent."""
        text = text.strip()
        if (not text and not attachments) or self.is_streaming or self._closing:
            return False
        if self._edit_target is not None:
            parent_id: int | None = self._edit_target.parent_id
        else:
            known = self._transcript.messages()
            parent_id = known[-1].id if known else None
        conversation_id = self._conversation_id
        turn = self._plan(
            lambda options, name: send_turn(
                self._storage,
                conversation_id,
                text,
                options,
                provider_name=name,
                parent_id=parent_id if conversation_id is not None else LATEST,
                attachments=attachments,
            )
        )
        if turn is None:
            return False
        self._conversation_id = turn.conversation_id
        if self._edit_target is not None:
            self._transcript.remove_from(self._edit_target.id)
            self._edit_target = None
        self._transcript.append_message(turn.user)
        self._transcript.scroll_to_latest()
        self._show_turn(turn)
        return True

    def _plan(self, plan: Callable[[ChatOptions, str], Turn]) -> Turn | None:
        self.finish_pending_delete()
        options = self._options(self._conversation_id)
        if options is None:
            self.send_refused.emit(self.tr("No provider is set up. Open Settings to add one."))
            return None
        try:
            provider, client = self._connect(options)
        except DesktopChatError as error:
            self.send_refused.emit(error.message)
            return None
        try:
            turn = plan(options, provider.name)
        except DesktopChatError as error:
            self.send_refused.emit(error.message)
            return None
        except (KeyError, ValueError) as error:
            self.problem_reported.emit(str(error))
            return None
        maker = None if self._tools is None else self._tools(options)
        self._start(turn, client, maker)
        return turn

    def begin_edit(self, message_id: int) -> str:
        """Mark user message ``message_id`` as the one the next send replaces; return its text."""
        message = next((m for m in self._transcript.messages() if m.id == message_id), None)
        if message is None or message.role != "user" or self.is_streaming:
            return ""
        self._edit_target = message
        return message.content

    @property
    def edited_message(self) -> Message | None:
        """The earlier user message the next send replaces, if any."""
        return self._edit_target

    @property
    def editing(self) -> bool:
        """Whether the next send replaces an earlier user message."""
        return self._edit_target is not None

    def cancel_edit(self) -> None:
        """Forget the message being edited."""
        self._edit_target = None

    def regenerate(self, message_id: int) -> bool:
        """Ask again for the reply ``message_id`` (a new version beside it); False when not."""
        return self._replace_reply(message_id, regenerate_turn)

    @Slot(int)
    def _on_transcript_regenerate_requested(self, message_id: int) -> None:
        self.regenerate(message_id)

    def continue_reply(self, message_id: int) -> bool:
        """Stream more of reply ``message_id`` into a new version that starts with its text;
        False when impossible."""
        return self._replace_reply(message_id, continue_turn)

    def _replace_reply(self, message_id: int, planner: _ReplyPlanner) -> bool:
        # A new version of the reply takes its place on screen; the old one stays a sibling.
        if self.is_streaming or self._closing:
            return False
        turn = self._plan(
            lambda options, name: planner(self._storage, message_id, options, provider_name=name)
        )
        if turn is None:
            return False
        self._transcript.remove_from(message_id)
        self._show_turn(turn)
        return True

    @Slot(int)
    def _on_transcript_continue_requested(self, message_id: int) -> None:
        self.continue_reply(message_id)

    def _show_turn(self, turn: Turn) -> None:
        live = self._live.get(turn.conversation_id)
        view = self._transcript.append_message(turn.reply)
        if live is not None:
            view.body.begin_stream(turn.prefix)
            view.set_busy(True)
            if not live.started:
                view.set_note(self._waiting_note())
            live.view = view
        self.conversation_changed.emit(turn.conversation_id)
        self.streaming_changed.emit(True)

    # Branches ----------------------------------------------------------------------------------

    def _branch_position(self, message: Message) -> tuple[int, int]:
        return branch_position(self._storage, message)

    def switch_branch(self, message_id: int, step: int) -> int | None:
        """Show the version ``step`` places from message ``message_id``; returns its id."""
        if self.is_streaming or self._closing or self._conversation_id is None:
            return None
        self.finish_pending_delete()
        try:
            target = sibling_after_step(self._storage, message_id, step)
            if target is None:
                return None
            self._storage.select_branch(target)
        except (StorageError, KeyError) as error:
            self.problem_reported.emit(str(error))
            return None
        # The switcher was just clicked: the new version's switcher comes where it was.
        top = self._transcript.viewport_top(message_id)
        self.open(self._conversation_id)
        if top is None or self._transcript.view_for(target) is None:
            self._transcript.reveal_message(target)
        else:
            self._transcript.hold_in_place(target, top)
        return target

    @Slot(int, int)
    def _on_transcript_branch_step_requested(self, message_id: int, step: int) -> None:
        self.switch_branch(message_id, step)

    # Deleting ----------------------------------------------------------------------------------

    def delete_message(self, message_id: int) -> bool:
        """Take ``message_id`` and what follows it out of the chat; :meth:`undo_delete` puts it
        back until :meth:`finish_pending_delete` deletes it for good (at the next change)."""
        conversation_id = self._conversation_id
        if conversation_id is None or self.is_streaming or self._closing:
            return False
        self.finish_pending_delete()
        try:
            conversation = self._storage.get_conversation(conversation_id)
            if conversation is None:
                return False
            leaf = self._storage.branch_without(message_id)
            self._storage.update_conversation(conversation_id, current_leaf_id=leaf)
        except (StorageError, KeyError, ValueError) as error:
            self.problem_reported.emit(str(error))
            return False
        self._pending_delete = (message_id, conversation_id, conversation.current_leaf_id)
        self.open(conversation_id)
        self.message_deleted.emit(message_id)
        return True

    @Slot(int)
    def _on_transcript_delete_requested(self, message_id: int) -> None:
        self.delete_message(message_id)

    def undo_delete(self) -> bool:
        """Put back the message deleted last, as it was shown; False when there is none."""
        pending, self._pending_delete = self._pending_delete, None
        if pending is None:
            return False
        _message_id, conversation_id, leaf = pending
        try:
            self._storage.update_conversation(conversation_id, current_leaf_id=leaf)
        except (StorageError, KeyError, ValueError) as error:
            self.problem_reported.emit(str(error))
            return False
        if conversation_id == self._conversation_id:
            self.open(conversation_id)
        return True

    def finish_pending_delete(self) -> None:
        """Delete for good the message taken out last, if Undo is still possible."""
        pending, self._pending_delete = self._pending_delete, None
        if pending is None:
            return
        try:
            self._storage.delete_message(pending[0])
        except (StorageError, KeyError) as error:
            self.problem_reported.emit(str(error))

    # Streams -----------------------------------------------------------------------------------

    def _start(
        self, turn: Turn, client: Callable[[], ChatClient], tools: ToolboxMaker | None
    ) -> None:
        streamer = Streamer(turn, client, database=self._database, tools=tools, parent=self)
        live = _Live(turn, streamer, text=[turn.prefix] if turn.prefix else [])
        conversation_id = turn.conversation_id
        relay = _Relay(self, live)
        streamer.delta_received.connect(relay.on_delta)
        streamer.reasoning_received.connect(relay.on_reasoning)
        streamer.reply_finished.connect(relay.on_ended)
        streamer.failed.connect(relay.on_failed)
        streamer.record_failed.connect(self._on_streamer_record_failed)
        streamer.tool_call_changed.connect(relay.on_tool_call)
        streamer.approval_requested.connect(relay.on_approval)
        streamer.tools_unavailable.connect(relay.on_tools_unavailable)
        streamer.finished.connect(streamer.deleteLater)
        self._live[conversation_id] = live
        running = sum(1 for other in self._live.values() if other.started)
        if running < MAX_STREAMS:
            live.started = True
            streamer.start()
        else:
            self._waiting.append(live)
        self.live_changed.emit(self.live_conversations)

    def _start_waiting(self) -> None:
        while self._waiting and not self._closing:
            running = sum(1 for other in self._live.values() if other.started)
            if running >= MAX_STREAMS:
                return
            live = self._waiting.popleft()
            live.started = True
            if live.view is not None:
                live.view.set_note("")
            live.streamer.start()

    def stop(self, conversation_id: int | None = None) -> None:
        """Stop the reply of ``conversation_id`` (default: the chat on screen); its text is kept."""
        target = self._conversation_id if conversation_id is None else conversation_id
        live = self._live.get(target) if target is not None else None
        if live is None:
            return
        live.streamer.cancel()
        if not live.started:
            self._waiting.remove(live)
            self._finish_unstarted(live)

    def _finish_unstarted(self, live: _Live) -> None:
        # A reply that never started is saved as stopped with nothing in it.
        try:
            self._storage.update_message(
                live.turn.reply.id, status="interrupted", finish_reason=CANCELLED_REASON
            )
        except (StorageError, KeyError, ValueError) as error:
            self.problem_reported.emit(str(error))
        live.streamer.deleteLater()
        self.on_ended(live)

    def on_delta(self, live: _Live, text: str) -> None:
        """Take a piece of ``live``'s answer (painted at the next frame if on screen)."""
        live.text.append(text)
        if live.view is not None:
            live.pending.append(text)
            if not self._flush_timer.isActive():
                self._flush_timer.start()

    def on_reasoning(self, live: _Live, text: str) -> None:
        """Take a piece of ``live``'s reasoning."""
        live.reasoning.append(text)
        if live.view is not None:
            live.pending_reasoning.append(text)
            if not self._flush_timer.isActive():
                self._flush_timer.start()

    def on_tool_call(self, live: _Live, call: ToolCall) -> None:
        """``live``'s reply asked for a tool call, or one changed status."""
        live.calls[(call.step, call.call_id)] = call
        if (
            live.asking is not None
            and live.asking[0].call_id == call.call_id
            and call.status != "asking"
        ):
            live.asking = None
        if live.view is not None:
            self._flush(live, live.view)
            self._show_call(live, live.view, call)
            self._transcript.settle()

    def on_approval(self, live: _Live, call: ToolCall, description: str, tool: str) -> None:
        """``live``'s reply waits for the user to allow ``call`` (of the server's ``tool``)."""
        live.asking = (call, description, tool)
        live.calls[(call.step, call.call_id)] = call
        if live.view is not None:
            self._show_call(live, live.view, call)
            self._transcript.settle()

    def _show_call(self, live: _Live, view: MessageView, call: ToolCall) -> None:
        description = None
        if live.asking is not None and live.asking[0].call_id == call.call_id:
            description = live.asking[1]
        card = view.show_tool_call(call, description)
        card.set_expanded(call.status in ("asking", "running", "failed"))
        if call.status == "asking":
            if not card.property("answerWired"):
                card.setProperty("answerWired", True)
                card.answered.connect(lambda answer, lv=live: self._answer(lv, answer))
            card.setFocus()

    def _answer(self, live: _Live, answer: str) -> None:
        if live.asking is None:
            return
        from desktop_chat.ui.transcript.tool_call_card import (  # noqa: PLC0415 - came with the card
            ALLOW_ALWAYS,
            ALLOW_ONCE,
        )

        call, _description, tool = live.asking
        live.asking = None
        if answer == ALLOW_ALWAYS and call.server:
            self.tool_always_allowed.emit(call.server, tool)
        live.streamer.answer_approval(answer in (ALLOW_ONCE, ALLOW_ALWAYS))
        self.approval_answered.emit()

    @Slot()
    def _on_flush_timer_timeout(self) -> None:
        live = self._live.get(self._conversation_id) if self._conversation_id else None
        if live is None or live.view is None:
            return
        live.streamer.take_batch()  # what arrived since the last notice is painted too
        self._flush(live, live.view)
        self._transcript.settle()

    @staticmethod
    def _flush(live: _Live, view: MessageView) -> None:
        if live.pending_reasoning:
            view.append_reasoning("".join(live.pending_reasoning))
            live.pending_reasoning.clear()
        if live.pending:
            view.body.append_markdown("".join(live.pending))
            live.pending.clear()

    def on_ended(self, live: _Live) -> None:
        """``live``'s reply ended (its streamer reported the outcome, or it never started)."""
        conversation_id = live.turn.conversation_id
        if self._closing or self._live.get(conversation_id) is not live:
            return
        del self._live[conversation_id]
        view = live.view
        if view is not None:
            self._flush_timer.stop()
            self._flush(live, view)
            view.body.end_stream()
            view.set_busy(False)
            self._show_outcome(view, live.streamer.outcome)
            if live.tool_problems:
                note = view.note_text()
                view.set_note((note + "\n" if note else "") + live.tool_problems)
        self._start_waiting()
        self.live_changed.emit(self.live_conversations)
        ended = live.streamer.outcome
        if ended is not None and isinstance(ended.error, ImagesNotSupportedError):
            self.images_refused.emit(conversation_id, live.turn.model)
        if ended is not None:
            self.reply_ended.emit(conversation_id, ended)
        discarded = self._discard_empty_version(live)
        if conversation_id == self._conversation_id:
            stored = self._safe_get(live.turn.reply.id)
            if discarded:
                self.open(conversation_id)  # the version it would have replaced comes back
            elif stored is not None and view is not None:
                self._transcript.replace_message(stored)
                view.set_can_continue(can_continue(stored))
            self.streaming_changed.emit(False)
            outcome = live.streamer.outcome
            if outcome is not None:
                self.reply_finished.emit(ReplyStats.of(outcome))
        self.conversation_changed.emit(conversation_id)

    def _discard_empty_version(self, live: _Live) -> bool:
        """Delete a reply stopped before any text came that has other versions; True if done.

        Regenerate then Stop, again and again, would otherwise stack empty versions (< 5/5 >)
        in front of the answer the user had.
        """
        outcome = live.streamer.outcome
        if outcome is None or outcome.error is not None or outcome.reason != CANCELLED_REASON:
            return False
        stored = self._safe_get(live.turn.reply.id)
        if stored is None or stored.content or stored.reasoning or stored.tool_calls:
            return False
        try:
            if len(self._storage.siblings(stored.id)) < 2:
                return False  # the only reply to its question: "Stopped." says what happened
            self._storage.delete_message(stored.id)
        except (StorageError, KeyError):
            return False
        return True

    def _show_outcome(self, view: MessageView, outcome: TurnOutcome | None) -> None:
        if outcome is None:
            view.set_note(self.tr("Stopped."))
        elif isinstance(outcome.error, ApiError):
            view.show_error(describe_error(outcome.error))
        else:
            view.set_note(ending_note(outcome.reason, outcome.text, outcome.reasoning))

    @Slot(str)
    def _on_streamer_record_failed(self, message: str) -> None:
        self.problem_reported.emit(message)  # the message says what failed and what to do

    def _safe_get(self, message_id: int) -> Message | None:
        try:
            return self._storage.get_message(message_id)
        except StorageError:
            return None

    def shutdown(self) -> bool:
        """Stop every reply, without waiting; True when no thread is left running.

        Waiting replies are saved as stopped; streaming ones keep the text that arrived. While
        threads are still ending, :attr:`threads_running` is true; ``stopped`` is emitted when
        the last one has ended.
        """
        self._closing = True
        self._flush_timer.stop()
        self.finish_pending_delete()
        while self._waiting:
            live = self._waiting.popleft()
            self._finish_unstarted(live)
        for live in self._live.values():
            streamer = live.streamer
            streamer.cancel()
            # Connected first: a thread whose run() has not ended at the check reports it.
            # isRunning() would not do: it is still true just after finished was emitted, and
            # that emission, made before this connection, never reaches it.
            streamer.finished.connect(self._on_streamer_finished)
            if streamer.isRunning() and not streamer.run_ended:
                self._ending.add(streamer)
        self._live.clear()
        return not self._ending

    @property
    def threads_running(self) -> bool:
        """Whether replies stopped by :meth:`shutdown` are still ending."""
        return bool(self._ending)

    @Slot()
    def _on_streamer_finished(self) -> None:
        # Not self.sender(): PySide6 sometimes gives None for a QThread's queued finished.
        ended = {streamer for streamer in self._ending if streamer.run_ended}
        if ended:
            self._ending -= ended
            if not self._ending:
                self.stopped.emit()
