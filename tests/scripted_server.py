"""A real HTTP/1.1 server on 127.0.0.1 whose every reply is scripted down to the byte.

Tests queue :class:`Reply` scripts; each request the server receives takes the next one. A reply
can cut its body into given chunks, wait before each chunk, close or reset the connection at a given
body byte, stall until the server stops, use chunked or Content-Length framing, or be a raw byte
string written verbatim (for malformed HTTP). Every request is recorded for assertions::

    def test_hello(scripted_server: ScriptedServer) -> None:
        scripted_server.add(sse_reply(["Hel", "lo"]))
        ...  # point a client at scripted_server.base_url ("http://127.0.0.1:<port>/v1")
        assert scripted_server.requests[0].json["stream"] is True

The ``scripted_server`` fixture lives here so that any test package can import it into its
``conftest.py``; it stops the server at teardown, stalled replies included, leaving no thread.
"""

from __future__ import annotations

import json
import select
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Literal

import pytest

__all__ = [
    "Connection",
    "RecordedRequest",
    "Reply",
    "ScriptedServer",
    "chunk_json",
    "json_reply",
    "scripted_server",
    "sse_chunks",
    "sse_event",
    "sse_reply",
]

Framing = Literal["length", "chunked", "close"]
Ending = Literal["normal", "close", "reset", "stall"]


@dataclass
class Reply:
    """One scripted response.

    Attributes:
        status: HTTP status code.
        headers: response headers, in order; framing headers are added unless ``raw`` is used.
        chunks: the body, written one chunk per ``send`` call.
        delay: seconds to wait before writing each chunk.
        framing: ``"length"`` (Content-Length), ``"chunked"`` (Transfer-Encoding) or ``"close"``
            (no length: the body ends when the connection closes).
        ending: what happens at body byte ``end_at``: ``"normal"`` (nothing), ``"close"`` (FIN),
            ``"reset"`` (RST through SO_LINGER 0) or ``"stall"`` (send nothing more until the client
            goes away or the server stops).
        end_at: body byte offset of ``ending``; None means after the whole body.
        stall_before_headers: read the request, then send nothing at all until the client goes.
        raw: bytes written verbatim instead of status line, headers and body; then the connection
            closes.
    """

    status: int = 200
    headers: Sequence[tuple[str, str]] = ()
    chunks: Sequence[bytes] = ()
    delay: float = 0.0
    framing: Framing = "length"
    ending: Ending = "normal"
    end_at: int | None = None
    stall_before_headers: bool = False
    raw: bytes | None = None


@dataclass
class RecordedRequest:
    """A request as the server received it (header names lower-cased)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        """The body parsed as JSON (None when empty)."""
        return json.loads(self.body) if self.body else None


@dataclass
class Connection:
    """One accepted connection; ``closed_by_client`` is set when the client closed or reset it."""

    peer: tuple[str, int]
    closed_by_client: threading.Event = field(default_factory=threading.Event)


class ScriptedServer:
    """A loopback HTTP/1.1 server answering each request with the next queued :class:`Reply`.

    When the queue is empty the server answers 500 with a JSON error naming the problem, so a test
    that forgot a reply fails loudly.
    """

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self.requests: list[RecordedRequest] = []
        self.connections: list[Connection] = []
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        #: Set it to reset every stalled connection, as if the server had vanished.
        self.vanish = threading.Event()
        self._threads: list[threading.Thread] = []
        self._errors: list[BaseException] = []
        self._acceptor = threading.Thread(
            target=self._accept_loop, name="scripted-server", daemon=True
        )
        self._acceptor.start()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    def url(self, path: str = "/") -> str:
        """The absolute URL of ``path`` on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, *replies: Reply) -> None:
        """Queue replies for the next requests, in order."""
        with self._lock:
            self._replies.extend(replies)

    def wait_for_requests(self, count: int, timeout: float = 2.0) -> None:
        """Block until ``count`` requests were received (AssertionError after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} requests, got {len(self.requests)}")
            time.sleep(0.005)

    def stop(self) -> None:
        """Stop serving, end stalled replies and join every thread."""
        self._stopping.set()
        self._acceptor.join(timeout=5)
        for thread in list(self._threads):
            thread.join(timeout=5)
        self._listener.close()
        alive = [t.name for t in self._threads if t.is_alive()]
        assert not alive, f"scripted server threads still running: {alive}"
        if self._errors:
            raise AssertionError(f"scripted server failed: {self._errors[0]!r}") from self._errors[
                0
            ]

    def __enter__(self) -> ScriptedServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- serving ---------------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                sock, peer = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn = Connection(peer=peer)
            self.connections.append(conn)
            thread = threading.Thread(
                target=self._serve_connection, args=(sock, conn), name=f"scripted-{peer[1]}"
            )
            thread.daemon = True
            self._threads.append(thread)
            thread.start()

    def _serve_connection(self, sock: socket.socket, conn: Connection) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(0.05)
        buffer = b""
        try:
            while not self._stopping.is_set():
                request, buffer = self._read_request(sock, conn, buffer)
                if request is None:
                    return
                self.requests.append(request)
                keep_alive = request.headers.get("connection", "").lower() != "close"
                if not self._answer(sock, conn, self._next_reply()) or not keep_alive:
                    return
        except (ConnectionResetError, BrokenPipeError):
            conn.closed_by_client.set()
        except BaseException as exc:  # noqa: BLE001 # pragma: no cover - reported at stop()
            self._errors.append(exc)
        finally:
            sock.close()

    def _next_reply(self) -> Reply:
        with self._lock:
            if self._replies:
                return self._replies.popleft()
        return json_reply(500, {"error": {"message": "scripted server: no reply was queued"}})

    def _recv(self, sock: socket.socket, conn: Connection) -> bytes | None:
        """One recv that honours stop(); None when the client closed or the server stops."""
        while not self._stopping.is_set():
            try:
                data = sock.recv(65536)
            except TimeoutError:
                continue
            except (ConnectionResetError, BrokenPipeError):
                data = b""
            if not data:
                conn.closed_by_client.set()
                return None
            return data
        return None

    def _read_request(
        self, sock: socket.socket, conn: Connection, buffer: bytes
    ) -> tuple[RecordedRequest | None, bytes]:
        while b"\r\n\r\n" not in buffer:
            data = self._recv(sock, conn)
            if data is None:
                return None, b""
            buffer += data
        head, _, rest = buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _version = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            data = self._recv(sock, conn)
            if data is None:
                return None, b""
            rest += data
        return RecordedRequest(method, path, headers, rest[:length]), rest[length:]

    def _answer(self, sock: socket.socket, conn: Connection, reply: Reply) -> bool:
        """Write one reply; True when the connection may serve another request."""
        if reply.stall_before_headers:
            self._stall(sock, conn)
            return False
        if reply.raw is not None:
            self._send(sock, reply.raw)
            return False
        body = b"".join(reply.chunks)
        head = [f"HTTP/1.1 {reply.status} {_reason(reply.status)}"]
        head += [f"{name}: {value}" for name, value in reply.headers]
        if reply.framing == "length":
            head.append(f"Content-Length: {len(body)}")
        elif reply.framing == "chunked":
            head.append("Transfer-Encoding: chunked")
        else:
            head.append("Connection: close")
        self._send(sock, ("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        end_at = len(body) if reply.end_at is None else reply.end_at
        sent = 0
        for chunk in reply.chunks:
            piece = chunk[: max(0, end_at - sent)]
            if reply.delay:
                time.sleep(reply.delay)
            if piece:
                framed = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
                self._send(sock, framed if reply.framing == "chunked" else piece)
                sent += len(piece)
            if sent >= end_at and reply.ending != "normal":
                break
        return self._finish(sock, conn, reply)

    def _finish(self, sock: socket.socket, conn: Connection, reply: Reply) -> bool:
        if reply.ending == "stall":
            self._stall(sock, conn)
            return False
        if reply.ending == "reset":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        if reply.ending == "close":
            return False
        if reply.framing == "chunked":
            self._send(sock, b"0\r\n\r\n")
        return reply.framing != "close"

    def _send(self, sock: socket.socket, data: bytes) -> None:
        """sendall that waits as long as the client needs but gives up when the server stops."""
        view = memoryview(data)
        while view:
            if self._stopping.is_set():
                raise BrokenPipeError("scripted server stopping")
            try:
                sent = sock.send(view)
            except TimeoutError:
                continue
            view = view[sent:]

    def _stall(self, sock: socket.socket, conn: Connection) -> None:
        """Send nothing until the client goes away, the server stops, or it "vanishes"."""
        while not self._stopping.is_set():
            if self.vanish.is_set():
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            readable, _, _ = select.select([sock], [], [], 0.01)
            if readable:
                try:
                    data = sock.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    conn.closed_by_client.set()
                    return


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


# -- builders ------------------------------------------------------------------------------------


def sse_event(
    data: object, *, event: str | None = None, crlf: bool = False, space: bool = True
) -> bytes:
    """One SSE event: ``data`` (JSON-encoded unless a str) and an optional event name."""
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    newline = "\r\n" if crlf else "\n"
    prefix = f"event: {event}{newline}" if event else ""
    return f"{prefix}data:{' ' if space else ''}{text}{newline}{newline}".encode()


def chunk_json(
    delta: Mapping[str, Any] | None = None,
    *,
    finish_reason: str | None = None,
    index: int = 0,
    model: str = "test-model",
) -> dict[str, Any]:
    """A ``chat.completion.chunk`` object with one choice."""
    choice: dict[str, Any] = {"index": index, "finish_reason": finish_reason}
    if delta is not None:
        choice["delta"] = dict(delta)
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": model,
        "choices": [choice],
    }


def sse_chunks(
    texts: Sequence[str],
    *,
    finish_reason: str | None = "stop",
    usage: Mapping[str, int] | None = None,
    done: bool = True,
    crlf: bool = False,
    space: bool = True,
) -> list[bytes]:
    """An OpenAI chunk stream, one network chunk per event.

    A role chunk, one content chunk per text, a finish chunk (when ``finish_reason``), a usage chunk
    with ``"choices": []`` (when ``usage``) and ``data: [DONE]`` (when ``done``).
    """
    events = [chunk_json({"role": "assistant", "content": ""})]
    events += [chunk_json({"content": text}) for text in texts]
    if finish_reason is not None:
        events.append(chunk_json({}, finish_reason=finish_reason))
    if usage is not None:
        events.append(
            {
                "id": "chatcmpl-test",
                "object": "chat.completion.chunk",
                "choices": [],
                "usage": dict(usage),
            }
        )
    out = [sse_event(event, crlf=crlf, space=space) for event in events]
    if done:
        out.append(sse_event("[DONE]", crlf=crlf, space=space))
    return out


def sse_reply(
    texts: Sequence[str] = (),
    *,
    chunks: Sequence[bytes] | None = None,
    framing: Framing = "chunked",
    **options: Any,
) -> Reply:
    """A 200 ``text/event-stream`` reply: ``chunks``, else ``sse_chunks(texts, **options)``."""
    reply_options = {k: options.pop(k) for k in ("delay", "ending", "end_at") if k in options}
    body = list(chunks) if chunks is not None else sse_chunks(texts, **options)
    return Reply(
        200, [("Content-Type", "text/event-stream")], body, framing=framing, **reply_options
    )


def json_reply(status: int, payload: object, headers: Sequence[tuple[str, str]] = ()) -> Reply:
    """A JSON reply (``Content-Type: application/json``)."""
    return Reply(
        status,
        [("Content-Type", "application/json"), *headers],
        [json.dumps(payload).encode()],
    )


@pytest.fixture
def scripted_server() -> Iterator[ScriptedServer]:
    """A started :class:`ScriptedServer`, stopped (threads joined) at teardown."""
    server = ScriptedServer()
    try:
        yield server
    finally:
        server.stop()
