"""Attached files through exports and imports: JSON round trips, HTML embedding, files beside
Markdown and text (in folders and zips), and the uploads of a ChatGPT data export."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from desktop_chat.core.attachments.prepare import prepare_data
from desktop_chat.core.errors import ImportExportError
from desktop_chat.core.history.models import Attachment, Conversation, Message
from desktop_chat.core.history.storage import Storage
from desktop_chat.core.transfer._export_html import CONTENT_SECURITY_POLICY
from desktop_chat.core.transfer.export import to_html, to_json, write_export
from desktop_chat.core.transfer.importers import import_file
from tests.attachment_files import pdf, png

SHOT = prepare_data(png(30, 20), "shot.png")
REPORT = prepare_data(pdf(["Quarterly numbers"]), "report.pdf")
HOSTILE = prepare_data(b"notes\n", "<img src=x onerror=alert(1)>.txt")


@pytest.fixture
def store(tmp_path: Path) -> Storage:
    return Storage.open(tmp_path / "conversations.sqlite3")


def _conversation(store: Storage) -> tuple[Conversation, list[Message]]:
    conversation = store.create_conversation("Files")
    user = store.add_message(
        conversation.id,
        None,
        "user",
        "Look at these",
        attachments=[SHOT, REPORT, HOSTILE, Attachment("lost.png", None)],
    )
    store.add_message(conversation.id, user.id, "assistant", "Seen.")
    again = store.get_conversation(conversation.id)
    assert again is not None
    return again, store.conversation_messages(conversation.id)


def test_json_carries_the_files_and_an_import_restores_them(store: Storage, tmp_path: Path) -> None:
    conversation, messages = _conversation(store)
    exported = tmp_path / "files.json"
    exported.write_text(to_json(conversation, messages, store))
    document = json.loads(exported.read_text())
    assert set(document["files"]) == {SHOT.sha256, REPORT.sha256, HOSTILE.sha256}
    assert base64.b64decode(document["files"][SHOT.sha256]["data"]) == SHOT.data
    with Storage.open(tmp_path / "other.sqlite3") as other:
        result = import_file(other, exported)
        (imported,) = result.imported
        user = other.conversation_messages(imported)[0]
        assert [(a.name, a.sha256, a.kind) for a in user.attachments] == [
            ("shot.png", SHOT.sha256, "image"),
            ("report.pdf", REPORT.sha256, "pdf"),
            (HOSTILE.name, HOSTILE.sha256, "text"),
            ("lost.png", None, "missing"),
        ]
        assert other.attachment_data(SHOT.sha256) == SHOT.data
        assert other.attachment_text(REPORT.sha256) == REPORT.text
        assert other.attachment_thumbnail(SHOT.sha256)
        assert import_file(other, exported).already_present == 1


def _tampered(document: dict[str, Any], change: str) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    entry = changed["files"][SHOT.sha256]
    if change == "bytes":
        entry["data"] = base64.b64encode(b"other bytes").decode()
    elif change == "mime":
        entry["mime"] = "text/html"
    elif change == "base64":
        entry["data"] = "***"
    elif change == "count":
        entry["width"] = -3
    elif change == "entry":
        changed["files"][SHOT.sha256] = "not an object"
    elif change == "kind":
        entry["kind"] = 7
    elif change == "text":
        entry["text"] = None
    elif change == "files":
        changed["files"] = []
    elif change == "picture":
        fake = b"\x89PNG\r\n\x1a\n not really"
        changed["files"][hashlib.sha256(fake).hexdigest()] = changed["files"].pop(SHOT.sha256)
        changed["files"][hashlib.sha256(fake).hexdigest()]["data"] = base64.b64encode(fake).decode()
        changed["messages"][0]["attachments"][0]["sha256"] = hashlib.sha256(fake).hexdigest()
    else:
        changed["messages"][0]["attachments"] = "shot.png"
    return changed


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ("bytes", "do not have the hash"),
        ("mime", "unknown kind or type"),
        ("base64", "not base64"),
        ("count", "damaged \\(width\\)"),
        ("entry", "not an object"),
        ("kind", "kind, mime or data"),
        ("text", "damaged \\(text\\)"),
        ("files", "'files' part is not an object"),
        ("picture", "not an image that can be shown"),
        ("list", "invalid attachments"),
    ],
)
def test_a_damaged_file_in_json_refuses_the_import(
    store: Storage, tmp_path: Path, change: str, words: str
) -> None:
    conversation, messages = _conversation(store)
    document = json.loads(to_json(conversation, messages, store))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_tampered(document, change)))
    with Storage.open(tmp_path / "other.sqlite3") as other:
        with pytest.raises(ImportExportError, match=words):
            import_file(other, bad)
        assert other.list_conversations() == []


def test_html_embeds_images_as_data_and_lists_files_inertly(store: Storage) -> None:
    conversation, messages = _conversation(store)
    page = to_html(conversation, messages, files=store)
    encoded = base64.b64encode(SHOT.data).decode()
    assert f'<img src="data:image/png;base64,{encoded}" alt="shot.png">' in page
    assert "report.pdf (" in page
    assert "&lt;img src=x onerror=alert(1)&gt;.txt" in page
    assert "<img src=x" not in page
    assert "lost.png (not found when imported)" in page
    assert CONTENT_SECURITY_POLICY in page
    paged = to_html(conversation, messages, files=store, paged=True)
    assert 'width="30"' in paged


def test_markdown_writes_the_files_beside_it_and_links_them(store: Storage, tmp_path: Path) -> None:
    conversation, messages = _conversation(store)
    output = tmp_path / "out" / "chat.md"
    write_export([(conversation, messages)], "md", output, files=store)
    folder = output.parent / "chat_files"
    names = sorted(path.name for path in folder.iterdir())
    assert names == sorted(
        [
            f"{SHOT.sha256[:8]}-shot.png",
            f"{REPORT.sha256[:8]}-report.pdf",
            f"{HOSTILE.sha256[:8]}-img_src_x_onerror_alert_1_.txt",
        ]
    )
    text = output.read_text()
    assert f"![shot.png](<chat_files/{SHOT.sha256[:8]}-shot.png>)" in text
    assert f"(<chat_files/{REPORT.sha256[:8]}-report.pdf>)" in text
    assert r"\<img src=x onerror=alert\(1\)\>.txt" in text
    assert "*Attached: lost.png \\(not found when imported\\)*" in text
    assert (folder / f"{SHOT.sha256[:8]}-shot.png").read_bytes() == SHOT.data


def test_text_and_zip_exports_carry_the_files_too(store: Storage, tmp_path: Path) -> None:
    conversation, messages = _conversation(store)
    archive = tmp_path / "all.zip"
    write_export([(conversation, messages)], "txt", archive, files=store)
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
        document = next(name for name in names if "/" not in name)
        folder = document.removesuffix(".txt") + "_files"
        shot = f"{folder}/{SHOT.sha256[:8]}-shot.png"
        assert shot in names
        assert opened.read(shot) == SHOT.data
        text = opened.read(document).decode()
    assert f"Attached: shot.png ({len(SHOT.data)} B) -> {shot}" in text


def _chatgpt_export(folder: Path) -> Path:
    conversation = {
        "title": "Backpack",
        "create_time": 1717000000,
        "current_node": "a1",
        "mapping": {
            "u1": {
                "id": "u1",
                "parent": None,
                "children": ["a1"],
                "message": {
                    "author": {"role": "user"},
                    "create_time": 1717000001,
                    "content": {
                        "content_type": "multimodal_text",
                        "parts": [
                            {
                                "content_type": "image_asset_pointer",
                                "asset_pointer": "file-service://file-abc",
                            },
                            {
                                "content_type": "image_asset_pointer",
                                "asset_pointer": "sediment://file_gone",
                            },
                            {"content_type": "image_asset_pointer", "asset_pointer": "sediment://"},
                            "Is this big enough?",
                        ],
                    },
                    "metadata": {"attachments": [{"id": "file-pdf1", "name": "specs.pdf"}]},
                },
            },
            "a1": {
                "id": "a1",
                "parent": "u1",
                "children": [],
                "message": {
                    "author": {"role": "assistant"},
                    "create_time": 1717000002,
                    "content": {"content_type": "text", "parts": ["Yes."]},
                },
            },
        },
    }
    path = folder / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("conversations.json", json.dumps([conversation]))
        archive.writestr("file-abc-backpack.png", png(16, 16))
        archive.writestr("file-pdf1-specs.pdf", pdf(["Volume: 30 litres"]))
    return path


def test_a_chatgpt_export_brings_its_uploads_and_names_what_is_missing(
    store: Storage, tmp_path: Path
) -> None:
    result = import_file(store, _chatgpt_export(tmp_path))
    (conversation_id,) = result.imported
    user = store.conversation_messages(conversation_id)[0]
    assert user.content == "Is this big enough?"
    assert [(a.name, a.kind) for a in user.attachments] == [
        ("backpack.png", "image"),
        ("file_gone", "missing"),
        ("specs.pdf", "pdf"),
    ]
    pdf_file = user.attachments[2]
    assert pdf_file.sha256 is not None
    assert "Volume: 30 litres" in store.attachment_text(pdf_file.sha256)


def test_a_file_used_twice_in_a_document_is_read_once_and_stored_once(
    store: Storage, tmp_path: Path
) -> None:
    conversation = store.create_conversation("twice")
    first = store.add_message(conversation.id, None, "user", "a", attachments=[SHOT])
    store.add_message(conversation.id, first.id, "user", "b", attachments=[SHOT])
    saved = store.get_conversation(conversation.id)
    assert saved is not None
    exported = tmp_path / "twice.json"
    exported.write_text(to_json(saved, store.conversation_messages(conversation.id), store))
    with Storage.open(tmp_path / "other.sqlite3") as other:
        (imported,) = import_file(other, exported).imported
        messages = other.conversation_messages(imported)
        assert [m.attachments[0].sha256 for m in messages] == [SHOT.sha256, SHOT.sha256]
        (count,) = other._db.execute("SELECT count(*) FROM attachment_blobs").fetchone()
        assert count == 1


def test_uploads_that_cannot_be_attached_become_placeholders(
    store: Storage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop_chat.core.transfer import _import_files

    path = _chatgpt_export(tmp_path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("file_gone-junk.bin", bytes(range(256)) + bytes(44))
    monkeypatch.setattr(_import_files, "MAX_FILE_BYTES", 400)  # the PDF is larger than that
    (conversation_id,) = import_file(store, path).imported
    user = store.conversation_messages(conversation_id)[0]
    assert [(a.name, a.kind) for a in user.attachments] == [
        ("backpack.png", "image"),
        ("junk.bin", "missing"),
        ("specs.pdf", "missing"),
    ]
