"""Which heading a conversation is listed under: Pinned, Today, Yesterday, Previous 7 days, its
month, or Unknown date, judged in local time against a day the caller passes in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from desktop_chat.core.history.timestamps import stored_datetime

__all__ = ["GroupKey", "group_key"]

_RECENT_DAYS = 7


@dataclass(frozen=True, slots=True, order=True)
class GroupKey:
    """A heading of the conversation list.

    Attributes:
        kind: ``"pinned"``, ``"today"``, ``"yesterday"``, ``"week"``, ``"month"`` or
            ``"unknown"`` (a stored time no date can be made of).
        year: the month's year (``"month"`` only, else 0).
        month: the month, 1-12 (``"month"`` only, else 0).
    """

    kind: str
    year: int = 0
    month: int = 0


def group_key(updated_at: float, pinned: bool, today: date) -> GroupKey:
    """The heading for a conversation last updated at ``updated_at`` (epoch seconds)."""
    if pinned:
        return GroupKey("pinned")
    moment = stored_datetime(updated_at)
    if moment is None:
        return GroupKey("unknown")
    day = moment.date()
    # A clock set back makes "future" conversations: they are still the newest ones.
    if day >= today:
        return GroupKey("today")
    if day == today - timedelta(days=1):
        return GroupKey("yesterday")
    if day >= today - timedelta(days=_RECENT_DAYS):
        return GroupKey("week")
    return GroupKey("month", day.year, day.month)
