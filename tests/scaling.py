"""Relative timing for tests: how a cost grows with the input, never how long it takes.

A loaded machine slows every measurement of one run alike, so the ratio of two medians taken
interleaved holds where an absolute budget fails.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable


def growth(run: Callable[[int], object], small: int, large: int, rounds: int = 5) -> float:
    """How many times longer ``run(large)`` takes than ``run(small)``: the ratio of medians.

    The two sizes are measured in alternation so that a burst of load hits both. The garbage
    collector is held off while one runs: its passes scale with everything the test process
    holds, not with the code under test.
    """
    small_times: list[float] = []
    large_times: list[float] = []
    for _ in range(rounds):
        for size, times in ((small, small_times), (large, large_times)):
            gc.collect()
            gc.disable()
            try:
                started = time.perf_counter()
                run(size)
                times.append(time.perf_counter() - started)
            finally:
                gc.enable()
    return statistics.median(large_times) / max(statistics.median(small_times), 1e-9)


def assert_grows_linearly(run: Callable[[int], object], small: int, factor: int = 4) -> None:
    """Fail unless ``run`` on ``factor`` times the input costs well under quadratic growth.

    Linear growth gives about ``factor``; quadratic ``factor**2``. The line is drawn at twice
    linear, which leaves room for fixed costs and caches that favour the small input.
    """
    ratio = growth(run, small, small * factor)
    assert ratio < 2 * factor, f"{factor}x the input cost {ratio:.1f}x the time"
