"""Helpers every export format shares: the shown path, dates, role names, code fences, and the
files attached to messages (where their bytes come from, and safe names to write them under)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timezone
from typing import Protocol

from desktop_chat.core.attachments.prepare import clean_name, summary
from desktop_chat.core.history.models import Attachment, Conversation, Message, ToolCall
from desktop_chat.core.history.timestamps import stored_datetime

__all__ = [
    "ROLE_LABELS",
    "ExportedMessage",
    "FileSource",
    "attachment_caption",
    "attachment_file_name",
    "close_open_fence",
    "export_path",
    "fence",
    "format_time",
    "hidden_versions_note",
    "role_label",
    "shown_path",
    "status_note",
    "tool_call_heading",
    "tool_call_parts",
    "version_label",
]

#: What every export says under a reply that did not end normally.
_STATUS_NOTES = {
    "interrupted": "Reply interrupted",
    "error": "Reply failed",
    "streaming": "Reply incomplete",
}

ROLE_LABELS = {"system": "System", "user": "User", "assistant": "Assistant"}

_UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


class FileSource(Protocol):
    """Where an export reads attached files from (the storage)."""

    def attachment_data(self, sha256: str) -> bytes:
        """The stored bytes of a file."""

    def attachment_text(self, sha256: str) -> str:
        """The text sent for a text file or a PDF."""


def attachment_file_name(attachment: Attachment) -> str:
    """A name to write an attached file under: unique by its hash, safe on every system.

    The file's own name is untrusted (``../``, reserved names, odd characters): only letters,
    digits, dots, dashes and underscores are kept, after the first 8 characters of its hash.
    """
    safe = _UNSAFE_FILE_CHARS.sub("_", clean_name(attachment.name)).strip("._") or "file"
    prefix = (attachment.sha256 or "missing")[:8]
    return f"{prefix}-{safe[-100:]}"


def attachment_caption(attachment: Attachment) -> str:
    """How an export names a file beside its link: the name, size and pages."""
    if attachment.missing:
        return f"{attachment.name} (not found when imported)"
    detail = summary(attachment.kind, attachment.size, pages=attachment.pages)
    return f"{attachment.name} ({detail})"


_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_BACKTICK_RUN = re.compile(r"`+")


def role_label(role: str) -> str:
    """Return the heading a message's role is shown under (unknown roles as written)."""
    return ROLE_LABELS.get(role, role.capitalize() or "Message")


def status_note(message: Message) -> str:
    """The words for a reply that did not end normally (interrupted, failed, incomplete), or ""."""
    return _STATUS_NOTES.get(message.status, "")


def format_time(epoch: float) -> str:
    """Return ``epoch`` as ``YYYY-MM-DD HH:MM UTC`` (UTC so an export reads the same anywhere)."""
    moment = stored_datetime(epoch, timezone.utc)
    return "unknown date" if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


def shown_path(conversation: Conversation, messages: Sequence[Message]) -> list[Message]:
    """Return the messages the window shows: root .. ``current_leaf_id``.

    When the leaf is unset or unknown, the newest message stands in for it, so an export never
    comes out empty while the conversation has messages. A parent cycle (only possible in a
    damaged database) ends the walk instead of looping.
    """
    by_id = {message.id: message for message in messages}
    leaf = by_id.get(conversation.current_leaf_id) if conversation.current_leaf_id else None
    if leaf is None:
        if not messages:
            return []
        leaf = max(messages, key=lambda message: (message.created_at, message.id))
    path: list[Message] = []
    seen: set[int] = set()
    current: Message | None = leaf
    while current is not None and current.id not in seen:
        seen.add(current.id)
        path.append(current)
        current = by_id.get(current.parent_id) if current.parent_id is not None else None
    path.reverse()
    return path


@dataclass(frozen=True, slots=True)
class ExportedMessage:
    """A message as an export writes it.

    Attributes:
        message: the message.
        version: (position, count) among its versions when every version is written and it has
            others, else None.
    """

    message: Message
    version: tuple[int, int] | None = None


def export_path(
    conversation: Conversation, messages: Sequence[Message], *, all_versions: bool = False
) -> list[ExportedMessage]:
    """The messages an export writes: the path on screen, or with ``all_versions`` every
    message, each version followed by what came after it (depth first, oldest version first).
    """
    if not all_versions:
        return [ExportedMessage(message) for message in shown_path(conversation, messages)]
    by_id = {message.id: message for message in messages}
    children: defaultdict[int | None, list[Message]] = defaultdict(list)
    for message in messages:
        parent = message.parent_id if message.parent_id in by_id else None
        children[parent].append(message)
    for group in children.values():
        group.sort(key=lambda message: (message.created_at, message.id))
    written: list[ExportedMessage] = []
    # An explicit stack: a long conversation is deeper than Python's recursion allows.
    stack: list[tuple[Message, tuple[int, int] | None]] = []

    def push_children(parent: int | None) -> None:
        group = children.get(parent, [])
        for position in range(len(group), 0, -1):
            version = (position, len(group)) if len(group) > 1 else None
            stack.append((group[position - 1], version))

    push_children(None)
    seen: set[int] = set()
    while stack:
        message, version = stack.pop()
        if message.id in seen:  # a parent cycle, only possible in a damaged file
            continue
        seen.add(message.id)
        written.append(ExportedMessage(message, version))
        push_children(message.id)
    return written


def version_label(version: tuple[int, int] | None) -> str:
    """``"version 2 of 3"``, or "" for a message with no other version."""
    return "" if version is None else f"version {version[0]} of {version[1]}"


def hidden_versions_note(
    conversation: Conversation, messages: Sequence[Message], *, all_versions: bool
) -> str:
    """The sentence at the top of an export that leaves other versions out, or ""."""
    if all_versions:
        return ""
    hidden = len(messages) - len(shown_path(conversation, messages))
    if hidden <= 0:
        return ""
    left_out = (
        "1 message from another version (an edited question or a regenerated reply) is"
        if hidden == 1
        else f"{hidden} messages from other versions (edited questions, regenerated replies "
        "and what followed them) are"
    )
    return (
        f"This export shows the versions that were on screen; {left_out} left out. Export "
        "with all versions to include them."
    )


def fence(text: str, info: str = "") -> str:
    """Wrap ``text`` in a backtick fence longer than any run of backticks inside it."""
    longest = max((len(run) for run in _BACKTICK_RUN.findall(text)), default=0)
    marker = "`" * max(3, longest + 1)
    body = text if text.endswith("\n") or not text else text + "\n"
    return f"{marker}{info}\n{body}{marker}"


def close_open_fence(markdown: str) -> str:
    """Close a code fence left open at the end of ``markdown``.

    A reply cut off inside a code block would otherwise swallow every message after it.
    """
    open_marker = ""
    for line in markdown.splitlines():
        match = _FENCE_OPEN.match(line)
        if match is None:
            continue
        marker = match.group(1)
        if not open_marker:
            # Backtick fences may not carry a backtick in their info string.
            if marker[0] == "`" and "`" in match.group(2):
                continue
            open_marker = marker
        elif (
            marker[0] == open_marker[0]
            and len(marker) >= len(open_marker)
            and not match.group(2).strip()
        ):
            open_marker = ""
    if not open_marker:
        return markdown
    separator = "" if markdown.endswith("\n") else "\n"
    return f"{markdown}{separator}{open_marker}"


def tool_call_heading(call: ToolCall) -> str:
    """ "Tool current_time (demo-tools): done, 12 ms" for a call (its name is the model's)."""
    server = f" ({call.server})" if call.server else ""
    took = f", {call.duration_ms} ms" if call.duration_ms is not None else ""
    status = {"cancelled": "stopped", "skipped": "not run"}.get(call.status, call.status)
    return f"Tool {' '.join(call.name.split())}{server}: {status}{took}"


def tool_call_parts(call: ToolCall) -> tuple[str, str]:
    """A call's arguments (indented JSON when they are JSON) and its result, as exported."""
    return call.pretty_arguments() or "{}", call.result
