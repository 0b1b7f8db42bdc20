"""A damaged file whose branch leads into another conversation still opens, and can be sent to."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from desktop_chat.core.history.storage import Storage, open_storage


def _two_conversations(path: Path) -> tuple[Storage, int, int, list[int]]:
    storage = open_storage(path).storage
    other = storage.create_conversation("Other").id
    first = storage.add_message(other, None, "user", "other question").id
    storage.add_message(other, first, "assistant", "other answer")
    mine = storage.create_conversation("Mine").id
    question = storage.add_message(mine, None, "user", "my question").id
    answer = storage.add_message(mine, question, "assistant", "my answer").id
    return storage, other, mine, [question, answer]


def _damage(path: Path, sql: str, *args: object) -> None:
    connection = sqlite3.connect(path)
    with connection:
        connection.execute(sql, args)
    connection.close()


def test_a_saved_leaf_in_another_conversation_shows_this_ones_newest_branch(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.sqlite3"
    storage, other, mine, ids = _two_conversations(path)
    foreign = storage.current_path(other)[-1].id
    _damage(path, "UPDATE conversations SET current_leaf_id = ? WHERE id = ?", foreign, mine)
    shown = storage.current_path(mine)
    assert [message.id for message in shown] == ids
    assert storage.current_leaf_id(mine) == ids[-1]
    # Sending after it follows the conversation's own last message.
    reply = storage.add_message(mine, shown[-1].id, "user", "and then?")
    assert reply.conversation_id == mine
    storage.close()


def test_a_parent_in_another_conversation_cuts_the_branch_there(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    storage, other, mine, ids = _two_conversations(path)
    foreign = storage.current_path(other)[-1].id
    _damage(path, "UPDATE messages SET parent_id = ? WHERE id = ?", foreign, ids[0])
    shown = storage.current_path(mine)
    assert [message.id for message in shown] == ids
    assert all(message.conversation_id == mine for message in shown)
    assert storage.current_leaf_id(mine) == ids[-1]
    storage.close()


def test_an_intact_branch_is_unchanged(tmp_path: Path) -> None:
    storage, _, mine, ids = _two_conversations(tmp_path / "c.sqlite3")
    assert [message.id for message in storage.current_path(mine)] == ids
    assert storage.current_leaf_id(mine) == ids[-1]
    storage.close()
