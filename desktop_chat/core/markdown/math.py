"""Typesetting the formulas of a reply (``$…$``, ``$$…$$``, ``\\(…\\)``, ``\\[…\\]``) as SVG.

The LaTeX comes from untrusted text and the typesetter (ziamath, pure Python, no TeX install)
takes time that grows steeply with nesting: eight nested square roots take seconds, twelve take
half a minute. So formulas are typeset in a child process, one at a time, each with a deadline;
a formula that misses it, or that the typesetter refuses, is shown as its source. Nothing here
ever blocks the window: the window asks from a worker thread, and meanwhile shows the source.

:class:`MathCache` remembers the results (and the failures) for the whole application and notes
which formulas a rendering wanted but did not find; :class:`MathRenderer` owns the child process.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import hashlib
import html
import json
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

__all__ = [
    "FONT_PX",
    "MAX_FORMULA_CHARS",
    "MathCache",
    "MathFailure",
    "MathImage",
    "MathRenderer",
    "formula_html",
    "math_cache",
    "parse_resource_name",
    "resource_name",
    "typeset_missing",
    "worker_command",
]

#: The longest formula typeset; a longer one is shown as its source.
MAX_FORMULA_CHARS = 2000
#: The size formulas are typeset at, in CSS pixels (the transcript's text size).
FONT_PX = 16.0
#: The longest answer read from the child process (one formula's SVG).
_MAX_ANSWER_BYTES = 4 * 1024 * 1024
#: How long one formula may take before the child is stopped and the source shown instead.
DEFAULT_DEADLINE = 4.0
#: How many typeset formulas are kept.
_CACHE_SIZE = 1024


@dataclass(frozen=True, slots=True)
class Formula:
    """One formula as written.

    Attributes:
        latex: its LaTeX source, without the delimiters.
        display: a block of its own (``$$…$$``, ``\\[…\\]``) rather than inline.
    """

    latex: str
    display: bool

    @property
    def key(self) -> str:
        """A short stable name, fit for a URL."""
        digest = hashlib.sha256(f"{int(self.display)}:{self.latex}".encode()).hexdigest()
        return digest[:20]


@dataclass(frozen=True, slots=True)
class MathImage:
    """A typeset formula.

    Attributes:
        svg: the SVG document, drawn in ``currentColor``-free black ink (see :meth:`colored`).
        width: its width in CSS pixels at :data:`FONT_PX`.
        height: its height in CSS pixels.
        depth: how far it reaches below the text's baseline, in CSS pixels.
    """

    svg: str
    width: float
    height: float
    depth: float

    def colored(self, color: str) -> str:
        """The SVG with its ink in ``color`` (a ``#rrggbb`` value)."""
        return self.svg.replace("<svg ", f'<svg fill="{html.escape(color)}" ', 1)

    def data_uri(self, color: str = "#000000") -> str:
        """The SVG as a ``data:`` URI (for an HTML export)."""
        encoded = base64.b64encode(self.colored(color).encode()).decode()
        return f"data:image/svg+xml;base64,{encoded}"


@dataclass(frozen=True, slots=True)
class MathFailure:
    """A formula that cannot be typeset; it is shown as its source.

    Attributes:
        reason: why, in a few words.
    """

    reason: str


_TOO_SLOW = MathFailure("too slow to typeset")


class MathCache:
    """Typeset formulas of the whole application, and the ones a rendering still wants.

    Thread-safe: the window renders Markdown on its thread, a worker typesets.
    """

    def __init__(self, size: int = _CACHE_SIZE) -> None:
        self._size = size
        self._done: collections.OrderedDict[Formula, MathImage | MathFailure] = (
            collections.OrderedDict()
        )
        self._by_key: dict[str, MathImage] = {}
        self._wanted: dict[Formula, None] = {}
        self._lock = threading.Lock()

    def lookup(self, formula: Formula) -> MathImage | MathFailure | None:
        """The result for ``formula``, or None when it was not typeset yet (it is then wanted)."""
        with self._lock:
            found = self._done.get(formula)
            if found is None:
                self._wanted[formula] = None
            else:
                self._done.move_to_end(formula)
            return found

    def image(self, key: str) -> MathImage | None:
        """The typeset formula whose :attr:`Formula.key` is ``key``."""
        with self._lock:
            return self._by_key.get(key)

    def take_wanted(self) -> list[Formula]:
        """The formulas looked up but not found since the last call, oldest first."""
        with self._lock:
            wanted = [f for f in self._wanted if f not in self._done]
            self._wanted.clear()
            return wanted

    def store(self, formula: Formula, result: MathImage | MathFailure) -> None:
        """Keep ``result`` for ``formula`` (the oldest results go when the cache is full)."""
        with self._lock:
            self._done[formula] = result
            self._done.move_to_end(formula)
            if isinstance(result, MathImage):
                self._by_key[formula.key] = result
            while len(self._done) > self._size:
                old, _ = self._done.popitem(last=False)
                self._by_key.pop(old.key, None)


_shared = MathCache()


def math_cache() -> MathCache:
    """The application's cache of typeset formulas."""
    return _shared


def formula_html(
    formula: Formula, found: MathImage | MathFailure | None, *, src: str, centred: bool = True
) -> str:
    """The HTML of one formula.

    Args:
        formula: the formula.
        found: its typeset image, its failure, or None (not typeset yet): then its source is
            shown, delimiters included.
        src: where the image is found (a ``math:`` resource or a ``data:`` URI).
        centred: a display formula is a centred paragraph of its own (not inside text).
    """
    if not isinstance(found, MathImage):
        source = f"$${formula.latex}$$" if formula.display else f"${formula.latex}$"
        return f"<code>{html.escape(source, quote=False)}</code>"
    alt = html.escape(formula.latex, quote=True)
    width, height = round(found.width), round(found.height)
    # Qt's rich text aligns an image's bottom with the baseline: lower it by its depth.
    shift = round(found.depth)
    image = (
        f'<img src="{html.escape(src, quote=True)}" width="{width}" height="{height}" '
        f'alt="{alt}" style="vertical-align: -{shift}px;">'
    )
    return f'<p align="center">{image}</p>' if formula.display and centred else image


def resource_name(formula: Formula, ink: str) -> str:
    """The ``math:`` resource a window supplies for ``formula`` drawn in ``ink`` (``#rrggbb``)."""
    return f"math:{formula.key}-{ink.lstrip('#')}"


def parse_resource_name(name: str) -> tuple[str, str] | None:
    """The formula key and ink (``#rrggbb``) of a :func:`resource_name`, or None."""
    key, _, ink = name.removeprefix("math:").partition("-")
    if len(ink) != 6 or not all(c in "0123456789abcdefABCDEF" for c in ink):
        return None
    return key, f"#{ink}"


def typeset_missing(
    formulas: Iterable[Formula],
    cache: MathCache,
    *,
    budget: float,
    renderer: MathRenderer | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Typeset the ``formulas`` ``cache`` lacks, one by one, until ``budget`` seconds are spent
    (an export, which cannot wait on the window's typesetting); the rest stay as source."""
    wanted = [f for f in dict.fromkeys(formulas) if cache.lookup(f) is None]
    cache.take_wanted()  # asked here, not by a window
    if not wanted:
        return
    own = renderer is None
    typesetter = renderer if renderer is not None else MathRenderer()
    deadline = clock() + budget
    usual = typesetter.deadline
    try:
        for formula in wanted:
            left = deadline - clock()
            if left <= 0:
                break
            shortened = left < usual
            typesetter.deadline = min(usual, left)
            result = typesetter.render(formula)
            if not (shortened and result == _TOO_SLOW):
                cache.store(formula, result)  # else the window may still typeset it in full
    finally:
        typesetter.deadline = usual
        if own:
            typesetter.close()


def worker_command() -> list[str]:
    """The command line that starts the typesetting child process."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "--math-worker"]
    return [sys.executable, "-m", "desktop_chat", "--math-worker"]


class MathRenderer:
    """Typesets formulas in a child process, one at a time, each within a deadline.

    Use it from one thread at a time (a worker thread: :meth:`render` blocks). The child starts
    on the first formula and again after one that missed its deadline; :meth:`close` ends it.

    Args:
        command: the child's command line (default: :func:`worker_command`).
        deadline: seconds one formula may take (the :attr:`deadline` attribute).
    """

    def __init__(
        self, command: Sequence[str] | None = None, *, deadline: float = DEFAULT_DEADLINE
    ) -> None:
        self._command = list(command) if command is not None else worker_command()
        self.deadline = deadline
        self._child: subprocess.Popen[bytes] | None = None
        self._answers: queue.Queue[bytes | None] = queue.Queue()

    def render(self, formula: Formula, size: float = FONT_PX) -> MathImage | MathFailure:
        """Typeset ``formula`` (blocking, at most the deadline)."""
        if len(formula.latex) > MAX_FORMULA_CHARS:
            return MathFailure("too long")
        if not formula.latex.strip():
            return MathFailure("empty")
        try:
            child = self._start()
            assert child.stdin is not None
            request = {"latex": formula.latex, "display": formula.display, "size": size}
            child.stdin.write(json.dumps(request).encode() + b"\n")
            child.stdin.flush()
        except OSError as error:
            self.close()
            return MathFailure(f"the typesetter could not start ({error.strerror or error})")
        try:
            line = self._answers.get(timeout=self.deadline)
        except queue.Empty:
            self.close()  # it may be stuck for minutes: stop it, start afresh next time
            return _TOO_SLOW
        if line is None or not line.endswith(b"\n"):
            self.close()  # gone, or an answer past the size read: start afresh next time
            return MathFailure("the typesetter stopped" if line is None else "too large")
        return _answer(line)

    def close(self) -> None:
        """End the child process (it also ends by itself when this process ends)."""
        child, self._child = self._child, None
        if child is None:
            return
        with contextlib.suppress(OSError):
            child.kill()
        child.wait()
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def _start(self) -> subprocess.Popen[bytes]:
        if self._child is not None and self._child.poll() is None:
            return self._child
        self.close()
        self._answers = queue.Queue()
        child = subprocess.Popen(
            self._command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert child.stdout is not None
        reader = threading.Thread(
            target=_read_answers,
            args=(child.stdout, self._answers),
            name="desktop-chat-math",
            daemon=True,
        )
        reader.start()
        self._child = child
        return child


def _read_answers(stream: IO[bytes], answers: queue.Queue[bytes | None]) -> None:
    """Hand each line the child writes to the waiting caller; None when the child is gone."""
    with contextlib.suppress(OSError, ValueError):
        while line := stream.readline(_MAX_ANSWER_BYTES):
            answers.put(line)
    answers.put(None)


def _answer(line: bytes) -> MathImage | MathFailure:
    try:
        data: Any = json.loads(line)
        if "error" in data:
            return MathFailure(str(data["error"])[:200])
        return MathImage(
            str(data["svg"]), float(data["width"]), float(data["height"]), float(data["depth"])
        )
    except (ValueError, TypeError, KeyError):
        return MathFailure("the typesetter gave an answer that is not a formula")
