"""Typesets the formulas messages show, one at a time, off the GUI thread.

A message renders a formula it finds in the application's :class:`MathCache` as an image and
any other as its source, noting it as wanted. The view then hands the wanted formulas here; each
is typeset by the child process of :class:`MathRenderer` in a background call, stored in the
cache, and ``typeset`` tells the views to render again.
"""

from __future__ import annotations

import functools

from PySide6.QtCore import QObject, Signal, Slot

from desktop_chat.core.markdown.math import Formula, MathRenderer, math_cache
from desktop_chat.ui.workers.background import start_background

__all__ = ["MathTypesetter", "close_typesetter", "typesetter"]


def _typeset(renderer: MathRenderer, formula: Formula) -> None:
    math_cache().store(formula, renderer.render(formula))


class MathTypesetter(QObject):
    """The application's queue of formulas to typeset.

    Signals:
        typeset(): a formula was typeset (or given up, to be shown as its source).
    """

    typeset = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._renderer = MathRenderer()
        self._queue: dict[Formula, None] = {}
        self._busy = False

    def request(self, formulas: list[Formula]) -> None:
        """Typeset ``formulas`` (those already queued are not asked twice)."""
        self._queue.update(dict.fromkeys(formulas))
        if not self._busy:
            self._next()

    def close(self) -> None:
        """Stop typesetting: end the child process (the formula it was on is given up)."""
        self._queue.clear()
        self._renderer.close()

    def _next(self) -> None:
        if not self._queue:
            self._busy = False
            return
        formula = next(iter(self._queue))
        del self._queue[formula]
        self._busy = True
        start_background(
            functools.partial(_typeset, self._renderer, formula),
            succeeded=self._on_call_ended,
            failed=self._on_call_ended,
            name="math",
        )

    @Slot(str, object)
    def _on_call_ended(self, name: str, result: object) -> None:
        del name, result
        self.typeset.emit()
        self._next()


_instance: MathTypesetter | None = None


def typesetter() -> MathTypesetter:
    """The application's typesetter (made on first use, on the GUI thread)."""
    global _instance  # noqa: PLW0603 - one queue and one child process for the application
    if _instance is None:
        _instance = MathTypesetter()
    return _instance


def close_typesetter() -> None:
    """End the typesetter's child process, if it was ever started (at exit)."""
    if _instance is not None:
        _instance.close()
