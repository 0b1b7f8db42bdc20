"""A minimal chat-completions streaming server on 127.0.0.1, run in its own process.

Every POST gets the same pre-built event stream: ``Transfer-Encoding: chunked``, one HTTP chunk
(and one ``send``) per event. Running it in a separate process keeps its work off the measured
client's interpreter lock, as a real server would be.
"""

from __future__ import annotations

import multiprocessing
import socket
import threading
from collections.abc import Sequence
from multiprocessing.connection import Connection

__all__ = ["LoopbackStreamServer"]

_HEADERS = (
    b"HTTP/1.1 200 OK\r\n"
    b"Content-Type: text/event-stream; charset=utf-8\r\n"
    b"Cache-Control: no-cache\r\n"
    b"Transfer-Encoding: chunked\r\n"
    b"\r\n"
)
_LAST_CHUNK = b"0\r\n\r\n"
_MAX_REQUEST = 1024 * 1024


def _frame(event: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(event), event)


def _read_request(sock: socket.socket, buffer: bytearray) -> bool:
    """Consume one request (headers and Content-Length body); False when the client left."""
    while b"\r\n\r\n" not in buffer:
        data = sock.recv(65_536)
        if not data or len(buffer) > _MAX_REQUEST:
            return False
        buffer += data
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip() or b"0")
    while len(rest) < length:
        data = sock.recv(65_536)
        if not data:
            return False
        rest += data
    buffer[:] = rest[length:]
    return True


def _serve_connection(sock: socket.socket, frames: Sequence[bytes]) -> None:
    buffer = bytearray()
    with sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while _read_request(sock, buffer):
                sock.sendall(_HEADERS)
                for frame in frames:
                    sock.sendall(frame)
                sock.sendall(_LAST_CHUNK)
        except OSError:
            return


def _serve(events: Sequence[bytes], ready: Connection) -> None:
    frames = [_frame(event) for event in events]
    listener = socket.create_server(("127.0.0.1", 0))
    ready.send(listener.getsockname()[1])
    ready.close()
    with listener:
        while True:
            sock, _ = listener.accept()
            threading.Thread(target=_serve_connection, args=(sock, frames), daemon=True).start()


class LoopbackStreamServer:
    """Serve ``events`` (each a complete SSE event, e.g. ``b"data: {...}\\n\\n"``) to every POST.

    Use as a context manager; ``base_url`` is ``http://127.0.0.1:<port>/v1``.
    """

    def __init__(self, events: Sequence[bytes]) -> None:
        self._events = list(events)
        self._process: multiprocessing.process.BaseProcess | None = None
        self.base_url = ""

    def __enter__(self) -> LoopbackStreamServer:
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_serve, args=(self._events, sender), daemon=True)
        process.start()
        sender.close()
        if not receiver.poll(10):
            process.kill()
            raise RuntimeError("the loopback server did not start within 10 s")
        port = receiver.recv()
        self._process = process
        self.base_url = f"http://127.0.0.1:{port}/v1"
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join(5)
            self._process = None
