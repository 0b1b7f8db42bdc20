"""A reply streaming onto a full disk: the user hears of it at once, once, and nothing is lost.

The disk is full for real as far as SQLite knows: the reply's own connection gets a
``max_page_count`` at the file's size, which SQLite enforces exactly as it would a full disk.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from desktop_chat.core.chat.options import ChatOptions
from desktop_chat.core.chat.runner import run_turn
from desktop_chat.core.chat.turns import send_turn
from desktop_chat.core.client.api import ChatClient
from desktop_chat.core.history import _schema
from desktop_chat.core.history.models import ToolCall
from desktop_chat.core.history.storage import Storage
from tests.scripted_server import ScriptedServer, sse_reply

OPTIONS = ChatOptions("prov", "model-a")
PIECES = [f"{index:03d} " + "words " * 400 for index in range(12)]


@dataclass
class Progress:
    """What the turn reported; frees the disk after ``room_after`` pieces, if set."""

    connections: list[sqlite3.Connection]
    room_after: int | None = None
    content: list[str] = field(default_factory=list)
    failures: list[tuple[int, str]] = field(default_factory=list)

    def on_content(self, text: str) -> None:
        self.content.append(text)
        if self.room_after is not None and len(self.content) == self.room_after:
            for connection in self.connections:  # the reply's own thread: this one
                connection.execute("PRAGMA max_page_count = 1000000")

    def on_reasoning(self, text: str) -> None:
        del text

    def on_record_failed(self, message: str) -> None:
        self.failures.append((len(self.content), message))

    def on_tool_call(self, call: ToolCall) -> None:
        raise AssertionError(f"no tools were offered, yet {call.name} was called")


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> list[sqlite3.Connection]:
    """Every connection opened from now on finds the disk full beyond the file's size."""
    opened: list[sqlite3.Connection] = []
    configure = _schema.configure

    def full(connection: sqlite3.Connection) -> None:
        configure(connection)
        (pages,) = connection.execute("PRAGMA page_count").fetchone()
        connection.execute(f"PRAGMA max_page_count = {pages + 1}")
        opened.append(connection)

    monkeypatch.setattr(_schema, "configure", full)
    return opened


def _turn(storage: Storage, database: Path, server: ScriptedServer, progress: Progress) -> str:
    server.add(sse_reply(PIECES, delay=0.1))  # longer than the save interval
    turn = send_turn(storage, None, "Write a lot.", OPTIONS)
    client = ChatClient(server.base_url)
    outcome = run_turn(turn, client, progress, database=database, cancel=threading.Event())
    assert outcome.text == "".join(PIECES)  # the whole reply reached the screen
    return str(turn.reply.id)


def test_a_full_disk_is_reported_while_the_reply_streams_and_all_is_saved_once_there_is_room(
    storage: Storage,
    database: Path,
    scripted_server: ScriptedServer,
    full_disk: list[sqlite3.Connection],
) -> None:
    progress = Progress(full_disk, room_after=8)
    reply_id = _turn(storage, database, scripted_server, progress)
    assert len(progress.failures) == 1
    (when, message) = progress.failures[0]
    assert when < len(PIECES)  # told while it streamed, not at the end
    assert message.startswith("The reply could not be saved: the disk is full; free some space.")
    assert message.count("could not be saved") == 1
    saved = storage.get_message(int(reply_id))
    assert saved is not None
    assert (saved.status, saved.content) == ("complete", "".join(PIECES))


def test_a_disk_that_stays_full_is_reported_once_and_keeps_what_fitted(
    storage: Storage,
    database: Path,
    scripted_server: ScriptedServer,
    full_disk: list[sqlite3.Connection],
) -> None:
    progress = Progress(full_disk)
    reply_id = _turn(storage, database, scripted_server, progress)
    assert len(progress.failures) == 1
    assert progress.failures[0][0] < len(PIECES)
    saved = storage.get_message(int(reply_id))
    assert saved is not None
    assert saved.status == "streaming"  # marked cut off at the next start
    assert "".join(PIECES).startswith(saved.content)
    assert saved.content  # the first piece fitted
