"""Typesetting formulas in a child process: results, refusals, deadlines and the cache."""

from __future__ import annotations

import base64
import io
import json
import sys
from collections.abc import Iterator

import pytest

from desktop_chat.core.markdown._math_child import main, serve
from desktop_chat.core.markdown.math import (
    MAX_FORMULA_CHARS,
    Formula,
    MathCache,
    MathFailure,
    MathImage,
    MathRenderer,
    formula_html,
    parse_resource_name,
    resource_name,
    typeset_missing,
    worker_command,
)


@pytest.fixture
def renderer() -> Iterator[MathRenderer]:
    made = MathRenderer(deadline=20)
    yield made
    made.close()


def test_a_formula_is_typeset_as_svg_with_its_size_and_depth(renderer: MathRenderer) -> None:
    subscript = renderer.render(Formula("x_1", display=False))
    plain = renderer.render(Formula("x", display=False))
    assert isinstance(subscript, MathImage)
    assert isinstance(plain, MathImage)
    assert subscript.svg.startswith("<svg ")
    assert subscript.width > plain.width > 0
    assert subscript.depth > plain.depth >= 0  # the subscript reaches below the baseline
    block = renderer.render(Formula(r"\frac{a}{b}", display=True))
    assert isinstance(block, MathImage)
    assert block.height > plain.height


def test_latex_the_typesetter_refuses_is_a_failure_and_the_next_formula_works(
    renderer: MathRenderer,
) -> None:
    assert isinstance(renderer.render(Formula(r"\frac{a}{", display=False)), MathFailure)
    assert isinstance(renderer.render(Formula("a+b", display=False)), MathImage)


def test_a_formula_that_takes_too_long_is_given_up_and_the_child_restarted() -> None:
    renderer = MathRenderer(deadline=1.0)
    try:
        nested = r"\sqrt{" * 14 + "x" + r"}" * 14  # about a minute for the typesetter
        assert renderer.render(Formula(nested, display=False)) == MathFailure("too slow to typeset")
        renderer.deadline = 20  # room for a new child to start on a loaded machine
        assert isinstance(renderer.render(Formula("y", display=False)), MathImage)
    finally:
        renderer.close()


def test_too_long_and_empty_formulas_are_not_sent() -> None:
    never = MathRenderer([sys.executable, "-c", "raise SystemExit(3)"])
    assert never.render(Formula("x" * (MAX_FORMULA_CHARS + 1), False)) == MathFailure("too long")
    assert never.render(Formula("  ", False)) == MathFailure("empty")
    never.close()


@pytest.mark.parametrize(
    ("child", "reason"),
    [
        ("import sys; sys.stdin.readline()", "the typesetter stopped"),
        (
            "import sys, time; sys.stdin.readline(); "
            "sys.stdout.write('x' * (5 * 1024 * 1024) + '\\n'); sys.stdout.flush(); time.sleep(30)",
            "too large",
        ),
        (
            "import sys, time; sys.stdin.readline(); print('not json', flush=True); time.sleep(30)",
            "the typesetter gave an answer that is not a formula",
        ),
        (
            'import sys, time; sys.stdin.readline(); print(\'{"error": "no"}\', flush=True); '
            "time.sleep(30)",
            "no",
        ),
    ],
    ids=["dies", "huge-answer", "garbage", "refuses"],
)
def test_a_misbehaving_child_gives_a_failure(child: str, reason: str) -> None:
    renderer = MathRenderer([sys.executable, "-c", child], deadline=20)
    try:
        assert renderer.render(Formula("x", False)) == MathFailure(reason)
    finally:
        renderer.close()


def test_a_child_that_cannot_start_is_a_failure() -> None:
    renderer = MathRenderer(["/nonexistent/typesetter"])
    result = renderer.render(Formula("x", False))
    assert isinstance(result, MathFailure)
    assert result.reason.startswith("the typesetter could not start")


def test_the_cache_notes_what_was_wanted_and_keeps_what_was_typeset() -> None:
    cache = MathCache(size=2)
    first, second, third = (Formula(name, False) for name in ("a", "b", "c"))
    assert cache.lookup(first) is None
    assert cache.lookup(second) is None
    assert cache.take_wanted() == [first, second]
    assert cache.take_wanted() == []
    image = MathImage("<svg ></svg>", 1, 2, 0)
    cache.store(first, image)
    cache.store(second, MathFailure("no"))
    assert cache.lookup(first) is image
    assert cache.image(first.key) is image
    assert cache.image(second.key) is None
    cache.store(third, image)  # the cache holds two: the least used goes
    assert cache.lookup(second) is None
    assert cache.lookup(first) is image


class _StepClock:
    """A clock that reads the given times, then stays at the last."""

    def __init__(self, *times: float) -> None:
        self._times = list(times)

    def __call__(self) -> float:
        return self._times.pop(0) if len(self._times) > 1 else self._times[0]


def test_an_export_typesets_what_the_cache_lacks_until_its_budget_is_spent(
    renderer: MathRenderer,
) -> None:
    cache = MathCache()
    known, first, second = (Formula(name, False) for name in ("k", "a_1", "b_2"))
    cached = MathImage("<svg ></svg>", 1, 2, 0)
    cache.store(known, cached)
    # the budget ends after the first formula: the second stays as source
    typeset_missing(
        [known, first, first, second],
        cache,
        budget=10,
        renderer=renderer,
        clock=_StepClock(0, 0, 100),
    )
    assert cache.lookup(known) is cached
    assert isinstance(cache.lookup(first), MathImage)
    assert cache.lookup(second) is None
    assert renderer.deadline == 20  # the window's typesetting keeps its own deadline


def test_a_formula_cut_short_by_the_budget_is_not_remembered_as_too_slow() -> None:
    silent = [sys.executable, "-c", "import sys, time; sys.stdin.readline(); time.sleep(30)"]
    renderer = MathRenderer(silent, deadline=0.3)
    cache = MathCache()
    try:
        cut_short, too_slow = Formula("x", False), Formula("y", False)
        typeset_missing([cut_short], cache, budget=0.2, renderer=renderer)
        assert cache.lookup(cut_short) is None  # the window may still typeset it in full
        typeset_missing([too_slow], cache, budget=60, renderer=renderer)
        assert cache.lookup(too_slow) == MathFailure("too slow to typeset")
        assert renderer.deadline == 0.3
    finally:
        renderer.close()


def test_an_export_with_nothing_to_typeset_starts_no_typesetter() -> None:
    never = MathRenderer(["/nonexistent/typesetter"])
    cache = MathCache()
    image = MathImage("<svg ></svg>", 1, 2, 0)
    cache.store(Formula("x", False), image)
    typeset_missing([Formula("x", False)], cache, budget=10, renderer=never)
    assert cache.lookup(Formula("x", False)) is image


def test_the_html_of_a_formula() -> None:
    image = MathImage('<svg width="10"></svg>', 10.4, 12.6, 3.2)
    inline = Formula("x_1", False)
    src = resource_name(inline, "#1f2328")
    assert src == f"math:{inline.key}-1f2328"
    assert parse_resource_name(src) == (inline.key, "#1f2328")
    assert parse_resource_name("math:nothing") is None
    assert formula_html(inline, image, src=src) == (
        f'<img src="{src}" width="10" height="13" alt="x_1" style="vertical-align: -3px;">'
    )
    block = Formula("a < b", True)
    shown = formula_html(block, image, src="math:b")
    assert shown.startswith('<p align="center"><img ')
    assert 'alt="a &lt; b"' in shown
    assert formula_html(Formula("<x>", False), None, src="") == "<code>$&lt;x&gt;$</code>"
    assert formula_html(block, MathFailure("no"), src="") == "<code>$$a &lt; b$$</code>"
    uri = image.data_uri("#123456")
    assert base64.b64decode(uri.split(",", 1)[1]).decode() == (
        '<svg fill="#123456" width="10"></svg>'
    )


def test_the_worker_command_runs_this_package() -> None:
    assert worker_command()[-3:] == ["-m", "desktop_chat", "--math-worker"]


def test_the_child_answers_each_request_on_its_own_line() -> None:
    requests = b"".join(
        json.dumps(request).encode() + b"\n"
        for request in (
            {"latex": "x_1", "display": False, "size": 16},
            {"latex": r"\frac{a}{", "display": True},
            "not an object",
        )
    )
    answers = io.BytesIO()
    serve(io.BytesIO(requests), answers)
    first, refused, garbage = (json.loads(line) for line in answers.getvalue().splitlines())
    assert first["svg"].startswith("<svg ")
    assert "<symbol" not in first["svg"]  # glyphs drawn in place, for Qt's SVG renderer
    assert first["depth"] > 0
    assert "error" in refused
    assert "error" in garbage
    assert main.__doc__
