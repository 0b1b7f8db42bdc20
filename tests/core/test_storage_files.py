"""The database file's life: upgrades with a backup; unusable files kept aside, not overwritten."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from desktop_chat.core.errors import StorageError
from desktop_chat.core.history import _claims, _schema
from desktop_chat.core.history._migrations import NewerSchemaError, UnreadableDatabaseError
from desktop_chat.core.history.storage import Storage, open_storage


def _make_v1_database(path: Path) -> None:
    """Build the database an early release wrote: schema step 1 only, with a chat in it."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    _schema.apply_step(connection, 1)
    connection.executescript(
        """
        INSERT INTO conversations (id, title, created_at, updated_at, pinned, model)
            VALUES (1, 'Old chat about gardening', 100.0, 200.0, 1, 'old-model');
        INSERT INTO messages (id, conversation_id, parent_id, role, content, created_at, usage)
            VALUES (1, 1, NULL, 'user', 'How do I grow tomatoes?', 150.0, NULL);
        INSERT INTO messages (id, conversation_id, parent_id, role, content, model, created_at,
                              finish_reason, usage)
            VALUES (2, 1, 1, 'assistant', 'Plenty of sun and water.', 'old-model', 160.0, 'stop',
                    '{"prompt_tokens": 5, "completion_tokens": 6, "total_tokens": 11}');
        """
    )
    assert connection.execute("PRAGMA user_version").fetchone() == (1,)
    connection.close()


def _columns(connection: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}


def _aside(folder: Path, marker: str) -> list[Path]:
    return sorted(p for p in folder.iterdir() if marker in p.name)


def test_version_1_database_is_backed_up_then_upgraded_with_its_data(tmp_path: Path) -> None:
    path = tmp_path / "conversations.sqlite3"
    _make_v1_database(path)
    with Storage.open(path) as store:
        backup = store.backup_path
        assert backup is not None
        assert backup.parent == tmp_path
        assert backup.name.startswith("conversations.sqlite3.backup-v1-")
        assert backup.stat().st_mode & 0o077 == 0  # readable by the user alone
        conversation = store.get_conversation(1)
        assert conversation is not None
        assert (conversation.title, conversation.pinned, conversation.model) == (
            "Old chat about gardening",
            True,
            "old-model",
        )
        assert (conversation.draft, conversation.current_leaf_id) == ("", None)
        path_messages = store.path_to(2)
        assert [m.content for m in path_messages] == [
            "How do I grow tomatoes?",
            "Plenty of sun and water.",
        ]
        assert path_messages[1].usage == {
            "prompt_tokens": 5,
            "completion_tokens": 6,
            "total_tokens": 11,
        }
        assert (path_messages[1].status, path_messages[1].reasoning) == ("complete", "")
        # Old text is searchable: the index was built from the existing rows.
        assert [h.message_id for h in store.search("tomatoes")] == [1]
        assert [h.conversation_id for h in store.search("gardening")] == [1]
        # New columns work.
        store.update_conversation(1, draft="more", current_leaf_id=2)
        assert store.add_message(1, 2, "user", "thanks").parent_id == 2
        db = store._db
        assert db.execute("PRAGMA user_version").fetchone() == (_schema.CURRENT_VERSION,)
        assert {"draft", "current_leaf_id"} <= _columns(db, "conversations")
        assert {"reasoning", "status", "error", "ttft_ms", "duration_ms"} <= _columns(
            db, "messages"
        )
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # The backup is a complete version-1 database.
    copy = sqlite3.connect(backup)
    try:
        assert copy.execute("PRAGMA user_version").fetchone() == (1,)
        assert copy.execute("SELECT count(*) FROM messages").fetchone() == (2,)
        assert "status" not in _columns(copy, "messages")
    finally:
        copy.close()
    # A second open has nothing to upgrade and makes no new backup.
    with Storage.open(path) as again:
        assert again.backup_path is None
    assert len(_aside(tmp_path, ".backup-")) == 1


def test_new_database_needs_no_backup(tmp_path: Path) -> None:
    result = open_storage(tmp_path / "conversations.sqlite3")
    with result.storage:
        assert (result.notice, result.kept_aside, result.backup_path) == (None, None, None)
    assert _aside(tmp_path, ".backup-") == []


def test_failed_upgrade_leaves_the_file_at_its_old_version(tmp_path: Path) -> None:
    path = tmp_path / "conversations.sqlite3"
    _make_v1_database(path)
    connection = sqlite3.connect(path, isolation_level=None)
    # A table in the way makes step 2 fail halfway through its script.
    connection.execute("CREATE TABLE messages_fts (x)")
    connection.close()
    with pytest.raises(StorageError, match="could not be upgraded"):
        Storage.open(path)
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA user_version").fetchone() == (1,)
        assert "status" not in _columns(connection, "messages")
        assert connection.execute("SELECT count(*) FROM messages").fetchone() == (2,)
    finally:
        connection.close()


def _write_database_with_data(path: Path) -> bytes:
    with Storage.open(path) as store:
        conversation = store.create_conversation("x" * 100)
        parent = None
        for i in range(200):
            parent = store.add_message(conversation.id, parent, "user", f"message {i} " * 50).id
    return path.read_bytes()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"this is a text file, not a database\n" * 20, "not an SQLite database"),
        (b"\x00\xff" * 3, "not an SQLite database"),
        (b"SQLite format 3\x00" + os.urandom(4080), "damaged header"),
    ],
    ids=["text", "tiny-garbage", "garbage-after-header"],
)
def test_garbage_file_is_kept_aside_and_a_fresh_database_starts(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "conversations.sqlite3"
    path.write_bytes(content)
    wal = tmp_path / "conversations.sqlite3-wal"
    wal.write_bytes(b"wal bytes")
    with pytest.raises(UnreadableDatabaseError, match=reason):
        Storage.open(path)
    assert path.read_bytes() == content  # a failed open changed nothing
    result = open_storage(path)
    with result.storage as store:
        assert store.list_conversations() == []
        store.create_conversation("new")
    assert result.kept_aside is not None
    assert result.kept_aside.name.startswith("conversations.sqlite3.unreadable-")
    assert result.kept_aside.read_bytes() == content
    assert Path(f"{result.kept_aside}-wal").read_bytes() == b"wal bytes"
    assert result.notice is not None
    assert "could not be read" in result.notice
    assert str(result.kept_aside) in result.notice


def test_truncated_database_is_kept_aside(tmp_path: Path) -> None:
    path = tmp_path / "conversations.sqlite3"
    full = _write_database_with_data(path)
    truncated = full[: len(full) // 2]
    path.write_bytes(truncated)
    result = open_storage(path)
    result.storage.close()
    assert result.notice is not None
    assert "cut short" in result.notice
    assert result.kept_aside is not None
    assert result.kept_aside.read_bytes() == truncated


@pytest.mark.parametrize(
    ("start", "end"),
    [(100, 4096), (4096, 4096 * 3), (-4096 * 2, -4096)],
    ids=["schema-page", "table-roots", "data-page"],
)
def test_damaged_pages_are_kept_aside(tmp_path: Path, start: int, end: int) -> None:
    path = tmp_path / "conversations.sqlite3"
    full = bytearray(_write_database_with_data(path))
    full[start:end] = b"\xee" * (end - start)
    path.write_bytes(bytes(full))
    with pytest.raises(UnreadableDatabaseError):
        Storage.open(path)
    result = open_storage(path)
    result.storage.close()
    assert result.notice is not None
    assert result.kept_aside is not None
    assert result.kept_aside.read_bytes() == bytes(full)


def test_foreign_sqlite_database_is_not_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "conversations.sqlite3"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE recipes (name TEXT)")
    other.execute("INSERT INTO recipes VALUES ('bread')")
    other.commit()
    other.close()
    result = open_storage(path)
    result.storage.close()
    assert result.kept_aside is not None
    assert result.notice is not None
    assert "not a conversation database" in result.notice
    kept = sqlite3.connect(result.kept_aside)
    try:
        assert kept.execute("SELECT name FROM recipes").fetchall() == [("bread",)]
    finally:
        kept.close()


def test_newer_schema_is_kept_aside_with_its_wal(tmp_path: Path) -> None:
    path = tmp_path / "conversations.sqlite3"
    with Storage.open(path) as store:
        store.create_conversation("from the future")
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA user_version = 999")
    connection.close()
    original = path.read_bytes()
    with pytest.raises(NewerSchemaError) as raised:
        Storage.open(path)
    assert raised.value.version == 999
    result = open_storage(path)
    with result.storage as store:
        assert store.list_conversations() == []
    assert result.kept_aside is not None
    assert result.kept_aside.name.startswith("conversations.sqlite3.newer-schema-v999-")
    assert result.kept_aside.read_bytes() == original
    assert result.notice is not None
    assert "newer version" in result.notice
    kept = sqlite3.connect(result.kept_aside)
    try:
        assert kept.execute("SELECT title FROM conversations").fetchall() == [("from the future",)]
    finally:
        kept.close()


def test_negative_schema_version_is_kept_aside(tmp_path: Path) -> None:
    path = tmp_path / "conversations.sqlite3"
    with Storage.open(path):
        pass
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA user_version = -1")
    connection.close()
    result = open_storage(path)
    result.storage.close()
    assert result.notice is not None
    assert "invalid schema version" in result.notice


def test_two_bad_opens_in_the_same_second_keep_both_files(tmp_path: Path) -> None:
    path = tmp_path / "conversations.sqlite3"
    for content in (b"first bad file" * 10, b"second bad file" * 10):
        path.write_bytes(content)
        open_storage(path).storage.close()
    kept = _aside(tmp_path, ".unreadable-")
    assert sorted(p.read_bytes() for p in kept) == [b"first bad file" * 10, b"second bad file" * 10]


def test_open_storage_marks_replies_left_streaming(tmp_path: Path) -> None:
    path = tmp_path / "conversations.sqlite3"
    with Storage.open(path) as store:
        conversation = store.create_conversation()
        reply = store.add_message(conversation.id, None, "assistant", "par", status="streaming")
    _claims.release(path, reply.id)  # as when the process writing it is killed
    result = open_storage(path)
    with result.storage as store:
        assert result.interrupted == 1
        message = store.get_message(reply.id)
        assert message is not None
        assert message.status == "interrupted"


def test_unreachable_folder_raises_and_moves_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError, match="folder"):
        open_storage(blocker / "conversations.sqlite3")
    assert blocker.read_text() == "not a folder"


def test_schema_steps_split_into_whole_statements() -> None:
    step_2 = _schema.statements(_schema.STEPS[1])
    triggers = [s for s in step_2 if s.startswith("CREATE TRIGGER")]
    assert len(triggers) == 6
    assert all(s.endswith("END;") for s in triggers)
    with pytest.raises(ValueError, match="Incomplete"):
        _schema.statements("CREATE TABLE t (x);\nCREATE TABLE u (")


def test_a_step_already_applied_by_another_process_is_not_run_twice(tmp_path: Path) -> None:
    path = tmp_path / "conversations.sqlite3"
    _make_v1_database(path)
    late = _schema.connect(path)
    with Storage.open(path):
        pass
    try:
        assert _schema.apply_step(late, 2) is False
        assert late.execute("PRAGMA user_version").fetchone() == (_schema.CURRENT_VERSION,)
    finally:
        late.close()


def test_paths_with_uri_characters_open_the_right_file(tmp_path: Path) -> None:
    folder = tmp_path / "my data #1 ?&=% é"
    path = folder / "conversations.sqlite3"
    with Storage.open(path) as store:
        store.create_conversation("here")
    assert sorted(p.name for p in folder.iterdir() if p.suffix == ".sqlite3") == [path.name]
    result = open_storage(path)
    with result.storage as store:
        assert [c.title for c in store.list_conversations()] == ["here"]
    assert {p.name for p in tmp_path.iterdir()} == {folder.name, "home"}


def test_a_folder_in_place_of_the_file_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "conversations.sqlite3"
    path.mkdir()
    (path / "inside").write_text("keep me")
    with pytest.raises(StorageError, match="cannot be read"):
        open_storage(path)
    assert (path / "inside").read_text() == "keep me"
