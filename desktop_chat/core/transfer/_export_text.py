"""Conversations and messages as Markdown or plain text (exports and the copy commands).

Attached files are written beside the document by the file writer; here each message names its
files and, when the writer says where it put them (``links``: hash to relative path), links them:
images as Markdown images, other files as links. File names are untrusted and escaped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token

from desktop_chat.core.history.models import Conversation, Message
from desktop_chat.core.transfer._export_common import (
    attachment_caption,
    close_open_fence,
    export_path,
    fence,
    format_time,
    hidden_versions_note,
    role_label,
    status_note,
    tool_call_heading,
    tool_call_parts,
    version_label,
)

__all__ = [
    "UNTITLED",
    "Links",
    "markdown_to_text",
    "message_markdown",
    "message_text",
    "to_markdown",
    "to_text",
]

UNTITLED = "Untitled conversation"
#: Where an export put each attached file, by hash: a path relative to the document.
Links = Mapping[str, str]
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~-])")

_parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _title(conversation: Conversation) -> str:
    return " ".join(conversation.title.split()) or UNTITLED


def _header_lines(conversation: Conversation) -> list[str]:
    lines = []
    if conversation.model:
        lines.append(f"Model: {conversation.model}")
    lines.append(f"Date: {format_time(conversation.created_at)}")
    return lines


def _status_note(message: Message) -> str:
    note = status_note(message)
    return f"({note.lower()})" if note else ""


def message_markdown(message: Message) -> str:
    """Return a message's content as Markdown, with any code fence a cut-off left open closed."""
    return close_open_fence(message.content)


def _escape_markdown(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _markdown_files(message: Message, links: Links | None) -> list[str]:
    lines = []
    for item in message.attachments:
        caption = _escape_markdown(attachment_caption(item))
        target = links.get(item.sha256) if links and item.sha256 else None
        if target is None:
            lines.append(f"*Attached: {caption}*")
        elif item.kind == "image":
            lines.append(f"![{_escape_markdown(item.name)}](<{target}>)")
        else:
            lines.append(f"*Attached:* [{caption}](<{target}>)")
    return lines


def _heading(message: Message, version: tuple[int, int] | None) -> str:
    label = version_label(version)
    return f"{role_label(message.role)} ({label})" if label else role_label(message.role)


def _message_section(
    message: Message, links: Links | None = None, version: tuple[int, int] | None = None
) -> str:
    parts = [f"## {_heading(message, version)}"]
    if message.reasoning:
        reasoning = close_open_fence(message.reasoning)
        parts.append(f"<details><summary>Thinking</summary>\n\n{reasoning}\n\n</details>")
    for call in message.tool_calls:
        arguments, result = tool_call_parts(call)
        parts.append(f"**{_escape_markdown(tool_call_heading(call))}**")
        parts.append(fence(arguments, "json"))
        if result:
            parts.append(fence(result, "text"))
    if message.content.strip():
        parts.append(message_markdown(message).strip("\n"))
    parts.extend(_markdown_files(message, links))
    note = _status_note(message)
    if note:
        parts.append(f"*{note}*")
    if message.error:
        parts.append(fence(message.error, "text"))
    return "\n\n".join(parts)


def to_markdown(
    conversation: Conversation,
    messages: Sequence[Message],
    links: Links | None = None,
    *,
    all_versions: bool = False,
) -> str:
    """Return the shown path of a conversation (or every version of it) as Markdown.

    Args:
        conversation: the conversation (title, model, date and current leaf are used).
        messages: every message of the conversation; only root .. current leaf is written,
            unless ``all_versions``.
        links: where attached files were written, by hash (relative to the document).
        all_versions: write every version of every message, each followed by what came after
            it, headed "version 2 of 3".
    """
    header = [
        f"# {_title(conversation)}",
        "\n".join(f"- {line}" for line in _header_lines(conversation)),
    ]
    note = hidden_versions_note(conversation, messages, all_versions=all_versions)
    if note:
        header.append(f"*{note}*")
    path = export_path(conversation, messages, all_versions=all_versions)
    if conversation.system_prompt and not (path and path[0].message.role == "system"):
        header.append(f"## System\n\n{close_open_fence(conversation.system_prompt)}")
    sections = header + [_message_section(entry.message, links, entry.version) for entry in path]
    return "\n\n".join(sections) + "\n"


def markdown_to_text(markdown: str) -> str:
    """Return what ``markdown`` reads as: no markup, code kept verbatim, list markers kept."""
    out: list[str] = []
    list_stack: list[list[int]] = []  # per open list: [is_ordered, next_number]
    for token in _parser.parse(markdown):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            start = int(token.attrGet("start") or 1) if kind == "ordered_list_open" else 0
            list_stack.append([kind == "ordered_list_open", start])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            list_stack.pop()
            if not list_stack:
                out.append("\n")
        elif kind == "list_item_open" and list_stack:
            ordered, number = list_stack[-1]
            indent = "  " * (len(list_stack) - 1)
            out.append(f"{indent}{number}. " if ordered else f"{indent}- ")
            if ordered:
                list_stack[-1][1] += 1
        elif kind == "inline":
            out.append(_inline_text(token))
        elif kind in ("paragraph_close", "heading_close"):
            out.append("\n" if list_stack else "\n\n")
        elif kind in ("fence", "code_block"):
            out.append(token.content if token.content.endswith("\n") else token.content + "\n")
            out.append("\n")
        elif kind in ("th_close", "td_close"):
            out.append("\t")
        elif kind in ("tr_close", "table_close"):
            out.append("\n")
        elif kind == "hr":
            out.append("----\n\n")
    text = "".join(out).replace("\t\n", "\n")
    return text.strip("\n")


def _inline_text(token: Token) -> str:
    pieces = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            pieces.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            pieces.append("\n")
        elif child.type == "image":
            pieces.append(child.content)
    return "".join(pieces)


def message_text(message: Message) -> str:
    """Return a message's content as plain text (what a reader sees, without Markdown marks)."""
    return markdown_to_text(message.content)


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" if line else "" for line in text.splitlines())


def to_text(
    conversation: Conversation,
    messages: Sequence[Message],
    links: Links | None = None,
    *,
    all_versions: bool = False,
) -> str:
    """Return the shown path of a conversation as plain text (the arguments as for Markdown)."""
    title = _title(conversation)
    blocks = [f"{title}\n{'=' * min(len(title), 72)}\n" + "\n".join(_header_lines(conversation))]
    note = hidden_versions_note(conversation, messages, all_versions=all_versions)
    if note:
        blocks.append(note)
    path = export_path(conversation, messages, all_versions=all_versions)
    if conversation.system_prompt and not (path and path[0].message.role == "system"):
        blocks.append(f"System:\n{conversation.system_prompt.strip()}")
    for entry in path:
        message = entry.message
        lines = [f"{_heading(message, entry.version)}:"]
        if message.reasoning:
            lines.append("  Thinking:\n" + _indent(markdown_to_text(message.reasoning)) + "\n")
        for call in message.tool_calls:
            arguments, result = tool_call_parts(call)
            lines.append(f"  {tool_call_heading(call)}")
            lines.append("    Arguments:\n" + _indent(_indent(arguments)))
            if result:
                lines.append("    Result:\n" + _indent(_indent(result)))
        if message.content:
            lines.append(message_text(message))
        for item in message.attachments:
            target = links.get(item.sha256) if links and item.sha256 else None
            where = f" -> {target}" if target else ""
            lines.append(f"Attached: {' '.join(attachment_caption(item).split())}{where}")
        note = _status_note(message)
        if note:
            lines.append(note)
        if message.error:
            lines.append(f"Error: {message.error}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"
