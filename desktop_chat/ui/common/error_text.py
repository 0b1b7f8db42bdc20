"""The core's wording of a failure, with the headlines in the user's language (Qt's translator).

See :mod:`desktop_chat.core.chat.advice`: the command line words failures the same way.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from desktop_chat.core.chat import advice
from desktop_chat.core.chat.advice import ErrorAction, ErrorAdvice
from desktop_chat.core.errors import ApiError

__all__ = ["ErrorAction", "ErrorAdvice", "describe_error", "ending_note"]


def _tr(text: str) -> str:
    return QCoreApplication.translate("ErrorText", text)


def describe_error(error: ApiError) -> ErrorAdvice:
    """Return the advice for ``error`` (any ApiError, including unknown subclasses)."""
    return advice.describe_error(error, _tr)


def ending_note(reason: str | None, content: str, reasoning: str = "") -> str:
    """The note under a reply that ended without an error ("" when there is nothing to say)."""
    return advice.ending_note(reason, content, reasoning, _tr)
