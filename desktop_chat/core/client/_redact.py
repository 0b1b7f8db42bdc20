"""Masking a secret inside text that may hold all of it, part of it, or several pieces of it."""

from __future__ import annotations

__all__ = ["MASK", "MIN_RUN", "mask_secret"]

#: What stands in for a masked piece of the secret.
MASK = "[API key]"
#: The shortest run of the secret's characters that is masked. Shorter runs say too little
#: of a key to matter and would mask ordinary words.
MIN_RUN = 6


def mask_secret(text: str, secret: str) -> str:
    """Return ``text`` with every run of ``MIN_RUN`` or more characters of ``secret`` masked.

    A body snippet cut in the middle of an echoed key still holds a long piece of it; matching
    runs rather than the whole secret catches that piece too.
    """
    if not secret or not text:
        return text
    if len(secret) < MIN_RUN:
        return text.replace(secret, MASK)
    pieces: list[str] = []
    start = 0
    index = 0
    length = len(text)
    while index <= length - MIN_RUN:
        end = index + MIN_RUN
        if text[index:end] in secret:
            while end < length and text[index : end + 1] in secret:
                end += 1
            pieces.append(text[start:index])
            pieces.append(MASK)
            start = index = end
        else:
            index += 1
    pieces.append(text[start:])
    return "".join(pieces)
