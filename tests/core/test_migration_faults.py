"""Upgrading and setting aside a database file when the disk, the file or the folder misbehaves.

Each fault is real where SQLite can produce it: a quota through ``max_page_count``, an interrupt
from a progress handler, a damaged free list. A full disk during the backup copy, a file held by
another program and a refused connection are injected at the one call that would fail. In every
case the user's file must come out as it went in.
"""

from __future__ import annotations

import errno
import functools
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from desktop_chat.core.errors import StorageError
from desktop_chat.core.history import _migrations, _schema
from desktop_chat.core.history._migrations import UnreadableDatabaseError
from desktop_chat.core.history.storage import Storage, open_storage

TOMATOES = "How do I grow tomatoes?"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    made = tmp_path / "data"
    made.mkdir()
    return made


def _make_v1_database(path: Path, messages: int = 40) -> None:
    """The schema an early release wrote (step 1 only), holding one chat of ``messages``."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        _schema.apply_step(connection, 1)
        connection.execute(
            "INSERT INTO conversations (id, title, created_at, updated_at) "
            "VALUES (1, 'Gardening', 100.0, 200.0)"
        )
        for number in range(messages):
            connection.execute(
                "INSERT INTO messages (conversation_id, role, content, created_at) "
                "VALUES (1, 'user', ?, ?)",
                (f"{TOMATOES} ({number}) " + "soil " * 100, 150.0 + number),
            )
    finally:
        connection.close()


def _version_and_count(path: Path) -> tuple[int, int]:
    connection = sqlite3.connect(path)
    try:
        (version,) = connection.execute("PRAGMA user_version").fetchone()
        (count,) = connection.execute("SELECT count(*) FROM messages").fetchone()
    finally:
        connection.close()
    return version, count


def _siblings(folder: Path, marker: str) -> list[Path]:
    return sorted(p for p in folder.iterdir() if marker in p.name)


def _contents(folder: Path) -> dict[str, bytes]:
    """Every file in ``folder`` that holds data, with its bytes.

    A read-only connection to a WAL database may create an empty ``-wal`` and the ``-shm``
    index of it; neither holds data, and SQLite rebuilds the index whenever it is missing.
    """
    return {
        p.name: data
        for p in folder.iterdir()
        if not p.name.endswith("-shm") and (data := p.read_bytes())
    }


class _DiskFillsDuringBackup(sqlite3.Connection):
    """A connection whose ``VACUUM INTO`` runs out of space halfway through the copy."""

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        if sql.startswith("VACUUM INTO"):
            super().execute(sql, parameters)
            target = Path(parameters[0])
            target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
            raise sqlite3.OperationalError("database or disk is full")
        return super().execute(sql, parameters)


def test_a_backup_that_runs_out_of_space_stops_the_upgrade_and_leaves_no_half_copy(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = folder / "conversations.sqlite3"
    _make_v1_database(path)
    monkeypatch.setattr(
        sqlite3, "connect", functools.partial(sqlite3.connect, factory=_DiskFillsDuringBackup)
    )
    with pytest.raises(StorageError, match="could not be backed up") as raised:
        open_storage(path)
    assert "database or disk is full" in raised.value.message
    # Neither a half-written copy nor a kept-aside file: nothing was mistaken for damage.
    assert _siblings(folder, ".backup-") == []
    assert _siblings(folder, ".unreadable-") == []
    assert _version_and_count(path) == (1, 40)

    monkeypatch.undo()  # space was freed: the next start upgrades, with a complete backup
    result = open_storage(path)
    with result.storage as store:
        upgraded = store.conversation_messages(1)
    assert len(upgraded) == 40
    assert upgraded[0].content.startswith(TOMATOES)
    assert result.backup_path is not None
    assert _version_and_count(result.backup_path) == (1, 40)
    assert _version_and_count(path) == (_schema.CURRENT_VERSION, 40)


def test_a_disk_that_fills_up_during_the_upgrade_keeps_the_old_version_and_the_backup(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = folder / "conversations.sqlite3"
    _make_v1_database(path)
    real_configure = _schema.configure

    def configure_with_no_room_to_grow(connection: sqlite3.Connection) -> None:
        real_configure(connection)
        (pages,) = connection.execute("PRAGMA page_count").fetchone()
        connection.execute(f"PRAGMA max_page_count = {pages}")

    monkeypatch.setattr(_schema, "configure", configure_with_no_room_to_grow)
    with pytest.raises(StorageError, match="could not be upgraded") as raised:
        Storage.open(path)
    message = raised.value.message
    assert "database or disk is full" in message
    assert "It was left as it was" in message
    (backup,) = _siblings(folder, ".backup-v1-")
    assert str(backup) in message
    assert _version_and_count(backup) == (1, 40)
    assert _version_and_count(path) == (1, 40)
    # The failed step left no transaction holding the file: another connection can write.
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()

    monkeypatch.undo()
    with Storage.open(path) as store:
        assert len(store.conversation_messages(1)) == 40
        assert [h.conversation_id for h in store.search("Gardening")] == [1]
    assert _version_and_count(path) == (_schema.CURRENT_VERSION, 40)


@pytest.mark.parametrize("kind", ["garbage", "newer-schema"])
def test_a_bad_file_that_cannot_be_moved_aside_is_left_exactly_as_it_was(
    folder: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    path = folder / "conversations.sqlite3"
    if kind == "garbage":
        path.write_bytes(b"not a database at all\n" * 50)
    else:
        with Storage.open(path) as store:
            store.create_conversation("from a newer version")
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("PRAGMA user_version = 999")
        connection.close()
    wal = folder / "conversations.sqlite3-wal"
    wal.write_bytes(b"log of the last changes")
    before = _contents(folder)
    real_replace = Path.replace

    def replace_refused_for_the_database(self: Path, target: Any) -> Path:
        # What Windows answers while another program has the file open.
        if self == path:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", replace_refused_for_the_database)
    with pytest.raises(StorageError, match="could not be moved aside: Permission denied"):
        open_storage(path)
    # No new, empty history was started over the file, and nothing was half moved.
    assert _contents(folder) == before


@pytest.mark.parametrize("refused_mode", ["mode=ro", "mode=rwc"])
def test_a_sound_file_that_sqlite_cannot_open_is_reported_and_not_moved(
    folder: Path, monkeypatch: pytest.MonkeyPatch, refused_mode: str
) -> None:
    path = folder / "conversations.sqlite3"
    with Storage.open(path) as store:
        store.create_conversation("keep me")
    before = _contents(folder)
    real_connect = sqlite3.connect

    def connect(database: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        # The read-only check (mode=ro) or the real open (mode=rwc) is refused, as for a
        # file owned by another user or a process out of file handles.
        if refused_mode in str(database):
            raise sqlite3.OperationalError("unable to open database file")
        connection: sqlite3.Connection = real_connect(database, *args, **kwargs)
        return connection

    monkeypatch.setattr(sqlite3, "connect", connect)
    with pytest.raises(StorageError, match="cannot be opened: unable to open database file"):
        open_storage(path)
    assert _contents(folder) == before

    monkeypatch.undo()
    result = open_storage(path)
    with result.storage as store:
        assert [c.title for c in store.list_conversations()] == ["keep me"]
    assert result.kept_aside is None


def test_the_header_check_accepts_what_sqlite_would_create(folder: Path) -> None:
    # A file that is missing, or empty (a crash right after creating it), is not damage: both
    # may vanish or appear between two checks, and SQLite builds a new database in either.
    _migrations.check_header(folder / "missing.sqlite3")
    empty = folder / "empty.sqlite3"
    empty.touch()
    _migrations.check_header(empty)
    result = open_storage(empty)
    with result.storage as store:
        store.create_conversation("first")
    assert (result.notice, result.kept_aside) == (None, None)
    assert _version_and_count(empty) == (_schema.CURRENT_VERSION, 0)


def test_damage_is_told_from_a_lock_with_or_without_an_error_code(folder: Path) -> None:
    path = folder / "garbage.sqlite3"
    path.write_bytes(b"x" * 4096)
    connection = sqlite3.connect(path)
    try:
        with pytest.raises(sqlite3.DatabaseError) as real_damage:
            connection.execute("PRAGMA user_version")
    finally:
        connection.close()
    assert _migrations.is_damage(real_damage.value)
    # Python 3.10 gives no error code: damage is then the bare DatabaseError class.
    assert _migrations.is_damage(sqlite3.DatabaseError("file is not a database"))
    assert not _migrations.is_damage(sqlite3.OperationalError("database is locked"))


def test_a_damaged_free_list_is_kept_aside_with_what_sqlite_found(folder: Path) -> None:
    path = folder / "conversations.sqlite3"
    with Storage.open(path) as store:
        doomed = store.create_conversation("to be purged")
        for number in range(30):
            store.add_message(doomed.id, None, "user", f"long text {number} " * 200)
        store.create_conversation("still here")
        store.delete_conversation(doomed.id)
        store.purge_deleted()
    damaged = bytearray(path.read_bytes())
    assert int.from_bytes(damaged[36:40], "big") > 0  # the purge left free pages
    damaged[32:40] = bytes(8)  # the free list is forgotten: its pages now belong to nothing
    path.write_bytes(bytes(damaged))

    with pytest.raises(UnreadableDatabaseError, match=r"(?s)is damaged: .*never used"):
        Storage.open(path)
    result = open_storage(path)
    with result.storage as store:
        assert store.list_conversations() == []
    assert result.notice is not None
    assert "never used" in result.notice
    assert result.kept_aside is not None
    assert result.kept_aside.read_bytes() == bytes(damaged)


def test_an_upgrade_step_sqlite_rolled_back_itself_reports_the_real_cause(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite undoes the whole transaction by itself after some failures (an interrupt, some
    # I/O errors); the step must then not try a ROLLBACK of its own, whose "no transaction is
    # active" would hide what happened.
    path = folder / "conversations.sqlite3"
    _make_v1_database(path)
    real_apply_step = _schema.apply_step

    def apply_step_interrupted(connection: sqlite3.Connection, version: int) -> bool:
        # Cut off any statement that runs 100 virtual-machine steps: reading the version takes
        # fewer, so it is the step's first change that SQLite interrupts and rolls back.
        connection.set_progress_handler(lambda: 1, 100)
        try:
            return real_apply_step(connection, version)
        finally:
            connection.set_progress_handler(None, 0)

    monkeypatch.setattr(_schema, "apply_step", apply_step_interrupted)
    with pytest.raises(StorageError, match="could not be upgraded: interrupted") as raised:
        Storage.open(path)
    assert "no transaction" not in raised.value.message
    (backup,) = _siblings(folder, ".backup-v1-")
    assert _version_and_count(backup) == (1, 40)
    assert _version_and_count(path) == (1, 40)
