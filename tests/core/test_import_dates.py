"""Poisoned imports: a time no date can be made of refuses its conversation, with the reason.

Once stored, a time past year 9999 made every start of the window and of ``desktop-chat list``
fail. These files go through the real command line into the real database of the test's home.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from desktop_chat.__main__ import main
from desktop_chat.core.config.paths import database_path
from desktop_chat.core.history.storage import Storage
from desktop_chat.core.transfer.export import to_json
from tests.fixtures.sample_conversation import sample

# JSON text for each: past year 9999, before 1970, not finite, a string, an integer past float.
POISONS = ["1e13", "-1e300", "NaN", "Infinity", '"2024-05-01"', "1" + "0" * 400, "true"]


def _own_file(tmp_path: Path, part: str, field: str, poison: str) -> Path:
    document: Any = json.loads(to_json(*sample()))
    target = document["conversation"] if part == "conversation" else document["messages"][1]
    target[field] = "POISON"
    path = tmp_path / "poisoned.json"
    path.write_text(json.dumps(document).replace('"POISON"', poison), encoding="utf-8")
    return path


def _listed(capsys: pytest.CaptureFixture[str]) -> list[str]:
    capsys.readouterr()
    assert main(["list"]) == 0
    return capsys.readouterr().out.splitlines()


@pytest.mark.parametrize("poison", POISONS)
@pytest.mark.parametrize(
    ("part", "field"),
    [
        ("conversation", "created_at"),
        ("conversation", "updated_at"),
        ("conversation", "deleted_at"),
        ("message", "created_at"),
    ],
)
def test_an_own_export_with_an_impossible_date_is_refused_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], part: str, field: str, poison: str
) -> None:
    path = _own_file(tmp_path, part, field, poison)
    assert main(["import", str(path)]) == 1
    captured = capsys.readouterr()
    where = "the conversation" if part == "conversation" else "message 2"
    assert (
        f"desktop-chat: poisoned.json: {where} has an invalid '{field}' value: "
        "not a date from 1970 to 9999. Nothing was imported from it."
    ) in captured.err
    assert captured.out.endswith("0 imported, 0 already present, 0 skipped; 1 file refused\n")
    assert _listed(capsys) == ["No conversations."]


def _chatgpt(title: str, **times: Any) -> dict[str, Any]:
    """One ChatGPT conversation: a question and its answer, with ``times`` set where named."""

    def node(key: str, parent: str | None, role: str, text: str, stamp: Any) -> dict[str, Any]:
        message = {
            "author": {"role": role},
            "content": {"content_type": "text", "parts": [text]},
            "create_time": stamp,
        }
        return {"id": key, "parent": parent, "children": [], "message": message}

    return {
        "title": title,
        "create_time": times.get("create_time", 1_717_000_000.0),
        "update_time": times.get("update_time", 1_717_000_060.0),
        "current_node": "a",
        "mapping": {
            "q": node("q", None, "user", "Ready?", times.get("question", 1_717_000_000.0)),
            "a": node("a", "q", "assistant", "Yes.", times.get("answer", 1_717_000_060.0)),
        },
    }


@pytest.mark.parametrize("poison", POISONS)
@pytest.mark.parametrize("where", ["create_time", "update_time", "question", "answer"])
def test_a_chatgpt_conversation_with_an_impossible_date_is_left_out_and_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str, poison: str
) -> None:
    document = [_chatgpt("Poisoned", **{where: "POISON"}), _chatgpt("Healthy")]
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps(document).replace('"POISON"', poison), encoding="utf-8")
    assert main(["import", str(path)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "conversations.json: 1 imported, 0 already present",
        "1 imported, 0 already present, 1 skipped (1 conversation with an impossible date)",
    ]
    (line,) = _listed(capsys)
    assert line.endswith("  Healthy")
    with Storage.open(database_path()) as storage:
        (healthy,) = storage.list_conversations()
        times = [message.created_at for message in storage.conversation_messages(healthy.id)]
    assert (healthy.created_at, healthy.updated_at) == (1_717_000_000.0, 1_717_000_060.0)
    assert times == [1_717_000_000.0, 1_717_000_060.0]


def test_a_missing_chatgpt_time_is_no_impossible_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # ChatGPT writes null for nodes it did not date: the parent's time stands in, as before.
    document = [_chatgpt("Undated answer", answer=None, update_time=None)]
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert main(["import", str(path)]) == 0
    assert capsys.readouterr().out.endswith("1 imported, 0 already present, 0 skipped\n")
    with Storage.open(database_path()) as storage:
        (conversation,) = storage.list_conversations()
        times = [message.created_at for message in storage.conversation_messages(conversation.id)]
    assert conversation.updated_at == 1_717_000_000.0
    assert times == [1_717_000_000.0, 1_717_000_000.0]
