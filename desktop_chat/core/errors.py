"""Every error the core raises, as one tree.

The UI turns each into a sentence a user can act on; each carries what that sentence needs::

    DesktopChatError
    ├── ApiError                      .message .status .body_snippet .partial_text
    │   ├── AuthenticationError       401, 403: the key is missing, wrong, or lacks access
    │   ├── NotFoundError             404: wrong base URL or unknown model
    │   ├── RateLimitError            429: .retry_after, .quota_exhausted
    │   ├── ContextLengthError        the conversation is longer than the model accepts
    │   ├── BadRequestError           other 4xx
    │   │   └── ImagesNotSupportedError   the model or server refuses image input
    │   ├── ServerError               5xx
    │   ├── ConnectError              refused, DNS, TLS: .reason says which
    │   ├── UnexpectedResponseError   a body that is neither the stream nor a JSON error
    │   │   ├── ResponseTooLargeError a whole body larger than the client reads: .limit
    │   │   └── ResponseTooSlowError  a whole body that did not arrive in time: .seconds
    │   ├── MissingKeyError           the provider needs a key and none is stored
    │   └── StreamProblem             after the stream began
    │       ├── StreamStalled         no byte within the read timeout
    │       ├── StreamInterrupted     the connection dropped before the reply ended
    │       ├── StreamError           the server reported an error inside the stream
    │       └── EventTooLarge         one event exceeded the decoder's size limit
    ├── StorageError                  the database cannot be opened, read or migrated
    ├── SettingsError                 the settings file cannot be read or written
    ├── SecretStoreError              the keyring refused (locked, prompt dismissed ...)
    ├── ImportExportError             a file to import or export is unusable: .path
    ├── AttachmentError               a file cannot be attached (too large, unreadable ...): .name
    ├── ToolServerError               a tool server did not start, stopped or spoke no MCP: .server
    │                                 .stderr_tail
    └── ToolCallError                 one tool call timed out, was cancelled or failed: .reason

No message, repr or attribute of any of these ever contains the API key: messages are built from the
server's reply (where an echo of the key is masked) and the request's URL, never from its headers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = [
    "ApiError",
    "AttachmentError",
    "AuthenticationError",
    "BadRequestError",
    "ConnectError",
    "ContextLengthError",
    "DesktopChatError",
    "EventTooLarge",
    "ImagesNotSupportedError",
    "ImportExportError",
    "MissingKeyError",
    "NotFoundError",
    "RateLimitError",
    "ResponseTooLargeError",
    "ResponseTooSlowError",
    "SecretStoreError",
    "ServerError",
    "SettingsError",
    "StorageError",
    "StreamError",
    "StreamInterrupted",
    "StreamProblem",
    "StreamStalled",
    "ToolCallError",
    "ToolServerError",
    "UnexpectedResponseError",
]


class DesktopChatError(Exception):
    """Base of every error the core raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ApiError(DesktopChatError):
    """A request to the provider failed.

    Attributes:
        message: a sentence a user can act on.
        status: the HTTP status, or None when no response arrived.
        body_snippet: the start of the response body (for HTML or text bodies), or "".
        partial_text: the reply text received before the failure ("" when none).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body_snippet: str = "",
        partial_text: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body_snippet = body_snippet
        self.partial_text = partial_text

    def __repr__(self) -> str:
        return f"{type(self).__name__}(message={self.message!r}, status={self.status!r})"


class AuthenticationError(ApiError):
    """401 or 403: the API key is missing, wrong, or not allowed to use this model."""


class NotFoundError(ApiError):
    """404: the base URL is wrong or the model does not exist on this server.

    Attributes:
        model_missing: the server said it is the model that does not exist (so the base URL
            reached it).
    """

    def __init__(self, message: str, *, model_missing: bool = False, **details: Any) -> None:
        super().__init__(message, **details)
        self.model_missing = model_missing


class RateLimitError(ApiError):
    """429: too many requests, or the account's quota is used up.

    Attributes:
        retry_after: seconds to wait before trying again, when the server said.
        quota_exhausted: True when the account is out of credit (retrying will not help).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = 429,
        body_snippet: str = "",
        partial_text: str = "",
        retry_after: float | None = None,
        quota_exhausted: bool = False,
    ) -> None:
        super().__init__(
            message, status=status, body_snippet=body_snippet, partial_text=partial_text
        )
        self.retry_after = retry_after
        self.quota_exhausted = quota_exhausted


class ContextLengthError(ApiError):
    """The conversation plus the requested reply is longer than the model's context window."""


class BadRequestError(ApiError):
    """Any other 4xx: the server rejected the request as malformed."""


class ImagesNotSupportedError(BadRequestError):
    """The model or the server refused a request because it holds images it cannot see."""


class ServerError(ApiError):
    """5xx: the provider or a gateway in front of it failed."""


class ConnectError(ApiError):
    """No connection could be made.

    Attributes:
        reason: ``"refused"``, ``"dns"``, ``"tls"``, ``"timeout"``, ``"proxy"`` or ``"other"``.
    """

    def __init__(self, message: str, *, reason: str = "other") -> None:
        super().__init__(message)
        self.reason = reason


class UnexpectedResponseError(ApiError):
    """The server answered with something that is neither an event stream nor a JSON error."""


class ResponseTooLargeError(UnexpectedResponseError):
    """A reply that is not a stream (a model list, a whole answer) was larger than the client reads.

    Attributes:
        limit: the largest body read, in bytes (counted after decompression); 0 if not known.
    """

    def __init__(self, message: str, *, limit: int = 0, status: int | None = None) -> None:
        super().__init__(message, status=status)
        self.limit = limit


class ResponseTooSlowError(UnexpectedResponseError):
    """A reply that is not a stream did not arrive whole in the time allowed (a server trickling
    bytes never trips the read timeout).

    Attributes:
        seconds: the time allowed; 0 if not known.
    """

    def __init__(self, message: str, *, seconds: float = 0.0) -> None:
        super().__init__(message)
        self.seconds = seconds


class StreamProblem(ApiError):  # noqa: N818 - a name the other modules use
    """Base of the errors that happen after the reply began to stream."""


class StreamStalled(StreamProblem):
    """No byte arrived within the read timeout."""


class StreamInterrupted(StreamProblem):
    """The connection ended before the reply did (no ``[DONE]`` and no finish reason)."""


class StreamError(StreamProblem):
    """The server sent an error inside the stream (an ``error`` object or an ``event: error``)."""


class EventTooLarge(StreamProblem):
    """A single server-sent event grew past the decoder's limit."""


class StorageError(DesktopChatError):
    """The conversation database cannot be opened, read, written or migrated."""


class SettingsError(DesktopChatError):
    """The settings file cannot be read or written."""


class SecretStoreError(DesktopChatError):
    """The system keyring refused to store or return a secret."""


class ImportExportError(DesktopChatError):
    """A file cannot be imported or exported.

    Attributes:
        path: the file concerned, when there is one.
    """

    def __init__(self, message: str, *, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


class MissingKeyError(ApiError):
    """The provider needs an API key and none is stored: nothing was sent."""


class AttachmentError(DesktopChatError):
    """A file cannot be attached: too large, unreadable, encrypted or of an unknown kind.

    Attributes:
        name: the file's name as the user knows it ("" when there is none).
    """

    def __init__(self, message: str, *, name: str = "") -> None:
        super().__init__(message)
        self.name = name


class ToolServerError(DesktopChatError):
    """A tool server (MCP) cannot be used: it did not start, it stopped, or it does not speak MCP.

    Attributes:
        server: the server's name as the user configured it.
        stderr_tail: the last of what the server wrote to its error output ("" when none).
    """

    def __init__(self, message: str, *, server: str, stderr_tail: str = "") -> None:
        super().__init__(message)
        self.server = server
        self.stderr_tail = stderr_tail


class ToolCallError(DesktopChatError):
    """One call of a tool ended without a result; the server itself may still be usable.

    Attributes:
        reason: ``"timeout"`` (it took longer than allowed), ``"cancelled"`` (the user stopped
            it) or ``"failed"`` (the server answered with a protocol error).
    """

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason
