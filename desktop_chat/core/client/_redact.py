"""Masking a secret inside text that may hold all of it, part of it, or several pieces of it.

:func:`mask_secret` is for text quoted in errors: it masks long runs of the secret, forwards,
backwards and spread out between spaces or dashes. :class:`EchoMasker` is for a streamed reply:
it masks the whole secret even when it arrives split over several pieces.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable

__all__ = [
    "MASK",
    "MIN_ECHO",
    "MIN_RUN",
    "SPREAD_RUN",
    "EchoMasker",
    "mask_secret",
    "mask_url",
    "url_without_credentials",
]

#: What stands in for a masked piece of the secret.
MASK = "[API key]"
#: The shortest run of the secret's characters that is masked. Shorter runs say too little
#: of a key to matter and would mask ordinary words.
MIN_RUN = 6
#: The shortest run of the secret's letters and digits masked when other characters separate
#: them ("s k - l i v e"): longer than :data:`MIN_RUN`, as ignoring separators lets ordinary
#: words run together.
SPREAD_RUN = 12
#: The shortest secret masked in a reply. Local servers take placeholders ("ollama",
#: "lm-studio", "EMPTY") that are ordinary words in a reply, not secrets.
MIN_ECHO = 12
#: How many characters that begin the secret a reply may show before the rest is masked.
_SHOWN_AT_ONCE = 2
_AFTER_MASK = re.compile(re.escape(MASK) + r"[*•·xX]{2,}[A-Za-z0-9_-]{0,8}")
_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#\s]*@")


def mask_secret(text: str, secret: str) -> str:
    """Return ``text`` with every run of ``MIN_RUN`` or more characters of ``secret`` masked.

    A body snippet cut in the middle of an echoed key still holds a long piece of it; matching
    runs rather than the whole secret catches that piece too. Runs of the reversed secret are
    masked as well, and so are runs of :data:`SPREAD_RUN` of its letters and digits with
    anything else between them: the whole stretch of text they span is masked.
    """
    if not secret or not text:
        return text
    if len(secret) < MIN_RUN:
        return text.replace(secret, MASK)
    spans = [*_runs(text, secret, MIN_RUN), *_runs(text, secret[::-1], MIN_RUN)]
    letters, where = _letters(text)
    wanted = _letters(secret)[0]
    run = min(len(wanted), SPREAD_RUN)
    if run >= MIN_RUN:
        for found in (wanted, wanted[::-1]):
            spans += [(where[s], where[e - 1] + 1) for s, e in _runs(letters, found, run)]
    # A server's own partial mask ("sk-test-****cdef") would leave "[API key]****cdef".
    return _AFTER_MASK.sub(MASK, _masked(text, spans))


def mask_url(text: str) -> str:
    """Return ``text`` with the user name and password of every URL in it left out."""
    return _CREDENTIALS.sub(r"\1", text) if "@" in text else text


def url_without_credentials(url: str) -> str:
    """One URL without its user name and password (``https://u:p@host/v1`` → ``https://host/v1``)."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return mask_url(url)
    if "@" not in parts.netloc:
        return url
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def _runs(text: str, secret: str, shortest: int) -> Iterable[tuple[int, int]]:
    """The spans of ``text`` that are runs of ``shortest`` or more characters of ``secret``."""
    grams = {secret[i : i + shortest] for i in range(len(secret) - shortest + 1)}
    if not grams:
        return
    pattern = re.compile("|".join(re.escape(gram) for gram in sorted(grams)))
    length = len(text)
    position = 0
    while (found := pattern.search(text, position)) is not None:
        start = found.start()
        end = start + shortest
        while end < length and text[start : end + 1] in secret:
            end += 1
        yield start, end
        position = end


def _letters(text: str) -> tuple[str, list[int]]:
    """``text``'s letters and digits, case folded, and where each of them is in ``text``."""
    where = [index for index, character in enumerate(text) if character.isalnum()]
    return "".join(text[index].casefold()[:1] for index in where), where


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with each span replaced by one :data:`MASK`; overlapping spans become one."""
    if not spans:
        return text
    pieces: list[str] = []
    done = 0
    for start, end in sorted(spans):
        if start < done:
            done = max(done, end)
            continue
        pieces += [text[done:start], MASK]
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


class EchoMasker:
    """Masks a secret, and the secret reversed, in a reply that arrives piece by piece.

    :meth:`feed` holds back the end of a piece while it could be the start of the secret, so a
    secret split over pieces is still masked; :meth:`flush` gives what is held back at the end.
    An end of one or two characters is not held back (a reply stalling after a word ending in
    "s" must not hide that "s"), so the secret without its first one or two characters is
    masked too: at most those lone characters are shown. A secret shorter than
    :data:`MIN_ECHO` is not masked.
    """

    def __init__(self, secret: str) -> None:
        forms = (secret, secret[::-1]) if len(secret) >= MIN_ECHO else ()
        needles = [form[cut:] for form in forms for cut in range(_SHOWN_AT_ONCE + 1)]
        # Longest first, so that the whole secret is masked before any shorter form of it.
        self._needles = tuple(sorted(dict.fromkeys(needles), key=len, reverse=True))
        self._held = ""
        self._shown = ""

    def feed(self, text: str) -> str:
        """The part of ``text`` (after what was held back) that can be shown and saved now."""
        if not self._needles:
            return text
        pending = self.mask(self._held + text)
        # The characters shown last may have begun the secret: they count towards what is open.
        seen = self._shown + pending
        keep = max(_open_prefix(seen, needle) for needle in self._needles)
        keep = min(keep, len(pending)) if keep > _SHOWN_AT_ONCE else 0
        self._held = pending[len(pending) - keep :] if keep else ""
        shown = pending[: len(pending) - keep]
        self._shown = (self._shown + shown)[-_SHOWN_AT_ONCE:]
        return shown

    def flush(self) -> str:
        """What is still held back: the reply ended, so it cannot become the secret any more."""
        held, self._held = self._held, ""
        return held

    def mask(self, text: str) -> str:
        """``text``, whole, with the secret masked."""
        for needle in self._needles:
            if needle in text:
                text = text.replace(needle, MASK)
        return text


def _open_prefix(text: str, needle: str) -> int:
    """The length of the longest end of ``text`` that begins ``needle`` (shorter than it)."""
    index = text.find(needle[0], max(0, len(text) - len(needle) + 1))
    while index != -1:
        if needle.startswith(text[index:]):
            return len(text) - index
        index = text.find(needle[0], index + 1)
    return 0
