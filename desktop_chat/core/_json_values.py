"""The one rule for whether a value decoded from JSON has the type a field wants.

Settings files and imported conversations are both JSON written by someone else. In Python
``true`` is an int and ``NaN`` is a float, but neither is a number to the person who wrote the
file, so both readers ask here instead of calling ``isinstance`` themselves.
"""

from __future__ import annotations

import math

__all__ = ["has_type"]


def has_type(value: object, types: tuple[type, ...]) -> bool:
    """Whether ``value`` is one of ``types``, with booleans and non-finite floats not numbers."""
    if isinstance(value, bool):
        return bool in types
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return isinstance(value, types)
