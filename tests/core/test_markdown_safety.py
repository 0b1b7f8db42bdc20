"""The one safety rule for untrusted Markdown, and that both renderers are built on it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from desktop_chat.core.markdown import render
from desktop_chat.core.markdown._markdown_safety import MAX_NESTING, builtin_lexer, is_safe_url
from desktop_chat.core.markdown.render import render_markdown
from desktop_chat.core.transfer import _export_html
from desktop_chat.core.transfer._export_html import markdown_fragment

UNSAFE = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "vbscript:msgbox",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    "ftp://example.com/x",
    "copy-code:0",
    "http:no-slashes",
    "relative/path",
    "",
]
SAFE = ["http://example.com", "HTTPS://example.com/a", "mailto:me@example.com", " https://x.y"]


@pytest.mark.parametrize("url", UNSAFE)
def test_unsafe_addresses(url: str) -> None:
    assert not is_safe_url(url)


@pytest.mark.parametrize("url", SAFE)
def test_safe_addresses(url: str) -> None:
    assert is_safe_url(url)


@pytest.mark.parametrize("url", UNSAFE[:-1])
@pytest.mark.parametrize(
    "render_fn",
    [
        pytest.param(render_markdown, id="transcript"),
        pytest.param(markdown_fragment, id="export"),
        pytest.param(lambda text: markdown_fragment(text, inline_styles=True), id="clipboard"),
    ],
)
def test_no_renderer_links_or_embeds_an_unsafe_address(
    url: str, render_fn: Callable[[str], str]
) -> None:
    out = str(render_fn(f"[link]({url}) ![pic]({url}) <{url}>"))
    assert "<a " not in out
    assert "<img" not in out


def test_both_renderers_use_the_shared_parser_rules() -> None:
    transcript = render._markdown()
    exporter = _export_html._class_parser
    for parser in (transcript, exporter):
        rules = parser.renderer.rules  # type: ignore[attr-defined]
        assert rules["link_open"].__module__ == "desktop_chat.core.markdown._markdown_safety"
        assert rules["image"].__module__ == "desktop_chat.core.markdown._markdown_safety"
        assert parser.options["html"] is False


def test_images_become_links_with_each_renderers_label() -> None:
    assert render_markdown("![chart](https://e.com/c.png)").count('<a href="https://e.com/c.png"')
    assert "[image: chart]</a>" in render_markdown("![chart](https://e.com/c.png)")
    fragment = markdown_fragment("![chart](https://e.com/c.png)")
    assert '<a href="https://e.com/c.png" rel="noopener noreferrer">chart</a>' in fragment


def test_nested_links_close_only_what_they_opened() -> None:
    out = render_markdown("[a [b](javascript:x) c](https://ok.example)")
    assert out.count("<a ") == out.count("</a>")
    out = markdown_fragment("[x](javascript:y) and [z](https://ok.example)")
    assert out.count("<a ") == out.count("</a>") == 1


def test_split_surrogate_pairs_are_rejoined_and_lone_halves_replaced() -> None:
    rendered = render_markdown("smile \ud83d\ude00 and half \ud800 [a](\ud83d\ude00)")
    assert "smile \U0001f600 and half \ufffd" in rendered


def test_text_past_the_nesting_limit_shows_as_its_source() -> None:
    deep = ">" * (MAX_NESTING + 5) + " the innermost words"
    for rendered in (render_markdown(deep), markdown_fragment(deep)):
        assert "the innermost words" in rendered
        assert "&gt;&gt;&gt;" in rendered


def test_realistic_nesting_keeps_its_structure() -> None:
    outline = "\n".join("  " * level + f"- level {level}" for level in range(12))
    rendered = render_markdown(outline)
    assert rendered.count("<ul>") == 12
    assert "level 11" in rendered


def test_only_pygments_own_lexers_are_used() -> None:
    assert builtin_lexer("python") is not None
    assert builtin_lexer("PY") is not None
    assert builtin_lexer("no-such-language") is None
    assert builtin_lexer("") is None
