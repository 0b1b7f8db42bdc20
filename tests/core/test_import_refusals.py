"""Import files refused whole, and databases that refuse an import: nothing is half imported.

Archives are real zip files with one header field changed, as other tools write them. A disk
that fails mid-read and a file too big for memory are injected at the one read that would fail.
"""

from __future__ import annotations

import errno
import json
import sqlite3
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_chat.core.errors import ImportExportError, StorageError
from desktop_chat.core.history import _schema
from desktop_chat.core.history.storage import Storage
from desktop_chat.core.transfer._chatgpt_import import parse_chatgpt_export
from desktop_chat.core.transfer._export_json import parse_own_json, to_json
from desktop_chat.core.transfer.importers import import_file, import_files
from tests.fixtures.sample_conversation import sample


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Storage]:
    with Storage.open(tmp_path / "db.sqlite3") as opened:
        yield opened


def _chatgpt_export(*nodes: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One ChatGPT conversation whose nodes follow each other, each the child of the one before."""
    mapping: dict[str, Any] = {"root": {"id": "root", "parent": None, "message": None}}
    parent = "root"
    for key, message in nodes:
        mapping[key] = {"id": key, "parent": parent, "children": [], "message": message}
        mapping[parent]["children"] = [key]
        parent = key
    return [{"title": "Exported", "create_time": 1_700_000_000.0, "mapping": mapping}]


def _said(role: str, text: str) -> dict[str, Any]:
    return {"author": {"role": role}, "content": {"content_type": "text", "parts": [text]}}


EXPORT = _chatgpt_export(("q", _said("user", "Sum 1 to 10?")), ("a", _said("assistant", "55.")))


def _zip_with_header_field(
    path: Path, *, local_offset: int, central_offset: int, value: int
) -> Path:
    """A zip of ``conversations.json`` with one 2-byte field set in both of its headers."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("conversations.json", json.dumps(EXPORT))
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", local_offset), (b"PK\x01\x02", central_offset)):
        start = data.index(signature)
        data[start + offset : start + offset + 2] = struct.pack("<H", value)
    path.write_bytes(bytes(data))
    return path


def _refused(storage: Storage, path: Path, expected: str) -> ImportExportError:
    with pytest.raises(ImportExportError, match=expected) as raised:
        import_file(storage, path)
    assert raised.value.path == path
    assert storage.list_conversations(include_deleted=True) == []
    return raised.value


def test_an_encrypted_member_refuses_the_archive(storage: Storage, tmp_path: Path) -> None:
    # General-purpose flag bit 0 marks an encrypted member.
    archive = _zip_with_header_field(
        tmp_path / "export.zip", local_offset=6, central_offset=8, value=0x1
    )
    _refused(storage, archive, "export.zip: conversations.json is encrypted")


def test_a_compression_method_we_cannot_unpack_refuses_the_archive(
    storage: Storage, tmp_path: Path
) -> None:
    # Method 9 is Deflate64, which Windows' own zip writer uses for large files.
    archive = _zip_with_header_field(
        tmp_path / "export.zip", local_offset=8, central_offset=10, value=9
    )
    _refused(storage, archive, r"export.zip: cannot unpack the archive \(.*not supported")


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (OSError(errno.EIO, "Input/output error"), r"cannot be read \(Input/output error\)"),
        (MemoryError(), "too large to read"),
    ],
    ids=["disk-error", "out-of-memory"],
)
def test_a_file_that_fails_while_being_read_is_refused_with_a_sentence(
    storage: Storage,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fault: BaseException,
    expected: str,
) -> None:
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps(EXPORT), encoding="utf-8")
    real_read_bytes = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self == path:
            raise fault
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    error = _refused(storage, path, expected)
    assert error.message.startswith("conversations.json: ")


def test_a_database_that_cannot_be_opened_refuses_every_file_and_says_why(
    storage: Storage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = []
    for name in ("a.json", "b.json"):
        paths.append(tmp_path / name)
        paths[-1].write_text(json.dumps(EXPORT), encoding="utf-8")

    def connect(path: Path, *, create: bool = True) -> sqlite3.Connection:
        # What a second connection gets when the drive holding the history has gone away.
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(_schema, "connect", connect)
    with pytest.raises(StorageError, match="cannot be opened: unable to open database file"):
        import_file(storage, paths[0])
    report = import_files(storage, paths)
    assert [result.error for result in report.files] == [
        "The conversation database cannot be opened: unable to open database file."
    ] * 2
    assert report.summary().endswith("2 files refused")
    monkeypatch.undo()
    assert storage.list_conversations() == []


def test_a_database_locked_by_another_program_imports_nothing_until_it_is_free(
    storage: Storage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_schema, "BUSY_TIMEOUT_MS", 50)  # give up on the lock at once
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps(EXPORT), encoding="utf-8")
    other = sqlite3.connect(storage.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StorageError, match="failed in the database: database is locked"):
            import_file(storage, path)
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert storage.list_conversations() == []
    assert len(import_file(storage, path).imported) == 1
    (conversation,) = storage.list_conversations()
    assert [m.content for m in storage.conversation_messages(conversation.id)] == [
        "Sum 1 to 10?",
        "55.",
    ]


def test_code_and_its_output_are_skipped_and_counted(storage: Storage, tmp_path: Path) -> None:
    code = {"author": {"role": "assistant"}, "content": {"content_type": "code", "text": "1+1"}}
    export = _chatgpt_export(
        ("q", _said("user", "Add them")), ("c", code), ("a", _said("assistant", "It is 2."))
    )
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    result = import_file(storage, path)
    assert result.skipped == {"code or execution output": 1}
    (conversation,) = storage.list_conversations()
    kept = storage.conversation_messages(conversation.id)
    assert [(m.role, m.content) for m in kept] == [("user", "Add them"), ("assistant", "It is 2.")]
    assert kept[1].parent_id == kept[0].id  # the reply still follows the question


def test_the_parsers_refuse_documents_of_the_wrong_shape(tmp_path: Path) -> None:
    path = tmp_path / "odd.json"
    with pytest.raises(ImportExportError, match=r"odd\.json: not a ChatGPT conversation list"):
        parse_chatgpt_export("just a string", path)
    with pytest.raises(ImportExportError, match=r"odd\.json: not a Desktop Chat conversation file"):
        parse_own_json({"format": "something-else"}, path)


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_a_time_that_is_not_a_finite_number_refuses_the_file(
    storage: Storage, tmp_path: Path, number: str
) -> None:
    # Python's JSON reader accepts these words; no date can be made of them.
    document = json.loads(to_json(*sample()))
    text = json.dumps(document).replace(
        f'"created_at": {json.dumps(document["conversation"]["created_at"])}',
        f'"created_at": {number}',
        1,
    )
    assert number in text
    path = tmp_path / "conversation.json"
    path.write_text(text, encoding="utf-8")
    _refused(storage, path, "the conversation has an invalid 'created_at'")
