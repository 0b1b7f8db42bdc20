"""Markdown rendering: safety, the Qt rich-text subset, code blocks, and the streaming path."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_chat.core.markdown import render as markdown_module
from desktop_chat.core.markdown.math import Formula, MathCache, MathImage
from desktop_chat.core.markdown.render import (
    LARGE_BLOCK_CHARS,
    IncrementalRenderer,
    RenderUpdate,
    code_blocks,
    palette,
    render_markdown,
)
from tests.scaling import assert_grows_linearly

# The tags Qt's rich text engine understands (QTextDocument's supported HTML subset).
QT_TAGS = {
    "a",
    "b",
    "big",
    "blockquote",
    "br",
    "code",
    "dd",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "u",
    "ul",
}


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(html_text: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = _TagCollector()
    collector.feed(html_text)
    return collector.tags


SAMPLE = """# Title

Some **bold**, *italic*, ~~gone~~ and `inline` text with a [link](https://example.com "t").

> quoted
> text

1. first
2. second
   - nested

- [ ] open task
- [x] done task

| left | right | centre |
|:-----|------:|:------:|
| a    | 1     | x      |

```python
def f(x):
    return x * 2
```

    indented code

---

Hard\\
break and <b>raw html</b> and ![a picture](https://example.com/p.png).
"""


def test_sample_uses_only_qt_tags_and_no_classes() -> None:
    for dark in (False, True):
        tags = _tags(render_markdown(SAMPLE, dark=dark))
        assert {tag for tag, _ in tags} <= QT_TAGS
        assert all("class" not in attrs for _, attrs in tags)
        assert {
            "h1",
            "strong",
            "em",
            "s",
            "ol",
            "ul",
            "table",
            "pre",
            "hr",
            "br",
        } <= {tag for tag, _ in tags}


def test_raw_html_is_escaped() -> None:
    out = render_markdown('<script>alert(1)</script>\n\nx <img src="http://evil/x.png"> y')
    assert "<script" not in out
    assert "<img" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "&lt;img src=&quot;http://evil/x.png&quot;&gt;" in out or "&lt;img src=" in out


def test_images_become_links_and_nothing_is_fetched() -> None:
    out = render_markdown("![chart](https://example.com/c.png) ![x](javascript:alert(1))")
    assert "<img" not in out
    assert '<a href="https://example.com/c.png"' in out
    assert "[image: chart]</a>" in out
    assert "[image: x]" in out
    assert "javascript" not in out


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
        "vbscript:msgbox",
        "relative/path",
        "copy-code:0",
        "ftp://example.com/x",
    ],
)
def test_unsafe_links_become_plain_text(url: str) -> None:
    out = render_markdown(f"[click me]({url})")
    assert "<a " not in out
    assert "click me" in out


def test_unsafe_autolink_is_not_a_link() -> None:
    assert "<a " not in render_markdown("<javascript:alert(1)>")


@pytest.mark.parametrize(
    ("markdown", "href"),
    [
        ("[x](https://example.com/a?b=1&c=2)", "https://example.com/a?b=1&amp;c=2"),
        ("[x](http://example.com)", "http://example.com"),
        ("[x](mailto:me@example.com)", "mailto:me@example.com"),
        ("<https://example.com>", "https://example.com"),
        ("<me@example.com>", "mailto:me@example.com"),
        ('[x](https://example.com/"onmouseover=)', "https://example.com/%22onmouseover="),
    ],
)
def test_safe_links_survive(markdown: str, href: str) -> None:
    assert f'<a href="{href}"' in render_markdown(markdown)


def test_link_title_is_dropped() -> None:
    assert "title=" not in render_markdown('[x](https://e.com "a title")')


def test_strikethrough_and_task_lists() -> None:
    out = render_markdown("~~old~~\n\n- [ ] todo\n- [x] done\n")
    assert "<s>old</s>" in out
    assert "<li>\u2610 todo</li>" in out
    assert "<li>\u2611 done</li>" in out
    assert "<input" not in out


def test_tables_have_borders_and_alignment() -> None:
    out = render_markdown("| a | b | c |\n|:--|--:|:-:|\n| 1 | 2 | 3 |\n")
    assert '<table border="1" cellspacing="0" cellpadding="4"' in out
    assert '<th align="left">a</th>' in out
    assert '<td align="right">2</td>' in out
    assert '<td align="center">3</td>' in out
    assert "text-align" not in out


def test_code_block_header_copy_link_and_highlighting() -> None:
    text = (
        "```python\nprint('<hi>')\n```\n\ntext\n\n```\nplain <b>\n```\n\n```nosuchlang\nx = 1\n```"
    )
    out = render_markdown(text)
    assert out.count('href="copy-code:') == 3
    for index in range(3):
        assert f'<a href="copy-code:{index}"' in out
    assert ">python</span>" in out
    assert ">text</span>" in out
    assert ">nosuchlang</span>" in out
    first = out.split("copy-code:1")[0]
    assert '<span style="color:' in first  # Pygments inline styles, no classes
    assert "&lt;hi&gt;" in first or "&#39;&lt;hi&gt;&#39;" in first
    assert "plain &lt;b&gt;" in out
    assert "<b>" not in out
    assert code_blocks(text) == ["print('<hi>')", "plain <b>", "x = 1"]


def test_code_blocks_counts_nested_and_indented_blocks_in_order() -> None:
    text = "- item\n\n  ```sh\n  ls\n  ```\n\n> ```\n> quoted\n> ```\n\n    indented\n"
    assert code_blocks(text) == ["ls", "quoted", "indented"]
    out = render_markdown(text)
    assert [int(n) for n in re.findall(r'href="copy-code:(\d+)"', out)] == [0, 1, 2]


def test_fence_info_with_attributes_uses_the_first_word() -> None:
    out = render_markdown("```python title=x.py\nx = 1\n```")
    assert ">python</span>" in out
    assert "title" not in out


def test_dark_and_light_differ() -> None:
    text = "```python\nx = 1\n```\n\n`code` [l](https://e.com)"
    light, dark = render_markdown(text), render_markdown(text, dark=True)
    assert light != dark
    assert palette(True).code_background in dark
    assert palette(False).code_background in light
    assert palette(True).link in dark


@pytest.mark.parametrize(
    "make",
    [
        lambda n: ">" * n + " deep",
        lambda n: "> " * n + "deep",
        lambda n: "- " * n + "deep",
        lambda n: "1. " * n + "deep",
        lambda n: "*" * n + "a",
        lambda n: "*a" * n,
        lambda n: "[" * n,
        lambda n: "[a](" * (n // 2),
        lambda n: "`" * n,
        lambda n: "".join("  " * (i % 100) + "- item\n" for i in range(n // 10)),
    ],
    ids=[
        "quote",
        "quote-spaced",
        "bullets",
        "ordered",
        "stars",
        "emphasis",
        "brackets",
        "open-links",
        "backticks",
        "indented-lists",
    ],
)
def test_pathological_nesting_costs_grow_linearly(make: Callable[[int], str]) -> None:
    out = render_markdown(make(10_000))
    assert isinstance(out, str)
    assert out
    assert_grows_linearly(lambda n: render_markdown(make(n)), 2_500)


def _table(rows: int, columns: int = 30) -> str:
    head = "|" + "h|" * columns + "\n|" + "-|" * columns + "\n"
    return head + ("|" + "cell|" * columns + "\n") * rows


def test_huge_table_costs_grow_linearly() -> None:
    assert render_markdown(_table(300)).count("<tr>") == 301
    assert_grows_linearly(lambda rows: render_markdown(_table(rows)), 75)


# ---- streaming ------------------------------------------------------------------------------


def _stream(
    text: str, cuts: list[int], dark: bool = False
) -> tuple[list[RenderUpdate], RenderUpdate]:
    renderer = IncrementalRenderer(dark=dark)
    bounds = sorted({c for c in cuts if 0 < c < len(text)})
    pieces = [text[a:b] for a, b in zip([0, *bounds], [*bounds, len(text)], strict=True)]
    updates = [renderer.append(piece) for piece in pieces]
    return updates, renderer.finish()


def test_stream_one_character_at_a_time_equals_one_render() -> None:
    updates, final = _stream(SAMPLE, list(range(len(SAMPLE))))
    assert "".join(u.finished_html for u in updates) + final.finished_html == render_markdown(
        SAMPLE
    )
    assert final.tail_html == ""
    assert sum(1 for u in updates if u.finished_html) >= 8  # blocks were handed out as they closed


def test_stream_each_prefix_matches_a_full_render() -> None:
    renderer = IncrementalRenderer()
    finished = ""
    for end, char in enumerate(SAMPLE, start=1):
        update = renderer.append(char)
        finished += update.finished_html
        assert finished + update.tail_html == render_markdown(SAMPLE[:end])


def test_copy_indexes_continue_across_finished_blocks() -> None:
    text = "```a\n1\n```\n\nmiddle\n\n```b\n2\n```\n\nend\n\n```c\n3\n```\n"
    updates, final = _stream(text, list(range(len(text))))
    html_out = "".join(u.finished_html for u in updates) + final.finished_html
    assert re.findall(r"copy-code:(\d+)", html_out) == ["0", "1", "2"]
    assert code_blocks(text) == ["1", "2", "3"]


def test_windows_line_endings_split_across_deltas() -> None:
    updates, final = _stream("para one\r\n\r\npara two\r\n", [9, 10, 11])
    joined = "".join(u.finished_html for u in updates) + final.finished_html
    assert joined == render_markdown("para one\n\npara two\n")
    assert render_markdown("para one\r\n\r\npara two\r\n") == joined
    updates, final = _stream("a\rb", [2])
    assert "".join(u.finished_html for u in updates) + final.finished_html == render_markdown(
        "a\nb"
    )


def test_text_is_kept_and_the_renderer_can_end_twice() -> None:
    renderer = IncrementalRenderer()
    assert renderer.append("# head\n\nbody\n").finished_html == "<h1>head</h1>\n"
    assert renderer.append("\r") == RenderUpdate("", "<p>body</p>\n")
    assert renderer.finish() == RenderUpdate("<p>body</p>\n", "")
    assert renderer.text == "# head\n\nbody\n\n"
    assert renderer.finish() == RenderUpdate("", "")


def test_open_part_stays_small_however_long_the_message() -> None:
    renderer = IncrementalRenderer()
    for n in range(100):
        renderer.append(f"Paragraph {n} with some words.\n\n")
    renderer.append("The last paragraph is still open")
    assert len(renderer.open_text) < 100
    assert renderer.text.count("Paragraph") == 100


def _cost_per_delta(blocks: int) -> float:
    renderer = IncrementalRenderer()
    for n in range(blocks):
        renderer.append(
            f"## Part {n}\n\nSome *text* with `code` and a [link](https://e.com/{n}).\n\n"
        )
    renderer.append("Open paragraph:")
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(40):
            renderer.append(" word")
        best = min(best, (time.perf_counter() - start) / 40)
    return best


def test_delta_cost_does_not_grow_with_message_length() -> None:
    short, long = _cost_per_delta(2), _cost_per_delta(100)
    assert long < short * 3, (short, long)


def test_a_huge_open_block_is_reparsed_only_as_it_grows() -> None:
    rows = "".join(f"| {n} | value {n} |\n" for n in range(400))
    text = "| n | v |\n|---|---|\n" + rows
    renderer = IncrementalRenderer()
    updates = [renderer.append(text[i : i + 16]) for i in range(0, len(text), 16)]
    waiting = [u for u in updates if u.tail_text]
    assert waiting  # the newest rows wait, unformatted, for the next re-parse
    for before, after in itertools.pairwise(updates):
        if after.tail_text:
            assert after.tail_html is before.tail_html  # the rendering on screen stays as it is
    received = "".join(text[i : i + 16] for i in range(0, len(text), 16))
    last = updates[-1]
    assert received.endswith(last.tail_text)
    assert len(text) > LARGE_BLOCK_CHARS
    assert renderer.finish().finished_html == render_markdown(text)


# Markdown-ish lines: every block kind the renderer handles, without link reference definitions
# (those apply to earlier blocks, which streaming cannot revisit).
LINES = st.sampled_from(
    [
        "",
        "",
        "",
        "text",
        "more *words* here",
        "**bold** and `code`",
        "# Heading",
        "## Sub",
        "Setext",
        "===",
        "---",
        "- item",
        "- [ ] task",
        "- [x] done",
        "  - nested",
        "1. one",
        "2) two",
        "> quote",
        "> > deeper",
        ">",
        "```",
        "```python",
        "~~~",
        "    indented code",
        "| a | b |",
        "|---|---|",
        "| 1 | 2 |",
        "[link](https://e.com)",
        "![img](http://i/x.png)",
        "<b>raw</b>",
        "* star",
        "+ plus",
        "   lazy",
        "\t\ttabbed",
        "~~strike~~",
        "a  ",
        "\\",
    ]
)


@settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    lines=st.lists(LINES, min_size=1, max_size=25),
    trailing_newline=st.booleans(),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=40),
    dark=st.booleans(),
)
def test_streaming_equals_full_render(
    lines: list[str], trailing_newline: bool, cuts: list[int], dark: bool
) -> None:
    text = "\n".join(lines) + ("\n" if trailing_newline else "")
    updates, final = _stream(text, cuts, dark=dark)
    joined = "".join(u.finished_html for u in updates) + final.finished_html
    assert joined == render_markdown(text, dark=dark)


@settings(max_examples=60, deadline=None, database=None)
@given(lines=st.lists(LINES, min_size=1, max_size=15))
def test_every_intermediate_view_is_a_full_render_of_the_prefix(lines: list[str]) -> None:
    text = "\n".join(lines)
    renderer = IncrementalRenderer()
    finished = ""
    for end in range(1, len(text) + 1):
        update = renderer.append(text[end - 1])
        finished += update.finished_html
        assert finished + update.tail_html == render_markdown(text[:end])


def test_a_single_line_break_is_a_line_break() -> None:
    haiku = "An old silent pond\nA frog jumps into the pond\nSplash! Silence again."
    assert render_markdown(haiku).count("<br />") == 2


def test_formulas_show_their_source_until_typeset_and_money_stays_text() -> None:
    rendered = render_markdown(r"Costs $5 and $10; $E = mc^2$ and \(a\,b\) here.")
    assert "$5 and $10" in rendered
    assert "<code>$E = mc^2$</code>" in rendered
    assert r"<code>$a\,b$</code>" in rendered  # "\," is kept, not read as an escaped comma


def test_a_typeset_formula_is_an_image_of_the_window_or_a_data_uri_in_exports() -> None:
    cache = MathCache()
    inline, block = Formula("x_1", False), Formula(r"\frac{a}{b}", True)
    image = MathImage('<svg width="9"></svg>', 9, 12, 3)
    cache.store(inline, image)
    cache.store(block, image)
    text = "See $x_1$.\n\n$$\n\\frac{a}{b}\n$$\n"
    env: dict[str, object] = {"math": cache, "math_ink": "#1f2328"}
    tokens = markdown_module._markdown().parse(text, env)
    shown = markdown_module._render_tokens(tokens, env)
    assert f'<img src="math:{inline.key}-1f2328"' in shown
    assert f'<p align="center"><img src="math:{block.key}-1f2328"' in shown
    env = {"math": cache, "math_color": "#000000"}
    exported = markdown_module._render_tokens(markdown_module._markdown().parse(text, env), env)
    assert 'src="data:image/svg+xml;base64,' in exported
    assert "math:" not in exported


def test_a_quote_has_a_bar_and_a_task_list_no_bullets() -> None:
    quote = render_markdown("> quoted")
    assert '<td width="3" style="background-color:#d0d7de;"></td>' in quote
    assert "quoted" in quote
    tasks = render_markdown("- [x] done\n- [ ] to do\n")
    assert '<ul style="list-style-type:none;">' in tasks
    assert "\u2611 done" in tasks
    assert "\u2610 to do" in tasks
    assert "<ul style" not in render_markdown("- plain\n- list\n")


def test_a_display_formula_inside_a_paragraph_is_read_as_one() -> None:
    cache = MathCache()
    formula = Formula(r"\sum_i i", True)
    cache.store(formula, MathImage('<svg width="9"></svg>', 9, 12, 3))
    text = r"The sum \[ \sum_i i \] is here, and \[ \] and \[no end stay text."
    env: dict[str, object] = {"math": cache, "math_ink": "#1f2328"}
    shown = markdown_module._render_tokens(markdown_module._markdown().parse(text, env), env)
    assert f'<br /><img src="math:{formula.key}-1f2328"' in shown  # on a line of its own
    assert "[ ] and [no end" in shown.replace("\\\\", "")
    untypeset = render_markdown(r"The sum \[ \sum_i i \] is here.")
    assert r"<code>$$\sum_i i$$</code>" in untypeset
