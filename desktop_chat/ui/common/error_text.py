"""The core's wording of a failure, with the headlines in the user's language (Qt's translator).

See :mod:`desktop_chat.core.chat.advice`: the command line words failures the same way.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from desktop_chat.core.chat import advice
from desktop_chat.core.chat.advice import ErrorAction, ErrorAdvice
from desktop_chat.core.errors import ApiError

__all__ = ["ErrorAction", "ErrorAdvice", "describe_error"]


def _tr(text: str) -> str:
    return QCoreApplication.translate("ErrorText", text)


def describe_error(error: ApiError) -> ErrorAdvice:
    """Return the advice for ``error`` (any ApiError, including unknown subclasses)."""
    return advice.describe_error(error, _tr)
