"""Putting messages, code blocks and whole conversations on the system clipboard.

The text itself comes from :mod:`desktop_chat.core.transfer.export` (the same code as the
exports), so a copied message reads exactly as it does in an exported file. Rich text goes on
the clipboard as HTML and plain text together, so a rich editor gets formatting and a plain one
gets clean text. A user's message is shown literally, so it is also copied literally.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from enum import Enum
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QGuiApplication

from desktop_chat.core.history.models import USER_ROLE, Conversation, Message

if TYPE_CHECKING:
    from desktop_chat.core.transfer.export import RichText

__all__ = [
    "CopyFormat",
    "copy_code_block",
    "copy_conversation",
    "copy_message",
    "copy_rich_text",
    "copy_text",
    "message_copy_text",
]


class CopyFormat(Enum):
    """How a message is copied."""

    MARKDOWN = "markdown"
    PLAIN = "plain"
    RICH = "rich"


def copy_text(text: str) -> None:
    """Put plain ``text`` on the clipboard."""
    QGuiApplication.clipboard().setText(text)


def copy_rich_text(rich: RichText) -> None:
    """Put HTML and its plain-text twin on the clipboard as one item."""
    data = QMimeData()
    data.setHtml(rich.html)
    data.setText(rich.plain)
    QGuiApplication.clipboard().setMimeData(data)


def _as_message(role: str, content: str) -> Message:
    return Message(0, 0, None, "system" if role == "system" else "assistant", content)


def _literal_rich_text(text: str) -> RichText:
    from desktop_chat.core.transfer.export import RichText  # noqa: PLC0415 - loaded when first used

    paragraphs = "".join(
        f"<p>{html.escape(part).replace(chr(10), '<br>')}</p>" for part in text.split("\n\n")
    )
    return RichText(html=paragraphs, plain=text)


def message_copy_text(role: str, content: str, kind: CopyFormat) -> RichText | str:
    """Return what copying a message puts on the clipboard: a string, or rich text.

    Args:
        role: the message's role; a user's message is taken literally, not as Markdown.
        content: the message's text (its Markdown source for replies).
        kind: the format asked for.
    """
    if role == USER_ROLE:
        return _literal_rich_text(content) if kind is CopyFormat.RICH else content
    from desktop_chat.core.transfer.export import (  # noqa: PLC0415 - loaded when first used
        message_markdown,
        message_rich_text,
        message_text,
    )

    message = _as_message(role, content)
    if kind is CopyFormat.MARKDOWN:
        return message_markdown(message)
    if kind is CopyFormat.PLAIN:
        return message_text(message)
    return message_rich_text(message)


def copy_message(role: str, content: str, kind: CopyFormat) -> None:
    """Copy one message in the format asked for (see :func:`message_copy_text`)."""
    value = message_copy_text(role, content, kind)
    if isinstance(value, str):
        copy_text(value)
    else:
        copy_rich_text(value)


def copy_code_block(markdown: str, index: int) -> bool:
    """Copy code block ``index`` (counted as the ``copy-code:<n>`` links count); False if none."""
    from desktop_chat.core.markdown.render import code_blocks  # noqa: PLC0415 - loaded when first used

    blocks = code_blocks(markdown)
    if not 0 <= index < len(blocks):
        return False
    copy_text(blocks[index])
    return True


def copy_conversation(conversation: Conversation, messages: Sequence[Message]) -> None:
    """Copy the conversation's shown path as one Markdown document."""
    from desktop_chat.core.transfer.export import conversation_markdown  # noqa: PLC0415 - loaded when first used

    copy_text(conversation_markdown(conversation, messages))
