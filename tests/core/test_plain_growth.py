"""Which growths of a streamed paragraph can be typed at its end instead of rendered again."""

from __future__ import annotations

import pytest

from desktop_chat.core.markdown.plain_growth import appended_plain_text
from desktop_chat.core.markdown.render import IncrementalRenderer


def test_plain_words_after_plain_text_are_typed() -> None:
    assert appended_plain_text("<p>Hello</p>\n", "<p>Hello world</p>\n") == " world"
    # an earlier paragraph of the open tail stays as it was
    assert appended_plain_text("<p>a</p>\n<p>Next</p>\n", "<p>a</p>\n<p>Next one</p>\n") == " one"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # the paragraph ends in markup, whose format typed text would take
        ("<p>a <strong>b</strong></p>\n", "<p>a <strong>b</strong> c</p>\n"),
        ("<p>see <a href='x'>x</a></p>\n", "<p>see <a href='x'>x</a> y</p>\n"),
        # what is added is markup, an entity, a break, a tab, a run of spaces or math
        ("<p>a</p>\n", "<p>a <em>b</em></p>\n"),
        ("<p>a</p>\n", "<p>a &amp; b</p>\n"),
        ("<p>a</p>\n", "<p>a\nb</p>\n"),
        ("<p>a</p>\n", "<p>a\tb</p>\n"),
        ("<p>a</p>\n", "<p>a  b</p>\n"),
        ("<p>a</p>\n", "<p>a $x$</p>\n"),
        ("<p>a</p>\n", "<p>a \\(x\\)</p>\n"),
        # a trailing space HTML would drop, or one after a space already there
        ("<p>a</p>\n", "<p>a b </p>\n"),
        ("<p>a </p>\n", "<p>a  b</p>\n"),
        # not a paragraph at the end, or not a growth of the same one
        ("<h2>a</h2>\n", "<h2>a b</h2>\n"),
        ("<ul>\n<li>a</li>\n</ul>\n", "<ul>\n<li>a b</li>\n</ul>\n"),
        ("<p>a</p>\n", "<p>a</p>\n"),
        ("<p>ab</p>\n", "<p>a</p>\n"),
        ("<p>a</p>\n", "<p>b c</p>\n"),
        ("<p>a</p>\n", "<p>a</p>\n<p>b</p>\n"),
        ("", "<p>a</p>\n"),
    ],
)
def test_other_growths_are_rendered_again(old: str, new: str) -> None:
    assert appended_plain_text(old, new) == ""


def test_a_streamed_paragraph_is_typed_but_where_markup_comes_or_ends() -> None:
    renderer = IncrementalRenderer()
    typed = []
    old = ""
    for delta in ["Hello", " world", " and", " **bold**", " then", " more"]:
        new = renderer.append(delta).tail_html
        typed.append(appended_plain_text(old, new))
        old = new
    # the bold word is markup, the word after it follows a tag, the next one plain text again
    assert typed == ["", " world", " and", "", "", " more"]
