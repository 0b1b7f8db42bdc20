"""The one bridge between threads: runs a chat turn in a QThread and reports it with signals.

``run()`` calls the core engine's ``run_turn``, which streams through the client and saves the
reply with its own database connection, so neither the network nor the disk ever blocks the GUI
thread. It never touches a widget. Cancelling sets a ``threading.Event`` straight from the GUI
thread; the client checks it between reads.

Pieces of text are not sent one signal each: a server may send hundreds of thousands of
one-character pieces, and as many queued signals would hold the GUI thread for seconds. The worker
adds each piece to a batch and posts one notice while none is waiting; the GUI thread takes the
whole batch when it gets to the notice. However fast the pieces come, at most one notice waits.

Nor is a notice posted after every batch taken: for one frame after a notice, pieces only gather,
and the window takes them when it paints (:meth:`Streamer.take_batch`) or the frame's end does.
Each notice hands the interpreter lock from the worker to the GUI thread and back; at thousands of
pieces a second, one per piece kept the worker waiting for the lock until it fell behind the
stream by hundreds of milliseconds. Now there are at most about sixty a second.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal, Slot

from desktop_chat.core.chat.turns import CANCELLED_REASON, Turn
from desktop_chat.core.errors import ApiError, DesktopChatError

if TYPE_CHECKING:
    from desktop_chat.core.chat.runner import TurnOutcome
    from desktop_chat.core.chat.toolbox import Approver, OfferedTool, Toolbox
    from desktop_chat.core.client.api import ChatClient
    from desktop_chat.core.history.models import ToolCall

    #: Makes a reply's toolbox on the worker thread, given the approver that asks the user.
    ToolboxMaker = Callable[[Approver], Toolbox | None]

__all__ = ["CANCELLED_REASON", "Streamer"]

#: After a notice, how long pieces gather before the worker may post the next one: a frame.
NOTICE_INTERVAL_MS = 16


class _Signals:
    """Forwards the engine's progress to the streamer's signals."""

    def __init__(self, streamer: Streamer) -> None:
        self._streamer = streamer

    def on_content(self, text: str) -> None:
        self._streamer.add_to_batch(text, reasoning=False)

    def on_reasoning(self, text: str) -> None:
        self._streamer.add_to_batch(text, reasoning=True)

    def on_record_failed(self, message: str) -> None:
        self._streamer.record_failed.emit(message)

    def on_tool_call(self, call: ToolCall) -> None:
        # The text before the call is handed over first, so the window shows them in order.
        self._streamer.post_batch()
        self._streamer.tool_call_changed.emit(call)


class Streamer(QThread):
    """Streams one reply off the GUI thread.

    Args:
        turn: the planned turn (its reply row already added).
        client: makes the client to stream with, on the worker thread (its key is a keyring read,
            which may block); the client is closed when done.
        tools: makes the reply's toolbox on the worker thread, given the approver to ask the
            user with; None (or a toolbox of None) offers no tools.
        database: the conversation database the reply is recorded in, or None to record nothing.
        parent: the Qt parent.

    Signals:
        delta_received(str): the answer text that arrived since the last one (on the GUI thread).
        reasoning_received(str): the model's reasoning that arrived since the last one.
        reply_finished(str, object): the reply ended: the finish reason (``"cancelled"`` when
            stopped) and the ``Usage`` or None. ``QThread.finished`` fires after it.
        failed(object): the request failed with this ``ApiError``; the text so far is in its
            ``partial_text``.
        record_failed(str): the reply could not be saved (the stream goes on).
        tool_call_changed(object): a ``ToolCall`` was asked for or changed status.
        approval_requested(object, object): a ``ToolCall`` waits for the user (with the
            ``OfferedTool``); answer with :meth:`answer_approval`.
        tools_unavailable(str): servers of the chat could not be used (sentences, one a line).
    """

    delta_received = Signal(str)
    reasoning_received = Signal(str)
    reply_finished = Signal(str, object)
    failed = Signal(object)
    record_failed = Signal(str)
    tool_call_changed = Signal(object)
    approval_requested = Signal(object, object)
    tools_unavailable = Signal(str)
    _batch_posted = Signal()

    def __init__(
        self,
        turn: Turn,
        client: Callable[[], ChatClient],
        *,
        database: Path | None = None,
        tools: ToolboxMaker | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.turn = turn
        self._client = client
        self._tools = tools
        self._database = database
        self._answered = threading.Event()
        self._allowed = False
        self._cancel = threading.Event()
        self.outcome: TurnOutcome | None = None
        #: True once ``run()`` has returned (QThread.finished follows).
        self.run_ended = False
        self._batch_lock = threading.Lock()
        self._content: list[str] = []
        self._reasoning: list[str] = []
        self._notice_waiting = False
        self._batch_posted.connect(self._on_self_batch_posted, Qt.ConnectionType.QueuedConnection)
        self._quiet = QTimer(self)
        self._quiet.setSingleShot(True)
        self._quiet.setInterval(NOTICE_INTERVAL_MS)
        self._quiet.timeout.connect(self._on_quiet_timeout)

    def add_to_batch(self, text: str, *, reasoning: bool) -> None:
        """Add a piece of the reply (worker thread); the GUI thread is told once per batch."""
        with self._batch_lock:
            (self._reasoning if reasoning else self._content).append(text)
            if self._notice_waiting:
                return
            self._notice_waiting = True
        self._batch_posted.emit()

    def post_batch(self) -> None:
        """Have the pieces gathered so far handed over now (worker thread)."""
        with self._batch_lock:
            if not (self._content or self._reasoning) or self._notice_waiting:
                return
            self._notice_waiting = True
        self._batch_posted.emit()

    def answer_approval(self, allow: bool) -> None:
        """Answer the waiting ``approval_requested`` (any thread)."""
        self._allowed = allow
        self._answered.set()

    def _approve(self, call: ToolCall, tool: OfferedTool, cancel: threading.Event) -> bool:
        """Ask the window about ``call`` and wait for the answer or a stop (worker thread)."""
        self._answered.clear()
        self.post_batch()
        self.approval_requested.emit(call, tool)
        while not self._answered.wait(0.05):
            if cancel.is_set():
                return False
        return self._allowed and not cancel.is_set()

    def take_batch(self) -> None:
        """Hand over the pieces gathered so far, as signals (GUI thread)."""
        with self._batch_lock:
            content, self._content = self._content, []
            reasoning, self._reasoning = self._reasoning, []
        if reasoning:
            self.reasoning_received.emit("".join(reasoning))
        if content:
            self.delta_received.emit("".join(content))

    @Slot()
    def _on_self_batch_posted(self) -> None:
        self.take_batch()
        # The notice stays "waiting" for a frame: pieces gather meanwhile without a notice each.
        self._quiet.start()

    @Slot()
    def _on_quiet_timeout(self) -> None:
        with self._batch_lock:
            if not (self._content or self._reasoning):
                self._notice_waiting = False  # the worker posts a notice for the next piece
                return
        self.take_batch()
        self._quiet.start()

    def cancel(self) -> None:
        """Ask the stream to stop; safe to call from any thread, any number of times."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        """Whether ``cancel()`` was called."""
        return self._cancel.is_set()

    def run(self) -> None:
        """Stream the reply (runs in the worker thread)."""
        # The engine and its HTTP client load here, on the first send, not before the window's
        # first paint.
        from desktop_chat.core.chat.runner import run_turn, unsent_outcome  # noqa: PLC0415

        signals = _Signals(self)
        try:
            client = self._client()
        except ApiError as error:
            outcome = unsent_outcome(self.turn, error, signals, database=self._database)
        except DesktopChatError as error:
            problem = ApiError(error.message)
            outcome = unsent_outcome(self.turn, problem, signals, database=self._database)
        else:
            toolbox = None if self._tools is None else self._tools(self._approve)
            outcome = run_turn(
                self.turn,
                client,
                signals,
                database=self._database,
                cancel=self._cancel,
                tools=toolbox,
            )
            if toolbox is not None and toolbox.problems:
                self.tools_unavailable.emit("\n".join(toolbox.problems))
        self.outcome = outcome
        try:
            self._batch_posted.emit()  # the last pieces are handed over before the end
            if outcome.error is not None:
                self.failed.emit(outcome.error)
            else:
                self.reply_finished.emit(outcome.reason, outcome.usage)
        finally:
            # Set before QThread.finished is emitted, unlike isRunning(), which stays true
            # until after it: a receiver connected before reading False hears finished.
            self.run_ended = True
