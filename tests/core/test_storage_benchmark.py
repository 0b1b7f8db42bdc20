"""The history benchmark's generator, run small: it must build a sound database of that size."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from benchmarks import bench_history
from benchmarks.history_data import build
from desktop_chat.core.history.storage import Storage


def test_generated_database_is_sound_and_the_timings_run(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    info = build(path, conversations=20, messages=600, big=100, seed=3)
    assert (info.conversations, info.messages, info.big_conversation_id) == (20, 600, 1)
    assert not list(tmp_path.glob("*.building*"))
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        raw.execute("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')")
        raw.execute("INSERT INTO conversations_fts(conversations_fts) VALUES ('integrity-check')")
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        # Every parent is an earlier message of the same conversation.
        assert raw.execute(
            "SELECT count(*) FROM messages m JOIN messages p ON p.id = m.parent_id"
            " WHERE p.conversation_id != m.conversation_id OR p.id >= m.id"
        ).fetchone() == (0,)
        triggers = raw.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")
        assert triggers.fetchone() == (6,)
    finally:
        raw.close()
    with Storage.open(path) as storage:
        assert storage.backup_path is None
        conversations = storage.list_conversations()
        assert len(conversations) == 20
        assert sum(c.pinned for c in conversations) == 5
        assert len(storage.conversation_messages(1)) == 100
        branch = storage.current_path(1)
        assert branch[0].parent_id is None
        assert [m.role for m in branch[:2]] == ["user", "assistant"]
        assert storage.search("the")
        # The search triggers are back: new text is found at once.
        message = storage.add_message(1, branch[-1].id, "user", "zanzibar")
        assert [h.message_id for h in storage.search("zanzibar")] == [message.id]
    # What the figures are belongs to the benchmark; here each timed operation must run on a
    # database of this shape without raising.
    with Storage.open(path) as storage:
        bench_history.time_list(storage, None, repeat=1)
        bench_history.time_path(storage, 1, repeat=1)
        bench_history.time_search(storage, "the", repeat=1)
    bench_history.time_open(path, repeat=1)


def test_too_few_messages_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Too few messages"):
        build(tmp_path / "x.sqlite3", conversations=10, messages=20, big=10)
