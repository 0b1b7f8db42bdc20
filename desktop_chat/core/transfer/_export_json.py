"""The lossless JSON format: one conversation with its whole branch tree and every stored field.

::

    {"format": "desktop-chat-conversation", "version": 1,
     "conversation": {"id": 3, "title": ..., "current_leaf_id": 12, ...},
     "messages": [{"id": 10, "parent_id": null, "role": "user", ...,
                   "attachments": [{"name": "shot.png", "sha256": "9f2c...", ...}],
                   "tool_calls": [{"call_id": "call_1", "name": "current_time", ...}]}, ...],
     "files": {"9f2c...": {"kind": "image", "mime": "image/png", "data": "<base64>",
                           "text": "", "pages": null, "width": 800, "height": 600}}}

Ids are the exporting database's; an import gives the conversation new ids and keeps the tree.
Each attached file is written once, in ``files``, under the SHA-256 of its bytes; an import checks
the hash, the kind and the limits before it stores a file. A reference whose ``sha256`` is null
is a file that was missing already (a placeholder). Files are optional: a reader that does not
know them still reads the conversation.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from desktop_chat.core._json_values import has_type
from desktop_chat.core.attachments.prepare import PreparedAttachment, restore
from desktop_chat.core.errors import AttachmentError, ImportExportError
from desktop_chat.core.history.models import (
    ROLES,
    STATUSES,
    Attachment,
    Conversation,
    Message,
    tool_calls_from_values,
)
from desktop_chat.core.history.storage import NewAttachment
from desktop_chat.core.history.timestamps import valid_seconds
from desktop_chat.core.transfer._export_common import FileSource
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


def _files(messages: Sequence[Message], source: FileSource) -> dict[str, Any]:
    files: dict[str, Any] = {}
    for message in messages:
        for item in message.attachments:
            if item.sha256 is None or item.sha256 in files:
                continue
            files[item.sha256] = {
                "kind": item.kind,
                "mime": item.mime,
                "pages": item.pages,
                "width": item.width,
                "height": item.height,
                "text": source.attachment_text(item.sha256),
                "data": base64.b64encode(source.attachment_data(item.sha256)).decode("ascii"),
            }
    return files


def to_json(
    conversation: Conversation, messages: Sequence[Message], files: FileSource | None = None
) -> str:
    """Return a conversation and all its messages (every branch) as JSON text.

    With ``files``, the attached files' bytes and text are written too (lossless).
    """
    ordered = sorted(messages, key=lambda message: message.id)
    document: dict[str, Any] = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "conversation": dataclasses.asdict(conversation),
        "messages": [dataclasses.asdict(message) for message in ordered],
    }
    if files is not None and any(message.attachments for message in ordered):
        document["files"] = _files(ordered, files)
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


def _optional_count(entry: Mapping[str, Any], name: str) -> int | None:
    value = entry.get(name)
    if value is None:
        return None
    if not has_type(value, (int,)) or value < 0:
        raise ValueError(name)
    return int(value)


def _restored_file(sha256: str, entry: Any) -> PreparedAttachment:
    """The file ``files[sha256]`` of a document, checked; its name is set per reference.

    Raises:
        ValueError: the entry is malformed or its bytes do not have that hash.
        AttachmentError: it breaks a limit of attachments.
    """
    if not isinstance(entry, Mapping):
        raise ValueError("not an object")
    kind, mime, text, data = (entry.get(k) for k in ("kind", "mime", "text", "data"))
    if not (isinstance(kind, str) and isinstance(mime, str) and isinstance(data, str)):
        raise ValueError("kind, mime or data")
    if not isinstance(text, str):
        raise ValueError("text")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("data is not base64") from None
    if hashlib.sha256(raw).hexdigest() != sha256:
        raise ValueError("its bytes do not have the hash it is filed under")
    return restore(
        "file",
        kind,
        mime,
        raw,
        text,
        pages=_optional_count(entry, "pages"),
        width=_optional_count(entry, "width"),
        height=_optional_count(entry, "height"),
    )


class _Files:
    """The ``files`` of a document, each checked once, handed out per reference."""

    def __init__(self, files: Any, path: Path) -> None:
        if files is not None and not isinstance(files, Mapping):
            raise ImportExportError(f"{path.name}: the 'files' part is not an object.", path=path)
        self._raw: Mapping[str, Any] = files or {}
        self._done: dict[str, PreparedAttachment] = {}
        self._path = path

    def references(self, record: Mapping[str, Any], where: str) -> list[NewAttachment]:
        listed = record.get("attachments", [])
        if not isinstance(listed, list):
            raise ImportExportError(
                f"{self._path.name}: {where} has invalid attachments.", path=self._path
            )
        found: list[NewAttachment] = []
        for item in listed:
            name = item.get("name") if isinstance(item, Mapping) else None
            sha256 = item.get("sha256") if isinstance(item, Mapping) else None
            if not isinstance(name, str) or not (sha256 is None or isinstance(sha256, str)):
                raise ImportExportError(
                    f"{self._path.name}: {where} has an invalid attachment.", path=self._path
                )
            if sha256 is None or sha256 not in self._raw:
                found.append(Attachment(name, None))  # shown as not found
                continue
            found.append(dataclasses.replace(self._file(sha256), name=name))
        return found

    def _file(self, sha256: str) -> PreparedAttachment:
        if sha256 not in self._done:
            try:
                self._done[sha256] = _restored_file(sha256, self._raw[sha256])
            except ValueError as error:
                raise ImportExportError(
                    f"{self._path.name}: the attached file {sha256[:12]} is damaged ({error}).",
                    path=self._path,
                ) from None
            except AttachmentError as error:
                raise ImportExportError(
                    f"{self._path.name}: an attached file is refused: {error.message}",
                    path=self._path,
                ) from None
        return self._done[sha256]


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
    files = _Files(document.get("files"), path)
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
        calls = record.get("tool_calls", [])
        if not isinstance(calls, list):
            raise ImportExportError(f"{path.name}: {where} has invalid tool calls.", path=path)
        fields["tool_calls"] = tool_calls_from_values(calls)
        messages[key] = ImportedMessage(
            key=key,
            parent_key=parent_key,
            fields=fields,
            attachments=files.references(record, where),
        )
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
