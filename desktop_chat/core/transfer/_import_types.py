"""What every importer produces before anything is written: conversations as plain data.

Parsing a file and storing its conversations are separate steps, so a file that fails to
parse leaves the database untouched.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from desktop_chat.core.history.storage import NewAttachment

__all__ = ["ImportedConversation", "ImportedMessage"]


@dataclass(slots=True)
class ImportedMessage:
    """One message read from a file.

    Attributes:
        key: the message's id in the file (any string, unique within the conversation).
        parent_key: the key of its parent, or None for a root message. Parents always come
            before their children in :attr:`ImportedConversation.messages`.
        fields: the message's stored fields (role, content, reasoning, created_at ...).
        attachments: its files, ready to store (placeholders for files not found).
    """

    key: str
    parent_key: str | None
    fields: dict[str, Any]
    attachments: list[NewAttachment] = field(default_factory=list)


@dataclass(slots=True)
class ImportedConversation:
    """One conversation read from a file.

    Attributes:
        fingerprint: identifies this conversation's content, so importing it again is a no-op.
        fields: the conversation's stored fields (title, created_at, model ...).
        messages: every message, the whole branch tree, parents first.
        current_leaf_key: the key of the message the window shows last, or None.
        skipped: what was left out, counted by reason ("tool output", "image" ...).
    """

    fingerprint: str
    fields: dict[str, Any]
    messages: list[ImportedMessage]
    current_leaf_key: str | None
    skipped: Counter[str] = field(default_factory=Counter)
