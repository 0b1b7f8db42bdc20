"""The one place that decides what untrusted Markdown may turn into: a safe markdown-it parser.

Replies, reasoning and imported text are untrusted. Every parser that renders them is built by
:func:`safe_parser`, which fixes the rules that keep the output harmless:

- raw HTML is never passed through (it is shown as text);
- a link keeps its ``href`` only when :func:`is_safe_url` allows it (``http://``, ``https://``,
  ``mailto:``); any other link is reduced to its text;
- an image is never embedded (nothing is ever fetched): it becomes a link to its address when
  that address is safe, else just its label;
- no text is lost to nesting: markdown-it stops parsing blocks nested deeper than its limit and
  drops what they hold, so a text that reaches the limit is shown as its plain source instead;
- text with lone UTF-16 surrogates (JSON can carry them as ``\\ud83d`` escapes) is repaired:
  a split pair becomes its character again and a lone half becomes U+FFFD;
- a code block's language picks one of Pygments' own lexers (:func:`builtin_lexer`), never a
  plugin: looking up an unknown name would import every plugin lexer installed.

The callers choose only the presentation: how code blocks look, what extra attributes a link
carries, and how an image is labelled.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable, Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.texmath import texmath_plugin
from pygments.lexer import Lexer
from pygments.lexers import get_all_lexers, get_lexer_by_name
from pygments.util import ClassNotFound

from desktop_chat.core.markdown.math import Formula, MathImage, formula_html, resource_name
from desktop_chat.core.markdown.mathml import latex_to_mathml

__all__ = [
    "MAX_NESTING",
    "SAFE_SCHEMES",
    "ImageLabel",
    "LinkAttributes",
    "RenderRule",
    "builtin_lexer",
    "formulas_in",
    "is_safe_url",
    "safe_parser",
]

#: The URL prefixes a rendered link may point to (compared case-insensitively).
SAFE_SCHEMES = ("http://", "https://", "mailto:")
#: Deepest nesting of blocks and inlines parsed (a list level takes two). A text that reaches
#: it is shown as its plain source, so nothing nested deeper is lost.
MAX_NESTING = 64
_LINK_STACK = "safe_link_stack"

#: A markdown-it render rule: ``(renderer, tokens, index, options, env) -> html``.
RenderRule = Callable[[Any, Sequence[Token], int, OptionsDict, EnvType], str]
#: Extra attributes written into every ``<a>`` tag (with a leading space), from the render env.
LinkAttributes = Callable[[EnvType], str]
#: The escaped HTML label of an image: ``(renderer, image token, options, env) -> html``.
ImageLabel = Callable[[Any, Token, OptionsDict, EnvType], str]


def is_safe_url(url: str) -> bool:
    """Whether a link or image address may be written as an ``href``."""
    return url.strip().lower().startswith(SAFE_SCHEMES)


@functools.cache
def _builtin_aliases() -> frozenset[str]:
    return frozenset(
        alias.lower() for _, aliases, _, _ in get_all_lexers(plugins=False) for alias in aliases
    )


@functools.lru_cache(maxsize=64)
def builtin_lexer(language: str, **options: Any) -> Lexer | None:
    """The Pygments lexer named ``language`` among Pygments' own lexers, or None.

    ``language`` comes from untrusted text; plugin lexers are other packages' code, and an
    unknown name would make Pygments import all of them.
    """
    if language.lower() not in _builtin_aliases():
        return None
    try:
        lexer: Lexer = get_lexer_by_name(language, **options)
    except (ClassNotFound, ValueError):
        return None
    return lexer


_SURROGATE = re.compile("[\ud800-\udfff]")


def _repair_surrogates(state: StateCore) -> None:
    if _SURROGATE.search(state.src):
        state.src = state.src.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _source_as_text(state: StateCore) -> None:
    """Replace the parse of a text that reached the nesting limit with its plain source."""
    if not any(token.level >= MAX_NESTING - 1 for token in state.tokens):
        return
    lines = state.src.rstrip("\n").split("\n")
    children: list[Token] = []
    for number, line in enumerate(lines):
        if number:
            children.append(Token("softbreak", "br", 0))
        children.append(Token("text", "", 0, content=line))
    paragraph = Token("paragraph_open", "p", 1, map=[0, len(lines)], block=True)
    inline = Token("inline", "", 0, map=[0, len(lines)], block=True, content=state.src)
    inline.level = 1
    inline.children = children
    state.tokens = [paragraph, inline, Token("paragraph_close", "p", -1, block=True)]


def _anchor(url: str, attributes: str) -> str:
    return f'<a href="{html.escape(url)}"{attributes}>'


def safe_parser(
    *,
    render_code: RenderRule,
    link_attributes: LinkAttributes,
    image_label: ImageLabel,
    keep_unsafe_link_source: bool = False,
) -> MarkdownIt:
    """Return a CommonMark parser (plus tables and strikethrough) whose output is safe.

    Callers may add presentation rules (tables, block quotes, plugins) afterwards, but must not
    replace the ``link_open``, ``link_close``, ``image`` or ``html_*`` rules' safety.

    Args:
        render_code: renders ``fence`` and ``code_block`` tokens; it must escape the code.
        link_attributes: extra attributes for each ``<a>`` (``' rel="noopener"'`` ...); they
            must be escaped by the caller.
        image_label: the visible label of an image (escaped HTML).
        keep_unsafe_link_source: leave links that markdown-it itself rejects (``javascript:``,
            ``data:``, ``file:`` ...) as their Markdown source, so a reader sees what was
            written; otherwise every link is parsed and an unsafe one shows as its text only.
            Either way no unsafe address is ever written into the HTML.
    """
    # A single line break in a reply is a line break, as chat apps show it (a haiku keeps its
    # three lines), not the space CommonMark makes of it.
    md = MarkdownIt("commonmark", {"html": False, "maxNesting": MAX_NESTING, "breaks": True})
    md.enable(["table", "strikethrough"])
    # Formulas are read before escapes and emphasis, so "\," or "a_1 b_2" inside one stay as
    # written; "$5 and $10" stays money (no space inside the dollars, no digit after them).
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)
    md.use(texmath_plugin, delimiters="brackets")
    md.inline.ruler.before("escape", "math_inline_brackets", _inline_display_math)
    if not keep_unsafe_link_source:
        # Every URL becomes a link token; the link rules below decide which survive.
        md.validateLink = lambda url: True  # type: ignore[method-assign]

    def link_open(
        renderer: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        href = str(tokens[idx].attrGet("href") or "")
        safe = is_safe_url(href)
        env.setdefault(_LINK_STACK, []).append(safe)
        return _anchor(href, link_attributes(env)) if safe else ""

    def link_close(
        renderer: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        stack: list[bool] = env.get(_LINK_STACK) or [False]
        return "</a>" if stack.pop() else ""

    def image(
        renderer: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        token = tokens[idx]
        label = image_label(renderer, token, options, env)
        src = str(token.attrGet("src") or "")
        if not is_safe_url(src):
            return label
        return f"{_anchor(src, link_attributes(env))}{label}</a>"

    md.core.ruler.before("normalize", "repair_surrogates", _repair_surrogates)
    md.core.ruler.push("source_as_text_past_nesting_limit", _source_as_text)
    md.add_render_rule("fence", render_code)
    md.add_render_rule("code_block", render_code)
    md.add_render_rule("link_open", link_open)
    md.add_render_rule("link_close", link_close)
    md.add_render_rule("image", image)
    for kind in _MATH_TOKENS:
        md.add_render_rule(kind, _render_math)
    return md


_MATH_TOKENS = (
    "math_inline",
    "math_inline_double",
    "math_block",
    "math_block_label",
    "math_block_eqno",
)


def formulas_in(parser: MarkdownIt, text: str) -> list[Formula]:
    """The formulas ``text`` holds, as ``parser`` (made by :func:`safe_parser`) reads them."""
    found: list[Formula] = []
    for token in parser.parse(text):
        for inner in [token, *(token.children or [])]:
            if inner.type in _MATH_TOKENS:
                display = inner.type.startswith("math_block") or inner.type == "math_inline_double"
                found.append(Formula(inner.content.strip(), display))
    return found


def _inline_display_math(state: StateInline, silent: bool) -> bool:
    r"""``\[…\]`` inside a paragraph ("the sum \[ \sum i \] is"), as models often write it."""
    start = state.pos
    if not state.src.startswith("\\[", start):
        return False
    end = state.src.find("\\]", start + 2)
    if end < 0 or not state.src[start + 2 : end].strip():
        return False
    if not silent:
        token = state.push("math_inline_double", "math", 0)
        token.content = state.src[start + 2 : end]
        token.markup = "\\["
    state.pos = end + 2
    return True


def _render_math(
    renderer: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """A formula: its typeset image where the render env can give one, else its source.

    ``env["math"]`` (a :class:`~desktop_chat.core.markdown.math.MathCache`, optional) gives the
    images. With ``env["math_color"]`` set they are written as ``data:`` URIs in that colour
    (exports); else as ``math:`` resources in the ink ``env["math_ink"]``, which the window
    supplies. With ``env["math_markup"] == "mathml"`` a formula is written as inert MathML
    (web pages), which the browser draws itself.
    """
    token = tokens[idx]
    display = token.type.startswith("math_block") or token.type == "math_inline_double"
    formula = Formula(token.content.strip(), display)
    inside_text = token.type == "math_inline_double"
    if env.get("math_markup") == "mathml":
        markup = latex_to_mathml(formula.latex, display=display)
        if markup is not None:
            return f"<p>{markup}</p>\n" if display and not inside_text else markup
        return formula_html(formula, None, src="")
    cache = env.get("math")
    found = cache.lookup(formula) if cache is not None else None
    color = env.get("math_color")
    if color and isinstance(found, MathImage):
        src = found.data_uri(color)
    else:
        src = resource_name(formula, env.get("math_ink", "#000000"))
    shown = formula_html(formula, found, src=src, centred=not inside_text)
    if inside_text and isinstance(found, MathImage):
        return f"<br />{shown}<br />"  # on a line of its own, inside the paragraph
    return shown + ("\n" if display and not inside_text else "")
