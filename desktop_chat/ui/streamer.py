"""The one bridge between threads: streams a reply in a QThread and reports it with signals.

``run()`` iterates the core client's ``stream_chat`` and drives the ``ReplyRecorder`` (batched,
crash-safe database writes with the recorder's own connection), so neither the network nor the
disk ever blocks the GUI thread. It never touches a widget. Cancelling sets a
``threading.Event`` straight from the GUI thread; the client checks it between reads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from desktop_chat.core.api import (
    Cancelled,
    ChatClient,
    ContentDelta,
    Finished,
    ReasoningDelta,
    Usage,
)
from desktop_chat.core.errors import ApiError, DesktopChatError, StreamProblem
from desktop_chat.core.recorder import ReplyRecorder

__all__ = ["CANCELLED_REASON", "Streamer"]

#: The finish reason reported when the user stopped the reply.
CANCELLED_REASON = "cancelled"


class Streamer(QThread):
    """Streams one reply off the GUI thread.

    Args:
        client: the client to stream with; the streamer closes it when done.
        model: the model name sent to the server.
        messages: the chat messages (``{"role": ..., "content": ...}``).
        params: extra request parameters (temperature, max_tokens ...).
        database: the conversation database the reply is recorded in, or None to record nothing.
        message_id: the assistant message row the recorder fills.
        prefix: text the reply continues (recorded first, not emitted again).
        parent: the Qt parent.

    Signals:
        delta_received(str): a piece of the answer text.
        reasoning_received(str): a piece of the model's reasoning.
        reply_finished(str, object): the reply ended: the finish reason (``"cancelled"`` when
            stopped) and the ``Usage`` or None. ``QThread.finished`` fires after it.
        failed(object): the request failed with this ``ApiError``; text so far is in
            ``partial_text``.
        record_failed(str): the reply could not be saved (the stream goes on).
    """

    delta_received = Signal(str)
    reasoning_received = Signal(str)
    reply_finished = Signal(str, object)
    failed = Signal(object)
    record_failed = Signal(str)

    def __init__(
        self,
        client: ChatClient,
        model: str,
        messages: list[dict[str, Any]],
        params: Mapping[str, Any] | None = None,
        *,
        database: Path | None = None,
        message_id: int | None = None,
        prefix: str = "",
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._client = client
        self._model = model
        self._messages = messages
        self._params = dict(params or {})
        self._database = database
        self._message_id = message_id
        self._prefix = prefix
        self._cancel = threading.Event()
        self._recorder: ReplyRecorder | None = None
        self.ttft_ms: int | None = None
        self.duration_ms: int | None = None
        self.delta_count = 0
        self.text = ""

    def cancel(self) -> None:
        """Ask the stream to stop; safe to call from any thread, any number of times."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        """Whether ``cancel()`` was called."""
        return self._cancel.is_set()

    def run(self) -> None:
        """Stream the reply (runs in the worker thread)."""
        started = time.monotonic()
        reason = ""
        usage: Usage | None = None
        parts: list[str] = []
        self._open_recorder()
        if self._prefix:
            self._record(ReplyRecorder.on_content, self._prefix)
        try:
            for event in self._client.stream_chat(
                self._model, self._messages, cancel=self._cancel, **self._params
            ):
                if isinstance(event, ContentDelta):
                    if self.ttft_ms is None:
                        self.ttft_ms = round((time.monotonic() - started) * 1000)
                    parts.append(event.text)
                    self.delta_count += 1
                    self._record(ReplyRecorder.on_content, event.text)
                    self.delta_received.emit(event.text)
                elif isinstance(event, ReasoningDelta):
                    if self.ttft_ms is None:
                        self.ttft_ms = round((time.monotonic() - started) * 1000)
                    self._record(ReplyRecorder.on_reasoning, event.text)
                    self.reasoning_received.emit(event.text)
                elif isinstance(event, Usage):
                    usage = event
                elif isinstance(event, Finished):
                    reason = event.reason
                elif isinstance(event, Cancelled):
                    break
        except ApiError as error:
            self._end(started, parts)
            if not error.partial_text:
                error.partial_text = self.text
            status = "interrupted" if isinstance(error, StreamProblem) or self.text else "error"
            self._finish_record(status, None, usage, error.message)
            self.failed.emit(error)
            return
        except Exception as error:  # noqa: BLE001 - a bug must end the reply, not the thread
            self._end(started, parts)
            problem = ApiError(
                self.tr("Unexpected problem: {name}: {error}").format(
                    name=type(error).__name__, error=error
                ),
                partial_text=self.text,
            )
            self._finish_record("error", None, usage, problem.message)
            self.failed.emit(problem)
            return
        finally:
            self._client.close()
        self._end(started, parts)
        if self._cancel.is_set() and not reason:
            reason = CANCELLED_REASON
        status = "interrupted" if reason == CANCELLED_REASON else "complete"
        self._finish_record(status, reason or None, usage, None)
        self.reply_finished.emit(reason, usage)

    def _end(self, started: float, parts: list[str]) -> None:
        self.duration_ms = round((time.monotonic() - started) * 1000)
        self.text = "".join(parts)

    def _open_recorder(self) -> None:
        if self._database is None or self._message_id is None:
            return
        try:
            self._recorder = ReplyRecorder(self._database, self._message_id)
        except DesktopChatError as error:
            self.record_failed.emit(error.message)

    def _record(self, method: Callable[[ReplyRecorder, str], None], text: str) -> None:
        if self._recorder is None:
            return
        try:
            method(self._recorder, text)
        except DesktopChatError as error:
            self._recorder = None
            self.record_failed.emit(error.message)

    def _finish_record(
        self, status: str, reason: str | None, usage: Usage | None, error: str | None
    ) -> None:
        if self._recorder is None:
            return
        try:
            self._recorder.finish(
                status,
                finish_reason=reason,
                usage=usage,  # the recorder turns it into what the database stores
                error=error,
                ttft_ms=self.ttft_ms,
                duration_ms=self.duration_ms,
            )
        except DesktopChatError as error_:
            self.record_failed.emit(error_.message)
        finally:
            self._recorder = None
