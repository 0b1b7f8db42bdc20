"""Markdown to HTML for the transcript, in the subset Qt's ``QTextDocument`` understands.

Replies are untrusted text, so the parser comes from
:mod:`desktop_chat.core.markdown._markdown_safety`:
raw HTML is escaped, images become plain links (nothing remote is ever fetched), and only
``http``, ``https`` and ``mailto`` links survive; any other link is reduced to its text. Styling
is inline (Qt's rich text has no CSS classes). Code blocks are highlighted with Pygments and get a
header with their language and a ``Copy`` link whose href is ``copy-code:<n>``, n counting the
message's code blocks from 0 in the order :func:`code_blocks` returns them.

:class:`IncrementalRenderer` is the streaming path: Markdown blocks that can no longer change are
rendered once and handed out once, and only the open last block is re-rendered per delta.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.tasklists import tasklists_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter

from desktop_chat.core.markdown._markdown_safety import MAX_NESTING, builtin_lexer, safe_parser
from desktop_chat.core.markdown.math import MathCache

__all__ = [
    "COPY_SCHEME",
    "MAX_NESTING",
    "IncrementalRenderer",
    "Palette",
    "RenderUpdate",
    "code_blocks",
    "palette",
    "render_markdown",
]

COPY_SCHEME = "copy-code"
_MAX_HIGHLIGHT_CHARS = 200_000
# Above this many characters the open block is re-parsed only after it grew by _REPARSE_GROWTH,
# so a single huge block (a long table or code listing) costs linear time in total, not quadratic.
LARGE_BLOCK_CHARS = 2048
_REPARSE_GROWTH = 1.1
_FREE_CUT_CHECK_CHARS = 1024


@dataclass(frozen=True, slots=True)
class Palette:
    """The colours of one theme.

    Attributes:
        pygments_style: the Pygments style for code.
        code_background: background of code blocks and inline code.
        code_header: background of a code block's header row.
        muted: secondary text (code language label, block quotes).
        link: link colour.
        border: table and code block borders.
        text: the colour of text (and of formulas).
    """

    pygments_style: str
    code_background: str
    code_header: str
    muted: str
    link: str
    border: str
    text: str


_LIGHT = Palette("default", "#f6f8fa", "#eaeef2", "#57606a", "#0969da", "#d0d7de", "#1f2328")
_DARK = Palette("github-dark", "#161b22", "#21262d", "#8b949e", "#58a6ff", "#30363d", "#e6edf3")


def palette(dark: bool) -> Palette:
    """The colours used for the light or dark transcript."""
    return _DARK if dark else _LIGHT


@dataclass(frozen=True, slots=True)
class RenderUpdate:
    """What the transcript must change after a delta.

    Attributes:
        finished_html: HTML of blocks completed by this delta: append it once, it never changes.
        tail_html: HTML of the still-open last block: replace the previous tail with it. While
            a long open block waits for its next re-parse this is the very same string object as
            in the previous update, so a view can tell that only ``tail_text`` changed.
        tail_text: the newest text of a long open block, not parsed yet: show it as plain text
            after ``tail_html`` ("" when everything is rendered).
    """

    finished_html: str
    tail_html: str
    tail_text: str = ""


@functools.lru_cache(maxsize=4)
def _formatter(style: str) -> Any:
    return HtmlFormatter(style=style, noclasses=True, nowrap=True)


def _highlight(code: str, language: str, colors: Palette) -> str:
    lexer = (
        builtin_lexer(language, stripnl=False, ensurenl=False)
        if language and len(code) <= _MAX_HIGHLIGHT_CHARS
        else None
    )
    if lexer is None:
        return html.escape(code, quote=False)
    return str(highlight(code, lexer, _formatter(colors.pygments_style)))


def _colors(env: EnvType) -> Palette:
    return _DARK if env.get("dark") else _LIGHT


def _render_code(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    colors = _colors(env)
    index = env.get("code_index", 0)
    env["code_index"] = index + 1
    language = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
    code = token.content.removesuffix("\n")
    body = _highlight(code, language, colors).removesuffix("\n")
    label = html.escape(language) if language else "text"
    return (
        f'<table width="100%" cellspacing="0" cellpadding="6" border="1" '
        f'style="border-color:{colors.border}; border-style:solid; border-collapse:collapse; '
        f'background-color:{colors.code_background}; margin-top:4px; margin-bottom:4px;">'
        f'<tr><td width="90%" style="background-color:{colors.code_header};">'
        f'<span style="color:{colors.muted};">{label}</span></td>'
        f'<td align="right" style="background-color:{colors.code_header};">'
        f'<a href="{COPY_SCHEME}:{index}" style="color:{colors.link};">Copy</a></td></tr>'
        # Long lines wrap inside the block: a message cannot scroll sideways, and a line wider
        # than the column would be cut off, with the block's Copy link pushed out of sight.
        f'<tr><td colspan="2"><pre style="margin:0; white-space:pre-wrap;">{body}</pre></td></tr>'
        "</table>\n"
    )


def _render_code_inline(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    colors = _colors(env)
    text = html.escape(tokens[idx].content, quote=False)
    return f'<code style="background-color:{colors.code_background};">{text}</code>'


def _link_attributes(env: EnvType) -> str:
    return f' style="color:{_colors(env).link};"'


def _image_label(self: Any, token: Token, options: OptionsDict, env: EnvType) -> str:
    alt = self.renderInlineAsText(token.children or [], options, env) or "image"
    return html.escape(f"[image: {alt}]", quote=False)


def _render_html_inline(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # With html disabled the only raw HTML tokens are the task-list checkboxes; Qt has no <input>.
    content = tokens[idx].content
    if 'type="checkbox"' in content:
        return "\u2611" if "checked" in content else "\u2610"
    return html.escape(content, quote=False)


def _render_table_open(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    colors = _colors(env)
    return (
        f'<table border="1" cellspacing="0" cellpadding="4" '
        f'style="border-color:{colors.border}; border-style:solid; border-collapse:collapse; '
        f'margin-top:4px; margin-bottom:4px;">\n'
    )


def _render_cell_open(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    style = str(token.attrGet("style") or "")
    align = style.removeprefix("text-align:") if style.startswith("text-align:") else ""
    attribute = f' align="{html.escape(align)}"' if align in ("left", "center", "right") else ""
    return f"<{token.tag}{attribute}>"


def _render_blockquote_open(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # Qt's rich text draws no border beside a block: a thin first cell is the quote bar.
    colors = _colors(env)
    return (
        '<table cellspacing="0" cellpadding="0" style="margin-top:4px; margin-bottom:4px;">'
        f'<tr><td width="3" style="background-color:{colors.border};"></td>'
        f'<td style="padding-left:10px; color:{colors.muted};">\n'
    )


def _render_blockquote_close(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return "</td></tr></table>\n"


def _task_lists_without_bullets(state: StateCore) -> None:
    # A task list item shows its checkbox; a bullet in front of it would be one mark too many.
    for token in state.tokens:
        if token.type == "bullet_list_open" and "contains-task-list" in str(
            token.attrGet("class") or ""
        ):
            token.attrSet("style", "list-style-type:none;")


def _strip_classes(state: StateCore) -> None:
    # Qt's rich text ignores class attributes; dropping them keeps the HTML to what is shown.
    for token in state.tokens:
        if token.attrs:
            token.attrs.pop("class", None)
        for child in token.children or ():
            if child.attrs:
                child.attrs.pop("class", None)


@functools.lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = safe_parser(
        render_code=_render_code, link_attributes=_link_attributes, image_label=_image_label
    )
    md.use(tasklists_plugin)
    md.core.ruler.push("task_lists_without_bullets", _task_lists_without_bullets)
    md.core.ruler.push("strip_classes", _strip_classes)
    md.add_render_rule("code_inline", _render_code_inline)
    md.add_render_rule("html_inline", _render_html_inline)
    md.add_render_rule("html_block", _render_html_inline)
    md.add_render_rule("table_open", _render_table_open)
    md.add_render_rule("th_open", _render_cell_open)
    md.add_render_rule("td_open", _render_cell_open)
    md.add_render_rule("blockquote_open", _render_blockquote_open)
    md.add_render_rule("blockquote_close", _render_blockquote_close)
    return md


def _env(dark: bool, code_index: int = 0, math: MathCache | None = None) -> dict[str, Any]:
    env: dict[str, Any] = {"dark": dark, "code_index": code_index}
    if math is not None:
        env["math"] = math
        env["math_ink"] = palette(dark).text
    return env


def _render_tokens(tokens: Sequence[Token], env: dict[str, Any]) -> str:
    md = _markdown()
    return str(md.renderer.render(tokens, md.options, env))


def render_markdown(text: str, *, dark: bool = False, math: MathCache | None = None) -> str:
    """Render untrusted Markdown to safe HTML for ``QTextDocument``.

    Args:
        text: the Markdown (CommonMark plus tables, strikethrough, task lists and formulas).
        dark: use the dark theme's colours and code style.
        math: where typeset formulas are found (as ``math:`` resources); without it, and for
            formulas not typeset yet, the source is shown.
    """
    env = _env(dark, math=math)
    return _render_tokens(_markdown().parse(text, env), env)


def code_blocks(text: str) -> list[str]:
    """The raw code of each code block of ``text``, in the order of the ``copy-code:<n>`` links."""
    return [
        token.content.removesuffix("\n")
        for token in _markdown().parse(text)
        if token.type in ("fence", "code_block")
    ]


def _top_level_starts(tokens: Sequence[Token]) -> list[tuple[int, int]]:
    """(token index, first source line) of each top-level block."""
    return [
        (index, token.map[0])
        for index, token in enumerate(tokens)
        if token.level == 0 and token.nesting >= 0 and token.map is not None
    ]


class IncrementalRenderer:
    """Renders a reply while it streams, re-rendering only its open last block.

    The text is cut where Markdown itself cuts it: after each delta that completes a line, the
    open part is parsed and every top-level block before the last one is final (a later line can
    only extend the last block or start a new one). Final blocks are rendered once and returned
    once in ``finished_html``; the rest is re-rendered as ``tail_html``. The concatenation of
    every ``finished_html`` (including the one from :meth:`finish`) equals
    ``render_markdown(full_text)``, except that a link reference definition only applies to the
    blocks rendered after it arrived.

    Cost: each delta re-parses only the open block. While that block is longer than
    ``LARGE_BLOCK_CHARS``, it is re-parsed only once it has grown by a tenth; in between, the
    update carries the block's last rendering unchanged and the newest text as ``tail_text``, to be
    shown unformatted after it, so a long code listing costs little per delta.

    Args:
        dark: use the dark theme's colours and code style.
        math: where typeset formulas are found (see :func:`render_markdown`).
    """

    def __init__(self, *, dark: bool = False, math: MathCache | None = None) -> None:
        self.dark = dark
        self.math = math
        self._open = ""  # text not yet handed out as finished blocks
        self._pending_cr = False
        self._code_index = 0  # code blocks already handed out
        self._text_parts: list[str] = []
        self._parsed_chars = 0  # length of the open text at its last full parse
        self._parsed_html = ""
        self._checked_chars = 0  # length of the open text when finished blocks were last sought

    @property
    def text(self) -> str:
        """All the text received so far (line endings normalised)."""
        return "".join(self._text_parts) + self._open

    @property
    def open_text(self) -> str:
        """The text not yet handed out as finished blocks (the open last block, mostly)."""
        return self._open

    def append(self, delta: str) -> RenderUpdate:
        """Add ``delta`` and return what changed."""
        if self._pending_cr:
            delta = "\r" + delta
            self._pending_cr = False
        if delta.endswith("\r"):
            # "\r\n" may be split across deltas; wait for the next one to decide.
            delta = delta[:-1]
            self._pending_cr = True
        delta = delta.replace("\r\n", "\n").replace("\r", "\n")
        self._open += delta
        size = len(self._open)
        if size > LARGE_BLOCK_CHARS and size < self._parsed_chars * _REPARSE_GROWTH:
            return RenderUpdate("", self._parsed_html, self._open[self._parsed_chars :])
        finished = self._cut_finished_blocks() if self._may_cut(delta, size) else ""
        self._parsed_html = self._render_open()
        self._parsed_chars = len(self._open)
        return RenderUpdate(finished, self._parsed_html)

    def finish(self) -> RenderUpdate:
        """End the message: everything still open is returned as finished."""
        if self._pending_cr:
            self._open += "\n"
            self._pending_cr = False
        env = _env(self.dark, self._code_index, self.math)
        finished = _render_tokens(_markdown().parse(self._open, env), env)
        self._code_index = env["code_index"]
        self._text_parts.append(self._open)
        self._open = ""
        self._parsed_chars = 0
        self._parsed_html = ""
        self._checked_chars = 0
        return RenderUpdate(finished, "")

    def _render_open(self) -> str:
        if not self._open:
            return ""
        env = _env(self.dark, self._code_index, self.math)
        return _render_tokens(_markdown().parse(self._open, env), env)

    def _may_cut(self, delta: str, size: int) -> bool:
        """Whether to look for finished blocks now.

        Looking late is always correct (the open part just stays longer), so beyond a small size
        the search runs only when a blank line arrived or the open part grew by a tenth.
        """
        if "\n" not in delta:
            return size > LARGE_BLOCK_CHARS
        if size <= _FREE_CUT_CHECK_CHARS or size >= self._checked_chars * _REPARSE_GROWTH:
            return True
        return "\n\n" in self._open[max(0, size - len(delta) - 1) :]

    def _cut_finished_blocks(self) -> str:
        self._checked_chars = len(self._open)
        complete = self._open[: self._open.rfind("\n") + 1]
        env = _env(self.dark, self._code_index, self.math)
        tokens = _markdown().parse(complete, env)
        starts = _top_level_starts(tokens)
        if len(starts) < 2:
            return ""
        last_token, last_line = starts[-1]
        html_out = _render_tokens(tokens[:last_token], env)
        self._code_index = env["code_index"]
        cut = _line_offset(complete, last_line)
        self._text_parts.append(self._open[:cut])
        self._open = self._open[cut:]
        return html_out


def _line_offset(text: str, line: int) -> int:
    """Character offset where ``line`` (0-based) of ``text`` begins."""
    offset = 0
    for _ in range(line):
        offset = text.index("\n", offset) + 1
    return offset
