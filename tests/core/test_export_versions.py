"""Exports of a conversation with other versions: said at the top, or every version written."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_chat.core.history.storage import Storage
from desktop_chat.core.transfer._export_common import export_path
from desktop_chat.core.transfer._export_files import render_text, write_export
from tests.fixtures.sample_conversation import sample


def test_every_version_is_written_each_followed_by_its_own_branch() -> None:
    conversation, messages = sample()
    entries = export_path(conversation, messages, all_versions=True)
    # 1 asks; 2 and 3 are its two answers; 4 and 5 follow 3 only.
    assert [(e.message.id, e.version) for e in entries] == [
        (1, None),
        (2, (1, 2)),
        (3, (2, 2)),
        (4, None),
        (5, None),
    ]
    shown = export_path(conversation, messages)
    assert [e.message.id for e in shown] == [1, 3, 4, 5]


@pytest.mark.parametrize("fmt", ["md", "txt", "html"])
def test_a_text_export_says_what_it_leaves_out_or_writes_it_all(fmt: str) -> None:
    conversation, messages = sample()
    shown = render_text(conversation, messages, fmt)
    assert "1 message from another version" in shown
    assert "An older answer on a side branch." not in shown
    every = render_text(conversation, messages, fmt, all_versions=True)
    assert "another version" not in every
    assert "An older answer on a side branch." in every
    assert "Assistant (version 1 of 2)" in every
    assert "Assistant (version 2 of 2)" in every


def test_a_conversation_without_other_versions_says_nothing_of_them(tmp_path: Path) -> None:
    with Storage.open(tmp_path / "c.sqlite3") as store:
        conversation = store.create_conversation("One way")
        question = store.add_message(conversation.id, None, "user", "hi")
        store.add_message(conversation.id, question.id, "assistant", "hello")
        messages = store.conversation_messages(conversation.id)
        current = store.get_conversation(conversation.id)
        assert current is not None
    for fmt in ("md", "txt", "html"):
        assert "version" not in render_text(current, messages, fmt).lower()


def test_a_long_conversation_is_walked_without_recursion(tmp_path: Path) -> None:
    with Storage.open(tmp_path / "c.sqlite3") as store:
        conversation = store.create_conversation("Deep")
        parent = None
        for index in range(3000):  # deeper than Python's recursion limit
            parent = store.add_message(conversation.id, parent, "user", f"m{index}").id
        messages = store.conversation_messages(conversation.id)
        current = store.get_conversation(conversation.id)
        assert current is not None
    entries = export_path(current, messages, all_versions=True)
    assert [e.message.content for e in entries] == [f"m{i}" for i in range(3000)]


def test_write_export_passes_the_choice_to_every_writer(tmp_path: Path) -> None:
    conversation, messages = sample()
    for output in (tmp_path / "one.md", tmp_path / "all.zip"):
        write_export([(conversation, messages)], "md", output, all_versions=True)
    assert "version 1 of 2" in (tmp_path / "one.md").read_text(encoding="utf-8")
