"""The HTML export: self-contained, script-free and safe with hostile model output."""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_chat.core.history.models import Conversation, Message
from desktop_chat.core.markdown.math import Formula, MathImage, math_cache
from desktop_chat.core.markdown.mathml import MATHML_ATTRIBUTES, MATHML_ELEMENTS
from desktop_chat.core.transfer._export_html import CONTENT_SECURITY_POLICY, markdown_fragment
from desktop_chat.core.transfer.export import to_html
from tests.fixtures.golden import check_golden, without_pygments_styling
from tests.fixtures.sample_conversation import sample

ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "main", "section",
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "div", "span", "pre", "code", "a", "strong", "em",
    "s", "ul", "ol", "li", "blockquote", "table", "thead", "tbody", "tr", "th", "td", "hr", "br",
    "details", "summary", "input", *MATHML_ELEMENTS,
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"class", "lang", "charset", "http-equiv", "content", "name", "href", "rel",
                      "start", "style", "title", "type", "disabled", "checked", "xmlns",
                      *MATHML_ATTRIBUTES}  # fmt: skip


class AllowListChecker(HTMLParser):
    """Collects every way a page could run code or fetch something."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.styles = 0
        self.in_style = False
        self.style_text = ""
        self.csp: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        if tag == "style":
            self.styles += 1
            self.in_style = True
        for name, raw_value in attrs:
            value = raw_value or ""
            if name not in ALLOWED_ATTRIBUTES or name.startswith("on"):
                self.problems.append(f"attribute {name} on <{tag}>")
            if name == "href" and not re.match(r"^(https?://|mailto:)", value, re.IGNORECASE):
                self.problems.append(f"href {value!r}")
            if name == "href" and dict(attrs).get("rel") != "noopener noreferrer":
                self.problems.append(f"link without rel: {value!r}")
            if name == "style" and not re.fullmatch(r"text-align:(left|right|center)", value):
                self.problems.append(f"style attribute {value!r}")
            if name == "http-equiv":
                self.csp.append(dict(attrs).get("content") or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self.in_style = False

    def handle_data(self, data: str) -> None:
        if self.in_style:
            self.style_text += data
        else:
            self.text += data


def check(page: str) -> AllowListChecker:
    checker = AllowListChecker()
    checker.feed(page)
    checker.close()
    assert checker.problems == []
    assert checker.styles == 1
    assert "url(" not in checker.style_text
    assert "@import" not in checker.style_text
    assert checker.csp == [CONTENT_SECURITY_POLICY]
    return checker


def test_html_matches_golden() -> None:
    conversation, messages = sample()
    page = to_html(conversation, messages)
    check_golden("sample.html", page, normalize=without_pygments_styling)
    # what the golden comparison leaves to Pygments: tokens are classed, and the classes styled
    assert '<span class="nb">print</span>' in page
    assert re.search(r"^\.highlight \.nb \{ color: #[0-9A-Fa-f]{6}", page, re.MULTILINE)


def test_sample_page_passes_the_allow_list_and_keeps_hostile_text_as_text() -> None:
    conversation, messages = sample()
    checker = check(to_html(conversation, messages))
    assert "<script>alert(1)</script>" in checker.text
    assert "onerror=alert(2)" in checker.text
    assert "</style><style>body{background:url(http://x)}</style>" in checker.text
    assert "[click](javascript:alert(3))" in checker.text  # the link is dropped, its text stays


def test_page_structure_colour_schemes_and_print() -> None:
    conversation, messages = sample()
    page = to_html(conversation, messages)
    assert page.startswith("<!DOCTYPE html>")
    assert "@media (prefers-color-scheme: dark)" in page
    assert "@media print" in page
    assert '<a href="https://example.org/page" rel="noopener noreferrer">site</a>' in page
    # Images never load: they become links to their address.
    assert '<a href="http://tracker.example/p.gif" rel="noopener noreferrer">pixel</a>' in page
    assert '<span class="k">def</span>' in page  # highlighted code
    assert '<details class="thinking"><summary>Thinking</summary>' in page
    assert "side branch" not in page
    assert "<title>Packing list: &lt;b&gt;tips&lt;/b&gt; &amp; `tricks`</title>" in page


def test_paged_variant_for_pdf_has_no_media_queries_and_inline_code_colours() -> None:
    conversation, messages = sample()
    page = to_html(conversation, messages, paged=True)
    assert "@media" not in page
    assert "var(" not in page
    assert '<span style="color: #008000; font-weight: bold">def</span>' in page


def test_hostile_title_model_error_and_links() -> None:
    conversation = Conversation(
        id=1, title="</title><script>x()</script>", model='"><img src=x onerror=y>',
        current_leaf_id=2,
    )  # fmt: skip
    messages = [
        Message(1, 1, None, "user", '[a](JaVaScRiPt:alert(1)) [b](data:text/html,<script>) '
                "[c](vbscript:x) [d](file:///etc/passwd) <a href='https://x' onclick=y>z</a> "
                "[e](https://ok.example \"t\") <iframe src=https://x></iframe>"),
        Message(2, 1, 1, "assistant", "", status="error", error="<b onmouseover=x>boom</b>"),
    ]  # fmt: skip
    checker = check(to_html(conversation, messages))
    assert "<script>x()</script>" in checker.text
    assert "boom" in checker.text


def test_markdown_tables_keep_alignment_only() -> None:
    fragment = markdown_fragment("| a | b |\n|:-:|--:|\n| 1 | 2 |")
    assert '<th style="text-align:center">a</th>' in fragment


dangerous = st.sampled_from(
    ["<script>", "</style>", "<img src=x onerror=y>", "javascript:", "[l](", ")", "![i](",
     "http://x/", "```", "\n", " ", "<", ">", '"', "'", "&", "on", "=", "`", "*", "~~~", "|",
     "$", "$$", "\\(", "\\)", "\\text{", "\\href{", "{", "}", "- [x] ", "- [ ] "]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(dangerous | st.text(max_size=5), max_size=30).map("".join))
def test_any_text_stays_inside_the_allow_list(text: str) -> None:
    conversation, messages = sample()
    hostile = [dataclasses.replace(message, content=text, reasoning=text) for message in messages]
    check(to_html(dataclasses.replace(conversation, title=text), hostile))


def test_paged_variant_sets_thinking_apart_without_details() -> None:
    conversation, messages = sample()
    page = to_html(conversation, messages, paged=True)
    assert "<details" not in page
    assert '<blockquote class="thinking"><p><strong>Thinking</strong></p>' in page
    assert "<script" not in page
    assert "<img" not in page


_RICH = (
    "- [x] done\n- [ ] todo\n\n> quoted\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
    "Euler $e^{i\\pi}+1=0$, and $$\\frac{a}{b}$$\n"
)


def test_web_pages_show_task_boxes_and_formulas_as_mathml() -> None:
    fragment = markdown_fragment(_RICH)
    assert '<input type="checkbox" disabled checked> done' in fragment
    assert '<input type="checkbox" disabled> todo' in fragment
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">' in fragment
    assert "<mi>π</mi>" in fragment
    assert 'display="block"><mrow><mfrac>' in fragment
    conversation, messages = sample()
    check(to_html(conversation, [dataclasses.replace(messages[-1], content=_RICH)]))
    # LaTeX the converter cannot read stays as its source, as text
    unreadable = markdown_fragment("$\\text{a < b}$")
    assert "<math" not in unreadable
    assert "<code>$\\text{a &lt; b}$</code>" in unreadable


def test_pages_for_pdf_draw_boxes_quotes_tables_and_typeset_formulas() -> None:
    conversation, messages = sample()
    rich = [dataclasses.replace(messages[-1], content=_RICH)]
    formula = Formula("e^{i\\pi}+1=0", display=False)
    math_cache().store(formula, MathImage('<svg width="30"></svg>', 30, 12, 3))
    page = to_html(conversation, rich, paged=True)
    assert "\u2611 done" in page
    assert "\u2610 todo" in page
    assert "<input" not in page
    assert '<td width="3" style="background-color:#d1d9e0;"></td>' in page  # the quote's bar
    assert '<table border="1" cellspacing="0" cellpadding="4"' in page
    assert '<img src="data:image/svg+xml;base64,' in page  # typeset before the page was made
    assert "<math" not in page
