"""One HTTP exchange that a ``threading.Event`` can cancel at any moment.

``httpx`` blocks in ``recv`` while it waits for headers or body bytes, and a blocked ``recv``
looks at no flag. So a short-lived helper thread sends the request while the calling thread
waits for the headers in short slices, checking the cancel flag. Once the headers are in, the
caller reads the body itself (the hot path, no hand-off) and the helper thread waits for the
cancel flag; if it is set, the helper shuts the socket down, which wakes the blocked read at once.

Which socket to shut is known from what httpx and httpcore publish: the ``trace`` extension
reports each new connection, and a response's ``network_stream`` extension its connection. A
request sent on a reused keep-alive connection has neither until its headers arrive; if it is
cancelled before that, every connection the client holds that no other exchange is using is
shut: the request's own is among them, the others were idle and are simply made again.

The same shutdown ends an exchange that outlives its deadline (:meth:`Exchange.set_deadline`):
a server that trickles a byte now and then never trips the read timeout, so a whole body that
must arrive in a bounded time needs a clock of its own.
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx

from desktop_chat.core.client._body import body_chunks, read_limited

_SLICE = 0.05
_SSE_STARTS = (b"data:", b":", b"event:", b"id:", b"retry:", b"\n", b"\r")


class StreamRegistry:
    """The connections one client has used, and which of them an exchange is using now."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._streams: list[Any] = []
        self._busy: set[int] = set()

    def add(self, stream: Any) -> None:
        """Remember ``stream`` (once), forgetting those whose socket was closed."""
        with self._lock:
            self._streams = [s for s in self._streams if _is_open(s) and s is not stream]
            self._streams.append(stream)

    def claim(self, stream: Any) -> None:
        """Mark ``stream`` as used by an exchange until :meth:`release`."""
        self.add(stream)
        with self._lock:
            self._busy.add(id(stream))

    def release(self, stream: Any) -> None:
        """``stream`` is no longer used by an exchange."""
        with self._lock:
            self._busy.discard(id(stream))

    def not_busy(self) -> list[Any]:
        """The open connections no exchange is using: idle, or carrying unanswered requests."""
        with self._lock:
            return [s for s in self._streams if id(s) not in self._busy and _is_open(s)]


def _is_open(stream: Any) -> bool:
    sock = stream.get_extra_info("socket")
    return sock is not None and sock.fileno() != -1


class AbandonedError(Exception):
    """Raised inside httpx (from the trace hook) to stop a request nobody waits for any more."""


class Exchange:
    """Send ``request`` on ``client`` in a helper thread and make the result cancellable.

    Call :meth:`wait_headers`; then :meth:`is_event_stream` and either iterate :attr:`chunks`
    (then :meth:`drain` after ``[DONE]``) or :meth:`read_body`; always :meth:`close` at the end.
    After a deadline set with :meth:`set_deadline` passed, :attr:`expired` is True and what was
    read since means nothing: the connection was shut down.
    """

    def __init__(
        self,
        client: httpx.Client,
        request: httpx.Request,
        cancel: threading.Event,
        registry: StreamRegistry,
    ) -> None:
        self._client = client
        self._registry = registry
        self._claimed: Any = None
        self._request = request
        self._cancel = cancel
        self._sockets: list[Any] = []
        self._lock = threading.Lock()
        self._headers_ready = threading.Event()
        self._done = threading.Event()
        self._abandoned = False
        self._deadline: float | None = None
        self._expired = False
        self.response: httpx.Response | None = None
        self.chunks: Iterator[bytes] = iter(())
        self._opened = False
        self._first: bytes = b""
        self.error: BaseException | None = None
        request.extensions["trace"] = self._trace
        self._thread = threading.Thread(target=self._run, name="desktop-chat-http", daemon=True)
        self._thread.start()

    @property
    def expired(self) -> bool:
        """True once the deadline passed and the exchange was stopped."""
        return self._expired

    def set_deadline(self, seconds: float | None) -> None:
        """Stop the exchange ``seconds`` from now (None: no deadline)."""
        self._deadline = None if seconds is None else time.monotonic() + seconds

    def wait_headers(self) -> httpx.Response | None:
        """The response once its headers arrived, or None if ``cancel`` was set first or the
        deadline passed (then :attr:`expired` is True).

        Raises:
            httpx.HTTPError: whatever ``send`` raised.
        """
        while not self._headers_ready.wait(_SLICE):
            expired = self._past_deadline()
            if expired or self._cancel.is_set():
                self._expired = expired
                self._abandon()
                return None
        if self.error is not None:
            raise self.error
        return self.response

    def is_event_stream(self) -> bool:
        """Whether the body is an event stream; sets :attr:`chunks`, the body's chunks.

        A 200 without an event-stream content type is still taken for a stream when its first
        bytes look like one (some proxies rewrite the content type).

        Raises:
            httpx.RequestError: reading the first chunk failed.
        """
        response = self._open()
        content_type = response.headers.get("content-type", "").lower()
        if response.status_code >= 400 or "json" in content_type or "html" in content_type:
            return False
        if "text/event-stream" in content_type:
            return True
        first = next(self.chunks, b"")
        if first.lstrip(b"\xef\xbb\xbf").startswith(_SSE_STARTS):
            self.chunks = itertools.chain((first,), self.chunks)
            return True
        self._first = first
        return False

    def read_body(self, limit: int) -> tuple[bytes, bool]:
        """The rest of a body that is not a stream, decompressed, up to ``limit`` bytes.

        Returns:
            The body's first ``limit`` bytes, and True when it was longer than that.

        Raises:
            httpx.RequestError: reading failed (or the exchange was cancelled or stopped
                meanwhile); httpx.DecodingError for compressed data that is not valid.
        """
        self._open()
        return read_limited(self.chunks, limit, self._first)

    def drain(self, seconds: float) -> None:
        """Read what is left of the body so the connection can be reused.

        What follows ``[DONE]`` is normally just the end of the chunked body; a server that
        keeps the response open gets ``seconds``, then the connection is shut down instead.
        """
        self.set_deadline(seconds)
        with contextlib.suppress(httpx.RequestError):
            for _ in self.chunks:
                pass

    def close(self) -> None:
        """Close the response and let the helper thread end."""
        self._done.set()
        if self.response is not None:
            self.response.close()
        if self._claimed is not None:
            self._registry.release(self._claimed)
        if not self._abandoned:
            # The helper only waits on _done now, so this returns at once.
            self._thread.join(timeout=1.0)

    def _open(self) -> httpx.Response:
        response = self.response
        assert response is not None
        if not self._opened:
            self._opened = True
            self.chunks = body_chunks(response)
        return response

    def _past_deadline(self) -> bool:
        deadline = self._deadline
        return deadline is not None and time.monotonic() > deadline

    # -- helper thread ---------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            response = self._client.send(self._request, stream=True)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, which re-raises it
            with self._lock:
                self.error = None if self._abandoned else exc
                self._headers_ready.set()
            return
        with self._lock:
            late = self._abandoned
            if not late:
                self.response = response
                stream = response.extensions.get("network_stream")
                if stream is not None:
                    self._sockets.append(stream)
                    self._registry.claim(stream)
                    self._claimed = stream
            self._headers_ready.set()
        if late:
            response.close()
            return
        while not self._done.wait(_SLICE):
            expired = self._past_deadline()
            if expired or self._cancel.is_set():
                self._expired = expired
                self._shutdown_sockets()
                return

    def _trace(self, name: str, info: dict[str, Any]) -> None:
        if self._abandoned:
            raise AbandonedError
        if name in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            stream = info.get("return_value")
            if stream is not None:
                self._registry.add(stream)
                with self._lock:
                    self._sockets.append(stream)

    # -- cancellation ----------------------------------------------------------------------------

    def _abandon(self) -> None:
        with self._lock:
            self._abandoned = True
            if not self._sockets:
                # Sent on a reused connection that has not answered: it is one of these.
                self._sockets.extend(self._registry.not_busy())
        self._shutdown_sockets()

    def _shutdown_sockets(self) -> None:
        with self._lock:
            streams = list(self._sockets)
        for stream in streams:
            sock = stream.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
