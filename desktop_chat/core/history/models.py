"""The records the conversation database keeps: conversations, messages and search hits.

These are plain frozen dataclasses: snapshots read from ``core.storage``. Changing one means asking
the storage to write the change and reading the new snapshot back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, get_args

__all__ = [
    "ELLIPSIS",
    "FILE_HIT_PREFIX",
    "HIGHLIGHT_END",
    "HIGHLIGHT_START",
    "ROLES",
    "STATUSES",
    "Attachment",
    "Conversation",
    "Message",
    "Role",
    "SearchHit",
    "Status",
    "UsageInput",
    "UsageLike",
    "usage_dict",
]

Role = Literal["system", "user", "assistant"]
Status = Literal["complete", "streaming", "interrupted", "error"]

ROLES: frozenset[str] = frozenset(get_args(Role))
STATUSES: frozenset[str] = frozenset(get_args(Status))

#: Markers around each matched word in :attr:`SearchHit.snippet`. They are control characters that
#: never occur in typed text; the UI escapes the snippet as text, then turns them into <b> and </b>.
HIGHLIGHT_START = "\x02"
HIGHLIGHT_END = "\x03"
#: Marks text cut from either end of a snippet.
ELLIPSIS = "…"
#: Starts the snippet of a hit on an attached file's name.
FILE_HIT_PREFIX = "Attached file: "


class UsageLike(Protocol):
    """Anything carrying token counts the way ``core.api.Usage`` does."""

    @property
    def prompt_tokens(self) -> int: ...

    @property
    def completion_tokens(self) -> int: ...

    @property
    def total_tokens(self) -> int: ...


UsageInput = Mapping[str, Any] | UsageLike | None


def usage_dict(usage: UsageInput) -> dict[str, Any] | None:
    """Return token usage as the plain dictionary the database stores.

    Accepts None, a mapping (copied as is) or an object with ``prompt_tokens``,
    ``completion_tokens`` and ``total_tokens`` attributes such as ``core.api.Usage``.
    """
    if usage is None:
        return None
    if isinstance(usage, Mapping):
        return dict(usage)
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file attached to a message, as stored: what a chip shows, not the bytes themselves.

    The bytes, the text sent and the thumbnail are read from the storage by ``sha256``.

    Attributes:
        name: the file's name as shown (untrusted: show it as plain text).
        sha256: the hex SHA-256 naming the stored bytes; None for a file an import could not
            find (a placeholder).
        kind: ``"image"``, ``"text"``, ``"pdf"``, or ``"missing"`` for a placeholder.
        mime: the MIME type of the stored bytes.
        size: how many bytes are stored.
        chars: how many characters of text are sent (text files and PDFs).
        pages: a PDF's page count, else None.
        width: an image's width in pixels, else None.
        height: an image's height in pixels, else None.
    """

    name: str
    sha256: str | None
    kind: str = "missing"
    mime: str = ""
    size: int = 0
    chars: int = 0
    pages: int | None = None
    width: int | None = None
    height: int | None = None

    @property
    def missing(self) -> bool:
        """Whether this is a placeholder for a file that was not found."""
        return self.sha256 is None


@dataclass(frozen=True, slots=True)
class Message:
    """One message of a conversation; messages form a tree through ``parent_id``.

    Attributes:
        id: database id; larger ids are newer.
        conversation_id: the conversation it belongs to.
        parent_id: the message it answers or follows, None for the first message.
        role: ``"system"``, ``"user"`` or ``"assistant"``.
        content: the text.
        reasoning: the model's reasoning text, when the provider streams one ("" otherwise).
        model: the model that wrote it (assistant) or was selected when it was sent (user).
        provider: the provider id or name used.
        created_at: seconds since the epoch.
        finish_reason: why generation stopped (``"stop"``, ``"length"`` ...), None when unknown.
        usage: token counts ``{"prompt_tokens", "completion_tokens", "total_tokens"}`` or None.
        ttft_ms: milliseconds from sending to the first token, None when unknown.
        duration_ms: milliseconds from sending to the end of the reply, None when unknown.
        status: ``"complete"``, ``"streaming"``, ``"interrupted"`` or ``"error"``.
        error: the error's sentence when ``status`` is ``"error"``, else None.
        attachments: the files attached to it, in order.
    """

    id: int
    conversation_id: int
    parent_id: int | None
    role: Role
    content: str = ""
    reasoning: str = ""
    model: str = ""
    provider: str = ""
    created_at: float = 0.0
    finish_reason: str | None = None
    usage: dict[str, Any] | None = None
    ttft_ms: float | None = None
    duration_ms: float | None = None
    status: Status = "complete"
    error: str | None = None
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True)
class Conversation:
    """A conversation and the state the window restores for it.

    Attributes:
        id: database id.
        title: shown in the list; "" until one is given or generated.
        created_at: seconds since the epoch.
        updated_at: seconds since the epoch of the last message added; orders the list.
        pinned: pinned conversations are listed first.
        provider: provider id used for new replies.
        model: model used for new replies.
        system_prompt: sent first with every request ("" for none).
        draft: unsent composer text.
        current_leaf_id: the last message of the branch on screen, None when empty.
        deleted_at: when it was moved to the trash, None when not deleted.
        temperature: the sampling temperature sent with its replies, None for the server's.
        max_tokens: the reply length limit sent with its replies, None for the server's.
    """

    id: int
    title: str = ""
    created_at: float = 0.0
    updated_at: float = 0.0
    pinned: bool = False
    provider: str = ""
    model: str = ""
    system_prompt: str = ""
    draft: str = ""
    current_leaf_id: int | None = None
    deleted_at: float | None = None
    temperature: float | None = None
    max_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One full-text search result.

    Attributes:
        conversation_id: the conversation matched.
        message_id: the message matched, or None when the conversation's title matched.
        title: the conversation's title.
        snippet: the matching text with each matched word between :data:`HIGHLIGHT_START` and
            :data:`HIGHLIGHT_END`; cut ends are marked with :data:`ELLIPSIS`.
        role: the matched message's role, None for a title hit.
        created_at: when the message was written (for a title hit: the conversation's last update).
        version: (position, count) among the versions of the matched message when it has
            others (regenerated replies, edited questions), else None.
    """

    conversation_id: int
    message_id: int | None
    title: str
    snippet: str
    role: Role | None = None
    created_at: float = 0.0
    version: tuple[int, int] | None = None
