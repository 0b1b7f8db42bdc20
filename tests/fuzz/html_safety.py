"""An HTML checker for rendered untrusted text: which tags, attributes and links may appear."""

from __future__ import annotations

from html.parser import HTMLParser

# Everything render.py and _export_html.py may legitimately write.
ALLOWED_TAGS = frozenset(
    {
        "a", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6",
        "hr", "li", "ol", "p", "pre", "s", "span", "strong", "table", "tbody", "td", "th",
        "thead", "tr", "ul", "section", "details", "summary", "header", "main", "html", "head",
        "body", "meta", "title", "style",
    }
)  # fmt: skip
SAFE_LINK_PREFIXES = ("http://", "https://", "mailto:", "copy-code:")
_URL_ATTRIBUTES = frozenset({"src", "srcset", "background", "action", "formaction", "poster"})


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event attribute {name}= on <{tag}>")
            if name in _URL_ATTRIBUTES:
                self.problems.append(f"resource attribute {name}= on <{tag}>")
            if name == "href":
                href = (value or "").strip().lower()
                if not href.startswith(SAFE_LINK_PREFIXES):
                    self.problems.append(f"link to {value!r}")
            if name == "style" and "url(" in (value or "").lower():
                self.problems.append(f"style that loads a URL: {value!r}")


def html_problems(markup: str) -> list[str]:
    """What in ``markup`` could run code, fetch a resource or link to an unsafe scheme."""
    collector = _Collector()
    collector.feed(markup)
    collector.close()
    lowered = markup.lower()
    # Text is escaped, so these sequences can only come from markup. ("javascript:" may stay
    # as visible text; it is checked where it matters, in links.)
    for needle in ("<script", "<img", "<iframe", "<object", "<embed", "<link", "<base"):
        if needle in lowered:
            collector.problems.append(f"raw {needle!r}")
    return collector.problems


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_text(markup: str) -> str:
    """The text a reader sees in ``markup`` (tags dropped, entities decoded)."""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)
