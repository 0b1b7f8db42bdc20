"""OpenAI-compatible chat-completions client: requests, streamed events and typed errors.

Example::

    with ChatClient("http://127.0.0.1:8000/v1", api_key=None) as client:
        for event in client.stream_chat("gpt-4o-mini", [{"role": "user", "content": "Hi"}],
                                        cancel=cancel_event, temperature=0.7):
            if isinstance(event, ContentDelta):
                print(event.text, end="")

Every failure is one of the :class:`~desktop_chat.core.errors.ApiError` subclasses, whose message a
user can act on; none of them ever contains the API key or the user name and password of a URL.
A reply's text may still echo the key: :meth:`ChatClient.echo_masker` masks it there.
"""

from __future__ import annotations

import json
import os
import ssl
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import certifi
import httpx

from desktop_chat import __version__
from desktop_chat.core.client._body import ACCEPT_ENCODING
from desktop_chat.core.client._endpoint import endpoint_url
from desktop_chat.core.client._events import (
    Cancelled,
    ContentDelta,
    Finished,
    ReasoningDelta,
    StreamEvent,
    ToolCallDelta,
    Usage,
)
from desktop_chat.core.client._exchange import Exchange, StreamRegistry
from desktop_chat.core.client._failures import (
    error_from_response,
    proxy_label,
    rejects_stream_options,
    too_large_error,
    too_slow_error,
    transport_error,
)
from desktop_chat.core.client._redact import (
    EchoMasker,
    mask_secret,
    mask_url,
    url_without_credentials,
)
from desktop_chat.core.client._stream import (
    StreamState,
    completion_events,
    parse_stream,
    usage_from,
)
from desktop_chat.core.client.proxies import proxy_for
from desktop_chat.core.client.sse import SSEDecoder
from desktop_chat.core.errors import (
    ApiError,
    AuthenticationError,
    ConnectError,
    EventTooLarge,
    StreamInterrupted,
    UnexpectedResponseError,
)

__all__ = [
    "Cancelled",
    "ChatClient",
    "Completion",
    "ContentDelta",
    "EchoMasker",
    "Finished",
    "ReasoningDelta",
    "StreamEvent",
    "ToolCallDelta",
    "Usage",
    "endpoint_url",
]

#: The largest reply that is not a stream (a whole chat answer) read, after decompression.
MAX_REPLY_BYTES = 16 * 1024 * 1024
#: The largest model list read, after decompression.
MAX_MODEL_LIST_BYTES = 8 * 1024 * 1024
#: How much of an error body is read: its start is all a message quotes.
_MAX_ERROR_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Completion:
    """The whole reply of a non-streaming request."""

    text: str
    reasoning: str
    finish_reason: str | None
    usage: Usage | None


class ChatClient:
    """A client for one OpenAI-compatible server.

    Args:
        base_url: the server's base URL as the user typed it (see :func:`endpoint_url`).
        api_key: sent as ``Authorization: Bearer <key>``, or as ``api-key: <key>`` when
            ``auth_style="api-key"`` (Azure); None sends no key (local servers).
        auth_style: ``"bearer"`` or ``"api-key"``.
        api_version: added as ``?api-version=`` to every request (Azure).
        extra_headers: more headers for every request.
        connect_timeout: seconds allowed to connect.
        read_timeout: seconds the server may stay silent, before the headers or between chunks.
        body_timeout: seconds a reply that is not a stream may take to arrive whole, from its
            headers (a model list: from the request), however steadily it trickles.
        proxy: an explicit proxy URL (``http://``, ``https://`` or ``socks5://``).
        trust_env: honour ``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``,
            ``SSL_CERT_FILE`` and ``SSL_CERT_DIR``.
        verify: False to skip TLS verification, or the path of a CA bundle file.

    A server on this computer is never reached through a proxy, not even the explicit one (see
    :mod:`~desktop_chat.core.client.proxies`). The connection is made lazily; configuration
    problems (an unreadable CA bundle, a bad proxy URL) surface as
    :class:`~desktop_chat.core.errors.ConnectError` from the first request.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        auth_style: str = "bearer",
        api_version: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        body_timeout: float = 30.0,
        proxy: str | None = None,
        trust_env: bool = True,
        verify: bool | str = True,
    ) -> None:
        if auth_style not in ("bearer", "api-key"):
            raise ValueError(f"auth_style must be 'bearer' or 'api-key', not {auth_style!r}")
        self.base_url = endpoint_url(base_url)
        self._url_given = bool(base_url.strip())
        self._api_key = (api_key or "").strip()
        self._auth_style = auth_style
        self._params = {"api-version": api_version} if api_version else {}
        self._extra_headers = dict(extra_headers or {})
        self._timeout = httpx.Timeout(
            connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout
        )
        self._read_timeout = read_timeout
        self._body_timeout = body_timeout
        self._proxy = proxy
        self._via: str | None = None
        self._trust_env = trust_env
        self._verify = verify
        self._http: httpx.Client | None = None
        self._lock = threading.Lock()
        self._include_usage = True
        self._streams = StreamRegistry()

    def __repr__(self) -> str:
        return f"ChatClient(base_url={url_without_credentials(self.base_url)!r})"

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections."""
        with self._lock:
            http, self._http = self._http, None
        if http is not None:
            http.close()

    # -- public requests -------------------------------------------------------------------------

    def stream_chat(
        self,
        model: str,
        messages: list[dict[str, Any]],
        *,
        cancel: threading.Event | None = None,
        **params: Any,
    ) -> Iterator[StreamEvent]:
        """Stream a reply.

        Yields :class:`ContentDelta`, :class:`ReasoningDelta`, :class:`ToolCallDelta` and
        :class:`Usage` as they arrive, then :class:`Finished` as the last item when the reply
        ended normally (``[DONE]``, or the end of the body after a finish reason; ``[DONE]``
        without a finish reason counts as ``"stop"``). A server that ignored ``"stream": true``
        and sent the whole reply as JSON gives the same items at once.

        When ``cancel`` is set (from any thread) the connection is closed within about 50 ms,
        even while the server sends nothing, and :class:`Cancelled` is the last item: the
        iteration then ends without an error.

        ``stream_options.include_usage`` is asked for unless ``params`` sets ``stream_options``;
        a server that rejects the field gets the request again without it, and this client
        leaves it out from then on.

        Args:
            model: the model id.
            messages: the conversation, as chat-completions messages.
            cancel: set it to stop the stream.
            **params: more JSON body fields (``temperature``, ``max_tokens``, ``tools`` ...).

        Raises:
            ApiError: a subclass saying what went wrong; after the stream began it is a
                :class:`~desktop_chat.core.errors.StreamProblem` whose ``partial_text`` holds the
                text received so far.
        """
        try:
            yield from self._stream_chat(model, messages, cancel, params)
        except ApiError as exc:
            self._redact(exc)
            raise

    def _stream_chat(
        self,
        model: str,
        messages: list[dict[str, Any]],
        cancel: threading.Event | None,
        params: dict[str, Any],
    ) -> Iterator[StreamEvent]:
        cancel = cancel if cancel is not None else threading.Event()
        if cancel.is_set():
            yield Cancelled()
            return
        http = self._client()
        body: dict[str, Any] = {"model": model, "messages": messages, **params, "stream": True}
        usage_option = self._include_usage and "stream_options" not in params
        for attempt in (1, 2):
            if usage_option:
                body["stream_options"] = {"include_usage": True}
            elif "stream_options" not in params:
                body.pop("stream_options", None)
            request = self._request(http, "POST", "/chat/completions", body, "text/event-stream")
            exchange = Exchange(http, request, cancel, self._streams)
            try:
                try:
                    response = exchange.wait_headers()
                except httpx.RequestError as exc:
                    if cancel.is_set():
                        yield Cancelled()
                        return
                    raise self._transport_error(exc, request, streaming=False) from _shown(exc)
                if response is None:
                    yield Cancelled()
                    return
                try:
                    streaming = exchange.is_event_stream()
                except httpx.RequestError as exc:
                    if cancel.is_set():
                        yield Cancelled()
                        return
                    raise self._transport_error(exc, request, streaming=False) from _shown(exc)
                if streaming:
                    yield from self._read_stream(exchange, request, cancel)
                    return
                exchange.set_deadline(self._body_timeout)
                reply = self._read_whole(exchange, request, MAX_REPLY_BYTES, "reply", cancel)
                if reply is None:
                    yield Cancelled()
                    return
                error = error_from_response(
                    response.status_code, response.headers, reply, url=str(request.url)
                )
                if error is None:
                    yield from completion_events(json.loads(reply))
                    return
                if attempt == 1 and usage_option and rejects_stream_options(error):
                    self._include_usage = usage_option = False
                    continue
                raise error
            finally:
                exchange.close()

    def list_models(self) -> list[str]:
        """The ids of the models the server offers (``GET /models``), in its order.

        The list is read up to :data:`MAX_MODEL_LIST_BYTES` (decompressed) and must arrive
        whole within ``body_timeout`` of the request.

        Raises:
            ApiError: a subclass saying what went wrong.
        """
        payload = self._json_request(
            "GET", "/models", None, limit=MAX_MODEL_LIST_BYTES, what="model list", from_start=True
        )
        items: object = (
            payload.get("data", payload.get("models")) if isinstance(payload, dict) else payload
        )
        if not isinstance(items, list):
            raise UnexpectedResponseError(
                "The server's model list is not in the expected format (a JSON object with a "
                "'data' list). Check the base URL in Settings."
            )
        # In the server's order, which is meaningful (llama.cpp lists the model it has loaded,
        # Ollama the newest first): the first one is the one to offer by default.
        ids = (
            str(item.get("id") or item.get("name")) if isinstance(item, dict) else str(item)
            for item in items
            if not isinstance(item, dict) or item.get("id") or item.get("name")
        )
        return list(dict.fromkeys(ids))

    def complete(self, model: str, messages: list[dict[str, Any]], **params: Any) -> Completion:
        """Ask for a whole reply at once (``"stream": false``); an echo of the key is masked.

        The reply is read up to :data:`MAX_REPLY_BYTES` (decompressed) and must arrive whole
        within ``body_timeout`` of its headers.

        Raises:
            ApiError: a subclass saying what went wrong.
        """
        body = {"model": model, "messages": messages, **params, "stream": False}
        payload = self._json_request(
            "POST", "/chat/completions", body, limit=MAX_REPLY_BYTES, what="reply", from_start=False
        )
        text: list[str] = []
        reasoning: list[str] = []
        finish: str | None = None
        for event in completion_events(payload):
            if isinstance(event, ContentDelta):
                text.append(event.text)
            elif isinstance(event, ReasoningDelta):
                reasoning.append(event.text)
            elif isinstance(event, Finished):
                finish = event.reason
        echo = self.echo_masker()
        return Completion(
            echo.mask("".join(text)),
            echo.mask("".join(reasoning)),
            finish if finish is None else echo.mask(finish),
            usage_from(payload),
        )

    # -- plumbing --------------------------------------------------------------------------------

    def _client(self) -> httpx.Client:
        with self._lock:
            if self._http is None:
                self._http = self._make_client()
            return self._http

    def _make_client(self) -> httpx.Client:
        if not self.base_url:
            if self._url_given:
                raise ConnectError(
                    "The base URL is not a valid address. Enter it in Settings as, for example, "
                    "https://api.openai.com/v1 or http://127.0.0.1:8080/v1.",
                    reason="other",
                )
            raise ConnectError(
                "No server URL is set. Enter the base URL (for example "
                "https://api.openai.com/v1) in Settings.",
                reason="other",
            )
        self._via = proxy_for(self.base_url, self._proxy, trust_env=self._trust_env)
        try:
            # The environment was read here and by _tls: trust_env=False keeps httpx from
            # choosing a proxy of its own (one for this computer, say).
            return httpx.Client(
                timeout=self._timeout,
                proxy=self._via,
                trust_env=False,
                verify=self._tls(),
                headers={
                    "User-Agent": f"desktop-chat/{__version__}",
                    "Accept-Encoding": ACCEPT_ENCODING,
                },
            )
        except (ValueError, ImportError, httpx.InvalidURL) as exc:
            if self._proxy:
                where, fix = "setting", "Check it in Settings."
            else:
                where = "from the environment (HTTPS_PROXY, HTTP_PROXY or ALL_PROXY)"
                fix = "Correct or unset that variable, or set a proxy in Settings."
            raise ConnectError(
                f"The proxy {where} “{proxy_label(self._via or '')}” cannot be used ({exc}). {fix}",
                reason="proxy",
            ) from None

    def _tls(self) -> ssl.SSLContext | bool:
        """How the server's certificate is checked.

        The context is made here rather than by httpx, so that a CA file that cannot be read
        gives a message naming it, and so that ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` count only
        for https:// (a broken one must not stop plain http:// to this computer).
        """
        if self._verify is False:
            return False
        https = self.base_url.startswith("https:")
        if isinstance(self._verify, str):
            cafile, capath = self._verify, None
            source = f"The CA bundle file {self._verify}"
            fix = "Check the path in Settings."
        elif self._trust_env and https and os.environ.get("SSL_CERT_FILE"):
            cafile, capath = os.environ["SSL_CERT_FILE"], None
            source = f"The file {cafile} named by the SSL_CERT_FILE environment variable"
            fix = "Correct or unset SSL_CERT_FILE, then start the app again."
        elif self._trust_env and https and os.environ.get("SSL_CERT_DIR"):
            cafile, capath = None, os.environ["SSL_CERT_DIR"]
            source = f"The folder {capath} named by the SSL_CERT_DIR environment variable"
            fix = "Correct or unset SSL_CERT_DIR, then start the app again."
        else:
            cafile, capath = certifi.where(), None
            source = "The certificate list that comes with the app"
            fix = "Install the app again."
        try:
            return ssl.create_default_context(cafile=cafile, capath=capath)
        except (OSError, ssl.SSLError) as exc:
            raise ConnectError(
                f"{source} could not be read ({exc.strerror or exc}). {fix}", reason="tls"
            ) from None

    def _headers(self, accept: str) -> dict[str, str]:
        headers = {"Accept": accept, **self._extra_headers}
        key = self._api_key
        if key:
            if not (key.isascii() and key.isprintable() and " " not in key):
                raise AuthenticationError(
                    "The API key contains spaces, line breaks or non-ASCII characters, so it "
                    "cannot be sent. Paste it again in Settings."
                )
            if self._auth_style == "api-key":
                headers["api-key"] = key
            else:
                headers["Authorization"] = f"Bearer {key}"
        return headers

    def _request(
        self, http: httpx.Client, method: str, path: str, body: object, accept: str
    ) -> httpx.Request:
        headers = self._headers(accept)
        try:
            return http.build_request(
                method, self.base_url + path, params=self._params, json=body, headers=headers
            )
        except httpx.InvalidURL as exc:
            raise ConnectError(
                f"The base URL {url_without_credentials(self.base_url)} is not a valid address "
                f"({mask_url(str(exc))}). Check it in Settings.",
                reason="other",
            ) from None

    def _transport_error(
        self,
        exc: httpx.RequestError,
        request: httpx.Request,
        *,
        streaming: bool,
        partial: str = "",
    ) -> ApiError:
        return transport_error(
            exc,
            request.url,
            read_timeout=self._read_timeout,
            streaming=streaming,
            partial_text=partial,
            proxy=self._via,
        )

    def echo_masker(self) -> EchoMasker:
        """A masker of this client's API key, for the text of one streamed reply."""
        return EchoMasker(self._api_key)

    def _redact(self, error: ApiError) -> None:
        """Mask any echo of the API key (a server may quote it) and any URL's user name and
        password in ``error``.

        The text may have been cut to a snippet, possibly in the middle of the key, so every run
        of characters that is part of the key is masked, not only the whole key.
        """
        key = self._api_key

        def clean(text: str) -> str:
            return mask_url(mask_secret(text, key))

        error.message = clean(error.message)
        error.body_snippet = clean(error.body_snippet)
        error.partial_text = EchoMasker(key).mask(error.partial_text)
        error.args = tuple(clean(arg) if isinstance(arg, str) else arg for arg in error.args)

    def _json_request(
        self, method: str, path: str, body: object, *, limit: int, what: str, from_start: bool
    ) -> Any:
        try:
            return self._json_exchange(
                method, path, body, limit=limit, what=what, from_start=from_start
            )
        except ApiError as exc:
            self._redact(exc)
            raise

    def _json_exchange(
        self, method: str, path: str, body: object, *, limit: int, what: str, from_start: bool
    ) -> Any:
        """One JSON request: its body at most ``limit`` bytes, ``what`` names it in errors, and
        the body deadline runs from the request when ``from_start``, else from the headers."""
        http = self._client()
        request = self._request(http, method, path, body, "application/json")
        never = threading.Event()
        exchange = Exchange(http, request, never, self._streams)
        try:
            if from_start:
                exchange.set_deadline(self._body_timeout)
            try:
                response = exchange.wait_headers()
            except httpx.RequestError as exc:
                raise self._transport_error(exc, request, streaming=False) from _shown(exc)
            if response is None:  # nothing cancels it: the deadline passed
                raise too_slow_error(what, self._body_timeout)
            if not from_start:
                exchange.set_deadline(self._body_timeout)
            content = self._read_whole(exchange, request, limit, what, never)
            assert content is not None
            error = error_from_response(
                response.status_code, response.headers, content, url=str(request.url)
            )
            if error is not None:
                raise error
            return json.loads(content)
        finally:
            exchange.close()

    def _read_whole(
        self,
        exchange: Exchange,
        request: httpx.Request,
        limit: int,
        what: str,
        cancel: threading.Event,
    ) -> bytes | None:
        """The body of a reply that is not a stream, or None when ``cancel`` was set meanwhile.

        A success larger than ``limit`` is an error; of an error body only the start is read.

        Raises:
            ApiError: the body was too large, too slow, or could not be read.
        """
        response = exchange.response
        assert response is not None
        failed = response.status_code >= 400
        try:
            body, longer = exchange.read_body(_MAX_ERROR_BYTES if failed else limit)
        except httpx.RequestError as exc:
            if cancel.is_set():
                return None
            if exchange.expired:
                raise too_slow_error(what, self._body_timeout) from None
            raise self._transport_error(exc, request, streaming=False) from _shown(exc)
        if cancel.is_set():
            return None
        if exchange.expired:
            raise too_slow_error(what, self._body_timeout)
        if longer and not failed:
            raise too_large_error(what, limit, status=response.status_code)
        return body

    def _read_stream(
        self, exchange: Exchange, request: httpx.Request, cancel: threading.Event
    ) -> Iterator[StreamEvent]:
        state = StreamState()
        try:
            yield from parse_stream(exchange.chunks, SSEDecoder(), state, cancel)
        except httpx.RequestError as exc:
            if cancel.is_set():
                yield Cancelled()
                return
            raise self._transport_error(
                exc, request, streaming=True, partial=state.text
            ) from _shown(exc)
        except EventTooLarge as exc:
            exc.partial_text = state.text
            raise
        if cancel.is_set() and not state.done:
            yield Cancelled()
            return
        if state.done:
            exchange.drain(0.5)
        if state.done or state.finish_reason:
            yield Finished(state.finish_reason or "stop")
        else:
            raise StreamInterrupted(
                "The connection ended before the reply was complete (the server sent no end "
                "marker). The text received so far was kept; try again.",
                partial_text=state.text,
            )


def _shown(exc: httpx.RequestError) -> httpx.RequestError | None:
    """The cause to chain to a typed error: none when its text may quote a header value."""
    return None if isinstance(exc, httpx.LocalProtocolError) else exc
