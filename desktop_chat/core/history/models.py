"""The records the conversation database keeps: conversations, messages and search hits.

These are plain frozen dataclasses: snapshots read from ``core.storage``. Changing one means asking
the storage to write the change and reading the new snapshot back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal, Protocol, get_args

__all__ = [
    "ASSISTANT_ROLE",
    "ELLIPSIS",
    "FILE_HIT_PREFIX",
    "HIGHLIGHT_END",
    "HIGHLIGHT_START",
    "ROLES",
    "STATUSES",
    "TOOL_HIT_PREFIX",
    "USER_ROLE",
    "Attachment",
    "Conversation",
    "Message",
    "Role",
    "SearchHit",
    "Status",
    "ToolCall",
    "ToolCallStatus",
    "UsageInput",
    "UsageLike",
    "tool_calls_from_json",
    "tool_calls_from_values",
    "tool_calls_json",
    "usage_dict",
]

Role = Literal["system", "user", "assistant"]
Status = Literal["complete", "streaming", "interrupted", "error"]
ToolCallStatus = Literal[
    "pending", "asking", "running", "done", "failed", "declined", "cancelled", "skipped"
]

ROLES: frozenset[str] = frozenset(get_args(Role))
USER_ROLE: Role = "user"
ASSISTANT_ROLE: Role = "assistant"
STATUSES: frozenset[str] = frozenset(get_args(Status))

#: Markers around each matched word in :attr:`SearchHit.snippet`. They are control characters that
#: never occur in typed text; the UI escapes the snippet as text, then turns them into <b> and </b>.
HIGHLIGHT_START = "\x02"
HIGHLIGHT_END = "\x03"
#: Marks text cut from either end of a snippet.
ELLIPSIS = "…"
#: Starts the snippet of a hit on an attached file's name.
FILE_HIT_PREFIX = "Attached file: "
#: Starts the snippet of a hit on a tool call's name, arguments or result.
TOOL_HIT_PREFIX = "Tool "


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
class ToolCall:
    """A tool the model called while writing a reply, with what came of it.

    A reply that calls tools is one message: its calls are kept on it in order, grouped by
    ``step`` (each step is one completion that ended asking for tools). The request sent again
    is rebuilt from these, so Regenerate, branches and exports carry the whole turn.

    Attributes:
        call_id: the id the model gave the call (sent back with its result).
        name: the tool's name as the model called it (untrusted: show it as plain text).
        arguments: the arguments as the model wrote them: JSON text, possibly invalid.
        server: the tool server that ran it ("" when none offers the name).
        status: ``"pending"``, ``"asking"`` (waiting for the user), ``"running"``, ``"done"``,
            ``"failed"``, ``"declined"`` (by the user), ``"cancelled"`` (stopped) or
            ``"skipped"`` (the step limit was reached).
        result: the result text the model receives (untrusted), or why there is none.
        duration_ms: how long the tool ran, None when it did not.
        step: which completion of the reply asked for it, from 0.
        text_at: how much of the reply's text had arrived when the step asked for tools.
    """

    call_id: str
    name: str
    arguments: str = ""
    server: str = ""
    status: ToolCallStatus = "pending"
    result: str = ""
    duration_ms: int | None = None
    step: int = 0
    text_at: int = 0

    @property
    def finished(self) -> bool:
        """Whether the call has its final status."""
        return self.status not in ("pending", "asking", "running")

    def pretty_arguments(self) -> str:
        """The arguments as indented JSON, or as written when they are not JSON."""
        try:
            return json.dumps(json.loads(self.arguments), indent=2, ensure_ascii=False)
        except ValueError:
            return self.arguments

    def model_result(self) -> str:
        """The text the model receives for this call: the result, or the error in words."""
        if self.status == "done":
            return self.result
        if self.status == "declined":
            return "Error: the user declined to run this tool."
        if self.status == "cancelled":
            return "Error: the user stopped this tool call."
        return f"Error: {self.result}" if self.result else "Error: the tool did not run."


_TOOL_CALL_STATUSES = frozenset(get_args(ToolCallStatus))


def tool_calls_json(calls: Sequence[ToolCall]) -> str | None:
    """The stored form of a reply's tool calls (None for none)."""
    if not calls:
        return None
    return json.dumps([asdict(call) for call in calls], ensure_ascii=False)


def tool_calls_from_json(text: str | None) -> tuple[ToolCall, ...]:
    """Read stored tool calls back; anything malformed is left out rather than failing a read."""
    if not text:
        return ()
    try:
        values = json.loads(text)
    except ValueError:
        return ()
    return tool_calls_from_values(values)


def tool_calls_from_values(values: object) -> tuple[ToolCall, ...]:
    """Tool calls from decoded JSON (a list of objects); malformed entries are left out."""
    if not isinstance(values, list):
        return ()
    return tuple(call for value in values if (call := _tool_call(value)) is not None)


def _tool_call(value: object) -> ToolCall | None:
    if not isinstance(value, dict):
        return None
    texts = {name: value.get(name, "") for name in ("call_id", "name", "arguments", "server")}
    numbers = {name: value.get(name, 0) for name in ("step", "text_at")}
    duration = value.get("duration_ms")
    status = value.get("status", "pending")
    if (
        not all(isinstance(text, str) for text in texts.values())
        or not all(type(number) is int for number in numbers.values())
        or not isinstance(value.get("result", ""), str)
        or not (duration is None or type(duration) is int)
        or status not in _TOOL_CALL_STATUSES
    ):
        return None
    return ToolCall(
        texts["call_id"],
        texts["name"],
        texts["arguments"],
        texts["server"],
        status,
        value.get("result", ""),
        duration,
        numbers["step"],
        numbers["text_at"],
    )


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
        tool_calls: the tools a reply called, in order (see :class:`ToolCall`).
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
    tool_calls: tuple[ToolCall, ...] = ()


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
        tool_servers: the names of the tool servers its replies may use (none: no tools).
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
    tool_servers: tuple[str, ...] = ()


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
