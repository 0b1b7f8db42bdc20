"""Break opportunities in very long runs of text that has none, for display only.

Laying out a line that cannot be broken costs time that grows with the square of its length:
250 KB of hex or "AAAA…" froze the window for 6 s, 1 MB for 76 s. A zero-width space lets the
layout break there and costs nothing to look at. It is only added to what is shown: the stored
text, copies and exports keep the original.

:class:`RunBreaker` works left to right and keeps its place between calls, so feeding a text in
pieces (a stream) gives exactly what feeding it whole gives.
"""

from __future__ import annotations

import re

__all__ = ["BREAK", "RunBreaker", "break_long_runs"]

BREAK = "\u200b"
_SPACE = re.compile(r"\s+")


class RunBreaker:
    """Adds :data:`BREAK` to runs of non-space characters longer than ``first``.

    A run gets a break before its character number ``first`` (counting from 0), then one every
    ``every`` characters. Shorter runs, such as links and words, are left alone.
    """

    def __init__(self, first: int = 500, every: int = 100) -> None:
        self._first = first
        self._every = every
        self._run = 0

    def feed(self, text: str) -> str:
        """``text`` with its breaks, continuing the run the previous call ended in."""
        out: list[str] = []
        position = 0
        for space in _SPACE.finditer(text):
            out.append(self._extend_run(text[position : space.start()]))
            out.append(space.group())
            self._run = 0
            position = space.end()
        out.append(self._extend_run(text[position:]))
        return "".join(out)

    def _extend_run(self, chunk: str) -> str:
        start = self._run
        end = start + len(chunk)
        self._run = end
        if end <= self._first:
            return chunk
        if start <= self._first:
            at = self._first
        else:
            at = self._first + -(-(start - self._first) // self._every) * self._every
        pieces: list[str] = []
        done = start
        while at < end:
            pieces.append(chunk[done - start : at - start])
            pieces.append(BREAK)
            done = at
            at += self._every
        pieces.append(chunk[done - start :])
        return "".join(pieces)


def break_long_runs(text: str) -> str:
    """``text`` with breaks in its very long runs (see :class:`RunBreaker`)."""
    return RunBreaker().feed(text)
