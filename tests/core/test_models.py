"""The record types: defaults, immutability and the usage conversion."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pytest

from desktop_chat.core.history.models import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    Conversation,
    Message,
    SearchHit,
    usage_dict,
)


@dataclass(frozen=True)
class _Usage:
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


def test_usage_dict_accepts_none_mappings_and_usage_objects() -> None:
    assert usage_dict(None) is None
    source = {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}
    copied = usage_dict(source)
    assert copied == source
    assert copied is not source
    assert usage_dict(_Usage(4, 5, 9)) == {
        "prompt_tokens": 4,
        "completion_tokens": 5,
        "total_tokens": 9,
    }


def test_records_are_frozen_snapshots() -> None:
    message = Message(id=1, conversation_id=2, parent_id=None, role="user", content="hi")
    with pytest.raises(dataclasses.FrozenInstanceError):
        message.content = "changed"  # type: ignore[misc]
    assert message.status == "complete"
    assert message.usage is None
    conversation = Conversation(id=3)
    assert (conversation.pinned, conversation.current_leaf_id, conversation.deleted_at) == (
        False,
        None,
        None,
    )


def test_highlight_markers_are_control_characters_that_typing_cannot_produce() -> None:
    assert not HIGHLIGHT_START.isprintable()
    assert not HIGHLIGHT_END.isprintable()
    assert HIGHLIGHT_START != HIGHLIGHT_END
    hit = SearchHit(conversation_id=1, message_id=None, title="t", snippet="s")
    assert (hit.role, hit.created_at) == (None, 0.0)
