"""Turns a core error into a sentence a user can act on, and the action that helps.

The window and the command line word a failure the same way: both call :func:`describe_error`,
the window with Qt's translator.

The banner under a failed reply has two lines that never repeat each other: a short headline
naming what happened to the reply (from this module), then the core error's message, which
explains the cause in detail (the host, the status, the server's own words) and what to check.
This module also picks what the window offers: open Settings for a rejected key, wait for a rate
limit, start a new chat when the conversation is too long, or simply retry (after choosing a
vision model, when the model refused images).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from desktop_chat.core.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConnectError,
    ContextLengthError,
    ImagesNotSupportedError,
    MissingKeyError,
    NotFoundError,
    RateLimitError,
    ServerError,
    StreamProblem,
    StreamStalled,
    UnexpectedResponseError,
)

__all__ = ["ErrorAction", "ErrorAdvice", "describe_error", "ending_note"]

#: The finish reasons of a reply that ended as the model meant it to.
_ORDINARY_ENDINGS = frozenset({"stop", "eos", "end_turn", "stop_sequence"})
#: How much of an unknown finish reason is quoted.
_REASON_SHOWN = 40


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
        text: the banner text: the headline, then the detail on its own line (when there is one).
        action: the extra action to offer.
        retry_after: seconds to count down before Retry is useful (rate limits), else None.
        interrupted: True when the reply began and was cut off (saved as ``interrupted``).
        settings_field: with :attr:`ErrorAction.OPEN_SETTINGS`, the field to fix:
            ``"api_key"``, ``"base_url"``, ``"model"`` or ``"proxy"`` ("" for none in particular).
    """

    text: str
    action: ErrorAction
    retry_after: float | None = None
    interrupted: bool = False
    settings_field: str = ""


def _same(text: str) -> str:
    return text


def describe_error(error: ApiError, translate: Callable[[str], str] = _same) -> ErrorAdvice:
    """Return the advice for ``error`` (any ApiError, including unknown subclasses).

    ``translate`` turns each headline into the user's language.
    """
    _tr = translate
    detail = error.message.strip()
    settings = ErrorAction.OPEN_SETTINGS
    if isinstance(error, MissingKeyError):
        return ErrorAdvice(_join(_tr("No API key"), detail), settings, settings_field="api_key")
    if isinstance(error, AuthenticationError):
        headline = _tr("Permission denied") if error.status == 403 else _tr("API key refused")
        return ErrorAdvice(_join(headline, detail), settings, settings_field="api_key")
    if isinstance(error, RateLimitError):
        if error.quota_exhausted:
            return ErrorAdvice(
                _join(_tr("Quota used up"), detail), settings, settings_field="api_key"
            )
        return ErrorAdvice(
            _join(_tr("Too many requests"), detail), ErrorAction.WAIT, error.retry_after
        )
    if isinstance(error, ContextLengthError):
        headline = _tr("Conversation longer than the model accepts")
        return ErrorAdvice(_join(headline, detail), ErrorAction.NEW_CHAT)
    if isinstance(error, ImagesNotSupportedError):
        return ErrorAdvice(_join(_tr("This model cannot see images"), detail), ErrorAction.RETRY)
    if isinstance(error, NotFoundError):
        field = "model" if error.model_missing else "base_url"
        return ErrorAdvice(
            _join(_tr("Wrong address or model"), detail), settings, settings_field=field
        )
    if isinstance(error, ConnectError):
        # Refused, unknown host, TLS: the address (or the proxy) is what to check.
        field = "proxy" if error.reason == "proxy" else "base_url"
        return ErrorAdvice(
            _join(_tr("Could not reach the server"), detail), settings, settings_field=field
        )
    if isinstance(error, StreamProblem):
        if error.partial_text:
            headline = _tr("Reply cut off")
        elif isinstance(error, StreamStalled):
            headline = _tr("No answer")
        else:
            headline = _tr("No reply")
        return ErrorAdvice(_join(headline, detail), ErrorAction.RETRY, interrupted=True)
    if isinstance(error, UnexpectedResponseError):
        return ErrorAdvice(_join(_tr("Unexpected answer"), detail), ErrorAction.RETRY)
    if isinstance(error, BadRequestError):
        return ErrorAdvice(_join(_tr("Invalid request"), detail), ErrorAction.RETRY)
    if isinstance(error, ServerError):
        return ErrorAdvice(_join(_tr("Failure on the server's side"), detail), ErrorAction.RETRY)
    return ErrorAdvice(_join(_tr("The request failed"), detail), ErrorAction.RETRY)


def ending_note(
    reason: str | None,
    content: str,
    reasoning: str = "",
    translate: Callable[[str], str] = _same,
) -> str:
    """The note under a reply that ended without an error ("" when there is nothing to say).

    A reply that ends early, empty, with only tool calls, or for a reason nobody documented
    says so, instead of ending silently.
    """
    _tr = translate
    if reason == "cancelled":
        return _tr("Stopped.")
    if reason == "length":
        return _tr("The reply reached the length limit.")
    if reason == "content_filter":
        return _tr("The provider's content filter ended the reply.")
    if reason == "tool_limit":
        return _tr(
            "The model kept asking for tools and reached the limit of rounds per reply; its "
            "last calls did not run. Raise the limit in Settings → Tools, or ask again."
        )
    if reason in ("tool_calls", "function_call"):
        return _tr("The model asked to use a tool, which this chat does not offer; nothing ran.")
    if reason and reason not in _ORDINARY_ENDINGS:
        shown = reason if len(reason) <= _REASON_SHOWN else reason[:_REASON_SHOWN] + "…"
        return _tr("The reply ended for a reason Desktop Chat does not know: {reason}.").format(
            reason=shown
        )
    if not content.strip():
        if reasoning.strip():
            return _tr("The model sent only its reasoning, no answer. Regenerate to ask again.")
        return _tr("The model sent an empty reply. Regenerate to ask again.")
    return ""


def _join(headline: str, detail: str) -> str:
    """The headline, then the detail on the next line (the detail alone says nothing twice)."""
    if not detail:
        return headline + "."
    return f"{headline}\n{detail}"
