"""Conversations and message trees in a real SQLite file: create, read, change, branch, delete."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop_chat.core.errors import StorageError
from desktop_chat.core.history import _claims
from desktop_chat.core.history import storage as storage_module
from desktop_chat.core.history.storage import Storage


@dataclass(frozen=True)
class _Usage:
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "conversations.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[Storage]:
    with Storage.open(db_path) as opened:
        yield opened
    _assert_integrity(db_path)


def _assert_integrity(path: Path) -> None:
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        for table in ("messages_fts", "conversations_fts"):
            connection.execute(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")
    finally:
        connection.close()


def test_public_surface_is_what_we_mean_to_export() -> None:
    assert sorted(storage_module.__all__) == [
        "NewAttachment",
        "OpenResult",
        "Storage",
        "drop_unused_files",
        "fts_query",
        "insert_attachments",
        "insert_message_row",
        "open_storage",
    ]


def test_open_creates_folder_and_a_wal_database_with_foreign_keys(db_path: Path) -> None:
    with Storage.open(db_path) as store:
        db = store._db
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("PRAGMA foreign_keys").fetchone() == (1,)
        assert db.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
        assert store.backup_path is None
    assert db_path.exists()


def test_conversation_round_trip_and_updates(store: Storage, db_path: Path) -> None:
    created = store.create_conversation(
        "Plans", provider="p1", model="m1", system_prompt="Be brief"
    )
    assert store.get_conversation(created.id) == created
    changed = store.update_conversation(created.id, title="Trip", pinned=True, draft="half a th")
    assert (changed.title, changed.pinned, changed.draft) == ("Trip", True, "half a th")
    assert changed.updated_at == created.updated_at  # renaming does not reorder the list
    store.close()
    with Storage.open(db_path) as reopened:
        assert reopened.get_conversation(created.id) == changed
    with pytest.raises(StorageError, match="closed"):
        store.get_conversation(created.id)


def test_missing_ids_and_bad_values_are_reported(store: Storage) -> None:
    assert store.get_conversation(404) is None
    assert store.get_message(404) is None
    assert store.path_to(404) == []
    assert store.siblings(404) == []
    with pytest.raises(KeyError):
        store.update_conversation(404, title="x")
    with pytest.raises(KeyError):
        store.add_message(404, None, "user", "hi")
    with pytest.raises(KeyError):
        store.latest_leaf(404)
    with pytest.raises(KeyError):
        store.delete_conversation(404)
    with pytest.raises(KeyError):
        store.update_message(404, content="x")
    conversation = store.create_conversation()
    with pytest.raises(ValueError, match="role"):
        store.add_message(conversation.id, None, "robot", "hi")
    with pytest.raises(ValueError, match="status"):
        store.add_message(conversation.id, None, "user", "hi", status="done")
    with pytest.raises(ValueError, match="Unknown conversation fields: colour"):
        store.update_conversation(conversation.id, colour="red")
    with pytest.raises(ValueError, match="Unknown message fields"):
        store.update_message(1, role="system")
    # Nothing half-written by the refused calls.
    assert store.conversation_messages(conversation.id) == []


def test_messages_keep_every_field(store: Storage) -> None:
    conversation = store.create_conversation()
    question = store.add_message(conversation.id, None, "user", "Why is the sky blue?", model="m")
    reply = store.add_message(
        conversation.id,
        question.id,
        "assistant",
        "Rayleigh scattering.",
        reasoning="Short wavelengths scatter more.",
        model="gpt-x",
        provider="openai",
        finish_reason="stop",
        usage=_Usage(10, 4, 14),
        ttft_ms=120.5,
        duration_ms=900.0,
    )
    read = store.get_message(reply.id)
    assert read == reply
    assert read is not None
    assert read.usage == {"prompt_tokens": 10, "completion_tokens": 4, "total_tokens": 14}
    assert (read.status, read.error, read.parent_id) == ("complete", None, question.id)
    failed = store.update_message(reply.id, status="error", error="The server failed (502).")
    assert (failed.status, failed.error, failed.content) == (
        "error",
        "The server failed (502).",
        "Rayleigh scattering.",
    )
    cleared = store.update_message(reply.id, usage=None)
    assert cleared.usage is None


def test_adding_a_message_moves_the_leaf_and_reorders_the_list(store: Storage) -> None:
    older = store.create_conversation("older")
    newer = store.create_conversation("newer")
    assert [c.id for c in store.list_conversations()] == [newer.id, older.id]
    message = store.add_message(older.id, None, "user", "bump")
    listed = store.list_conversations()
    assert [c.id for c in listed] == [older.id, newer.id]
    assert listed[0].current_leaf_id == message.id
    side = store.add_message(older.id, message.id, "assistant", "aside", make_current=False)
    current = store.get_conversation(older.id)
    assert current is not None
    assert current.current_leaf_id == message.id
    assert store.path_to(side.id)[-1] == side


def test_list_puts_pinned_first_and_pages(store: Storage) -> None:
    ids = [store.create_conversation(f"c{i}").id for i in range(5)]
    store.update_conversation(ids[1], pinned=True)
    listed = [c.id for c in store.list_conversations()]
    assert listed == [ids[1], ids[4], ids[3], ids[2], ids[0]]
    assert [c.id for c in store.list_conversations(limit=2)] == listed[:2]
    assert [c.id for c in store.list_conversations(limit=2, offset=2)] == listed[2:4]


def test_parent_must_belong_to_the_same_conversation(store: Storage) -> None:
    first = store.create_conversation()
    second = store.create_conversation()
    message = store.add_message(first.id, None, "user", "hi")
    with pytest.raises(ValueError, match="belongs to conversation"):
        store.add_message(second.id, message.id, "assistant", "no")
    with pytest.raises(ValueError, match="belongs to conversation"):
        store.update_conversation(second.id, current_leaf_id=message.id)
    with pytest.raises(ValueError, match="No message"):
        store.add_message(second.id, 999, "assistant", "no")


def _chat(store: Storage) -> tuple[int, list[int]]:
    """A root system message and four turns: ids of root, u1, a1, u2, a2."""
    conversation = store.create_conversation("tree")
    ids: list[int] = []
    parent: int | None = None
    for role, text in [
        ("system", "You are terse."),
        ("user", "one"),
        ("assistant", "1"),
        ("user", "two"),
        ("assistant", "2"),
    ]:
        parent = store.add_message(conversation.id, parent, role, text).id
        ids.append(parent)
    return conversation.id, ids


def test_path_to_returns_root_to_leaf(store: Storage) -> None:
    conversation_id, ids = _chat(store)
    assert [m.id for m in store.path_to(ids[-1])] == ids
    assert [m.id for m in store.path_to(ids[2])] == ids[:3]
    assert [m.id for m in store.current_path(conversation_id)] == ids
    assert store.current_leaf_id(conversation_id) == ids[-1]
    empty = store.create_conversation()
    assert store.current_path(empty.id) == []
    assert store.current_leaf_id(empty.id) is None
    assert store.current_leaf_id(10_000) is None  # no such conversation


def test_edit_and_regenerate_create_branches_and_keep_the_old_ones(store: Storage) -> None:
    conversation_id, (root, u1, a1, u2, a2) = _chat(store)
    regenerated = store.add_sibling(a2, "2, again", model="other")
    assert (regenerated.role, regenerated.parent_id) == ("assistant", u2)
    assert [m.id for m in store.siblings(a2)] == [a2, regenerated.id]
    edited = store.add_sibling(u1, "one, edited")
    assert (edited.role, edited.parent_id) == ("user", root)
    reply = store.add_message(conversation_id, edited.id, "assistant", "1 again")
    conversation = store.get_conversation(conversation_id)
    assert conversation is not None
    assert conversation.current_leaf_id == reply.id
    assert [m.id for m in store.current_path(conversation_id)] == [root, edited.id, reply.id]
    # The old branch is intact and can be shown again.
    assert store.latest_leaf(u1) == regenerated.id
    assert store.select_branch(u1) == regenerated.id
    assert [m.id for m in store.current_path(conversation_id)] == [
        root,
        u1,
        a1,
        u2,
        regenerated.id,
    ]
    assert store.current_leaf_id(conversation_id) == regenerated.id
    assert store.latest_leaf(reply.id) == reply.id
    assert [m.id for m in store.children(u2)] == [a2, regenerated.id]
    assert len(store.conversation_messages(conversation_id)) == 8


def test_roots_are_siblings_only_within_their_conversation(store: Storage) -> None:
    first = store.create_conversation()
    other = store.create_conversation()
    root = store.add_message(first.id, None, "user", "a")
    store.add_message(other.id, None, "user", "elsewhere")
    second_root = store.add_sibling(root.id, "b")
    assert [m.id for m in store.siblings(root.id)] == [root.id, second_root.id]


def test_soft_delete_restore_and_purge(store: Storage) -> None:
    kept = store.create_conversation("kept")
    gone = store.create_conversation("gone")
    _conversation_id, ids = _chat(store)
    store.add_message(gone.id, None, "user", "bye")
    store.delete_conversation(gone.id)
    assert gone.id not in [c.id for c in store.list_conversations()]
    assert [c.id for c in store.list_deleted()] == [gone.id]
    assert gone.id in [c.id for c in store.list_conversations(include_deleted=True)]
    store.restore_conversation(gone.id)
    restored = store.get_conversation(gone.id)
    assert restored is not None
    assert restored.deleted_at is None
    assert len(store.conversation_messages(gone.id)) == 1
    store.delete_conversation(gone.id)
    assert store.purge_deleted(deleted_before=0.0) == 0
    assert store.purge_deleted() == 1
    assert store.get_conversation(gone.id) is None
    assert store.conversation_messages(gone.id) == []
    assert store.get_conversation(kept.id) is not None
    assert [m.id for m in store.path_to(ids[-1])] == ids
    with pytest.raises(KeyError):
        store.restore_conversation(gone.id)


def test_mark_interrupted_streams(store: Storage, db_path: Path) -> None:
    conversation = store.create_conversation()
    question = store.add_message(conversation.id, None, "user", "go")
    streaming = store.add_message(
        conversation.id, question.id, "assistant", "half", status="streaming"
    )
    done = store.add_message(conversation.id, question.id, "assistant", "whole")
    assert store.mark_interrupted_streams() == 0  # this process is still writing it
    _claims.release(db_path, streaming.id)  # as when the process that wrote it ends
    assert store.mark_interrupted_streams() == 1
    assert store.mark_interrupted_streams() == 0
    interrupted = store.get_message(streaming.id)
    assert interrupted is not None
    assert (interrupted.status, interrupted.content) == ("interrupted", "half")
    complete = store.get_message(done.id)
    assert complete is not None
    assert complete.status == "complete"


def test_failed_write_rolls_back_everything(store: Storage) -> None:
    conversation = store.create_conversation()
    store.add_message(conversation.id, None, "user", "hi")

    def half_then_fail() -> None:
        with store._write() as db:
            db.execute("UPDATE conversations SET title = 'half' WHERE id = ?", (conversation.id,))
            db.execute(
                "INSERT INTO messages (conversation_id, role, created_at) VALUES (?, 'x', 0)",
                (conversation.id,),
            )

    with pytest.raises(StorageError, match="CHECK constraint"):
        half_then_fail()
    unchanged = store.get_conversation(conversation.id)
    assert unchanged is not None
    assert unchanged.title == ""
    assert not store._db.in_transaction


def test_locked_database_gives_a_sentence_not_a_crash(db_path: Path) -> None:
    with Storage.open(db_path) as store:
        conversation = store.create_conversation()
        blocker = sqlite3.connect(db_path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        store._db.execute("PRAGMA busy_timeout = 50")
        try:
            with pytest.raises(StorageError, match="busy"):
                store.update_conversation(conversation.id, title="x")
            # Reads go on while another connection holds the write lock (WAL).
            assert store.get_conversation(conversation.id) == conversation
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert store.update_conversation(conversation.id, title="x").title == "x"


def test_unreadable_usage_is_read_as_none(store: Storage) -> None:
    conversation = store.create_conversation()
    message = store.add_message(conversation.id, None, "assistant", "x", usage={"total_tokens": 1})
    store._db.execute("UPDATE messages SET usage = '{broken' WHERE id = ?", (message.id,))
    broken = store.get_message(message.id)
    assert broken is not None
    assert broken.usage is None
    store._db.execute("UPDATE messages SET usage = '[1, 2]' WHERE id = ?", (message.id,))
    listed = store.get_message(message.id)
    assert listed is not None
    assert listed.usage is None
    with pytest.raises(KeyError):
        store.add_sibling(404, "x")


def test_an_update_with_no_fields_changes_nothing_and_still_checks_the_id(store: Storage) -> None:
    conversation = store.create_conversation("unchanged")
    message = store.add_message(conversation.id, None, "user", "as written")
    after_message = store.get_conversation(conversation.id)
    assert store.update_conversation(conversation.id) == after_message
    assert store.update_message(message.id) == message
    with pytest.raises(KeyError):
        store.update_conversation(404)
    with pytest.raises(KeyError):
        store.update_message(404)


def test_deleting_a_message_removes_what_follows_and_keeps_its_other_versions(
    tmp_path: Path,
) -> None:
    with Storage.open(tmp_path / "delete.sqlite3") as storage:
        conversation = storage.create_conversation(title="t")
        question = storage.add_message(conversation.id, None, "user", "question")
        first = storage.add_message(conversation.id, question.id, "assistant", "first answer")
        follow = storage.add_message(conversation.id, first.id, "user", "findable follow-up")
        storage.add_message(conversation.id, follow.id, "assistant", "deep")
        second = storage.add_sibling(first.id, "second answer")
        storage.select_branch(first.id)
        storage.delete_message(first.id)
        assert [m.content for m in storage.current_path(conversation.id)] == [
            "question",
            "second answer",
        ]
        assert storage.get_message(follow.id) is None
        assert storage.search("findable") == []  # the search index forgot it too
        storage.delete_message(second.id)
        assert [m.content for m in storage.current_path(conversation.id)] == ["question"]
        storage.delete_message(question.id)
        assert storage.current_path(conversation.id) == []
        assert storage.current_leaf_id(conversation.id) is None
        assert storage.conversation_messages(conversation.id) == []
