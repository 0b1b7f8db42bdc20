"""The display-free helpers behind the window's list headings, version switcher and find bar."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from desktop_chat.core.history.branches import branch_position, sibling_after_step
from desktop_chat.core.history.find import Match, find_matches
from desktop_chat.core.history.groups import GroupKey, group_key
from desktop_chat.core.history.storage import Storage

TODAY = date(2026, 10, 15)


def _at(year: int, month: int, day: int) -> float:
    return datetime(year, month, day, 12).timestamp()


def test_group_key_by_age_with_pinned_first() -> None:
    assert group_key(_at(2026, 1, 1), True, TODAY) == GroupKey("pinned")
    assert group_key(_at(2026, 10, 15), False, TODAY) == GroupKey("today")
    assert group_key(_at(2026, 10, 20), False, TODAY) == GroupKey("today")  # clock set back
    assert group_key(_at(2026, 10, 14), False, TODAY) == GroupKey("yesterday")
    assert group_key(_at(2026, 10, 8), False, TODAY) == GroupKey("week")
    assert group_key(_at(2026, 10, 7), False, TODAY) == GroupKey("month", 2026, 10)
    assert group_key(_at(2025, 12, 31), False, TODAY) == GroupKey("month", 2025, 12)


def test_find_matches_counts_every_occurrence() -> None:
    texts = [(1, "Apple apple"), (2, "none"), (3, "pineAPPLE")]
    assert find_matches(texts, "apple") == [Match(1, 0), Match(1, 1), Match(3, 0)]
    assert find_matches(texts, "  ") == []


def test_branch_position_and_steps(tmp_path: Path) -> None:
    with Storage.open(tmp_path / "db.sqlite3") as storage:
        conversation = storage.create_conversation()
        first = storage.add_message(conversation.id, None, "user", "one")
        second = storage.add_sibling(first.id, "two")
        alone = storage.add_message(conversation.id, second.id, "assistant", "reply")
        assert branch_position(storage, first) == (1, 2)
        assert branch_position(storage, second) == (2, 2)
        assert branch_position(storage, alone) == (1, 1)
        assert sibling_after_step(storage, first.id, 1) == second.id
        assert sibling_after_step(storage, second.id, -1) == first.id
        assert sibling_after_step(storage, second.id, 1) is None
