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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from desktop_chat.core.chat.toolbox import STOPPED_BEFORE_RUN, Toolbox, pieces_to_calls
from desktop_chat.core.chat.turns import (
    CANCELLED_REASON,
    TOOL_LIMIT_REASON,
    Turn,
    step_messages,
)
from desktop_chat.core.client.api import (
    Cancelled,
    ChatClient,
    ContentDelta,
    EchoMasker,
    Finished,
    ReasoningDelta,
    ToolCallDelta,
    Usage,
)
from desktop_chat.core.errors import ApiError, DesktopChatError, StorageError, StreamProblem
from desktop_chat.core.history.models import ToolCall
from desktop_chat.core.history.recorder import PeriodicFlush, ReplyRecorder

__all__ = [
    "CANCELLED_REASON",
    "TOOL_LIMIT_REASON",
    "TurnOutcome",
    "TurnProgress",
    "run_turn",
    "unsent_outcome",
]


class TurnProgress(Protocol):
    """Receives a turn's progress, on the thread that runs it."""

    def on_content(self, text: str) -> None:
        """A piece of the answer arrived."""

    def on_reasoning(self, text: str) -> None:
        """A piece of the model's reasoning arrived."""

    def on_record_failed(self, message: str) -> None:
        """The reply could not be saved (the stream goes on)."""

    def on_tool_call(self, call: ToolCall) -> None:
        """A tool call was asked for, or changed status (asking, running, done ...)."""


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
        self.calls: list[ToolCall] = []
        # Where the text of the current step of tool calls begins (a continued prefix was sent).
        self.step_start = len(turn.prefix)
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

    def set_call(self, call: ToolCall) -> None:
        """Add or update a tool call, save the reply's calls at once, and report it."""
        for index, known in enumerate(self.calls):
            if known.call_id == call.call_id and known.step == call.step:
                self.calls[index] = call
                break
        else:
            self.calls.append(call)
        if self.recorder is not None:
            try:
                self.recorder.record_tool_calls(self.calls)
            except DesktopChatError as error:
                self.check_saving(StorageError(error.message))
        self.progress.on_tool_call(call)

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
    tools: Toolbox | None = None,
) -> TurnOutcome:
    """Stream ``turn``'s reply through ``client`` and record it in ``database``.

    Setting ``cancel`` (from any thread) ends the reply within a fraction of a second with the
    reason :data:`CANCELLED_REASON`; the text so far is kept. The client is closed at the end.
    Never raises for a failed request: the error is in the outcome, its ``partial_text`` set.

    With ``tools``, the model is offered them; when a completion asks for tools, the calls run
    (asking the user as the toolbox says), their results are added and the next completion is
    streamed into the same reply, until one answers without tools, the user stops, or the
    toolbox's step limit is reached (the reason is then :data:`TOOL_LIMIT_REASON`).
    """
    run = _Run(turn, database, progress, client)
    with contextlib.ExitStack() as flushing:
        if run.recorder is not None:
            flushing.enter_context(PeriodicFlush(run.recorder))
        try:
            return _stream(run, turn, client, cancel, tools)
        finally:
            client.close()


def _stream(
    run: _Run,
    turn: Turn,
    client: ChatClient,
    cancel: threading.Event,
    tools: Toolbox | None,
) -> TurnOutcome:
    messages = list(turn.messages)
    params = dict(turn.params)
    try:
        if tools is not None and (definitions := tools.definitions()):
            params["tools"] = definitions
        step = 0
        while True:
            pieces = _complete(run, client, (turn.model, messages, params), cancel)
            if not pieces or tools is None or cancel.is_set():
                break
            # What was held back in case it began the key belongs before the calls.
            run.content(run.content_echo.flush())
            text = "".join(run.parts)
            calls = pieces_to_calls(pieces, step, len(text))
            if step >= tools.step_limit:
                for call in calls:
                    run.set_call(replace(call, status="skipped", result=_limit_note(tools)))
                run.reason = TOOL_LIMIT_REASON
                break
            step_text, run.step_start = text[run.step_start :], len(text)
            messages += step_messages(step_text, _run_calls(run, calls, tools, cancel))
            if cancel.is_set():
                run.reason = CANCELLED_REASON  # not "tool_calls": the model is not asked again
                break
            run.reason = ""
            step += 1
    except ApiError as error:
        return run.outcome(error)
    except Exception as error:  # noqa: BLE001 - a bug must end the reply with its text saved
        problem = ApiError(f"Unexpected problem: {type(error).__name__}: {error}")
        return run.outcome(problem)
    if cancel.is_set() and not run.reason:
        run.reason = CANCELLED_REASON
    return run.outcome(None)


def _complete(
    run: _Run,
    client: ChatClient,
    request: tuple[str, list[dict[str, Any]], dict[str, Any]],
    cancel: threading.Event,
) -> dict[int, list[str]]:
    """Stream one completion (model, messages, further fields) into the reply; return the tool
    calls it asked for, in pieces."""
    model, messages, params = request
    pieces: dict[int, list[str]] = {}
    for event in client.stream_chat(model, messages, cancel=cancel, **params):
        if isinstance(event, ContentDelta):
            run.first_token()
            run.deltas += 1
            run.content(run.content_echo.feed(event.text))
        elif isinstance(event, ReasoningDelta):
            run.first_token()
            run.reasoning(run.reasoning_echo.feed(event.text))
        elif isinstance(event, ToolCallDelta):
            run.first_token()
            piece = pieces.setdefault(event.index, ["", "", ""])
            piece[0] = piece[0] or (event.id or "")
            piece[1] = piece[1] or (event.name or "")
            piece[2] += event.arguments
        elif isinstance(event, Usage):
            run.usage = event
        elif isinstance(event, Finished):
            run.reason = run.content_echo.mask(event.reason)
        elif isinstance(event, Cancelled):
            break
    return pieces


def _run_calls(
    run: _Run, calls: list[ToolCall], tools: Toolbox, cancel: threading.Event
) -> list[ToolCall]:
    """Run a step's calls one after another; after a stop, the rest are marked stopped."""
    for call in calls:
        run.set_call(call)
    finished = []
    for call in calls:
        if cancel.is_set():
            done = replace(call, status="cancelled", result=STOPPED_BEFORE_RUN)
        else:
            done = tools.run(call, cancel, run.set_call)
        run.set_call(done)
        finished.append(done)
    return finished


def _limit_note(tools: Toolbox) -> str:
    return (
        f"Not run: this reply reached its limit of {tools.step_limit} rounds of tool calls "
        "(Settings → Tools)."
    )


def unsent_outcome(
    turn: Turn, error: ApiError, progress: TurnProgress, *, database: Path | None
) -> TurnOutcome:
    """End ``turn``'s reply row with ``error`` when no client could be made (nothing was sent)."""
    return _Run(turn, database, progress).outcome(error)
