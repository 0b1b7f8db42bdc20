"""The lossless JSON format: one conversation with its whole branch tree and every stored field.

::

    {"format": "desktop-chat-conversation", "version": 1,
     "conversation": {"id": 3, "title": ..., "current_leaf_id": 12, ...},
     "messages": [{"id": 10, "parent_id": null, "role": "user", ...}, ...]}

Ids are the exporting database's; an import gives the conversation new ids and keeps the tree.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from desktop_chat.core._json_values import has_type
from desktop_chat.core.errors import ImportExportError
from desktop_chat.core.history.models import ROLES, STATUSES, Conversation, Message
from desktop_chat.core.history.timestamps import valid_seconds
from desktop_chat.core.transfer._import_types import ImportedConversation, ImportedMessage

__all__ = [
    "CONVERSATION_FIELDS",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "MESSAGE_FIELDS",
    "is_own_format",
    "parse_own_json",
    "to_json",
]

FORMAT_NAME = "desktop-chat-conversation"
FORMAT_VERSION = 1

# Field name -> accepted JSON types, and whether null is allowed. Ids are handled apart.
_NUMBER = (int, float)
CONVERSATION_FIELDS: dict[str, tuple[tuple[type, ...], bool]] = {
    "title": ((str,), False),
    "created_at": (_NUMBER, False),
    "updated_at": (_NUMBER, False),
    "pinned": ((bool,), False),
    "provider": ((str,), False),
    "model": ((str,), False),
    "system_prompt": ((str,), False),
    "draft": ((str,), False),
    "deleted_at": (_NUMBER, True),
}
MESSAGE_FIELDS: dict[str, tuple[tuple[type, ...], bool]] = {
    "role": ((str,), False),
    "content": ((str,), False),
    "reasoning": ((str,), False),
    "model": ((str,), False),
    "provider": ((str,), False),
    "created_at": (_NUMBER, False),
    "finish_reason": ((str,), True),
    "usage": ((dict,), True),
    "ttft_ms": (_NUMBER, True),
    "duration_ms": (_NUMBER, True),
    "status": ((str,), False),
    "error": ((str,), True),
}
# A time no date can be made of would break every reader of the database: it refuses the file.
_TIME_FIELDS = frozenset({"created_at", "updated_at", "deleted_at"})


def to_json(conversation: Conversation, messages: Sequence[Message]) -> str:
    """Return a conversation and all its messages (every branch) as JSON text."""
    ordered = sorted(messages, key=lambda message: message.id)
    document = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "conversation": dataclasses.asdict(conversation),
        "messages": [dataclasses.asdict(message) for message in ordered],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def is_own_format(document: Any) -> bool:
    """Tell whether a decoded JSON document claims to be this format."""
    return isinstance(document, Mapping) and document.get("format") == FORMAT_NAME


def _checked_fields(
    record: Mapping[str, Any],
    schema: Mapping[str, tuple[tuple[type, ...], bool]],
    where: str,
    path: Path,
) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, (types, nullable) in schema.items():
        if name not in record:
            continue
        value = record[name]
        if value is None and nullable:
            fields[name] = None
            continue
        if name in _TIME_FIELDS and valid_seconds(value) is None:
            raise ImportExportError(
                f"{path.name}: {where} has an invalid '{name}' value: "
                "not a date from 1970 to 9999.",
                path=path,
            )
        if not has_type(value, types):
            raise ImportExportError(
                f"{path.name}: {where} has an invalid '{name}' value.", path=path
            )
        fields[name] = value
    return fields


def _key(value: Any, where: str, path: Path) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ImportExportError(f"{path.name}: {where} has a missing or invalid id.", path=path)
    return str(value)


def parse_own_json(document: Any, path: Path) -> ImportedConversation:
    """Read one conversation in this format, checking every field.

    Raises:
        ImportExportError: the document is another version, or malformed anywhere.
    """
    if not is_own_format(document):
        raise ImportExportError(f"{path.name}: not a Desktop Chat conversation file.", path=path)
    if document.get("version") != FORMAT_VERSION:
        raise ImportExportError(
            f"{path.name}: format version {document.get('version')!r} is not supported "
            f"(this program reads version {FORMAT_VERSION}).",
            path=path,
        )
    conversation = document.get("conversation")
    records = document.get("messages")
    if not isinstance(conversation, Mapping) or not isinstance(records, list):
        raise ImportExportError(
            f"{path.name}: the 'conversation' or 'messages' part is missing.", path=path
        )
    conversation_fields = _checked_fields(
        conversation, CONVERSATION_FIELDS, "the conversation", path
    )
    messages: dict[str, ImportedMessage] = {}
    for index, record in enumerate(records):
        where = f"message {index + 1}"
        if not isinstance(record, Mapping):
            raise ImportExportError(f"{path.name}: {where} is not an object.", path=path)
        key = _key(record.get("id"), where, path)
        if key in messages:
            raise ImportExportError(f"{path.name}: message id {key} appears twice.", path=path)
        parent = record.get("parent_id")
        parent_key = None if parent is None else _key(parent, where, path)
        fields = _checked_fields(record, MESSAGE_FIELDS, where, path)
        role, status = fields.get("role"), fields.get("status", "complete")
        # A frozenset lookup of a list would raise TypeError: check the type first.
        if not isinstance(role, str) or role not in ROLES:
            raise ImportExportError(f"{path.name}: {where} has an unknown role.", path=path)
        if not isinstance(status, str) or status not in STATUSES:
            raise ImportExportError(f"{path.name}: {where} has an unknown status.", path=path)
        messages[key] = ImportedMessage(key=key, parent_key=parent_key, fields=fields)
    ordered = _parents_first(messages, path)
    leaf = conversation.get("current_leaf_id")
    leaf_key = None if leaf is None else _key(leaf, "the conversation's current leaf", path)
    if leaf_key is not None and leaf_key not in messages:
        raise ImportExportError(
            f"{path.name}: the current message {leaf_key} is not among the messages.", path=path
        )
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return ImportedConversation(
        fingerprint="desktop-chat:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        fields=conversation_fields,
        messages=ordered,
        current_leaf_key=leaf_key,
    )


def _parents_first(messages: Mapping[str, ImportedMessage], path: Path) -> list[ImportedMessage]:
    children: dict[str | None, list[ImportedMessage]] = {}
    for message in messages.values():
        if message.parent_key is not None and message.parent_key not in messages:
            raise ImportExportError(
                f"{path.name}: message {message.key} names a parent that is not in the file.",
                path=path,
            )
        children.setdefault(message.parent_key, []).append(message)
    ordered: list[ImportedMessage] = []
    pending = list(reversed(children.get(None, [])))
    while pending:
        message = pending.pop()
        ordered.append(message)
        pending.extend(reversed(children.get(message.key, [])))
    if len(ordered) != len(messages):
        raise ImportExportError(f"{path.name}: the messages' parent links form a loop.", path=path)
    return ordered
