"""A conversation whose stored times no date can be made of: the window still starts and shows it.

The row is damaged with raw SQL before the window opens, as a poisoned import once left it.
"""

from __future__ import annotations

import sqlite3

import pytest
from pytestqt.qtbot import QtBot

from desktop_chat.core.config.paths import database_path
from desktop_chat.core.history.storage import Storage
from desktop_chat.ui.window.main_window import MainWindow


@pytest.mark.parametrize("value", [1e13, -1e300, "yesterday"])
def test_the_window_starts_beside_a_conversation_dated_past_year_9999(
    qtbot: QtBot, storage: Storage, request: pytest.FixtureRequest, value: object
) -> None:
    dated = storage.create_conversation(title="Dated")
    storage.add_message(dated.id, None, "user", "on time")
    poisoned = storage.create_conversation(title="Poisoned")
    question = storage.add_message(poisoned.id, None, "user", "when?")
    answer = storage.add_message(poisoned.id, question.id, "assistant", "never", model="m1")
    connection = sqlite3.connect(database_path())
    with connection:
        connection.execute(
            "UPDATE conversations SET created_at = ?, updated_at = ? WHERE id = ?",
            (value, value, poisoned.id),
        )
        connection.execute(
            "UPDATE messages SET created_at = ? WHERE conversation_id = ?", (value, poisoned.id)
        )
    connection.close()

    window: MainWindow = request.getfixturevalue("window")
    assert "Unknown date" in window.conversation_list.headings()
    window.open_conversation(poisoned.id)
    assert [message.id for message in window.transcript.messages()] == [question.id, answer.id]
    view = window.transcript.reveal_message(answer.id)
    assert view is not None
    assert view.origin_text() == "m1"  # the model, and no date
