"""Full-text search over titles and messages: matching, highlighting, paging and hostile input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_chat.core.history.models import ELLIPSIS, HIGHLIGHT_END, HIGHLIGHT_START
from desktop_chat.core.history.storage import Storage, fts_query


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Storage]:
    with Storage.open(tmp_path / "conversations.sqlite3") as opened:
        yield opened


def _bold(snippet: str) -> str:
    return snippet.replace(HIGHLIGHT_START, "[").replace(HIGHLIGHT_END, "]")


def test_fts_query_quotes_every_word_and_prefixes_the_last() -> None:
    assert fts_query("hello world") == '"hello" "world"*'
    assert fts_query("hello world ") == '"hello" "world"'
    assert fts_query('say "hello"') == '"say" """hello"""*'
    assert fts_query("AND ( - *") == '"AND"'
    # Short ASCII words are taken whole: a prefix of three letters matches nearly everything.
    assert fts_query("say the") == '"say" "the"'
    assert fts_query("日本") == '"日本"*'
    assert fts_query("  ") is None
    assert fts_query('" - ( ) * ^ :') is None
    assert fts_query("") is None


def test_message_text_reasoning_and_titles_are_found_with_highlights(store: Storage) -> None:
    trip = store.create_conversation("Trip to Lisbon")
    question = store.add_message(trip.id, None, "user", "Where should I eat in Lisbon?")
    answer = store.add_message(
        trip.id,
        question.id,
        "assistant",
        "Try the pastries in Belém.",
        reasoning="The user likes custard tarts.",
    )
    hits = store.search("lisbon")
    assert [(h.conversation_id, h.message_id) for h in hits] == [
        (trip.id, None),
        (trip.id, question.id),
    ]
    assert _bold(hits[0].snippet) == "Trip to [Lisbon]"
    assert _bold(hits[1].snippet) == "Where should I eat in [Lisbon]?"
    assert hits[1].title == "Trip to Lisbon"
    assert hits[1].role == "user"
    reasoning_hits = store.search("custard")
    assert [h.message_id for h in reasoning_hits] == [answer.id]
    assert "[custard]" in _bold(reasoning_hits[0].snippet)


def test_prefix_unicode_and_diacritics(store: Storage) -> None:
    conversation = store.create_conversation("Café talk")
    message = store.add_message(
        conversation.id, None, "user", "Naïve façade, Grüße aus München, 日本語 テキスト, Ελληνικά"
    )
    assert [h.message_id for h in store.search("munch")] == [message.id]
    assert store.search("munch ") == []  # a finished word is matched whole
    assert [h.message_id for h in store.search("naive facade")] == [message.id]
    assert [h.message_id for h in store.search("GRÜSSE")] == []  # no stemming of ß
    assert [h.message_id for h in store.search("grüße")] == [message.id]
    assert [h.message_id for h in store.search("日本語")] == [message.id]
    assert [h.message_id for h in store.search("ΕΛΛΗΝΙΚΆ")] == [message.id]
    assert [h.conversation_id for h in store.search("cafe")] == [conversation.id]


def test_results_are_newest_first_and_page_through_titles_then_messages(store: Storage) -> None:
    older = store.create_conversation("apple notes")
    newer = store.create_conversation("apple pie")
    message_ids = []
    parent: int | None = None
    for i in range(5):
        parent = store.add_message(older.id, parent, "user", f"apple number {i}").id
        message_ids.append(parent)
    everything = store.search("apple")
    assert [(h.conversation_id, h.message_id) for h in everything[:2]] == [
        (older.id, None),  # updated last, by the messages
        (newer.id, None),
    ]
    assert [h.message_id for h in everything[2:]] == message_ids[::-1]
    pages = [store.search("apple", limit=3, offset=offset) for offset in (0, 3, 6, 9)]
    assert [len(page) for page in pages] == [3, 3, 1, 0]
    assert [hit for page in pages for hit in page] == everything
    inside = store.search("apple", conversation_id=older.id, limit=2, offset=1)
    assert [h.message_id for h in inside] == message_ids[::-1][1:3]
    assert store.search("apple", conversation_id=newer.id) == []
    assert store.search("apple", limit=0) == []


def test_edits_deletes_and_trash_keep_the_index_in_sync(store: Storage) -> None:
    conversation = store.create_conversation("first title")
    message = store.add_message(conversation.id, None, "assistant", "old words")
    store.update_message(message.id, content="fresh words")
    assert store.search("old") == []
    assert [h.message_id for h in store.search("fresh")] == [message.id]
    store.update_conversation(conversation.id, title="second title")
    assert store.search("first") == []
    assert [h.conversation_id for h in store.search("second")] == [conversation.id]
    store.delete_conversation(conversation.id)
    assert store.search("fresh") == []
    assert store.search("second") == []
    store.restore_conversation(conversation.id)
    assert len(store.search("fresh")) == 1
    store.delete_conversation(conversation.id)
    store.purge_deleted()
    assert store._db.execute("SELECT count(*) FROM messages_fts").fetchone() == (0,)
    store._db.execute("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')")


def test_long_text_snippets_are_cut_around_the_match(store: Storage) -> None:
    conversation = store.create_conversation()
    text = " ".join(["filler"] * 200 + ["needle"] + ["filler"] * 200)
    store.add_message(conversation.id, None, "assistant", text)
    (hit,) = store.search("needle")
    assert f"{HIGHLIGHT_START}needle{HIGHLIGHT_END}" in hit.snippet
    assert hit.snippet.startswith(ELLIPSIS)
    assert hit.snippet.endswith(ELLIPSIS)
    assert len(hit.snippet) < 200


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "AND (",
        "-",
        "*",
        "NEAR(",
        "a OR",
        "title:x",
        "^start",
        '""""',
        "(((",
        "'",
        "\\",
        "\x00",
    ],
)
def test_fts_syntax_in_a_query_never_raises(store: Storage, query: str) -> None:
    conversation = store.create_conversation("a title with x")
    store.add_message(conversation.id, None, "user", 'he said "AND (" - a OR b NEAR(c)')
    assert isinstance(store.search(query), list)


def test_operators_are_searched_as_plain_words(store: Storage) -> None:
    conversation = store.create_conversation()
    message = store.add_message(conversation.id, None, "user", "cats AND dogs")
    other = store.add_message(conversation.id, message.id, "user", "cats only")
    assert [h.message_id for h in store.search("cats AND dogs")] == [message.id]
    assert [h.message_id for h in store.search("cats NOT dogs")] == []
    assert [h.message_id for h in store.search("cats -dogs")] == [message.id]
    assert {h.message_id for h in store.search("cats")} == {message.id, other.id}


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(max_size=40))
def test_any_text_is_a_valid_query(store: Storage, query: str) -> None:
    if not store.list_conversations():
        conversation = store.create_conversation("Some title")
        store.add_message(conversation.id, None, "user", "Some text with ünïcode and 中文")
    hits = store.search(query)
    assert all(hit.snippet for hit in hits)


def test_search_within_a_conversation_skips_interleaved_conversations(store: Storage) -> None:
    first = store.create_conversation()
    second = store.create_conversation()
    early = store.add_message(first.id, None, "user", "kiwi early")
    store.add_message(second.id, None, "user", "kiwi elsewhere")
    late = store.add_message(first.id, early.id, "user", "kiwi late")
    assert [h.message_id for h in store.search("kiwi", conversation_id=first.id)] == [
        late.id,
        early.id,
    ]
    empty = store.create_conversation()
    assert store.search("kiwi", conversation_id=empty.id) == []
    assert store.search("kiwi", conversation_id=404) == []


def test_a_page_filled_by_title_hits_leaves_the_messages_for_the_next_page(store: Storage) -> None:
    first = store.create_conversation("mango chutney")
    second = store.create_conversation("mango lassi")
    message = store.add_message(first.id, None, "user", "ripe mango")
    second = store.update_conversation(second.id, updated_at=first.updated_at - 1)
    titles = store.search("mango", limit=2)
    assert [(h.conversation_id, h.message_id) for h in titles] == [
        (first.id, None),
        (second.id, None),
    ]
    assert [h.message_id for h in store.search("mango", limit=2, offset=2)] == [message.id]


def test_a_hit_in_one_of_several_versions_says_which(tmp_path: Path) -> None:
    with Storage.open(tmp_path / "c.sqlite3") as store:
        conversation = store.create_conversation("Colours")
        question = store.add_message(conversation.id, None, "user", "pick a colour")
        first = store.add_message(conversation.id, question.id, "assistant", "crimson red")
        store.add_sibling(first.id, "deep blue")
        store.add_sibling(first.id, "crimson again")
        hits = {
            h.snippet.replace("\x02", "").replace("\x03", ""): h for h in store.search("crimson")
        }
        assert hits["crimson red"].version == (1, 3)
        assert hits["crimson again"].version == (3, 3)
        (alone,) = store.search("pick")
        assert alone.message_id == question.id
        assert alone.version is None  # the question has one version
