"""Conversations from ChatGPT's data export (``conversations.json``).

Each conversation holds a ``mapping`` of nodes ``{id, message, parent, children}``; the node named
by ``current_node`` ends the path ChatGPT showed. Every path is kept as a branch. Text is kept
(``text`` parts, and the string parts of ``multimodal_text``), plus ``thoughts`` nodes as the
reasoning of the reply that follows them, and the images and files a user uploaded: the
``asset_pointer`` parts of ``multimodal_text`` (``file-service://file-…`` or ``sediment://…``) and
the files listed in a message's ``metadata.attachments``. The data export zip holds those files
beside ``conversations.json``, named after their id; each is attached with the rules of any
attachment, and one that is missing or refused becomes a named placeholder. Hidden system nodes,
tool calls and outputs, code and anything unknown are skipped and counted. A missing field
never stops the import: the node or value is skipped or defaulted instead. A time that is there
but no date can be made of (past year 9999, before 1970, not a number) leaves its conversation
out, counted as "conversation with an impossible date": stored, it would break every reader.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from desktop_chat.core.attachments.prepare import prepare_data
from desktop_chat.core.errors import AttachmentError, ImportExportError
from desktop_chat.core.history.models import Attachment
from desktop_chat.core.history.storage import NewAttachment
from desktop_chat.core.history.timestamps import valid_seconds
from desktop_chat.core.transfer._import_types import ImportedConversation, ImportedMessage

__all__ = [
    "Assets",
    "looks_like_chatgpt",
    "parse_chatgpt_conversation",
    "parse_chatgpt_export",
]

#: Finds an uploaded file in the export by its id: its bytes and its name there, or None.
Assets = Callable[[str], tuple[bytes, str] | None]
_POINTER_SCHEMES = ("file-service://", "sediment://")

_FINISH_REASONS = {"stop": "stop", "max_tokens": "length", "interrupted": "stop"}
_IMPOSSIBLE_DATE = "conversation with an impossible date"


class _ImpossibleDateError(Exception):
    """A conversation holds a time no date can be made of; it is left out of the import."""


def looks_like_chatgpt(document: Any) -> bool:
    """Tell whether a decoded JSON document is a ChatGPT conversation list (or one conversation)."""
    if isinstance(document, Mapping):
        return "mapping" in document
    return isinstance(document, list) and (
        not document or any(isinstance(item, Mapping) and "mapping" in item for item in document)
    )


def _time(value: Any) -> float | None:
    """A time of the file in seconds, None when it is absent (null or missing).

    Raises:
        _ImpossibleDateError: the time is there, but no date can be made of it.
    """
    if value is None:
        return None
    seconds = valid_seconds(value)
    if seconds is None:
        raise _ImpossibleDateError
    return seconds


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _file_refs(message: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (file id, name) of each image or file the message carries, in order."""
    refs: dict[str, str] = {}
    metadata = message.get("metadata")
    listed = metadata.get("attachments") if isinstance(metadata, Mapping) else None
    names = {
        str(item.get("id")): _text(item.get("name"))
        for item in (listed if isinstance(listed, list) else [])
        if isinstance(item, Mapping) and isinstance(item.get("id"), str)
    }
    content = message.get("content")
    parts = content.get("parts") if isinstance(content, Mapping) else None
    for part in parts if isinstance(parts, list) else []:
        pointer = part.get("asset_pointer") if isinstance(part, Mapping) else None
        if isinstance(pointer, str):
            file_id = pointer
            for scheme in _POINTER_SCHEMES:
                file_id = file_id.removeprefix(scheme)
            if file_id:
                refs[file_id] = names.get(file_id, "")
    for file_id, name in names.items():
        refs.setdefault(file_id, name)
    return list(refs.items())


def _node_text(message: Mapping[str, Any], skipped: Counter[str]) -> tuple[str | None, str]:
    """Return (text, "") for a kept message, or (None, reason) for a skipped one.

    Parts that are neither text nor an uploaded file are counted in ``skipped``. A message
    with files and no text is kept with "".
    """
    author = message.get("author")
    role = _text(author.get("role")) if isinstance(author, Mapping) else ""
    metadata = message.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    content = message.get("content")
    content = content if isinstance(content, Mapping) else {}
    content_type = _text(content.get("content_type"))
    if role == "tool":
        return None, "tool output"
    if role not in ("user", "assistant", "system"):
        return None, "unknown author"
    if metadata.get("is_visually_hidden_from_conversation"):
        return None, "hidden"
    recipient = message.get("recipient")
    if isinstance(recipient, str) and recipient not in ("all", ""):
        return None, "tool call"
    parts = content.get("parts")
    parts = parts if isinstance(parts, list) else []
    if content_type == "text":
        texts = [part for part in parts if isinstance(part, str)]
    elif content_type == "multimodal_text":
        texts = [part for part in parts if isinstance(part, str)]
        pointers = sum(1 for p in parts if isinstance(p, Mapping) and "asset_pointer" in p)
        skipped["image or file"] += len(parts) - len(texts) - pointers
    elif content_type in ("code", "execution_output"):
        return None, "code or execution output"
    else:
        return None, f"{content_type or 'untyped'} content"
    text = "\n\n".join(part for part in texts if part)
    if not text.strip():
        if role == "user" and _file_refs(message):
            return "", ""
        return None, "hidden" if role == "system" else "empty"
    return text, ""


def _attached(refs: list[tuple[str, str]], assets: Assets | None) -> list[NewAttachment]:
    """The files of a message, prepared from the export; placeholders for the others."""
    found: list[NewAttachment] = []
    for file_id, name in refs:
        located = assets(file_id) if assets is not None else None
        if located is None:
            found.append(Attachment(name or file_id, None))
            continue
        data, member = located
        label = name or member.removeprefix(file_id).lstrip("-_") or member
        try:
            found.append(prepare_data(data, label))
        except (AttachmentError, InterruptedError):
            found.append(Attachment(label, None))
    return found


def _thoughts(message: Mapping[str, Any]) -> str:
    """Return the text of a reasoning node (content type ``thoughts``), "" for any other node."""
    content = message.get("content")
    if not isinstance(content, Mapping) or content.get("content_type") != "thoughts":
        return ""
    thoughts = content.get("thoughts")
    steps = thoughts if isinstance(thoughts, list) else []
    texts = [
        _text(step.get("content")) or _text(step.get("summary"))
        for step in steps
        if isinstance(step, Mapping)
    ]
    return "\n\n".join(text for text in texts if text)


def _earliest_time(mapping: Any) -> float | None:
    if not isinstance(mapping, Mapping):
        return None
    times = [
        stamp
        for node in mapping.values()
        if isinstance(node, Mapping)
        and isinstance(node.get("message"), Mapping)
        and (stamp := valid_seconds(node["message"].get("create_time"))) is not None
    ]
    return min(times, default=None)


def _message_fields(
    message: Mapping[str, Any], text: str, fallback_time: float, default_model: str
) -> dict[str, Any]:
    author = message.get("author")
    role = _text(author.get("role")) if isinstance(author, Mapping) else "user"
    metadata = message.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    created = _time(message.get("create_time"))
    finish = metadata.get("finish_details")
    finish_type = _text(finish.get("type")) if isinstance(finish, Mapping) else ""
    model = _text(metadata.get("model_slug")) if role == "assistant" else ""
    return {
        "role": role,
        "content": text,
        "reasoning": "",
        "model": model or (default_model if role == "assistant" else ""),
        "provider": "",
        "created_at": created if created is not None else fallback_time,
        "finish_reason": _FINISH_REASONS.get(finish_type) if role == "assistant" else None,
        "usage": None,
        "ttft_ms": None,
        "duration_ms": None,
        "status": "complete",
        "error": None,
    }


def _children(nodes: Mapping[str, Mapping[str, Any]]) -> dict[str | None, list[str]]:
    """Each node's children (None: the roots), in ChatGPT's own order where it gives one."""

    def parent_of(key: str) -> str | None:
        parent = nodes[key].get("parent")
        return str(parent) if isinstance(parent, (str, int)) and str(parent) in nodes else None

    children: dict[str | None, list[str]] = {}
    for key in nodes:
        children.setdefault(parent_of(key), []).append(key)
    for key, node in nodes.items():
        listed = node.get("children")
        if isinstance(listed, list) and key in children:
            rank = {str(child): position for position, child in enumerate(listed)}
            children[key].sort(key=lambda child: rank.get(child, len(rank)))
    return children


def _walk(
    nodes: Mapping[str, Mapping[str, Any]],
    created: float,
    default_model: str,
    skipped: Counter[str],
    assets: Assets | None = None,
) -> tuple[list[ImportedMessage], dict[str, str | None]]:
    """The messages kept, walking the tree from its roots, and each node's nearest kept one.

    Thoughts are carried down to the next assistant reply as its reasoning; a message with no
    time inherits its parent's. What cannot be kept is counted in ``skipped``.
    """
    children = _children(nodes)
    kept: list[ImportedMessage] = []
    kept_parent: dict[str, str | None] = {}  # node key -> nearest kept ancestor-or-self
    # (node, nearest kept ancestor, time to inherit, reasoning waiting for the next reply)
    pending: list[tuple[str, str | None, float, str]] = [
        (key, None, created, "") for key in reversed(children.get(None, []))
    ]
    visited: set[str] = set()
    while pending:
        key, inherited, stamp, thinking = pending.pop()
        if key in visited:
            continue
        visited.add(key)
        message = nodes[key].get("message")
        here = inherited
        # A node without a message is the invisible root ChatGPT puts above a conversation.
        if message is not None and not isinstance(message, Mapping):
            skipped["malformed node"] += 1
        elif message is not None and (thoughts := _thoughts(message)):
            thinking = f"{thinking}\n\n{thoughts}" if thinking else thoughts
        elif message is not None:
            text, reason = _node_text(message, skipped)
            if text is None:
                skipped[reason] += 1
            else:
                values = _message_fields(message, text, stamp, default_model)
                if values["role"] == "assistant":
                    values["reasoning"], thinking = thinking, ""
                stamp = values["created_at"]
                files = _attached(_file_refs(message), assets) if values["role"] == "user" else []
                kept.append(
                    ImportedMessage(key=key, parent_key=inherited, fields=values, attachments=files)
                )
                here = key
        kept_parent[key] = here
        pending.extend((child, here, stamp, thinking) for child in reversed(children.get(key, [])))
    skipped["unreachable node"] += len(nodes) - len(visited)
    return kept, kept_parent


def parse_chatgpt_conversation(
    item: Any, index: int, path: Path, assets: Assets | None = None
) -> ImportedConversation | None:
    """Read one conversation of the list; None when it holds no usable message at all.

    Raises:
        ImportExportError: the item is no conversation at all; the file is refused.
        _ImpossibleDateError: the conversation or a message kept has a time no date can be
            made of; the conversation is left out.
    """
    if not isinstance(item, Mapping):
        raise ImportExportError(
            f"{path.name}: conversation {index + 1} is not an object.", path=path
        )
    mapping = item.get("mapping")
    if not isinstance(mapping, Mapping):
        raise ImportExportError(
            f"{path.name}: conversation {index + 1} has no 'mapping' of messages.", path=path
        )
    # With no date at all, the import time is the least surprising one to show.
    created = _time(item.get("create_time")) or _earliest_time(item.get("mapping")) or time.time()
    updated = _time(item.get("update_time")) or created
    default_model = _text(item.get("default_model_slug"))
    skipped: Counter[str] = Counter()
    nodes = {str(key): node for key, node in mapping.items() if isinstance(node, Mapping)}
    skipped["malformed node"] += len(mapping) - len(nodes)
    kept, kept_parent = _walk(nodes, created, default_model, skipped, assets)
    if not kept:
        return None

    current = item.get("current_node")

    leaf = kept_parent.get(str(current)) if isinstance(current, (str, int)) else None
    if leaf is None:
        leaf = kept[-1].key
    title = " ".join(_text(item.get("title")).split())
    assistant_models = [m.fields["model"] for m in kept if m.fields["model"]]
    canonical = json.dumps(item, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    fields: dict[str, Any] = {
        "title": title,
        "created_at": created,
        "updated_at": max(updated, created),
        "pinned": False,
        "provider": "",
        "model": default_model or (assistant_models[-1] if assistant_models else ""),
        "system_prompt": "",
        "draft": "",
        "deleted_at": None,
    }
    return ImportedConversation(
        fingerprint="chatgpt:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        fields=fields,
        messages=kept,
        current_leaf_key=leaf,
        skipped=+skipped,
    )


def parse_chatgpt_export(
    document: Any, path: Path, assets: Assets | None = None
) -> tuple[list[ImportedConversation], int, Counter[str]]:
    """Read a ChatGPT conversation list (or a single conversation object).

    ``assets`` finds the uploaded files of the export (a zip); without it they become
    placeholders.

    Returns:
        The conversations, how many held no text at all and were skipped, and the ones left
        out for another reason, counted by reason.
    """
    items = [document] if isinstance(document, Mapping) else document
    if not isinstance(items, list):
        raise ImportExportError(f"{path.name}: not a ChatGPT conversation list.", path=path)
    conversations = []
    empty = 0
    refused: Counter[str] = Counter()
    for index, item in enumerate(items):
        try:
            parsed = parse_chatgpt_conversation(item, index, path, assets)
        except _ImpossibleDateError:
            refused[_IMPOSSIBLE_DATE] += 1
            continue
        if parsed is None:
            empty += 1
        else:
            conversations.append(parsed)
    return conversations, empty, refused
