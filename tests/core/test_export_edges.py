"""Export corners: line breaks in plain text, and a format that has no text form."""

from __future__ import annotations

import dataclasses

import pytest

from desktop_chat.core.history.models import Message
from desktop_chat.core.transfer._export_files import FORMATS, render_text
from desktop_chat.core.transfer.export import message_text, to_text
from tests.fixtures.sample_conversation import sample


def _said(content: str) -> Message:
    return Message(1, 1, None, "assistant", content)


def test_plain_text_keeps_the_line_breaks_of_the_markdown() -> None:
    # A single newline (soft break) and two trailing spaces or a backslash (hard breaks).
    assert message_text(_said("roses are *red*\nviolets are blue")) == (
        "roses are red\nviolets are blue"
    )
    assert message_text(_said("line one  \nline two\\\nline three")) == (
        "line one\nline two\nline three"
    )


def test_a_plain_text_export_keeps_a_poem_on_its_lines() -> None:
    conversation, messages = sample()
    leaf = next(m for m in messages if m.id == conversation.current_leaf_id)
    poem = dataclasses.replace(
        leaf, content="Tea leaves\nin hot water,\nslowly.", status="complete"
    )
    text = to_text(conversation, [*[m for m in messages if m.id != leaf.id], poem])
    assert "Tea leaves\nin hot water,\nslowly." in text


def test_only_text_formats_render_to_text() -> None:
    conversation, messages = sample()
    for fmt in ("md", "txt", "json", "html"):
        assert render_text(conversation, messages, fmt).strip()
    assert "pdf" in FORMATS
    with pytest.raises(ValueError, match="not a text format: 'pdf'"):
        render_text(conversation, messages, "pdf")
