"""The lossless JSON format: golden file, full round trip through a real database, validation."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from desktop_chat.core.errors import ImportExportError
from desktop_chat.core.history.models import Conversation, Message
from desktop_chat.core.history.storage import Storage
from desktop_chat.core.transfer.export import to_json
from desktop_chat.core.transfer.importers import import_file
from tests.fixtures.golden import check_golden
from tests.fixtures.sample_conversation import sample
from tests.fixtures.storage_samples import fill


def test_json_matches_golden_and_holds_every_branch_and_field() -> None:
    conversation, messages = sample()
    text = to_json(conversation, messages)
    check_golden("sample.json", text)
    document = json.loads(text)
    assert document["format"] == "desktop-chat-conversation"
    assert document["version"] == 1
    assert [m["id"] for m in document["messages"]] == [1, 2, 3, 4, 5]
    assert set(document["conversation"]) == {f.name for f in dataclasses.fields(Conversation)}
    assert set(document["messages"][0]) == {f.name for f in dataclasses.fields(Message)}


def _comparable(conversation: Conversation, messages: list[Message]) -> dict[str, Any]:
    """Every field, with ids replaced by their position so two databases can be compared."""
    position = {
        message.id: index for index, message in enumerate(sorted(messages, key=lambda m: m.id))
    }
    rows = []
    for message in sorted(messages, key=lambda m: m.id):
        row = dataclasses.asdict(message)
        row["id"] = position[message.id]
        row["parent_id"] = None if message.parent_id is None else position[message.parent_id]
        del row["conversation_id"]
        rows.append(row)
    head = dataclasses.asdict(conversation)
    del head["id"]
    head["current_leaf_id"] = (
        None if conversation.current_leaf_id is None else position[conversation.current_leaf_id]
    )
    return {"conversation": head, "messages": rows}


def test_round_trip_through_a_new_database_is_identical(tmp_path: Path) -> None:
    with Storage.open(tmp_path / "a.sqlite3") as source:
        original = fill(source)
        original_messages = source.conversation_messages(original.id)
    exported = tmp_path / "tea.json"
    exported.write_text(to_json(original, original_messages), encoding="utf-8")

    with Storage.open(tmp_path / "b.sqlite3") as target:
        target.create_conversation(title="already here")  # so ids differ between the two files
        result = import_file(target, exported)
        assert len(result.imported) == 1
        copy = target.get_conversation(result.imported[0])
        assert copy is not None
        copy_messages = target.conversation_messages(copy.id)
        assert copy.id != original.id
        assert _comparable(copy, copy_messages) == _comparable(original, original_messages)
        # What was imported can be searched like anything typed in the window.
        assert any(hit.conversation_id == copy.id for hit in target.search("steep"))
        again = import_file(target, exported)
        assert again.imported == []
        assert again.already_present == 1
        assert len(target.list_conversations()) == 2


def test_import_is_refused_whole_when_any_message_is_bad(tmp_path: Path) -> None:
    conversation, messages = sample()
    document = json.loads(to_json(conversation, messages))
    cases = {
        "role": ("messages", 2, "role", "wizard", "unknown role"),
        "status": ("messages", 2, "status", "odd", "unknown status"),
        "role list": ("messages", 2, "role", ["user"], "unknown role|invalid 'role'"),
        "status object": ("messages", 2, "status", {"x": 1}, "unknown status|invalid 'status'"),
        "created": ("messages", 0, "created_at", "yesterday", "invalid 'created_at'"),
        "bool": ("messages", 0, "created_at", True, "invalid 'created_at'"),
        "parent": ("messages", 1, "parent_id", 99, "parent that is not in the file"),
        "id": ("messages", 1, "id", 1, "appears twice"),
        "leaf": ("conversation", None, "current_leaf_id", 42, "current message 42"),
        "title": ("conversation", None, "title", ["x"], "invalid 'title'"),
    }
    with Storage.open(tmp_path / "db.sqlite3") as storage:
        for name, (part, index, field, value, expected) in cases.items():
            broken = json.loads(json.dumps(document))
            target = broken[part] if index is None else broken[part][index]
            target[field] = value
            path = tmp_path / f"{name}.json"
            path.write_text(json.dumps(broken), encoding="utf-8")
            with pytest.raises(ImportExportError, match=expected) as caught:
                import_file(storage, path)
            assert caught.value.path == path
            assert path.name in caught.value.message
        assert storage.list_conversations() == []


def test_parent_loop_and_other_versions_are_refused(tmp_path: Path) -> None:
    conversation, messages = sample()
    document = json.loads(to_json(conversation, messages))
    document["messages"][0]["parent_id"] = 5
    loop = tmp_path / "loop.json"
    loop.write_text(json.dumps(document), encoding="utf-8")
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({**document, "version": 2}), encoding="utf-8")
    with Storage.open(tmp_path / "db.sqlite3") as storage:
        with pytest.raises(ImportExportError, match="loop"):
            import_file(storage, loop)
        with pytest.raises(ImportExportError, match="version 2 is not supported"):
            import_file(storage, newer)
        assert storage.list_conversations() == []
