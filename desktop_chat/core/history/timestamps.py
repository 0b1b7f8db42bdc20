"""Stored times: seconds since the epoch, checked before anything makes a date of them.

A time comes from this machine's clock or from an imported file. One past year 9999, before 1970,
not finite or not a number at all makes ``datetime`` raise wherever it is shown, so importers
refuse such a time and readers take one already stored as unknown (:data:`UNKNOWN`).
"""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo

__all__ = [
    "LATEST",
    "UNKNOWN",
    "stored_datetime",
    "stored_seconds",
    "valid_seconds",
]

#: The first moment of year 9999 (UTC): a later time has no room left for a time zone's offset.
LATEST = datetime(9999, 1, 1, tzinfo=timezone.utc).timestamp()
#: What a reader gets for a time it cannot use; shown as an unknown date.
UNKNOWN = 0.0


def valid_seconds(value: object) -> float | None:
    """``value`` as seconds if a date can be made of it (a number from 1970 to 9999), else None.

    Booleans are not numbers here, and NaN and the infinities fall outside the range.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if 0 <= value < LATEST else None


def stored_seconds(value: object) -> float:
    """A time as read from the database: ``value`` in seconds, or :data:`UNKNOWN` if unusable."""
    seconds = valid_seconds(value)
    return UNKNOWN if seconds is None else seconds


def stored_datetime(seconds: float, tz: tzinfo | None = None) -> datetime | None:
    """The moment ``seconds`` names, in local time or in ``tz``; None when it is unknown."""
    if seconds == UNKNOWN or valid_seconds(seconds) is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, tz=tz)
    except (OverflowError, OSError, ValueError):  # a platform whose C library has a narrower range
        return None
