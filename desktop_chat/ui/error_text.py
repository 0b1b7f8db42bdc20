"""Turns a core error into a sentence a user can act on, and the action that helps.

The core's errors already carry a plain message; this module adds what the window needs to offer:
open Settings for a rejected key, wait for a rate limit, start a new chat when the conversation is
too long, or simply retry.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from PySide6.QtCore import QCoreApplication

from desktop_chat.core.errors import (
    ApiError,
    AuthenticationError,
    ConnectError,
    ContextLengthError,
    NotFoundError,
    RateLimitError,
    StreamInterrupted,
    StreamProblem,
    StreamStalled,
)

__all__ = ["ErrorAction", "ErrorAdvice", "describe_error"]


class ErrorAction(Enum):
    """What the error banner offers besides Retry."""

    RETRY = "retry"
    OPEN_SETTINGS = "settings"
    NEW_CHAT = "new-chat"
    WAIT = "wait"


@dataclass(frozen=True, slots=True)
class ErrorAdvice:
    """What to show under a failed reply.

    Attributes:
        text: the sentence shown to the user.
        action: the extra action to offer.
        retry_after: seconds to count down before Retry is useful (rate limits), else None.
        interrupted: True when the reply began and was cut off (saved as ``interrupted``).
    """

    text: str
    action: ErrorAction
    retry_after: float | None = None
    interrupted: bool = False


def _tr(text: str) -> str:
    return QCoreApplication.translate("ErrorText", text)


def describe_error(error: ApiError) -> ErrorAdvice:
    """Return the advice for ``error`` (any ApiError, including unknown subclasses)."""
    detail = error.message.strip()
    if isinstance(error, AuthenticationError):
        text = _tr("The provider refused the API key (HTTP {status}). Check the key in Settings.")
        text = text.format(status=error.status or "401")
        return ErrorAdvice(_join(text, detail), ErrorAction.OPEN_SETTINGS)
    if isinstance(error, RateLimitError):
        if error.quota_exhausted:
            text = _tr(
                "The account's quota is used up; retrying will not help until it is topped up."
            )
            return ErrorAdvice(_join(text, detail), ErrorAction.OPEN_SETTINGS)
        text = _tr("Too many requests: the provider asked us to slow down.")
        return ErrorAdvice(_join(text, detail), ErrorAction.WAIT, retry_after=error.retry_after)
    if isinstance(error, ContextLengthError):
        text = _tr(
            "This conversation is longer than the model accepts. Start a new chat, or pick a "
            "model with a larger context window."
        )
        return ErrorAdvice(_join(text, detail), ErrorAction.NEW_CHAT)
    if isinstance(error, NotFoundError):
        text = _tr("Not found: check the base URL and the model name in Settings.")
        return ErrorAdvice(_join(text, detail), ErrorAction.OPEN_SETTINGS)
    if isinstance(error, ConnectError):
        text = _tr("Could not reach the server.")
        return ErrorAdvice(_join(text, detail), ErrorAction.RETRY)
    if isinstance(error, StreamStalled):
        text = _tr("The server stopped sending; the reply was cut off.")
        return ErrorAdvice(_join(text, detail), ErrorAction.RETRY, interrupted=True)
    if isinstance(error, StreamInterrupted):
        text = _tr("The connection dropped; the reply was cut off.")
        return ErrorAdvice(_join(text, detail), ErrorAction.RETRY, interrupted=True)
    if isinstance(error, StreamProblem):
        text = _tr("The reply was cut off by an error from the server.")
        return ErrorAdvice(_join(text, detail), ErrorAction.RETRY, interrupted=True)
    return ErrorAdvice(detail or _tr("The request failed."), ErrorAction.RETRY)


def _join(summary: str, detail: str) -> str:
    if not detail or detail in summary:
        return summary
    return f"{summary}\n{detail}"
