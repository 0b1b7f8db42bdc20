"""The open database when the disk fills, a page is damaged, or another program holds the file.

The faults are real: SQLite enforces ``max_page_count`` as it would a full disk, pages are
damaged byte by byte, and the locks are held by a second connection. Only the waits for a lock
are shortened, so that the tests do not sit out the five-second busy timeout.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from desktop_chat.core.errors import StorageError
from desktop_chat.core.history import _migrations, _schema
from desktop_chat.core.history._migrations import UnreadableDatabaseError
from desktop_chat.core.history.storage import Storage, open_storage


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    made = tmp_path / "data"
    made.mkdir()
    return made


@pytest.fixture
def short_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give up on a lock after 50 ms instead of after seconds, in every connection."""
    monkeypatch.setattr(_schema, "BUSY_TIMEOUT_MS", 50)
    monkeypatch.setattr(sqlite3, "connect", functools.partial(sqlite3.connect, timeout=0.05))


@contextmanager
def _held(path: Path, begin: str) -> Iterator[None]:
    """Another program's connection, inside a transaction started with ``begin``."""
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute(begin)
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(("-wal", "-shm")))


@pytest.mark.usefixtures("short_waits")
@pytest.mark.parametrize(
    ("begin", "expected"),
    [
        # Mid-commit, the other program shuts readers out too: the check cannot even look.
        ("BEGIN EXCLUSIVE", "The conversation database cannot be opened: database is locked."),
        # It is writing: our check reads, but switching the file to WAL must wait for it.
        ("BEGIN IMMEDIATE", "busy in another program or window; try again."),
    ],
    ids=["exclusive", "reserved"],
)
def test_a_file_another_program_holds_is_reported_busy_and_never_set_aside(
    folder: Path, begin: str, expected: str
) -> None:
    path = folder / "conversations.sqlite3"
    with Storage.open(path) as store:
        store.create_conversation("held by another program")
    # Tools other than ours often leave a file in rollback-journal mode, where readers and
    # writers wait for each other.
    connection = sqlite3.connect(path, isolation_level=None)
    assert connection.execute("PRAGMA journal_mode = DELETE").fetchone() == ("delete",)
    connection.close()
    original = path.read_bytes()

    with _held(path, begin), pytest.raises(StorageError) as raised:
        open_storage(path)
    assert not isinstance(raised.value, UnreadableDatabaseError)
    assert expected in raised.value.message
    assert _names(folder) == ["conversations.sqlite3"]
    assert path.read_bytes() == original

    result = open_storage(path)  # the other program is done
    with result.storage as store:
        assert [c.title for c in store.list_conversations()] == ["held by another program"]
    assert result.notice is None


def test_a_write_that_finds_the_disk_full_stores_nothing_and_works_once_there_is_room(
    folder: Path,
) -> None:
    with Storage.open(folder / "conversations.sqlite3") as store:
        conversation = store.create_conversation("notes")
        first = store.add_message(conversation.id, None, "user", "short")
        before = store.get_conversation(conversation.id)
        db = store._db
        (pages,) = db.execute("PRAGMA page_count").fetchone()
        db.execute(f"PRAGMA max_page_count = {pages}")

        with pytest.raises(StorageError, match="database or disk is full"):
            store.add_message(conversation.id, first.id, "assistant", "long reply " * 20_000)
        # The message, the leaf it would have become and the list order are all as before.
        assert [m.id for m in store.conversation_messages(conversation.id)] == [first.id]
        assert store.get_conversation(conversation.id) == before
        assert not db.in_transaction

        db.execute(f"PRAGMA max_page_count = {pages * 100}")
        reply = store.add_message(conversation.id, first.id, "assistant", "long reply " * 20_000)
        assert [m.id for m in store.path_to(reply.id)] == [first.id, reply.id]


def test_a_big_file_is_checked_where_it_is_read_and_damage_there_is_a_sentence(
    folder: Path,
) -> None:
    path = folder / "conversations.sqlite3"
    # Past the size that is verified in full when opened, so only what is read is checked.
    # Punctuation only, so that the search index stays small.
    filler_messages = _migrations.QUICK_CHECK_MAX_BYTES // 1_000_000 + 1
    with Storage.open(path) as store:
        archive = store.create_conversation("archive")
        parent = None
        for _ in range(filler_messages):
            parent = store.add_message(archive.id, parent, "user", "-" * 1_000_000).id
        damaged = store.create_conversation("damaged")
        store.add_message(damaged.id, None, "user", "#" * 40_000)
    data = bytearray(path.read_bytes())
    assert len(data) > _migrations.QUICK_CHECK_MAX_BYTES
    page_size = int.from_bytes(data[16:18], "big")
    # The long message's overflow pages: a 4-byte link to the next page, then only its text.
    damaged_pages = 0
    for start in range(0, len(data), page_size):
        if data[start + 4 : start + page_size] == b"#" * (page_size - 4):
            data[start : start + page_size] = b"\xee" * page_size
            damaged_pages += 1
    assert damaged_pages > 0
    path.write_bytes(bytes(data))

    result = open_storage(path)
    with result.storage as store:
        assert (result.notice, result.kept_aside) == (None, None)
        assert [c.title for c in store.list_conversations()] == ["damaged", "archive"]
        assert len(store.conversation_messages(archive.id)) == filler_messages
        with pytest.raises(StorageError, match=r"database is damaged \(.*malformed"):
            store.conversation_messages(damaged.id)
    assert path.read_bytes() == bytes(data)


def test_a_file_of_our_version_without_our_tables_is_kept_aside(folder: Path) -> None:
    path = folder / "conversations.sqlite3"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("CREATE TABLE recipes (name TEXT)")
    other.execute("INSERT INTO recipes VALUES ('bread')")
    other.execute(f"PRAGMA user_version = {_schema.CURRENT_VERSION}")
    other.close()
    with pytest.raises(UnreadableDatabaseError, match="lacks the tables"):
        Storage.open(path)

    result = open_storage(path)
    with result.storage as store:
        assert store.list_conversations() == []
    assert result.notice is not None
    assert "lacks the tables of a conversation database" in result.notice
    assert result.kept_aside is not None
    kept = sqlite3.connect(result.kept_aside)
    try:
        assert kept.execute("SELECT name FROM recipes").fetchall() == [("bread",)]
    finally:
        kept.close()


def test_a_short_busy_timeout_turns_a_held_lock_into_a_busy_error(tmp_path: Path) -> None:
    path = tmp_path / "busy.sqlite3"
    with Storage.open(path) as storage:
        storage.set_busy_timeout(10)
        conversation = storage.create_conversation(title="t")
        other = sqlite3.connect(path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
            with pytest.raises(StorageError, match="busy in another program"):
                storage.update_conversation(conversation.id, title="changed")
            other.execute("ROLLBACK")
        finally:
            other.close()
        assert storage.update_conversation(conversation.id, title="changed").title == "changed"


def test_a_database_sqlite_cannot_open_for_writing_gets_a_sentence_and_stays(
    folder: Path,
) -> None:
    path = folder / "conversations.sqlite3"
    with Storage.open(path) as store:
        store.create_conversation("kept")
    # Something in the way of the write-ahead log: SQLite cannot open the file for writing.
    (folder / "conversations.sqlite3-wal").mkdir()
    with pytest.raises(StorageError) as raised:
        open_storage(path)
    assert not isinstance(raised.value, UnreadableDatabaseError)
    assert raised.value.message == (
        f"Desktop Chat cannot write its conversation database in {folder} (SQLite says: unable "
        "to open database file). Your conversations there are unchanged. Make the folder and "
        "its files writable, or set DESKTOP_CHAT_HOME to another folder."
    )
    assert _names(folder) == ["conversations.sqlite3"]


_READ_ONLY_OPEN = """
import sys
from desktop_chat.core.errors import StorageError
from desktop_chat.core.history.storage import open_storage
try:
    open_storage(sys.argv[1])
except StorageError as error:
    print(error.message)
"""


def test_a_profile_on_a_read_only_disk_says_so(folder: Path) -> None:
    path = folder / "conversations.sqlite3"
    with Storage.open(path) as store:
        store.create_conversation("kept")
    # A read-only mount of the folder, in a private mount namespace that ends with the process.
    script = (
        f'mount --bind "{folder}" "{folder}" && mount -o remount,ro,bind "{folder}" && '
        f'exec "{sys.executable}" -c "$0" "{path}"'
    )
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"no private mount namespace here: {probe.stderr.decode().strip()}")
    done = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script, _READ_ONLY_OPEN],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
    )
    assert done.stdout.strip() == (
        f"Desktop Chat cannot write its conversation database in {folder} (the disk it is on is "
        "read-only). Your conversations there are unchanged. Make the folder and its files "
        "writable, or set DESKTOP_CHAT_HOME to another folder."
    )
    with Storage.open(path) as store:
        assert [c.title for c in store.list_conversations()] == ["kept"]
