"""Times no date can be made of, already in the database: every reader shows them as unknown.

The rows are damaged with raw SQL, as an old import or another program could have left them.
"""

from __future__ import annotations

import json
import math
import sqlite3
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from desktop_chat.__main__ import main
from desktop_chat.core.config.paths import database_path
from desktop_chat.core.history.groups import GroupKey, group_key
from desktop_chat.core.history.storage import open_storage
from desktop_chat.core.history.timestamps import (
    LATEST,
    UNKNOWN,
    stored_datetime,
    stored_seconds,
    valid_seconds,
)
from desktop_chat.core.transfer.export import write_export

# Past year 9999, before 1970, not finite, and not a number: each once broke a start-up.
BAD_TIMES: list[object] = [1e13, -1e300, math.inf, -math.inf, "yesterday", 2**62]


UNUSABLE: list[object] = [*BAD_TIMES, math.nan, True, None, b"\x00", -1, LATEST, 10**30, 10**400]


@pytest.mark.parametrize("value", UNUSABLE)
def test_a_value_no_date_can_be_made_of_is_unknown(value: object) -> None:
    assert valid_seconds(value) is None
    assert stored_seconds(value) == UNKNOWN
    assert stored_datetime(stored_seconds(value)) is None


def test_a_sane_time_reads_as_its_date() -> None:
    moment = datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc)
    seconds = moment.timestamp()
    assert valid_seconds(int(seconds)) == seconds
    assert stored_datetime(seconds, timezone.utc) == moment
    assert stored_datetime(LATEST - 1, timezone.utc) is not None
    assert stored_datetime(UNKNOWN) is None  # the placeholder itself is shown as unknown


def _poisoned_database(path: Path, value: object) -> tuple[int, int]:
    """A database with a good conversation and one whose times are ``value``, set with raw SQL."""
    opened = open_storage(path)
    with opened.storage as storage:
        good = storage.create_conversation(title="Good one")
        storage.add_message(good.id, None, "user", "fine")
        bad = storage.create_conversation(title="Poisoned")
        message = storage.add_message(bad.id, None, "user", "steep the tea")
        storage.delete_conversation(good.id)  # a trashed one with a damaged deletion time too
    connection = sqlite3.connect(path)
    with connection:
        connection.execute(
            "UPDATE conversations SET created_at = ?, updated_at = ? WHERE id = ?",
            (value, value, bad.id),
        )
        connection.execute("UPDATE conversations SET deleted_at = ? WHERE id = ?", (value, good.id))
        connection.execute("UPDATE messages SET created_at = ? WHERE id = ?", (value, message.id))
    connection.close()
    return good.id, bad.id


@pytest.mark.parametrize("value", BAD_TIMES)
def test_storage_reads_a_damaged_time_as_unknown(tmp_path: Path, value: object) -> None:
    good_id, bad_id = _poisoned_database(tmp_path / "db.sqlite3", value)
    opened = open_storage(tmp_path / "db.sqlite3")
    with opened.storage as storage:
        assert (opened.notice, opened.kept_aside) == (None, None)  # not taken for damage
        (bad,) = storage.list_conversations()
        assert (bad.id, bad.created_at, bad.updated_at) == (bad_id, UNKNOWN, UNKNOWN)
        (message,) = storage.conversation_messages(bad_id)
        assert message.created_at == UNKNOWN
        (trashed,) = storage.list_deleted()
        assert (trashed.id, trashed.deleted_at) == (good_id, UNKNOWN)  # still in the trash
        hits = storage.search("steep")
        assert hits
        assert {hit.created_at for hit in hits} == {UNKNOWN}
        title_hits = storage.search("poisoned")
        assert [hit.created_at for hit in title_hits] == [UNKNOWN]
        assert group_key(bad.updated_at, False, date(2026, 1, 1)) == GroupKey("unknown")
        assert group_key(bad.updated_at, True, date(2026, 1, 1)) == GroupKey("pinned")


@pytest.mark.parametrize("value", [1e13, "yesterday"])
@pytest.mark.parametrize("kind", ["md", "txt", "html", "json"])
def test_every_export_of_a_damaged_conversation_says_unknown_date(
    tmp_path: Path, value: object, kind: str
) -> None:
    _, bad_id = _poisoned_database(tmp_path / "db.sqlite3", value)
    with open_storage(tmp_path / "db.sqlite3").storage as storage:
        conversation = storage.get_conversation(bad_id)
        assert conversation is not None
        items = [(conversation, storage.conversation_messages(bad_id))]
        (written,) = write_export(items, kind, tmp_path / f"out.{kind}")
    text = written.read_text(encoding="utf-8")
    if kind == "json":
        document = json.loads(text)  # strict JSON: no Infinity or NaN
        assert document["conversation"]["updated_at"] == UNKNOWN
    else:
        assert "unknown date" in text


@pytest.mark.parametrize("value", BAD_TIMES)
def test_cli_list_works_beside_a_damaged_row(
    value: object, capsys: pytest.CaptureFixture[str]
) -> None:
    _, bad_id = _poisoned_database(database_path(), value)
    assert main(["list"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line == f"{bad_id}   unknown date      Poisoned"
    assert main(["list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out, parse_constant=pytest.fail)
    assert [(row["id"], row["created_at"], row["updated_at"]) for row in rows] == [
        (bad_id, UNKNOWN, UNKNOWN)
    ]
