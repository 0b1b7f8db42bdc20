"""Copying, exporting and importing conversations: the public surface.

Copy helpers (for the window's copy commands)::

    message_markdown(message) / message_text(message) / message_rich_text(message) -> RichText
    conversation_markdown(conversation, messages)

Exports take a conversation and *all* its messages (the branch tree as stored); the text
formats write the path on screen (root .. ``current_leaf_id``), JSON writes every branch::

    to_markdown / to_text / to_json / to_html (conversation, messages) -> str
    write_export([(conversation, messages), ...], fmt, output, pdf_writer=...) -> [Path]

Imports live in :mod:`desktop_chat.core.transfer.importers`.
"""

from __future__ import annotations

from desktop_chat.core.transfer._export_files import (
    EXTENSIONS,
    FORMATS,
    PdfWriter,
    render_text,
    slugify,
    unique_file_name,
    write_export,
)
from desktop_chat.core.transfer._export_html import RichText, message_rich_text, to_html
from desktop_chat.core.transfer._export_json import FORMAT_NAME, FORMAT_VERSION, to_json
from desktop_chat.core.transfer._export_text import (
    markdown_to_text,
    message_markdown,
    message_text,
    to_markdown,
    to_text,
)

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "PdfWriter",
    "RichText",
    "conversation_markdown",
    "markdown_to_text",
    "message_markdown",
    "message_rich_text",
    "message_text",
    "render_text",
    "slugify",
    "to_html",
    "to_json",
    "to_markdown",
    "to_text",
    "unique_file_name",
    "write_export",
]

#: The whole conversation (the path on screen) as Markdown, for "Copy conversation".
conversation_markdown = to_markdown
