"""Coverage-guided fuzzing with atheris (libFuzzer), one target per parser.

Run one target by hand for as long as you like::

    python tests/fuzz/atheris_harness.py sse -max_total_time=600

``test_atheris.py`` runs each target for a bounded number of inputs with a fixed seed. A target
raises AssertionError (or lets an unexpected exception through) on a finding; atheris then
writes the input to a ``crash-*`` file.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

import atheris  # type: ignore[import-untyped,import-not-found,unused-ignore]

with atheris.instrument_imports():
    from desktop_chat.core.client._stream import StreamState, parse_stream
    from desktop_chat.core.client.sse import SSEDecoder
    from desktop_chat.core.markdown.render import IncrementalRenderer, render_markdown

from desktop_chat.core.errors import EventTooLarge, StreamError
from tests.fuzz.html_safety import html_problems


def _decode(chunks: list[bytes]) -> tuple[list[object], bool]:
    decoder = SSEDecoder(max_event_size=64)
    events: list[object] = []
    try:
        for chunk in chunks:
            events.extend(decoder.feed(chunk))
        events.extend(decoder.close())
    except EventTooLarge:
        return events, True
    return events, False


def sse(data: bytes) -> None:
    """Chunking never changes what the decoder returns, and only EventTooLarge escapes."""
    provider = atheris.FuzzedDataProvider(data)
    step = provider.ConsumeIntInRange(1, 16)
    body = provider.ConsumeBytes(provider.remaining_bytes())
    whole, whole_failed = _decode([body])
    pieces, pieces_failed = _decode([body[i : i + step] for i in range(0, len(body), step)])
    assert whole_failed == pieces_failed
    if not whole_failed:
        assert whole == pieces


def stream(data: bytes) -> None:
    """The stream interpreter yields events or raises StreamError/EventTooLarge, nothing else."""
    body = b"".join(b"data: " + line + b"\n\n" for line in data.split(b"\x00"))
    try:
        for _ in parse_stream([body], SSEDecoder(), StreamState(), threading.Event()):
            pass
    except (StreamError, EventTooLarge):
        pass


def render(data: bytes) -> None:
    """Any text renders to inert HTML, whole or streamed."""
    provider = atheris.FuzzedDataProvider(data)
    step = provider.ConsumeIntInRange(1, 32)
    text = provider.ConsumeUnicodeNoSurrogates(provider.remaining_bytes())
    assert html_problems(render_markdown(text)) == []
    renderer = IncrementalRenderer()
    for start in range(0, len(text), step):
        update = renderer.append(text[start : start + step])
        assert html_problems(update.finished_html + update.tail_html) == []
    assert html_problems(renderer.finish().finished_html) == []


TARGETS: dict[str, Callable[[bytes], None]] = {"sse": sse, "stream": stream, "render": render}


def main() -> None:
    """``atheris_harness.py TARGET [libFuzzer options]``."""
    target = TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
