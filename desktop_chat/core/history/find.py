"""Finding text in a conversation's messages: plain, case-insensitive, as typed."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Match", "find_matches"]


@dataclass(frozen=True, slots=True)
class Match:
    """One occurrence of the text searched for.

    Attributes:
        message_id: the message it is in.
        occurrence: which occurrence in that message, from 0.
    """

    message_id: int
    occurrence: int


def find_matches(texts: list[tuple[int, str]], needle: str) -> list[Match]:
    """Every case-insensitive occurrence of ``needle`` in ``(message_id, text)`` pairs, in order."""
    folded = needle.casefold()
    if not folded.strip():
        return []
    matches: list[Match] = []
    for message_id, text in texts:
        haystack = text.casefold()
        start = haystack.find(folded)
        occurrence = 0
        while start >= 0:
            matches.append(Match(message_id, occurrence))
            occurrence += 1
            start = haystack.find(folded, start + len(folded))
    return matches
