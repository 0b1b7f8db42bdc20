"""A database another process has open is never set aside on a check that can race its writes.

While another instance checkpoints, SQLite writes page 1 (with the new page count) before the
pages that grow the file, so for a moment the file looks cut short. These tests hold that state
still: another process keeps the file open, and the header claims more pages than the file has.
"""

from __future__ import annotations

import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_chat.core.errors import StorageError
from desktop_chat.core.history import storage as storage_module
from desktop_chat.core.history._liveness import open_elsewhere
from desktop_chat.core.history.storage import open_storage

_HOLDER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
connection.execute("SELECT count(*) FROM conversations").fetchone()
print("open", flush=True)
sys.stdin.read()
"""


def _database(tmp_path: Path) -> Path:
    path = tmp_path / "conversations.sqlite3"
    opened = open_storage(path)
    opened.storage.create_conversation("Kept safe")
    opened.storage.close()
    return path


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process with the database open, until the test ends."""
    path = _database(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "open\n"
    yield process
    if process.poll() is None:
        process.communicate("")


def _claim_more_pages(path: Path) -> bytes:
    """Make the header say the file is longer than it is, as mid-checkpoint; the old header."""
    data = bytearray(path.read_bytes())
    original = bytes(data[:100])
    (change_counter,) = struct.unpack(">I", data[24:28])
    (page_count,) = struct.unpack(">I", data[28:32])
    data[28:32] = struct.pack(">I", page_count + 5)
    data[92:96] = struct.pack(">I", change_counter)
    with path.open("r+b") as file:
        file.write(data[:100])
    return original


def _restore(path: Path, header: bytes) -> None:
    with path.open("r+b") as file:
        file.write(header)


def _set_aside(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".unreadable-" in p.name)


def test_another_process_holding_the_file_is_seen(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    path = tmp_path / "conversations.sqlite3"
    assert open_elsewhere(path)
    holder.communicate("")
    assert not open_elsewhere(path)


def test_a_live_file_that_stays_suspect_is_left_where_it_is(
    tmp_path: Path, holder: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage_module, "_LIVE_PAUSE", 0.0)
    path = tmp_path / "conversations.sqlite3"
    header = _claim_more_pages(path)
    with pytest.raises(StorageError, match="open in another program"):
        open_storage(path)
    assert _set_aside(tmp_path) == []
    _restore(path, header)
    opened = open_storage(path)
    assert [c.title for c in opened.storage.list_conversations()] == ["Kept safe"]
    opened.storage.close()


def test_a_live_file_opens_once_the_other_process_has_finished_writing(
    tmp_path: Path, holder: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "conversations.sqlite3"
    header = _claim_more_pages(path)
    pauses: list[float] = []

    def checkpoint_finishes(seconds: float) -> None:
        pauses.append(seconds)
        _restore(path, header)  # the other process grew the file during the pause

    monkeypatch.setattr(storage_module, "_pause_for_writer", checkpoint_finishes)
    opened = open_storage(path)
    assert len(pauses) == 1
    assert opened.notice is None
    assert [c.title for c in opened.storage.list_conversations()] == ["Kept safe"]
    opened.storage.close()
    assert _set_aside(tmp_path) == []


def test_a_damaged_file_nobody_has_open_is_still_set_aside(tmp_path: Path) -> None:
    path = _database(tmp_path)
    _claim_more_pages(path)
    opened = open_storage(path)
    assert opened.notice is not None
    assert "cut short" in opened.notice
    assert len(_set_aside(tmp_path)) == 1
    assert opened.storage.list_conversations() == []
    opened.storage.close()
