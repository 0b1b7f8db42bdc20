"""Planning turns: what is written before sending, and the request built from the saved path."""

from __future__ import annotations

import pytest

from desktop_chat.core.chat.options import ChatOptions, UnsendableError
from desktop_chat.core.chat.turns import (
    CONTINUE_PROMPT,
    continue_turn,
    regenerate_turn,
    send_turn,
)
from desktop_chat.core.history.storage import Storage

OPTIONS = ChatOptions("prov", "model-a", "Be brief.", 0.3, 200)


def test_a_first_send_creates_the_conversation_with_the_chat_options(storage: Storage) -> None:
    turn = send_turn(storage, None, "  Hello there\nsecond line ", OPTIONS, provider_name="Prov")
    assert turn.created_conversation
    conversation = storage.get_conversation(turn.conversation_id)
    assert conversation is not None
    assert conversation.title == "Hello there"
    assert ChatOptions.from_conversation(conversation) == OPTIONS
    assert turn.messages == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hello there\nsecond line"},
    ]
    assert turn.params == {"temperature": 0.3, "max_tokens": 200}
    assert turn.model == "model-a"
    assert (turn.reply.status, turn.reply.content, turn.reply.provider) == (
        "streaming",
        "",
        "Prov",
    )
    assert [m.id for m in storage.current_path(turn.conversation_id)] == [
        turn.user.id,
        turn.reply.id,
    ]


def test_the_request_comes_from_the_saved_path(storage: Storage) -> None:
    first = send_turn(storage, None, "one", OPTIONS)
    storage.update_message(first.reply.id, content="reply one", status="complete")
    empty = send_turn(storage, first.conversation_id, "two", OPTIONS)
    storage.update_message(empty.reply.id, status="error", error="failed")
    third = send_turn(
        storage, first.conversation_id, "three", OPTIONS.with_changes(system_prompt="")
    )
    assert third.messages == [
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": "reply one"},
        {"role": "user", "content": "two"},
        {"role": "user", "content": "three"},
    ]


def test_a_send_saves_changed_options_on_the_conversation(storage: Storage) -> None:
    first = send_turn(storage, None, "one", OPTIONS)
    changed = OPTIONS.with_changes(model="model-b", temperature=None)
    second = send_turn(storage, first.conversation_id, "two", changed)
    conversation = storage.get_conversation(first.conversation_id)
    assert conversation is not None
    assert ChatOptions.from_conversation(conversation) == changed
    assert second.params == {"max_tokens": 200}


@pytest.mark.parametrize(
    ("text", "options", "words"),
    [
        ("   ", OPTIONS, "empty"),
        ("hi", OPTIONS.with_changes(model=" "), "Choose a model"),
        ("hi", OPTIONS.with_changes(provider_id=""), "No provider"),
    ],
)
def test_an_unsendable_turn_writes_nothing(
    storage: Storage, text: str, options: ChatOptions, words: str
) -> None:
    with pytest.raises(UnsendableError, match=words):
        send_turn(storage, None, text, options)
    assert storage.list_conversations() == []


def test_an_edit_branches_beside_the_original(storage: Storage) -> None:
    first = send_turn(storage, None, "original", OPTIONS)
    edited = send_turn(
        storage, first.conversation_id, "edited", OPTIONS, parent_id=first.user.parent_id
    )
    assert [m.content for m in storage.siblings(first.user.id)] == ["original", "edited"]
    assert edited.messages[-1] == {"role": "user", "content": "edited"}


def test_regenerate_adds_a_version_of_any_reply_with_the_current_options(
    storage: Storage,
) -> None:
    first = send_turn(storage, None, "one", OPTIONS)
    storage.update_message(first.reply.id, content="old answer", status="complete")
    later = send_turn(storage, first.conversation_id, "two", OPTIONS)
    storage.update_message(later.reply.id, content="later answer", status="complete")
    retried = regenerate_turn(
        storage, first.reply.id, OPTIONS.with_changes(model="model-b"), provider_name="P"
    )
    assert retried.reply.parent_id == first.user.id
    assert retried.model == "model-b"
    assert retried.messages[-1] == {"role": "user", "content": "one"}
    assert [m.id for m in storage.siblings(first.reply.id)] == [first.reply.id, retried.reply.id]
    conversation = storage.get_conversation(first.conversation_id)
    assert conversation is not None
    assert conversation.model == "model-b"  # Retry saves the choice too


def test_retrying_a_failed_attempt_replaces_it_instead_of_stacking_versions(
    storage: Storage,
) -> None:
    first = send_turn(storage, None, "one", OPTIONS)
    storage.update_message(first.reply.id, status="error", error="Could not reach the server.")
    second = regenerate_turn(storage, first.reply.id, OPTIONS)
    assert storage.get_message(first.reply.id) is None
    assert [m.id for m in storage.siblings(second.reply.id)] == [second.reply.id]
    path = storage.current_path(first.conversation_id)
    assert [m.id for m in path] == [first.user.id, second.reply.id]
    # A cut-off attempt that holds text is a version worth keeping.
    storage.update_message(second.reply.id, status="interrupted", content="Half of it")
    third = regenerate_turn(storage, second.reply.id, OPTIONS)
    assert [m.id for m in storage.siblings(third.reply.id)] == [second.reply.id, third.reply.id]


def test_continue_starts_the_new_version_with_the_kept_text(storage: Storage) -> None:
    first = send_turn(storage, None, "write a poem", OPTIONS)
    storage.update_message(
        first.reply.id, content="Roses are", status="interrupted", finish_reason="length"
    )
    continued = continue_turn(storage, first.reply.id, OPTIONS)
    assert continued.prefix == "Roses are"
    assert continued.reply.content == "Roses are"
    assert continued.messages[-2:] == [
        {"role": "assistant", "content": "Roses are"},
        {"role": "user", "content": CONTINUE_PROMPT},
    ]


def test_continue_and_regenerate_refuse_what_is_not_a_reply(storage: Storage) -> None:
    first = send_turn(storage, None, "one", OPTIONS)
    with pytest.raises(UnsendableError, match="no text"):
        continue_turn(storage, first.reply.id, OPTIONS)
    with pytest.raises(UnsendableError, match="not a model's reply"):
        regenerate_turn(storage, first.user.id, OPTIONS)
    with pytest.raises(UnsendableError, match="not a model's reply"):
        regenerate_turn(storage, 9999, OPTIONS)
