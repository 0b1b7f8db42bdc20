"""Importing ChatGPT data exports: the list file, split zips, branches and odd nodes."""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from desktop_chat.core.history.storage import Storage
from desktop_chat.core.transfer.importers import FileResult, ImportReport, import_file, import_files

FIXTURES = Path(__file__).parent.parent / "fixtures" / "chatgpt"
FIRST_ANSWER = "Pack **layers**, water and snacks:\n\n```python\nitems = ['water', 'snacks']\n```"


@pytest.fixture
def storage(tmp_path: Path):
    with Storage.open(tmp_path / "db.sqlite3") as opened:
        yield opened


def _split_zip(tmp_path: Path) -> Path:
    archive = tmp_path / "chatgpt-export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as writer:
        for name in ("conversations-000.json", "conversations-001.json", "user.json"):
            writer.write(FIXTURES / "split" / name, name)
        writer.writestr("chat.html", "<html></html>")
        writer.writestr("file-abc.png", b"\x89PNG")
    return archive


def test_list_file_keeps_text_branches_and_the_shown_path(storage: Storage) -> None:
    result = import_file(storage, FIXTURES / "conversations.json")
    assert len(result.imported) == 2
    assert result.empty == 1  # "Only hidden" holds nothing to show
    assert dict(result.skipped) == {
        "hidden": 1, "tool call": 1, "tool output": 1,
        "malformed node": 1, "tether_quote content": 1, "untyped content": 1,
    }  # fmt: skip
    hike = next(c for c in storage.list_conversations() if c.title == "Weekend hike")
    assert hike.created_at == 1717000000.0
    assert hike.updated_at == 1717000060.0
    assert hike.model == "gpt-4o"
    path = storage.path_to(hike.current_leaf_id or 0)
    assert [(m.role, m.content) for m in path] == [
        ("user", "What should I pack for a weekend hike?"),
        ("assistant", FIRST_ANSWER),
        ("user", "Is this backpack big enough?"),
        ("assistant", "Yes, 30 litres is plenty for two days."),
    ]  # fmt: skip
    # The regenerated first answer is kept as a sibling branch.
    siblings = storage.siblings(path[1].id)
    assert [m.content for m in siblings] == ["Water, a map and a rain jacket.", path[1].content]
    # Missing model_slug falls back to the conversation's model; null create_time to the parent's.
    assert path[3].model == "gpt-4o"
    # The reasoning node before the last reply becomes that reply's reasoning.
    assert path[3].reasoning == "30 litres is fine"
    assert [m.reasoning for m in path[:3]] == ["", "", ""]
    assert path[3].finish_reason == "length"
    assert path[2].created_at == path[1].created_at
    # The uploaded image is not in a bare conversations.json: a named placeholder stands in.
    assert [(a.name, a.missing) for a in path[2].attachments] == [("file-abc", True)]
    assert len(storage.conversation_messages(hike.id)) == 5


def test_missing_title_times_and_current_node_never_fail(storage: Storage) -> None:
    import_file(storage, FIXTURES / "conversations.json")
    untitled = next(c for c in storage.list_conversations() if c.title == "")
    # current_node names a node that does not exist: the last kept message stands in.
    path = storage.path_to(untitled.current_leaf_id or 0)
    assert [m.content for m in path] == ["Quote this page", "Done."]
    assert untitled.created_at > 1.7e9  # no date anywhere: the import time


def test_same_file_twice_adds_nothing(storage: Storage) -> None:
    first = import_files(storage, [FIXTURES / "conversations.json"])
    second = import_files(storage, [FIXTURES / "conversations.json"])
    assert first.summary() == (
        "2 imported, 0 already present, 7 skipped (1 conversation with no text, "
        "1 message ChatGPT never shows (its own instructions), 1 damaged message, "
        "1 message of a kind Desktop Chat cannot show (tether_quote), "
        "1 call to a ChatGPT tool, 1 ChatGPT tool result, "
        "1 message of a kind Desktop Chat cannot show (untyped))"
    )
    assert (
        second.summary() == "0 imported, 2 already present, 1 skipped (1 conversation with no text)"
    )
    assert len(storage.list_conversations()) == 2


def test_purged_conversation_can_be_imported_again(storage: Storage) -> None:
    first = import_file(storage, FIXTURES / "conversations.json")
    for conversation_id in first.imported:
        storage.delete_conversation(conversation_id)
    storage.purge_deleted()
    again = import_file(storage, FIXTURES / "conversations.json")
    assert len(again.imported) == 2


def test_split_zip_reads_every_conversations_file(storage: Storage, tmp_path: Path) -> None:
    result = import_file(storage, _split_zip(tmp_path))
    assert len(result.imported) == 2
    titles = sorted(c.title for c in storage.list_conversations())
    assert titles == ["Second file", "Weekend hike"]
    second = next(c for c in storage.list_conversations() if c.title == "Second file")
    assert [m.model for m in storage.conversation_messages(second.id)] == ["", "gpt-4o-mini"]
    # The same conversation from the single file is recognised as already present.
    single = import_file(storage, FIXTURES / "conversations.json")
    assert single.already_present == 1


def test_zip_with_a_single_conversations_json_in_a_folder(storage: Storage, tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as writer:
        writer.write(FIXTURES / "conversations.json", "export-2024/conversations.json")
    assert len(import_file(storage, archive).imported) == 2


def test_single_conversation_object_and_empty_list(storage: Storage, tmp_path: Path) -> None:
    conversations = json.loads((FIXTURES / "conversations.json").read_text(encoding="utf-8"))
    one = tmp_path / "one.json"
    one.write_text(json.dumps(conversations[0]), encoding="utf-8")
    assert len(import_file(storage, one).imported) == 1
    empty = tmp_path / "empty.json"
    empty.write_text("[]", encoding="utf-8")
    assert import_file(storage, empty).imported == []


def test_unknown_shapes_inside_nodes_are_skipped_not_fatal(
    storage: Storage, tmp_path: Path
) -> None:
    # Times that are there but no date (a string, true) refuse the conversation instead:
    # tests/core/test_import_dates.py.
    odd = [{
        "title": 5, "create_time": None, "update_time": None,
        "current_node": ["not", "a", "key"], "default_model_slug": None,
        "mapping": {
            "a": {"id": "a", "parent": None, "children": "nope",
                  "message": {"author": "me",
                              "content": {"content_type": "text", "parts": ["hi"]}}},
            "b": {"id": "b", "parent": "a", "children": [],
                  "message": {"author": {"role": "user"}, "metadata": [],
                              "content": {"content_type": "text", "parts": [None, 3, "kept"]},
                              "create_time": None}},
            "c": {"id": "c", "parent": "c", "children": ["c"], "message": None},
            "d": {"id": "d", "parent": "b", "children": [],
                  "message": {"author": {"role": "assistant"},
                              "content": {"content_type": "future_kind", "parts": ["x"]}}},
        },
    }]  # fmt: skip
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps(odd), encoding="utf-8")
    result = import_file(storage, path)
    assert len(result.imported) == 1
    assert result.skipped["unknown author"] == 1
    assert result.skipped["future_kind content"] == 1
    assert result.skipped["unreachable node"] == 1  # "c" is its own parent
    (conversation,) = storage.list_conversations()
    assert [m.content for m in storage.conversation_messages(conversation.id)] == ["kept"]


def test_the_summary_says_what_was_left_out_in_words() -> None:
    result = FileResult(
        Path("conversations.json"),
        imported=[1],
        empty=2,
        skipped=Counter({"hidden": 3, "image or file": 1, "unreachable node": 2}),
    )
    assert ImportReport([result]).summary() == (
        "1 imported, 0 already present, 8 skipped (2 conversations with no text, "
        "3 messages ChatGPT never shows (its own instructions), "
        "1 image or file not in the export, 2 messages cut off from their chat)"
    )
