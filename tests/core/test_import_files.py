"""Files that must be refused whole: damaged, cut short, too large, zip bombs, hostile."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest

from desktop_chat.core.errors import ImportExportError
from desktop_chat.core.history.storage import Storage
from desktop_chat.core.transfer import _import_files as reading
from desktop_chat.core.transfer.importers import import_file, import_files

FIXTURES = Path(__file__).parent.parent / "fixtures" / "chatgpt"


@pytest.fixture
def storage(tmp_path: Path):
    with Storage.open(tmp_path / "db.sqlite3") as opened:
        yield opened


def _refused(storage: Storage, path: Path, expected: str) -> ImportExportError:
    with pytest.raises(ImportExportError, match=expected) as caught:
        import_file(storage, path)
    assert caught.value.path == path
    assert path.name in caught.value.message
    assert storage.list_conversations(include_deleted=True) == []
    return caught.value


def test_truncated_json(storage: Storage, tmp_path: Path) -> None:
    text = (FIXTURES / "conversations.json").read_text(encoding="utf-8")
    path = tmp_path / "conversations.json"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    _refused(storage, path, "not valid JSON")


def test_binary_garbage_and_wrong_encoding(storage: Storage, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\xff\xfe\x00\x01\x80\x81" * 10)
    _refused(storage, garbage, "garbage.json")
    latin = tmp_path / "latin.json"
    latin.write_bytes('["caf\xe9"]'.encode("latin-1"))
    _refused(storage, latin, "latin.json")


def test_json_of_another_kind(storage: Storage, tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"theme": "dark"}), encoding="utf-8")
    _refused(storage, path, "neither a Desktop Chat conversation nor a ChatGPT export")
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps([{"mapping": {}}, 3]), encoding="utf-8")
    _refused(storage, listed, "conversation 2 is not an object")


def test_deep_nesting_and_giant_numbers(storage: Storage, tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    _refused(storage, deep, "the file nests too deeply to be a conversation export")
    digits = tmp_path / "digits.json"
    digits.write_text("[" + "9" * 50_000 + "]", encoding="utf-8")
    _refused(storage, digits, "digits.json")


def test_missing_file_and_folder(storage: Storage, tmp_path: Path) -> None:
    _refused(storage, tmp_path / "nope.json", "no such file")
    folder = tmp_path / "folder.json"
    folder.mkdir()
    _refused(storage, folder, "no such file")


def test_file_over_the_size_cap(
    storage: Storage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reading, "MAX_JSON_BYTES", 1000)
    path = tmp_path / "big.json"
    path.write_text(json.dumps([{"mapping": {}, "title": "x" * 2000}]), encoding="utf-8")
    _refused(storage, path, "larger than")


def test_zip_bomb_is_refused_from_declared_sizes(
    storage: Storage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reading, "MAX_ZIP_TOTAL_BYTES", 1024 * 1024)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as writer:
        writer.writestr("conversations.json", b" " * (8 * 1024 * 1024))
    assert bomb.stat().st_size < 64 * 1024
    _refused(storage, bomb, "unpack to 8 MB, more than the 1 MB")


def test_zip_member_larger_than_declared_is_refused(storage: Storage, tmp_path: Path) -> None:
    liar = tmp_path / "liar.zip"
    payload = json.dumps([]).encode() + b" " * 5000
    with zipfile.ZipFile(liar, "w", zipfile.ZIP_DEFLATED) as writer:
        writer.writestr("conversations.json", payload)
    data = bytearray(liar.read_bytes())
    # Shrink the uncompressed size in the local header (offset 22) and central directory (24).
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, local + 22, 10)
    struct.pack_into("<I", data, central + 24, 10)
    liar.write_bytes(bytes(data))
    _refused(storage, liar, "liar.zip")


def test_too_many_members_and_no_json(
    storage: Storage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reading, "MAX_ZIP_MEMBERS", 3)
    crowded = tmp_path / "crowded.zip"
    with zipfile.ZipFile(crowded, "w") as writer:
        for index in range(5):
            writer.writestr(f"f{index}.json", "[]")
    _refused(storage, crowded, "more than 3 files")
    images = tmp_path / "images.zip"
    with zipfile.ZipFile(images, "w") as writer:
        writer.writestr("a.png", b"png")
    _refused(storage, images, "holds no JSON file")
    unrelated = tmp_path / "unrelated.zip"
    with zipfile.ZipFile(unrelated, "w") as writer:
        writer.writestr("user.json", json.dumps({"email": "x@example.org"}))
    _refused(storage, unrelated, "holds no conversations file")


def test_damaged_zip(storage: Storage, tmp_path: Path) -> None:
    archive = tmp_path / "cut.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as writer:
        writer.write(FIXTURES / "conversations.json", "conversations.json")
    data = archive.read_bytes()
    middle = len(data) // 2
    archive.write_bytes(data[:middle] + bytes(64) + data[middle + 64 :])
    _refused(storage, archive, "cut.zip")


def test_one_bad_member_refuses_the_whole_zip(storage: Storage, tmp_path: Path) -> None:
    archive = tmp_path / "mixed.zip"
    with zipfile.ZipFile(archive, "w") as writer:
        writer.write(FIXTURES / "split" / "conversations-000.json", "conversations-000.json")
        writer.writestr("conversations-001.json", '[{"mapping": ')
    error = _refused(storage, archive, "not valid JSON")
    assert "mixed.zip/conversations-001.json" in error.message


def test_a_refused_file_does_not_stop_the_others(storage: Storage, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    report = import_files(storage, [bad, FIXTURES / "conversations.json"])
    assert report.imported == 2
    assert [result.path for result in report.failed] == [bad]
    assert report.summary().endswith("; 1 file refused")
