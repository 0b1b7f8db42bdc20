"""Running a planned turn: stream the reply, record it as it arrives, and report progress.

:func:`run_turn` blocks until the reply ends; call it on a worker thread (the window) or in the
foreground (the command line). Progress goes to a :class:`TurnProgress` whose methods run on the
calling thread; the text is saved by a
:class:`~desktop_chat.core.history.recorder.ReplyRecorder` with its own connection, so a crash
loses at most the last save interval. Whatever happens, the reply row ends with a final status
and the text that arrived. An echo of the API key in the reply is masked before the text is
saved or reported.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from desktop_chat.core.chat.turns import CANCELLED_REASON, Turn
from desktop_chat.core.client.api import (
    Cancelled,
    ChatClient,
    ContentDelta,
    EchoMasker,
    Finished,
    ReasoningDelta,
    Usage,
)
from desktop_chat.core.errors import ApiError, DesktopChatError, StreamProblem
from desktop_chat.core.history.recorder import PeriodicFlush, ReplyRecorder

__all__ = ["CANCELLED_REASON", "TurnOutcome", "TurnProgress", "run_turn", "unsent_outcome"]


class TurnProgress(Protocol):
    """Receives a turn's progress, on the thread that runs it."""

    def on_content(self, text: str) -> None:
        """A piece of the answer arrived."""

    def on_reasoning(self, text: str) -> None:
        """A piece of the model's reasoning arrived."""

    def on_record_failed(self, message: str) -> None:
        """The reply could not be saved (the stream goes on)."""


@dataclass(frozen=True, slots=True)
class TurnOutcome:
    """How a turn ended.

    Attributes:
        reason: the finish reason (``"stop"``, ``"length"``, ``"content_filter"``,
            :data:`CANCELLED_REASON` ...), or "" when it failed.
        error: the failure, None when the reply ended.
        usage: the server's token counts, or None.
        text: the reply's whole text (the continued prefix included).
        ttft_ms: milliseconds to the first token, or None.
        duration_ms: milliseconds for the whole reply.
        deltas: how many pieces of text arrived.
        reasoning: the model's reasoning that arrived ("" for none).
    """

    reason: str
    error: ApiError | None
    usage: Usage | None
    text: str
    ttft_ms: int | None
    duration_ms: int
    deltas: int
    reasoning: str = ""

    @property
    def status(self) -> str:
        """The message status the reply was saved with."""
        if self.error is not None:
            return "interrupted" if isinstance(self.error, StreamProblem) or self.text else "error"
        return "interrupted" if self.reason == CANCELLED_REASON else "complete"


class _Run:
    """The mutable state of one running turn."""

    def __init__(
        self,
        turn: Turn,
        database: Path | None,
        progress: TurnProgress,
        client: ChatClient | None = None,
    ) -> None:
        self.progress = progress
        self.content_echo = client.echo_masker() if client is not None else EchoMasker("")
        self.reasoning_echo = client.echo_masker() if client is not None else EchoMasker("")
        self.started = time.monotonic()
        self.parts: list[str] = [turn.prefix] if turn.prefix else []
        self.reasoning_parts: list[str] = []
        self.deltas = 0
        self.ttft_ms: int | None = None
        self.usage: Usage | None = None
        self.reason = ""
        self.save_problem: str | None = None
        self.recorder: ReplyRecorder | None = None
        if database is not None:
            try:
                self.recorder = ReplyRecorder(database, turn.reply.id)
            except DesktopChatError as error:
                progress.on_record_failed(error.message)
        if turn.prefix:
            self.record(ReplyRecorder.on_content, turn.prefix)

    def first_token(self) -> None:
        if self.ttft_ms is None:
            self.ttft_ms = round((time.monotonic() - self.started) * 1000)

    def content(self, text: str) -> None:
        if text:
            self.parts.append(text)
            self.record(ReplyRecorder.on_content, text)
            self.progress.on_content(text)

    def reasoning(self, text: str) -> None:
        if text:
            self.reasoning_parts.append(text)
            self.record(ReplyRecorder.on_reasoning, text)
            self.progress.on_reasoning(text)

    def record(self, method: Callable[[ReplyRecorder, str], None], text: str) -> None:
        if self.recorder is None:
            return
        try:
            method(self.recorder, text)
        except DesktopChatError as error:
            self.recorder = None
            self.progress.on_record_failed(error.message)
            return
        self.check_saving(self.recorder.last_error)

    def check_saving(self, error: DesktopChatError | None) -> None:
        """Report a failing save as soon as it fails, once until saving works again."""
        if error is None:
            self.save_problem = None
        elif self.save_problem is None:
            self.save_problem = error.message
            self.progress.on_record_failed(error.message)

    def outcome(self, error: ApiError | None) -> TurnOutcome:
        # The reply ended: what was held back in case it began the key is only text now.
        self.reasoning(self.reasoning_echo.flush())
        self.content(self.content_echo.flush())
        text = "".join(self.parts)
        if error is not None and not error.partial_text:
            error.partial_text = text
        duration = round((time.monotonic() - self.started) * 1000)
        outcome = TurnOutcome(
            self.reason,
            error,
            self.usage,
            text,
            self.ttft_ms,
            duration,
            self.deltas,
            "".join(self.reasoning_parts),
        )
        self.finish_record(outcome)
        return outcome

    def finish_record(self, outcome: TurnOutcome) -> None:
        recorder, self.recorder = self.recorder, None
        if recorder is None:
            return
        try:
            recorder.finish(
                outcome.status,
                finish_reason=None if outcome.error or not outcome.reason else outcome.reason,
                usage=outcome.usage,
                error=None if outcome.error is None else outcome.error.message,
                ttft_ms=outcome.ttft_ms,
                duration_ms=outcome.duration_ms,
            )
        except DesktopChatError as error:
            if self.save_problem is None:  # else the user was told while it streamed
                self.progress.on_record_failed(error.message)


def run_turn(
    turn: Turn,
    client: ChatClient,
    progress: TurnProgress,
    *,
    database: Path | None,
    cancel: threading.Event,
) -> TurnOutcome:
    """Stream ``turn``'s reply through ``client`` and record it in ``database``.

    Setting ``cancel`` (from any thread) ends the reply within a fraction of a second with the
    reason :data:`CANCELLED_REASON`; the text so far is kept. The client is closed at the end.
    Never raises for a failed request: the error is in the outcome, its ``partial_text`` set.
    """
    run = _Run(turn, database, progress, client)
    with contextlib.ExitStack() as flushing:
        if run.recorder is not None:
            flushing.enter_context(PeriodicFlush(run.recorder))
        return _stream(run, turn, client, cancel)


def _stream(
    run: _Run,
    turn: Turn,
    client: ChatClient,
    cancel: threading.Event,
) -> TurnOutcome:
    try:
        for event in client.stream_chat(turn.model, turn.messages, cancel=cancel, **turn.params):
            if isinstance(event, ContentDelta):
                run.first_token()
                run.deltas += 1
                run.content(run.content_echo.feed(event.text))
            elif isinstance(event, ReasoningDelta):
                run.first_token()
                run.reasoning(run.reasoning_echo.feed(event.text))
            elif isinstance(event, Usage):
                run.usage = event
            elif isinstance(event, Finished):
                run.reason = run.content_echo.mask(event.reason)
            elif isinstance(event, Cancelled):
                break
    except ApiError as error:
        return run.outcome(error)
    except Exception as error:  # noqa: BLE001 - a bug must end the reply with its text saved
        problem = ApiError(f"Unexpected problem: {type(error).__name__}: {error}")
        return run.outcome(problem)
    finally:
        client.close()
    if cancel.is_set() and not run.reason:
        run.reason = CANCELLED_REASON
    return run.outcome(None)


def unsent_outcome(
    turn: Turn, error: ApiError, progress: TurnProgress, *, database: Path | None
) -> TurnOutcome:
    """End ``turn``'s reply row with ``error`` when no client could be made (nothing was sent)."""
    return _Run(turn, database, progress).outcome(error)
