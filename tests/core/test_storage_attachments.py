"""Attached files in the database: stored once by hash, kept out of the text and the index,
reused by new messages, removed with the last message that used them, and the upgrade to it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop_chat.core.attachments.prepare import prepare_data
from desktop_chat.core.history import _schema
from desktop_chat.core.history.models import (
    FILE_HIT_PREFIX,
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    Attachment,
)
from desktop_chat.core.history.storage import Storage
from tests.attachment_files import pdf, png

IMAGE = prepare_data(png(300, 200), "shot.png")
REPORT = prepare_data(pdf(["quarterly zebra figures"]), "report.pdf")


@pytest.fixture
def store(tmp_path: Path) -> Storage:
    return Storage.open(tmp_path / "conversations.sqlite3")


def _count(store: Storage, table: str) -> int:
    (count,) = store._db.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(count)


def test_a_message_keeps_its_files_in_order_with_what_a_chip_shows(store: Storage) -> None:
    conversation = store.create_conversation("c")
    added = store.add_message(conversation.id, None, "user", "look", attachments=[IMAGE, REPORT])
    again = store.get_message(added.id)
    assert again is not None
    assert again.attachments == added.attachments
    image, report = again.attachments
    assert image == Attachment(
        "shot.png", IMAGE.sha256, "image", "image/png", IMAGE.size, 0, width=300, height=200
    )
    assert (report.kind, report.pages, report.chars) == ("pdf", 1, len(REPORT.text))
    assert store.attachment_data(IMAGE.sha256) == IMAGE.data
    assert store.attachment_thumbnail(IMAGE.sha256) == IMAGE.thumbnail
    assert store.attachment_text(REPORT.sha256) == REPORT.text
    assert store.attachment_thumbnail(REPORT.sha256) is None
    with pytest.raises(KeyError):
        store.attachment_data("0" * 64)


def test_the_same_file_on_a_hundred_messages_is_stored_once(store: Storage) -> None:
    conversation = store.create_conversation("c")
    parent = None
    for index in range(100):
        parent = store.add_message(
            conversation.id, parent, "user", f"message {index}", attachments=[IMAGE]
        ).id
    assert _count(store, "attachment_blobs") == 1
    assert _count(store, "message_attachments") == 100
    path = store.current_path(conversation.id)
    assert all(message.attachments[0].sha256 == IMAGE.sha256 for message in path)
    assert len(store.conversation_messages(conversation.id)) == 100


def test_files_are_neither_in_the_text_nor_found_by_search(store: Storage) -> None:
    conversation = store.create_conversation("c")
    message = store.add_message(conversation.id, None, "user", "see", attachments=[REPORT])
    assert message.content == "see"
    assert store.search("zebra") == []
    assert store.search("see")


def test_search_finds_a_file_by_its_name_after_the_messages(store: Storage) -> None:
    conversation = store.create_conversation("c")
    mention = store.add_message(conversation.id, None, "user", "the report is late")
    named = store.add_message(conversation.id, mention.id, "user", "see", attachments=[REPORT])
    hits = store.search("report")
    assert [hit.message_id for hit in hits] == [mention.id, named.id]
    assert hits[1].snippet == FILE_HIT_PREFIX + HIGHLIGHT_START + "report" + HIGHLIGHT_END + ".pdf"
    assert hits[1].role == "user"
    # pages go on from the messages to the files
    assert [hit.message_id for hit in store.search("report", limit=1, offset=1)] == [named.id]
    assert store.search("report", limit=1, offset=2) == []
    assert [hit.message_id for hit in store.search("report", conversation.id)] == [
        mention.id,
        named.id,
    ]
    assert store.search("report", store.create_conversation("other").id) == []


def test_a_file_name_matches_every_word_in_any_case_and_script(store: Storage) -> None:
    conversation = store.create_conversation("c")
    files = [prepare_data(b"notes", name) for name in ("Ärger_Q3 Plan.TXT", "100%.txt", "a_b.txt")]
    message = store.add_message(conversation.id, None, "user", "x", attachments=files)
    snippets = [hit.snippet for hit in store.search("ärger plan")]
    assert snippets == [
        FILE_HIT_PREFIX
        + f"{HIGHLIGHT_START}Ärger{HIGHLIGHT_END}_Q3 {HIGHLIGHT_START}Plan{HIGHLIGHT_END}.TXT"
    ]
    assert [hit.snippet for hit in store.search("100%")] == [
        f"{FILE_HIT_PREFIX}{HIGHLIGHT_START}100%{HIGHLIGHT_END}.txt"
    ]
    # LIKE's wildcards are taken literally: "_" is not any character
    assert [hit.snippet.count("_") for hit in store.search("a_b")] == [1]
    assert store.search("r_b") == []
    assert store.search("plan missing") == []
    store.add_message(conversation.id, message.id, "user", "y", attachments=[
        prepare_data(b"notes", "Straße.txt")
    ])  # fmt: skip
    # folding lengthens ß, so the name is found but shown unmarked
    assert [hit.snippet for hit in store.search("STRASSE")] == [f"{FILE_HIT_PREFIX}Straße.txt"]
    assert store.search("--") == []
    assert len(store.search("txt")) == 4


def test_a_file_in_a_trashed_conversation_is_not_found(store: Storage) -> None:
    conversation = store.create_conversation("c")
    store.add_message(conversation.id, None, "user", "x", attachments=[REPORT])
    assert store.search("report")
    store.delete_conversation(conversation.id)
    assert store.search("report") == []


def test_a_stored_file_is_referred_to_again_without_its_bytes(store: Storage) -> None:
    conversation = store.create_conversation("c")
    first = store.add_message(conversation.id, None, "user", "one", attachments=[IMAGE])
    (stored,) = first.attachments
    edited = store.add_sibling(first.id, "one, edited", attachments=[stored])
    assert edited.attachments == (stored,)
    assert _count(store, "attachment_blobs") == 1
    gone = Attachment("x.png", "f" * 64, "image")
    with pytest.raises(ValueError, match="No stored file"):
        store.add_message(conversation.id, None, "user", "two", attachments=[gone])
    assert len(store.conversation_messages(conversation.id)) == 2  # nothing half-written


def test_a_placeholder_has_a_name_and_no_bytes(store: Storage) -> None:
    conversation = store.create_conversation("c")
    placeholder = Attachment("lost.png", None)
    message = store.add_message(conversation.id, None, "user", "x", attachments=[placeholder])
    again = store.get_message(message.id)
    assert again is not None
    assert again.attachments == (placeholder,)
    assert again.attachments[0].missing


def test_a_file_goes_with_the_last_conversation_that_used_it(store: Storage) -> None:
    first = store.create_conversation("one")
    second = store.create_conversation("two")
    store.add_message(first.id, None, "user", "a", attachments=[IMAGE])
    store.add_message(second.id, None, "user", "b", attachments=[IMAGE, REPORT])
    store.delete_conversation(second.id)
    store.purge_deleted()
    assert _count(store, "attachment_blobs") == 1  # the image is still used by the first
    store.delete_conversation(first.id)
    assert _count(store, "attachment_blobs") == 1  # in the trash: Undo is still possible
    store.restore_conversation(first.id)
    store.delete_conversation(first.id)
    store.purge_deleted()
    assert _count(store, "attachment_blobs") == 0
    assert _count(store, "message_attachments") == 0


def test_deleting_a_message_for_good_drops_files_nothing_else_uses(store: Storage) -> None:
    conversation = store.create_conversation("c")
    kept = store.add_message(conversation.id, None, "user", "a", attachments=[IMAGE])
    dropped = store.add_message(conversation.id, kept.id, "user", "b", attachments=[REPORT])
    store.delete_message(dropped.id)
    assert _count(store, "attachment_blobs") == 1
    assert store.attachment_data(IMAGE.sha256) == IMAGE.data


def _version_4_database(path: Path) -> None:
    connection = sqlite3.connect(path)
    for version in range(1, 5):
        for statement in _schema.statements(_schema.STEPS[version - 1]):
            connection.execute(statement)
    connection.execute("PRAGMA user_version = 4")
    connection.execute(
        "INSERT INTO conversations (id, title, created_at, updated_at) VALUES (1, 'old', 1, 1)"
    )
    connection.execute(
        "INSERT INTO messages (id, conversation_id, role, content, created_at)"
        " VALUES (1, 1, 'user', 'from before', 1)"
    )
    connection.commit()
    connection.close()


def test_a_version_4_database_is_upgraded_after_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "conversations.sqlite3"
    _version_4_database(path)
    with Storage.open(path) as store:
        assert store.backup_path is not None
        assert store.backup_path.name.startswith("conversations.sqlite3.backup-v4-")
        (old,) = store.conversation_messages(1)
        assert (old.content, old.attachments) == ("from before", ())
        message = store.add_message(1, old.id, "user", "now with a file", attachments=[IMAGE])
        assert store.get_message(message.id) == message
        (version,) = store._db.execute("PRAGMA user_version").fetchone()
        assert version == _schema.CURRENT_VERSION == 6
    backup = sqlite3.connect(store.backup_path)
    try:
        assert backup.execute("PRAGMA user_version").fetchone() == (4,)
        tables = {row[0] for row in backup.execute("SELECT name FROM sqlite_master")}
        assert "attachment_blobs" not in tables
    finally:
        backup.close()
