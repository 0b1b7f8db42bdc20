"""Conversations as one self-contained, script-free HTML file, and messages as rich text.

Everything the model wrote is untrusted: Markdown is rendered by the parser of
:mod:`desktop_chat.core.markdown._markdown_safety` (raw HTML disabled, only ``http``, ``https`` and
``mailto`` links survive, here with ``rel="noopener noreferrer"``, images become plain links), and
a Content-Security-Policy forbids scripts and every remote resource. Attached images are
embedded as ``data:`` URIs (the only images the policy allows); other files are listed by name.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.tasklists import tasklists_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers.special import TextLexer

from desktop_chat.core.history.models import Conversation, Message, ToolCall
from desktop_chat.core.markdown._markdown_safety import builtin_lexer, formulas_in, safe_parser
from desktop_chat.core.markdown.math import math_cache, typeset_missing
from desktop_chat.core.transfer._export_common import (
    FileSource,
    attachment_caption,
    close_open_fence,
    export_path,
    format_time,
    hidden_versions_note,
    role_label,
    status_note,
    tool_call_heading,
    tool_call_parts,
    version_label,
)
from desktop_chat.core.transfer._export_text import UNTITLED, markdown_to_text

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "DARK_CODE_STYLE",
    "LIGHT_CODE_STYLE",
    "MAX_HIGHLIGHT_CHARS",
    "TYPESETTING_BUDGET",
    "RichText",
    "markdown_fragment",
    "message_rich_text",
    "to_html",
    "typeset_for_pages",
]

CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
LIGHT_CODE_STYLE = "default"
DARK_CODE_STYLE = "monokai"
MAX_HIGHLIGHT_CHARS = 200_000
#: How long a PDF export may spend typesetting formulas the window has not typeset yet.
TYPESETTING_BUDGET = 10.0
# The colour of text, and of formulas, on a PDF page.
_PAGE_INK = "#1f2328"
# The widest an image is laid out on a PDF page, in pixels of Qt's layout.
_PAGED_IMAGE_WIDTH = 480

_PAGE_CSS = """
:root { color-scheme: light dark; --fg: #1f2328; --bg: #ffffff; --muted: #59636e;
  --user-bg: #eef3fb; --border: #d1d9e0; --code-bg: #f6f8fa; --link: #0969da; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 52rem; padding: 2rem 1.25rem; color: var(--fg);
  background: var(--bg); font: 16px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; }
header h1 { margin: 0 0 .25rem; font-size: 1.6rem; }
.meta { margin: 0 0 1.5rem; color: var(--muted); font-size: .9rem; }
.message { margin: 0 0 1rem; padding: .75rem 1rem; border: 1px solid var(--border);
  border-radius: 8px; }
.message.user { background: var(--user-bg); }
.role { margin: 0 0 .5rem; font-size: .8rem; letter-spacing: .04em; text-transform: uppercase;
  color: var(--muted); }
.note { color: var(--muted); font-style: italic; }
figure.attachment { margin: .5rem 0; }
figure.attachment img { max-width: 100%; height: auto; border-radius: 6px; }
figure.attachment figcaption, ul.attachments { color: var(--muted); font-size: .85rem; }
ul.contains-task-list { list-style: none; padding-left: 1.2rem; }
details.thinking { margin: 0 0 .75rem; color: var(--muted); }
.tool-call { margin: 0 0 .75rem; padding: .5rem .75rem; border: 1px solid var(--border);
  border-radius: 6px; background: var(--code-bg); }
.tool-heading { margin: 0 0 .25rem; font-size: .9rem; }
.tool-call pre { padding: .25rem 0; }
details.thinking summary { cursor: pointer; }
a { color: var(--link); }
pre, code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: .9em; }
code { background: var(--code-bg); padding: .1em .3em; border-radius: 4px; }
pre { margin: 0; padding: .75rem; overflow-x: auto; white-space: pre-wrap;
  word-wrap: break-word; }
pre code { background: none; padding: 0; }
.code { margin: .5rem 0; border: 1px solid var(--border); border-radius: 6px;
  background: var(--code-bg); }
.code .lang { padding: .2rem .75rem; font-size: .75rem; color: var(--muted);
  border-bottom: 1px solid var(--border); }
.code .highlight { background: none; }
table { border-collapse: collapse; }
th, td { border: 1px solid var(--border); padding: .25rem .5rem; }
blockquote { margin: .5rem 0; padding-left: 1rem; border-left: 3px solid var(--border);
  color: var(--muted); }
"""

_DARK_CSS = """
:root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --user-bg: #161b22;
  --border: #3d444d; --code-bg: #151b23; --link: #4493f8; }
"""

# Qt's rich-text engine (used for PDF) knows neither CSS variables nor media queries.
_PAGED_CSS = """
body { color: #1f2328; font-family: "DejaVu Sans", sans-serif; }
h1 { font-size: 18pt; margin-bottom: 2px; }
.meta { color: #59636e; font-size: 9pt; }
h2 { font-size: 10pt; color: #0b5cad; margin-top: 16px; margin-bottom: 4px; }
h2.role { text-transform: uppercase; }
.note { color: #59636e; font-style: italic; }
.lang { color: #59636e; font-size: 8pt; margin-top: 6px; }
pre { background-color: #f6f8fa; font-family: "DejaVu Sans Mono", monospace; font-size: 9pt;
  white-space: pre-wrap; }
code { background-color: #f0f2f4; font-family: "DejaVu Sans Mono", monospace; }
blockquote { color: #59636e; }
.thinking { color: #59636e; font-style: italic; }
a { color: #0969da; }
th, td { border: 1px solid #d1d9e0; padding: 3px; }
"""

_PRINT_CSS = """
@media print {
  :root { --fg: #000; --bg: #fff; --muted: #444; --user-bg: #fff; --border: #999;
    --code-bg: #fff; --link: #000; }
  body { max-width: none; padding: 0; font-size: 11pt; }
  .message { break-inside: avoid-page; }
  pre { white-space: pre-wrap; }
  a[href^="http"]::after { content: " (" attr(href) ")"; font-size: .8em; }
}
"""


@dataclass(frozen=True, slots=True)
class RichText:
    """A message for the clipboard: HTML for rich editors and the same text without markup."""

    html: str
    plain: str


def _code_block(code: str, language: str, *, inline_styles: bool) -> str:
    # Highlighting time grows with the code; a giant block is written plain instead.
    found = builtin_lexer(language) if len(code) <= MAX_HIGHLIGHT_CHARS else None
    lexer: Lexer = found if found is not None else TextLexer()
    formatter = HtmlFormatter(cssclass="highlight", noclasses=inline_styles, style=LIGHT_CODE_STYLE)
    label = f'<div class="lang">{html.escape(language)}</div>' if language else ""
    return f'<div class="code">{label}{highlight(code, lexer, formatter)}</div>\n'


def _build_parser(*, inline_styles: bool) -> MarkdownIt:
    def code(
        renderer: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        token = tokens[idx]
        language = token.info.strip().split(" ")[0] if token.info else ""
        return _code_block(token.content, language, inline_styles=inline_styles)

    parser = safe_parser(
        render_code=code,
        link_attributes=_link_attributes,
        image_label=_image_label,
        keep_unsafe_link_source=True,
    )
    parser.use(tasklists_plugin)
    parser.add_render_rule("html_inline", _task_box)
    if inline_styles:
        # Qt's rich text (PDF) draws cell borders only from the table's own attributes, and no
        # border beside a block: a quote's bar is a thin first cell.
        parser.add_render_rule("table_open", _BORDERED_TABLE)
        parser.add_render_rule("blockquote_open", _QUOTE_OPEN)
        parser.add_render_rule("blockquote_close", _QUOTE_CLOSE)
    return parser


def _fixed_markup(markup: str) -> Callable[..., str]:
    """A render rule that writes ``markup`` whatever the token."""

    def rule(
        renderer: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return markup

    return rule


_QUOTE_OPEN = _fixed_markup(
    '<table cellspacing="0" cellpadding="0"><tr>'
    '<td width="3" style="background-color:#d1d9e0;"></td>'
    '<td style="padding-left:10px; color:#59636e;">\n'
)
_QUOTE_CLOSE = _fixed_markup("</td></tr></table>\n")
_BORDERED_TABLE = _fixed_markup(
    '<table border="1" cellspacing="0" cellpadding="4" '
    'style="border-collapse:collapse; border-color:#d1d9e0;">\n'
)


def _task_box(
    renderer: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # With raw HTML off, the only HTML tokens are the task-list plugin's checkboxes.
    checked = "checked" in tokens[idx].content
    if env.get("paged"):
        return "\u2611" if checked else "\u2610"  # Qt's rich text has no <input>
    return f'<input type="checkbox" disabled{" checked" if checked else ""}>'


def _link_attributes(env: EnvType) -> str:
    return ' rel="noopener noreferrer"'


def _image_label(renderer: Any, token: Token, options: OptionsDict, env: EnvType) -> str:
    return html.escape(token.content or str(token.attrGet("src") or ""))


_class_parser = _build_parser(inline_styles=False)
_inline_parser = _build_parser(inline_styles=True)


def markdown_fragment(markdown: str, *, inline_styles: bool = False, paged: bool = False) -> str:
    """Return untrusted Markdown as a safe HTML fragment.

    Args:
        markdown: the text to render; raw HTML in it is shown as text.
        inline_styles: colour code with ``style`` attributes (for the clipboard, where no
            style sheet travels along) instead of CSS classes.
        paged: for Qt's rich-text engine (PDF): formulas as the images of the application's
            typeset formulas (see :func:`typeset_for_pages`), checkboxes as characters; else
            formulas as MathML, which browsers and editors draw in their own colours.
    """
    parser = _inline_parser if inline_styles or paged else _class_parser
    env: dict[str, Any] = {"paged": paged}
    if paged:
        env.update(math=math_cache(), math_color=_PAGE_INK)
    else:
        env["math_markup"] = "mathml"
    return str(parser.render(close_open_fence(markdown), env))


def typeset_for_pages(texts: Iterable[str], *, budget: float = TYPESETTING_BUDGET) -> None:
    """Typeset the formulas of ``texts`` that the application has not typeset yet, for a PDF,
    within ``budget`` seconds (a formula not done by then stays as its source)."""
    formulas = [f for text in texts for f in formulas_in(_inline_parser, text)]
    typeset_missing(formulas, math_cache(), budget=budget)


def message_rich_text(message: Message) -> RichText:
    """Return a message for the clipboard as an (HTML, plain text) pair."""
    return RichText(
        html=markdown_fragment(message.content, inline_styles=True),
        plain=markdown_to_text(message.content),
    )


def _style_sheet(*, paged: bool) -> str:
    if paged:
        return _PAGED_CSS
    light_code = str(HtmlFormatter(style=LIGHT_CODE_STYLE).get_style_defs(".highlight"))
    css = _PAGE_CSS + light_code + "\n"
    dark_code = str(HtmlFormatter(style=DARK_CODE_STYLE).get_style_defs(".highlight"))
    css += f"@media (prefers-color-scheme: dark) {{\n{_DARK_CSS}{dark_code}\n}}\n"
    return css + _PRINT_CSS


def _attachments_html(message: Message, files: FileSource | None, *, paged: bool) -> str:
    figures: list[str] = []
    listed: list[str] = []
    for item in message.attachments:
        caption = html.escape(attachment_caption(item))
        if item.kind == "image" and item.sha256 is not None and files is not None:
            data = base64.b64encode(files.attachment_data(item.sha256)).decode("ascii")
            source = f"data:{html.escape(item.mime)};base64,{data}"
            width = ""
            if paged and item.width:
                width = f' width="{min(item.width, _PAGED_IMAGE_WIDTH)}"'
            figures.append(
                f'<figure class="attachment"><img src="{source}" alt="{html.escape(item.name)}"'
                f"{width}><figcaption>{caption}</figcaption></figure>"
            )
        else:
            listed.append(f"<li>{caption}</li>")
    block = "".join(figures)
    if listed:
        block += f'<ul class="attachments">{"".join(listed)}</ul>'
    return block


def _tool_call_html(call: ToolCall) -> str:
    """A tool call as a block of escaped text: what the model and the server wrote stays inert."""
    arguments, result = tool_call_parts(call)
    block = [
        '<div class="tool-call">',
        f'<p class="tool-heading"><strong>{html.escape(tool_call_heading(call))}</strong></p>',
        f"<pre><code>{html.escape(arguments)}</code></pre>",
    ]
    if result:
        block.append(f'<pre class="tool-result"><code>{html.escape(result)}</code></pre>')
    block.append("</div>")
    return "".join(block)


def _message_html(
    message: Message,
    *,
    paged: bool,
    files: FileSource | None = None,
    version: tuple[int, int] | None = None,
) -> str:
    role = html.escape(message.role)
    label = version_label(version)
    heading = role_label(message.role) + (f" ({label})" if label else "")
    parts = [
        f'<section class="message {role}">',
        f'<h2 class="role">{html.escape(heading)}</h2>',
    ]
    if message.reasoning:
        reasoning = markdown_fragment(message.reasoning, inline_styles=paged, paged=paged)
        if paged:
            # Qt has no <details>; on paper the thinking is set off as a quotation instead.
            label = "<p><strong>Thinking</strong></p>"
            parts.append(f'<blockquote class="thinking">{label}{reasoning}</blockquote>')
        else:
            parts.append(
                f'<details class="thinking"><summary>Thinking</summary>{reasoning}</details>'
            )
    parts += [_tool_call_html(call) for call in message.tool_calls]
    if message.content:
        content = markdown_fragment(message.content, inline_styles=paged, paged=paged)
        parts.append(f'<div class="content">{content}</div>')
    if message.attachments:
        parts.append(_attachments_html(message, files, paged=paged))
    note = status_note(message)
    if note:
        if message.error:
            note += f": {message.error}"
        parts.append(f'<p class="note">{html.escape(note)}</p>')
    parts.append("</section>")
    return "\n".join(parts)


def to_html(
    conversation: Conversation,
    messages: Sequence[Message],
    *,
    paged: bool = False,
    files: FileSource | None = None,
    all_versions: bool = False,
) -> str:
    """Return the shown path of a conversation as one self-contained HTML document.

    Args:
        conversation: the conversation to write.
        messages: every message of the conversation; only root .. current leaf is written.
        paged: write the page for Qt's rich-text engine (PDF): light colours only, code
            coloured inline, and none of the CSS (variables, media queries) Qt ignores.
        files: where attached images are read from, to embed them (None lists them by name).
        all_versions: write every version of every message (see ``to_markdown``).
    """
    title = html.escape(" ".join(conversation.title.split()) or UNTITLED)
    meta = []
    if conversation.model:
        meta.append(f"Model: {html.escape(conversation.model)}")
    meta.append(f"Date: {html.escape(format_time(conversation.created_at))}")
    path = export_path(conversation, messages, all_versions=all_versions)
    if paged:
        texts = [conversation.system_prompt]
        texts += [text for e in path for text in (e.message.content, e.message.reasoning)]
        typeset_for_pages(texts)
    body = []
    note = hidden_versions_note(conversation, messages, all_versions=all_versions)
    if note:
        body.append(f'<p class="note">{html.escape(note)}</p>')
    if conversation.system_prompt and not (path and path[0].message.role == "system"):
        prompt = markdown_fragment(conversation.system_prompt, inline_styles=paged, paged=paged)
        body.append(
            '<section class="message system"><h2 class="role">System</h2>'
            f'<div class="content">{prompt}</div>'
            "</section>"
        )
    body.extend(
        _message_html(entry.message, paged=paged, files=files, version=entry.version)
        for entry in path
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n"
        f"<style>\n{_style_sheet(paged=paged)}</style>\n"
        "</head>\n<body>\n"
        f'<header><h1>{title}</h1><p class="meta">{" · ".join(meta)}</p></header>\n'
        "<main>\n" + "\n".join(body) + "\n</main>\n</body>\n</html>\n"
    )
