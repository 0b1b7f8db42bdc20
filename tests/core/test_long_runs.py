"""Very long unbreakable runs get zero-width breaks for display; a stream gets the same ones."""

from __future__ import annotations

import random

import pytest

from desktop_chat.core.markdown.long_runs import BREAK, RunBreaker, break_long_runs


def test_words_links_and_short_runs_are_left_alone() -> None:
    text = "A sentence with https://example.com/a/long/path?query=1 and " + "x" * 500
    assert break_long_runs(text) == text


def test_a_long_run_breaks_at_500_then_every_100() -> None:
    shown = break_long_runs("A" * 801)
    assert shown.replace(BREAK, "") == "A" * 801
    assert [len(part) for part in shown.split(BREAK)] == [500, 100, 100, 100, 1]


def test_a_space_starts_a_new_run() -> None:
    shown = break_long_runs("B" * 600 + " " + "C" * 450 + "\n" + "D" * 501)
    assert shown == "B" * 500 + BREAK + "B" * 100 + " " + "C" * 450 + "\n" + "D" * 500 + BREAK + "D"


@pytest.mark.parametrize("seed", range(20))
def test_a_stream_gets_the_breaks_the_whole_text_gets(seed: int) -> None:
    rng = random.Random(seed)
    text = "".join(rng.choice(["A" * rng.randint(1, 900), " ", "\n", "word "]) for _ in range(60))
    breaker = RunBreaker()
    pieces = []
    position = 0
    while position < len(text):
        size = rng.randint(1, 250)
        pieces.append(breaker.feed(text[position : position + size]))
        position += size
    assert "".join(pieces) == break_long_runs(text)
    assert break_long_runs(text).replace(BREAK, "") == text
