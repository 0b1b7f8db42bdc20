"""Turn failed HTTP exchanges into the typed errors of :mod:`desktop_chat.core.errors`.

Messages are built from the status, the body the server sent and the request URL, never from the
request headers, so the API key cannot end up in one. A URL is quoted without its user name and
password.
"""

from __future__ import annotations

import email.utils
import errno
import html
import json
import math
import re
import socket
import ssl
import time
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import httpx

from desktop_chat.core.client._redact import url_without_credentials
from desktop_chat.core.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConnectError,
    ContextLengthError,
    ImagesNotSupportedError,
    NotFoundError,
    RateLimitError,
    ResponseTooLargeError,
    ResponseTooSlowError,
    ServerError,
    StreamInterrupted,
    StreamStalled,
    UnexpectedResponseError,
)

SNIPPET_LENGTH = 200
#: The longest wait a ``Retry-After`` header can impose; a server asking for more is wrong or
#: hostile, and Retry must not stay locked for years.
MAX_RETRY_AFTER = 3600.0

_CONTEXT_PHRASES = (
    "context_length_exceeded",
    "maximum context length",
    "context length",
    "context window",
    "too many tokens",
    "prompt is too long",
    "input is too long",
    "reduce the length",
    "exceeds the model",
)
# How servers word a refusal of image parts (OpenAI, Ollama, llama.cpp, vLLM, LM Studio ...).
_IMAGE_PHRASES = (
    "image input is not supported",
    "image inputs are not supported",
    "images are not supported",
    "image is not supported",
    "does not support image",
    "doesn't support image",
    "does not support vision",
    "vision is not supported",
    "not a multimodal model",
    "unknown variant `image_url`",
    "image_url is only supported",
    "image content is not supported",
    "model cannot see images",
    "mmproj",
)
# How servers word a refusal of the tools a request offers (Ollama, llama.cpp, vLLM, Groq,
# OpenRouter ...).
_TOOL_PHRASES = (
    "does not support tools",
    "doesn't support tools",
    "tools param requires --jinja",
    "tool choice requires --enable-auto-tool-choice",
    "tool calling is not supported",
    "tool use is not supported",
    "tools are not supported",
    "support tool use",
    "function calling is not supported",
)
_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.IGNORECASE | re.DOTALL)
_SPACES = re.compile(r"\s+")


def visible_text(body: str, limit: int = SNIPPET_LENGTH) -> str:
    """The readable text of an HTML or plain-text body: tags stripped, whitespace collapsed, cut."""
    text = _SPACES.sub(" ", html.unescape(_TAGS.sub(" ", body))).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header given as seconds or as an HTTP date, at most
    :data:`MAX_RETRY_AFTER`."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if math.isnan(seconds):
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


class ProviderError:
    """What a JSON error body says: its message, code and type (any may be empty)."""

    __slots__ = ("code", "message", "status", "type")

    def __init__(self, message: str, code: str, type_: str, status: int | None) -> None:
        self.message = message
        self.code = code
        self.type = type_
        self.status = status


def provider_error(payload: object) -> ProviderError | None:
    """Read the error out of a decoded JSON body, or None when the body is not an error."""
    if not isinstance(payload, dict):
        return None
    error: Any = payload.get("error")
    if error is None and ("detail" in payload or "message" in payload) and "choices" not in payload:
        error = payload.get("detail", payload.get("message"))
    if error is None or error is False:
        return None
    status: int | None = None
    code = type_ = ""
    if isinstance(error, dict):
        message = error.get("message") or error.get("msg") or error.get("detail") or ""
        raw_code = error.get("code")
        if isinstance(raw_code, int) and 100 <= raw_code <= 599:
            status = raw_code
        code = "" if raw_code is None else str(raw_code)
        type_ = str(error.get("type") or error.get("status") or "")
    elif isinstance(error, list):
        message = "; ".join(
            str(item.get("msg", item)) if isinstance(item, dict) else str(item) for item in error
        )
    else:
        message = str(error)
    if not isinstance(message, str):
        message = json.dumps(message)
    return ProviderError(message.strip(), code, type_, status)


def _said(detail: str) -> str:
    return f" The server said: {detail}" if detail else ""


def _status_phrase(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _mentions_context(text: str) -> bool:
    lowered = text.lower()
    return any(phrase in lowered for phrase in _CONTEXT_PHRASES)


def _mentions_images(text: str) -> bool:
    lowered = text.lower()
    return any(phrase in lowered for phrase in _IMAGE_PHRASES)


def _mentions_tools(text: str) -> bool:
    lowered = text.lower()
    return any(phrase in lowered for phrase in _TOOL_PHRASES)


def error_for(
    status: int,
    detail: str,
    *,
    code: str = "",
    type_: str = "",
    headers: Mapping[str, str] | None = None,
    url: str = "",
    snippet: str = "",
) -> ApiError:
    """The typed error for an HTTP ``status`` and the provider's own ``detail`` message."""
    said = _said(detail)
    kinds = f"{code} {type_}".lower()
    if "context_length" in kinds or (status in (0, 400, 413, 422) and _mentions_context(detail)):
        return ContextLengthError(
            "The conversation is too long for this model's context window. Start a new "
            f"conversation, remove earlier messages or choose a model with a larger context.{said}",
            status=status or None,
            body_snippet=snippet,
        )
    if status not in (401, 403, 429) and _mentions_images(detail):
        return ImagesNotSupportedError(
            "The model or the server refused the images in this conversation: it cannot see "
            "images. Choose a model that can (a vision model) in the toolbar and press Retry; "
            f"your message keeps its attachments.{said}",
            status=status or None,
            body_snippet=snippet,
        )
    if status not in (401, 403, 429) and _mentions_tools(detail):
        return BadRequestError(
            "This model or server cannot use tools. Turn the chat's tool servers off in the "
            f"toolbar's Tools menu, or choose a model that supports tools, and press Retry.{said}",
            status=status or None,
            body_snippet=snippet,
        )
    if "insufficient_quota" in kinds or "quota" in kinds:
        return RateLimitError(
            "The account has run out of credit or quota; retrying will not help until it is "
            f"topped up.{said}",
            status=status or None,
            body_snippet=snippet,
            quota_exhausted=True,
        )
    if status == 429 or "rate_limit" in kinds:
        retry_after = parse_retry_after((headers or {}).get("retry-after"))
        wait = f" Try again in {retry_after:.0f} s." if retry_after is not None else ""
        return RateLimitError(
            f"The server is rate limiting requests (429).{wait}{said}",
            status=status or None,
            body_snippet=snippet,
            retry_after=retry_after,
        )
    if status == 401 or "authentication" in kinds or "invalid_api_key" in kinds:
        return AuthenticationError(
            f"The server rejected the API key (401). Check the key in Settings.{said}",
            status=status or None,
            body_snippet=snippet,
        )
    if status == 403 or "permission" in kinds:
        return AuthenticationError(
            "The server refused access (403): the key may not be allowed to use this model or "
            f"endpoint. Check the key and the model in Settings.{said}",
            status=status or None,
            body_snippet=snippet,
        )
    if status == 404 or "not_found" in kinds:
        where = f" at {url_without_credentials(url)}" if url else ""
        return NotFoundError(
            f"Nothing was found{where} (404). Check the base URL and the model name in Settings."
            f"{said}",
            status=status or None,
            body_snippet=snippet,
            model_missing="model" in kinds or "model" in detail.lower(),
        )
    if 400 <= status < 500 or "invalid_request" in kinds:
        label = _status_phrase(status) if status else "an invalid request"
        return BadRequestError(
            f"The server rejected the request ({label}).{said}",
            status=status or None,
            body_snippet=snippet,
        )
    if status >= 500:
        why = said or " It gave no reason."
        return ServerError(
            f"The server failed ({_status_phrase(status)}). Try again later.{why}",
            status=status,
            body_snippet=snippet,
        )
    return ServerError(
        f"The server reported an error.{said or ' It gave no reason.'}",
        status=status or None,
        body_snippet=snippet,
    )


def error_from_response(
    status: int, headers: Mapping[str, str], body: bytes, *, url: str = ""
) -> ApiError | None:
    """The typed error for a reply that is not a stream, or None when it is not an error.

    A JSON body with an ``error`` object is an error whatever the status; an HTML or plain-text
    body gives the status and a snippet of its visible text; an empty body, an error by status.
    """
    content_type = headers.get("content-type", "").lower()
    text = body.decode("utf-8", "replace")
    stripped = text.strip()
    if "json" in content_type or stripped.startswith(("{", "[")):
        try:
            payload = json.loads(stripped)
        except (ValueError, RecursionError):  # deep nesting is as unusable as bad syntax
            payload = None
        problem = provider_error(payload)
        if problem is not None:
            effective = status if status >= 400 else (problem.status or 0)
            return error_for(
                effective,
                problem.message,
                code=problem.code,
                type_=problem.type,
                headers=headers,
                url=url,
                snippet=visible_text(stripped),
            )
        if payload is not None and status < 400:
            return None
    if 300 <= status < 400:
        # The Location header is not quoted: it is the server's text, and may be anything.
        return UnexpectedResponseError(
            f"The server redirected the request elsewhere ({status}); the app does not follow "
            "redirects. Check the base URL in Settings: it may need https:// instead of "
            "http://, or a different path (it usually ends in /v1).",
            status=status,
        )
    if status < 400:
        if not stripped:
            return UnexpectedResponseError(
                f"The server answered {status} with an empty body instead of a reply. Check the "
                "base URL in Settings.",
                status=status,
            )
        snippet = visible_text(stripped)
        kind = "a web page" if "html" in content_type or stripped.startswith("<") else "text"
        return UnexpectedResponseError(
            f"The server answered with {kind} instead of an API reply: “{snippet}”. Check the "
            "base URL in Settings (it usually ends in /v1).",
            status=status,
            body_snippet=snippet,
        )
    snippet = visible_text(stripped)
    error = error_for(status, "", headers=headers, url=url, snippet=snippet)
    if snippet:
        error.message = error.args[0] + f" The reply was: “{snippet}”."
        error.args = (error.message,)
    return error


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def too_large_error(what: str, limit: int, status: int | None = None) -> ResponseTooLargeError:
    """The error for a whole body (``what``: "reply", "model list") longer than ``limit`` bytes."""
    return ResponseTooLargeError(
        f"The server's {what} is larger than {_megabytes(limit)}, the most this app reads, so it "
        "was not read to the end. Check the base URL in Settings: it must name the API (it "
        "usually ends in /v1), not a file or another service.",
        limit=limit,
        status=status,
    )


def too_slow_error(what: str, seconds: float) -> ResponseTooSlowError:
    """The error for a whole body (``what``) that was not complete after ``seconds``."""
    return ResponseTooSlowError(
        f"The server's {what} had not arrived in full after {seconds:g} s although the server "
        "kept sending, so the request was stopped. Try again later; if it keeps happening, check "
        "that the base URL in Settings names the API and not another service.",
        seconds=seconds,
    )


def rejects_stream_options(error: ApiError) -> bool:
    """True when a 400/422 says the server does not know ``stream_options``."""
    if error.status not in (400, 422):
        return False
    text = f"{error.message} {error.body_snippet}".lower()
    if "stream_options" in text or "include_usage" in text:
        return True
    return any(word in text for word in ("unrecognized", "unknown", "extra")) and any(
        word in text for word in ("field", "parameter", "argument", "input", "key")
    )


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _host(url: httpx.URL | None) -> str:
    if url is None:
        return "the server"
    port = f":{url.port}" if url.port else ""
    return f"{url.host}{port}"


def proxy_label(proxy: str) -> str:
    """A proxy URL without its credentials, fit for a message."""
    try:
        url = httpx.URL(proxy)
    except (httpx.InvalidURL, TypeError):
        return "the proxy"
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}" if url.host else "the proxy"


def connect_error(
    exc: httpx.RequestError, url: httpx.URL | None, proxy: str | None = None
) -> ConnectError:
    """A :class:`ConnectError` saying in plain words why no connection could be made."""
    host = _host(url)
    chain = _causes(exc)
    if proxy or isinstance(exc, httpx.ProxyError):
        through = proxy_label(proxy) if proxy else "the proxy"
        why = str(exc) or type(exc).__name__
        return ConnectError(
            f"Could not reach {host} through {through} ({why}). Check the proxy setting.",
            reason="proxy",
        )
    if isinstance(exc, httpx.ConnectTimeout):
        return ConnectError(
            f"Connecting to {host} timed out. Check the base URL and your network.",
            reason="timeout",
        )
    for cause in chain:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return ConnectError(
                f"The TLS certificate of {host} could not be verified ({cause.verify_message}). "
                "If the server uses a private certificate authority, set its CA bundle file in "
                "Settings.",
                reason="tls",
            )
        if isinstance(cause, ssl.SSLError):
            return ConnectError(
                f"The secure (TLS) connection to {host} failed ({cause.reason or cause}). If the "
                "server speaks plain HTTP, use an http:// URL; if it uses a private certificate "
                "authority, set its CA bundle file in Settings.",
                reason="tls",
            )
        if isinstance(cause, socket.gaierror):
            return ConnectError(
                f"The server name “{url.host if url else ''}” could not be found (DNS lookup "
                "failed). Check the base URL and your network.",
                reason="dns",
            )
        if isinstance(cause, ConnectionRefusedError) or (
            isinstance(cause, OSError) and cause.errno == errno.ECONNREFUSED
        ):
            return ConnectError(
                f"Nothing is listening at {host} (connection refused). Is the server running, "
                "and is the port right?",
                reason="refused",
            )
    return ConnectError(f"Could not connect to {host} ({str(exc) or type(exc).__name__}).")


def transport_error(
    exc: httpx.RequestError,
    url: httpx.URL | None,
    *,
    read_timeout: float,
    streaming: bool,
    partial_text: str = "",
    proxy: str | None = None,
) -> ApiError:
    """The typed error for an httpx failure before (``streaming=False``) or during a reply."""
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.ProxyError)):
        return connect_error(exc, url, proxy)
    if isinstance(exc, httpx.LocalProtocolError):
        # Its text quotes the offending header value, which may be a secret.
        return BadRequestError(
            "The request could not be sent: a header contains characters that HTTP does not "
            "allow. Check the extra headers in Settings."
        )
    if isinstance(exc, httpx.UnsupportedProtocol):
        return ConnectError(
            f"The URL {url_without_credentials(str(url))} is not an http:// or https:// address. "
            "Check the base URL in Settings.",
            reason="other",
        )
    if isinstance(exc, httpx.DecodingError):
        # Its text is zlib's, which says nothing to a user.
        if streaming:
            return StreamInterrupted(
                "The server's reply is marked as compressed (Content-Encoding) but its data "
                "could not be decompressed, so the reply stopped. The text received so far was "
                "kept; try again. If it keeps happening, a proxy or the server is damaging "
                "replies.",
                partial_text=partial_text,
            )
        return UnexpectedResponseError(
            "The server's reply is marked as compressed (Content-Encoding) but its data could "
            "not be decompressed. Try again; if it keeps happening, a proxy or the server is "
            "damaging replies."
        )
    if isinstance(exc, (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout)):
        when = "in the middle of the reply" if streaming else "after receiving the request"
        return StreamStalled(
            f"The server sent nothing for {read_timeout:g} s {when}; it may be overloaded or "
            "stuck. Try again.",
            partial_text=partial_text,
        )
    if streaming:
        return StreamInterrupted(
            "The connection dropped before the reply was complete. The text received so far "
            "was kept; try again.",
            partial_text=partial_text,
        )
    if isinstance(exc, httpx.RemoteProtocolError):
        return UnexpectedResponseError(
            f"{_host(url)} closed the connection or answered with something that is not valid "
            "HTTP. Check the base URL in Settings.",
        )
    return ConnectError(
        f"The connection to {_host(url)} failed before the server answered ({exc}).",
        reason="other",
    )
