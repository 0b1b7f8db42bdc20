"""Saving a reply while it streams, so a crash loses at most the last fraction of a second.

A :class:`ReplyRecorder` lives on the streaming thread with its own SQLite connection. It gathers
the deltas and writes the text so far to the message row at most once per ``flush_interval``: the
first delta is written at once, later ones when a delta arrives after the interval has passed. Each
write is a committed transaction, so a killed process keeps everything up to the last write. The
window's connection keeps reading meanwhile (WAL), and never waits on these writes.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from desktop_chat.core.errors import StorageError
from desktop_chat.core.history import _claims, _schema
from desktop_chat.core.history.models import (
    STATUSES,
    ToolCall,
    UsageInput,
    tool_calls_json,
    usage_dict,
)

__all__ = ["DEFAULT_INTERVAL", "PeriodicFlush", "ReplyRecorder"]

#: Seconds between two writes of a streaming reply: the most a crash can lose.
DEFAULT_INTERVAL = 0.25
# SQLite's primary result codes.
_SQLITE_READONLY = 8
_SQLITE_FULL = 13


class ReplyRecorder:
    """Accumulates one streaming reply and writes it to its message row in batches.

    Create it with the ``streaming`` message already added (``Storage.add_message(...,
    status="streaming")``); the recorder replaces that row's content and reasoning with what it
    received. Failures of intermediate writes are kept in :attr:`last_error` and retried at the
    next write, so a busy disk never breaks the stream; :meth:`finish` raises if its write fails.

    Attributes:
        message_id: the row written.
        writes: how many transactions were committed so far.
        last_error: the last failed intermediate write, or None.
    """

    def __init__(
        self,
        database_path: Path | str,
        message_id: int,
        flush_interval: float = DEFAULT_INTERVAL,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Prepare to record; the connection opens on the first write, in the writing thread."""
        self._path = Path(database_path)
        self.message_id = message_id
        self._interval = flush_interval
        self._clock = clock
        self._content: list[str] = []
        self._reasoning: list[str] = []
        self._dirty = False
        self._last_write: float | None = None
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._finished = False
        self.writes = 0
        self.last_error: StorageError | None = None

    @property
    def content(self) -> str:
        """The reply text received so far."""
        return "".join(self._content)

    @property
    def reasoning(self) -> str:
        """The reasoning text received so far."""
        return "".join(self._reasoning)

    def on_content(self, text: str) -> None:
        """Add a piece of reply text; writes if the interval since the last write has passed."""
        self._add(self._content, text)

    def on_reasoning(self, text: str) -> None:
        """Add a piece of reasoning text; writes if the interval since the last write has passed."""
        self._add(self._reasoning, text)

    def record_tool_calls(self, calls: Sequence[ToolCall]) -> None:
        """Write the reply's tool calls, with its text so far, at once: a call is a step taken.

        Raises:
            StorageError: the write failed (the stream can go on).
        """
        with self._lock:
            if self._finished:
                raise ValueError("This reply was already finished.")
            self._last_write = self._clock()
            self._write(
                "UPDATE messages SET content = ?, reasoning = ?, tool_calls = ? WHERE id = ?",
                (self.content, self.reasoning, tool_calls_json(calls), self.message_id),
            )
            self._dirty = False

    def flush(self) -> None:
        """Write what was received now, if anything is unwritten (e.g. when the stream stalls)."""
        with self._lock:
            if self._dirty and not self._finished:
                self._try_write()

    def finish(  # noqa: PLR0917 - the positional order is the published contract
        self,
        status: str,
        finish_reason: str | None = None,
        usage: UsageInput = None,
        error: str | None = None,
        ttft_ms: float | None = None,
        duration_ms: float | None = None,
    ) -> None:
        """Write the final text and the reply's outcome in one transaction, then close.

        Args:
            status: ``"complete"``, ``"interrupted"`` (stopped by the user) or ``"error"``.
            finish_reason: the server's reason (``"stop"``, ``"length"`` ...).
            usage: token counts, a mapping or a ``core.api.Usage``.
            error: the error's sentence when ``status`` is ``"error"``.
            ttft_ms: milliseconds to the first token.
            duration_ms: milliseconds for the whole reply.

        Raises:
            ValueError: an unknown status, or ``finish`` called twice.
            StorageError: the final write failed (intermediate writes may have kept part).
        """
        if status not in STATUSES:
            raise ValueError(f"Unknown message status {status!r}.")
        usage_value = usage_dict(usage)
        with self._lock:
            if self._finished:
                raise ValueError("This reply was already finished.")
            self._finished = True
            try:
                self._write(
                    "UPDATE messages SET content = ?, reasoning = ?, status = ?, finish_reason = ?,"
                    " usage = ?, error = ?, ttft_ms = ?, duration_ms = ? WHERE id = ?",
                    (
                        self.content,
                        self.reasoning,
                        status,
                        finish_reason,
                        None if usage_value is None else json.dumps(usage_value),
                        error,
                        ttft_ms,
                        duration_ms,
                        self.message_id,
                    ),
                )
            finally:
                self._close()

    def close(self) -> None:
        """Release the connection without a final write (``finish`` already closes)."""
        with self._lock:
            self._finished = True
            self._close()

    def _add(self, parts: list[str], text: str) -> None:
        if not text:
            return
        with self._lock:
            if self._finished:
                raise ValueError("This reply was already finished.")
            parts.append(text)
            self._dirty = True
            now = self._clock()
            if self._last_write is None or now - self._last_write >= self._interval:
                self._try_write()

    def _try_write(self) -> None:
        # Set before writing so that a failing disk is retried once per interval, not per delta.
        self._last_write = self._clock()
        try:
            self._write(
                "UPDATE messages SET content = ?, reasoning = ? WHERE id = ?",
                (self.content, self.reasoning, self.message_id),
            )
        except StorageError as error:
            self.last_error = error
        else:
            self._dirty = False
            self.last_error = None

    def _write(self, sql: str, parameters: tuple[object, ...]) -> None:
        try:
            if self._connection is None:
                self._connection = _schema.connect(self._path, create=False)
                _schema.configure(self._connection)
            with _schema.immediate(self._connection) as connection:
                cursor = connection.execute(sql, parameters)
                if cursor.rowcount == 0:
                    raise StorageError(
                        f"The reply being recorded (message {self.message_id}) no longer exists."
                    )
        except sqlite3.Error as error:
            final = self._finished
            raise StorageError(
                f"The reply could not be saved: {_why(error, final=final)}"
            ) from error
        self.writes += 1

    def _close(self) -> None:
        _claims.release(self._path, self.message_id)
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _why(error: sqlite3.Error, *, final: bool) -> str:
    """Why a write failed, and what happens to the text, in words a user can act on."""
    code = getattr(error, "sqlite_errorcode", None)
    primary = None if code is None else code & 0xFF
    if final:
        what_now = "The text stays on screen until the chat is closed: copy it to keep it."
    elif primary == _SQLITE_FULL or "disk is full" in str(error):
        what_now = (
            "The text keeps arriving on screen and is saved, all of it, as soon as there is room."
        )
    else:
        what_now = "The text keeps arriving on screen."
    if primary == _SQLITE_FULL or "disk is full" in str(error):
        return f"the disk is full; free some space. {what_now}"
    if primary == _SQLITE_READONLY or "readonly" in str(error):
        return f"the conversation database is read-only. {what_now}"
    return f"{error}. {what_now}"


class PeriodicFlush:
    """Flushes a recorder every interval from a helper thread, while a reply streams.

    A delta is otherwise written only when a later one arrives after the interval, so text that
    came in a burst before a pause (a model thinking) stayed unsaved through the whole pause.
    Use it as a context manager around the stream.
    """

    def __init__(self, recorder: ReplyRecorder, interval: float = DEFAULT_INTERVAL) -> None:
        self._recorder = recorder
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="desktop-chat-flush", daemon=True)

    def __enter__(self) -> PeriodicFlush:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._recorder.flush()
