"""The items that ``ChatClient.stream_chat`` yields, re-exported by its module, ``api``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ContentDelta:
    """A piece of the reply text."""

    text: str


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    """A piece of the model's visible reasoning (``reasoning_content``, ``reasoning`` ...)."""

    text: str


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """A piece of a tool call; pieces with the same ``index`` belong to one call."""

    index: int
    id: str | None
    name: str | None
    arguments: str


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts the server reported for the whole exchange."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


@dataclass(frozen=True, slots=True)
class Finished:
    """The reply ended normally: ``reason`` is ``"stop"``, ``"length"``, ``"tool_calls"`` ..."""

    reason: str


@dataclass(frozen=True, slots=True)
class Cancelled:
    """The caller cancelled; always the last item of a cancelled stream."""


StreamEvent = ContentDelta | ReasoningDelta | ToolCallDelta | Usage | Finished | Cancelled
