"""A link to one MCP tool server: started on first use, its tools listed and called from any thread.

Each link runs its own asyncio event loop in a daemon thread, because the SDK is asynchronous and
its callers (the chat engine's worker threads) are not. That thread lives as long as the link:
on Linux a local server is told to end when the thread that started it ends (see
``_orphan_guard``), so a server outlives neither the link nor a killed app.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import math
import os
import signal
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
from mcp import ClientSession, StdioServerParameters, stdio_client, types
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError

from desktop_chat.core.errors import ToolCallError, ToolServerError
from desktop_chat.core.tools import _orphan_guard
from desktop_chat.core.tools.servers import ServerSpec

__all__ = ["MAX_RESULT_CHARS", "ServerLink", "ToolInfo", "ToolResult"]

MAX_RESULT_CHARS = 100_000
STDERR_TAIL_BYTES = 4096
#: How often a waiting call looks at its cancel flag.
_POLL_SECONDS = 0.05
#: The SDK's own shutdown of a stdio server is bounded by about six seconds (stdin closed, then
#: SIGTERM, then SIGKILL); a wait longer than that means the loop itself is stuck.
_STOP_SECONDS = 15.0
#: After a server exits, what it wrote last may still be in the pipe.
_STDERR_DRAIN_SECONDS = 1.0
_MAX_LIST_PAGES = 100

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class ToolInfo:
    """One tool a server offers, as the model is told about it."""

    name: str
    description: str
    input_schema: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ToolResult:
    """What a tool returned: its text (with other content described in words) and its verdict."""

    text: str
    is_error: bool


class _StderrTail(asyncio.Protocol):
    """Keeps the last few kilobytes a server wrote to its error output."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.closed = asyncio.Event()
        self.stop_reading: Callable[[], None] = lambda: None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.stop_reading = transport.close

    def data_received(self, data: bytes) -> None:
        self.data += data
        if len(self.data) > 2 * STDERR_TAIL_BYTES:
            del self.data[:-STDERR_TAIL_BYTES]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed.set()

    def text(self) -> str:
        return bytes(self.data[-STDERR_TAIL_BYTES:]).decode("utf-8", "replace").strip()


class _Connection:
    """One run of the server: from its start to its stop."""

    def __init__(self) -> None:
        self.session: ClientSession | None = None
        self.stop = asyncio.Event()
        self.not_mcp = False
        self.process: Any = None
        self.stderr: _StderrTail | None = None
        self.done: concurrent.futures.Future[None] | None = None

    def returncode(self) -> int | None:
        code = getattr(self.process, "returncode", None)
        return code if isinstance(code, int) else None


class ServerLink:
    """One MCP server, started on first use; blocking methods safe to call from any thread.

    A server that stops is started again on the next use; the first use after it stopped reports
    why. After ``close()`` the link refuses every use.
    """

    def __init__(self, spec: ServerSpec, *, start_timeout: float = 30.0) -> None:
        self._spec = spec
        self._start_timeout = start_timeout
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._connection: _Connection | None = None
        self._tools: list[ToolInfo] | None = None
        self._last_stderr = ""
        self._closed = False

    @property
    def spec(self) -> ServerSpec:
        """How this link reaches its server."""
        return self._spec

    def tools(self) -> list[ToolInfo]:
        """The server's tools, starting it if needed; listed once, then kept.

        Raises:
            ToolServerError: the server cannot be started or stopped while listing.
            ToolCallError: the listing failed at the protocol level.
        """
        if self._tools is None:
            connection, session = self._session()
            listing = self._wait(
                connection, self._list_tools(session), "tools/list", self._start_timeout, None
            )
            self._tools = [
                ToolInfo(tool.name, tool.description or "", dict(tool.input_schema))
                for tool in listing
            ]
        return list(self._tools)

    def call(
        self,
        name: str,
        arguments: dict[str, Any],
        *,
        timeout: float,
        cancel: threading.Event | None = None,
    ) -> ToolResult:
        """Call one tool and wait for its result, at most ``timeout`` seconds or until ``cancel``.

        A result the tool marks as an error is returned, not raised: the model reads it.

        Raises:
            ToolServerError: the server cannot be started, or stopped during the call.
            ToolCallError: the call timed out, was cancelled, or failed at the protocol level.
        """
        connection, session = self._session()
        result = self._wait(connection, session.call_tool(name, arguments), name, timeout, cancel)
        return ToolResult(_result_text(result.content), bool(result.is_error))

    def stderr_tail(self) -> str:
        """The last few kilobytes the server wrote to its error output ("" for HTTP servers)."""
        connection = self._connection
        if connection is not None and connection.stderr is not None:
            return connection.stderr.text()
        return self._last_stderr

    def close(self) -> None:
        """Stop the server and the link's thread; safe to call twice and from any thread."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            connection, self._connection = self._connection, None
            loop, thread = self._loop, self._thread
        with contextlib.suppress(Exception):
            if connection is not None:
                self._stop(connection)
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(_STOP_SECONDS)
            with contextlib.suppress(RuntimeError):  # still running: leave it to the daemon thread
                loop.close()

    # -- starting and stopping ------------------------------------------------------------------

    def _session(self) -> tuple[_Connection, ClientSession]:
        with self._lock:
            if self._closed:
                raise ToolServerError(
                    f"The tool server “{self._spec.name}” was closed.", server=self._spec.name
                )
            connection = self._connection
            if connection is None or connection.done is None or connection.done.done():
                connection = self._connection = self._start()
            assert connection.session is not None
            return connection, connection.session

    def _start(self) -> _Connection:
        loop = self._ensure_loop()
        connection = _Connection()
        ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        connection.done = asyncio.run_coroutine_threadsafe(self._serve(connection, ready), loop)
        # No timeout here: _serve gives up by itself after start_timeout, and the SDK bounds
        # every wait of its shutdown.
        ready.result()
        return connection

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            loop = asyncio.new_event_loop()
            thread = threading.Thread(
                target=loop.run_forever, name=f"MCP {self._spec.name}", daemon=True
            )
            thread.start()
            self._loop, self._thread = loop, thread
        return self._loop

    async def _serve(self, connection: _Connection, ready: concurrent.futures.Future[None]) -> None:
        failure: BaseException | None = None
        with anyio.CancelScope(deadline=anyio.current_time() + self._start_timeout) as scope:
            try:
                async with contextlib.AsyncExitStack() as stack:
                    read, write = await stack.enter_async_context(self._transport(connection))
                    session = await stack.enter_async_context(
                        ClientSession(read, write, message_handler=self._watch(connection))
                    )
                    await self._initialize(session, connection)
                    scope.deadline = math.inf
                    connection.session = session
                    ready.set_result(None)
                    await connection.stop.wait()
            except Exception as error:  # noqa: BLE001 - every failure becomes a worded error
                failure = _leaf(error)
        if connection.stderr is not None:
            with anyio.move_on_after(_STDERR_DRAIN_SECONDS):
                await connection.stderr.closed.wait()
            self._last_stderr = connection.stderr.text()
            # A child the server left behind may hold the pipe open; the link stops reading.
            connection.stderr.stop_reading()
        if not ready.done():
            ready.set_exception(self._start_error(connection, failure, scope.cancelled_caught))

    @contextlib.asynccontextmanager
    async def _transport(self, connection: _Connection) -> AsyncIterator[Any]:
        spec = self._spec
        if not spec.command:
            client = create_mcp_http_client(headers=dict(spec.headers))
            async with client, streamable_http_client(spec.url, http_client=client) as streams:
                yield streams
            return
        loop = asyncio.get_running_loop()
        read_fd, write_fd = os.pipe()
        tail = connection.stderr = _StderrTail()
        reader = os.fdopen(read_fd, "rb", buffering=0)
        await loop.connect_read_pipe(lambda: tail, reader)
        with os.fdopen(write_fd, "w", encoding="utf-8") as errlog:
            opened = stdio_client(_stdio_parameters(spec), errlog=errlog)
            try:
                streams = await opened.__aenter__()
            finally:
                # Only the server keeps the pipe's writing end, so the tail sees its end.
                errlog.close()
            connection.process = _process_of(opened)
            try:
                yield streams
            except BaseException as error:
                if not await opened.__aexit__(type(error), error, error.__traceback__):
                    raise
            else:
                await opened.__aexit__(None, None, None)

    def _watch(self, connection: _Connection) -> Any:
        async def on_message(message: types.ServerNotification | Exception) -> None:
            # A line on stdout that is not JSON-RPC: a server that logs to stdout, or no MCP
            # server at all. Before the handshake it is the latter, so stop waiting.
            connection.not_mcp |= isinstance(message, ValueError)
            if connection.not_mcp and connection.session is None:
                connection.stop.set()

        return on_message

    async def _initialize(self, session: ClientSession, connection: _Connection) -> None:
        async with anyio.create_task_group() as group:

            async def handshake() -> None:
                await session.initialize()
                group.cancel_scope.cancel()

            async def watch() -> None:
                await connection.stop.wait()
                group.cancel_scope.cancel()

            group.start_soon(handshake)
            group.start_soon(watch)
        if connection.not_mcp:
            raise _NotMcpError

    def _stop(self, connection: _Connection) -> None:
        done, loop = connection.done, self._loop
        if done is None or loop is None or done.done():
            return
        loop.call_soon_threadsafe(connection.stop.set)
        with contextlib.suppress(Exception):
            done.result(_STOP_SECONDS)

    # -- calls ----------------------------------------------------------------------------------

    async def _list_tools(self, session: ClientSession) -> list[types.Tool]:
        listing = await session.list_tools()
        tools, pages = list(listing.tools), 1
        # Bounded: a server whose cursor never ends must not hold the link forever.
        while listing.next_cursor and pages < _MAX_LIST_PAGES:
            listing = await session.list_tools(
                params=types.PaginatedRequestParams(cursor=listing.next_cursor)
            )
            tools += listing.tools
            pages += 1
        return tools

    def _wait(
        self,
        connection: _Connection,
        work: Awaitable[_T],
        what: str,
        timeout: float,
        cancel: threading.Event | None,
    ) -> _T:
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(_awaited(work), self._loop)
        give_up = time.monotonic() + timeout
        while True:
            try:
                return future.result(max(min(_POLL_SECONDS, give_up - time.monotonic()), 0.0))
            except concurrent.futures.TimeoutError:
                if cancel is not None and cancel.is_set():
                    reason = "cancelled"
                elif time.monotonic() >= give_up:
                    reason = "timeout"
                else:
                    continue
                # Cancelling the task makes the SDK send notifications/cancelled to the server.
                future.cancel()
                raise self._call_error(what, reason, timeout) from None
            except MCPError as error:
                if error.code == types.CONNECTION_CLOSED:
                    self._stop(connection)
                    raise self._server_error("stopped", connection) from None
                raise ToolCallError(
                    f"“{what}” on “{self._spec.name}” failed: {error.message}", reason="failed"
                ) from None
            except (RuntimeError, ValueError):
                # A result that breaks the protocol, or one that asks the user for input.
                raise ToolCallError(
                    f"“{what}” on “{self._spec.name}” failed: its answer is not one this app "
                    "understands.",
                    reason="failed",
                ) from None

    # -- messages -------------------------------------------------------------------------------

    def _call_error(self, what: str, reason: str, timeout: float) -> ToolCallError:
        name = self._spec.name
        if reason == "cancelled":
            return ToolCallError(f"“{what}” on “{name}” was stopped.", reason="cancelled")
        return ToolCallError(
            f"“{what}” on “{name}” took longer than {_seconds(timeout)} and was stopped.",
            reason="timeout",
        )

    def _start_error(
        self, connection: _Connection, failure: BaseException | None, timed_out: bool
    ) -> ToolServerError:
        spec = self._spec
        code = connection.returncode()
        if connection.not_mcp:
            return self._server_error("sent something that is not MCP", connection, hint=True)
        if code == _orphan_guard.NOT_FOUND or isinstance(failure, FileNotFoundError):
            what = f"did not start: the command “{spec.command}” was not found"
        elif code == _orphan_guard.NOT_RUNNABLE or (isinstance(failure, OSError) and spec.command):
            what = f"did not start: the command “{spec.command}” could not be run"
        elif timed_out:
            # Checked before the exit code: it is the link that stopped a server this slow.
            return self._server_error(
                f"did not answer within {_seconds(self._start_timeout)}", connection
            )
        elif isinstance(failure, MCPError) and failure.code != types.CONNECTION_CLOSED:
            what = f"refused to start: {failure.message}"
        elif spec.command and isinstance(failure, MCPError):
            # Its output ended before the handshake did: it exited (the exit code tells more
            # than anything it could have said).
            return self._server_error("stopped", connection)
        elif not spec.command:
            what = f"could not be reached at {spec.url}: {_describe(failure)}"
        else:
            # A handshake answer the SDK could not read.
            what = "sent something that is not MCP"
        return self._server_error(what, connection, hint=True)

    def _server_error(
        self, what: str, connection: _Connection, *, hint: bool = False
    ) -> ToolServerError:
        spec = self._spec
        tail = connection.stderr.text() if connection.stderr is not None else ""
        code = connection.returncode()
        if what == "stopped" and code is not None:
            what = f"stopped (exit code {_exit_code(code)})"
        message = f"The tool server “{spec.name}” {what}."
        if tail:
            message += f" Its last output: {tail[-500:]}"
        elif hint:
            where = "command" if spec.command else "address"
            message += f" Check its {where} in Settings → Tools."
        return ToolServerError(message, server=spec.name, stderr_tail=tail)


class _NotMcpError(Exception):
    """The server wrote something that is not JSON-RPC before the handshake ended."""


async def _awaited(work: Awaitable[_T]) -> _T:
    return await work


def _stdio_parameters(
    spec: ServerSpec, *, guarded: bool = sys.platform.startswith("linux")
) -> StdioServerParameters:
    """How the SDK starts the server: on Linux through the orphan guard."""
    command, args = spec.command, list(spec.args)
    env = {**os.environ, **spec.env}
    if guarded:
        # A frozen app has no "-m": it runs the guard itself when given the flag.
        frozen = getattr(sys, "frozen", False)
        start = [_orphan_guard.FROZEN_FLAG] if frozen else ["-m", _orphan_guard.__name__]
        args = [*start, command, *args]
        command = sys.executable
        env[_orphan_guard.PARENT_VARIABLE] = str(os.getpid())
    return StdioServerParameters(command=command, args=args, env=env, cwd=spec.cwd or None)


def _process_of(opened: Any) -> Any:
    # The SDK keeps its process to itself; while its context is open, the generator's frame holds
    # it. Only the exit code is read, to tell "not found" and "crashed" apart; without it the
    # messages are merely less precise.
    frame = getattr(getattr(opened, "gen", None), "ag_frame", None)
    return frame.f_locals.get("process") if frame is not None else None


def _result_text(content: list[types.ContentBlock]) -> str:
    parts = [_content_text(block) for block in content]
    text = "\n".join(part for part in parts if part)
    if len(text) > MAX_RESULT_CHARS:
        cut = len(text) - MAX_RESULT_CHARS
        text = text[:MAX_RESULT_CHARS] + f"\n[… {cut:,} more characters cut]"
    return text


def _content_text(block: types.ContentBlock) -> str:
    if isinstance(block, types.TextContent):
        return block.text
    if isinstance(block, (types.ImageContent, types.AudioContent)):
        return f"[{block.mime_type}, {_size(len(block.data) * 3 // 4)}]"
    if isinstance(block, types.ResourceLink):
        return f"[link to {block.name}: {block.uri}]"
    resource = block.resource
    if isinstance(resource, types.TextResourceContents):
        return resource.text
    kind = resource.mime_type or "file"
    return f"[{kind}, {_size(len(resource.blob) * 3 // 4)}: {resource.uri}]"


def _size(count: int) -> str:
    if count < 1000:
        return f"{count} B"
    if count < 1_000_000:
        return f"{count / 1000:.1f} kB"
    return f"{count / 1_000_000:.1f} MB"


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _exit_code(code: int) -> str:
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"{-code}, {signal.Signals(-code).name}"
    return str(code)


def _leaf(error: BaseException) -> BaseException:
    # Task groups wrap the one error that matters in exception groups.
    while getattr(error, "exceptions", None):
        error = error.exceptions[0]  # type: ignore[attr-defined]
    return error


def _describe(failure: BaseException | None) -> str:
    return str(failure) or type(failure).__name__
