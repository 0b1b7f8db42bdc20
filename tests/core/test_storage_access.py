"""The sentence for a database SQLite cannot write: which cause, in which folder.

The failures themselves are real SQLite errors; where the cause cannot be made for real by any
user (root writes everywhere, and a read-only mount needs privileges), the one check that
decides it is answered instead.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest

from desktop_chat.core.history._access import unwritable_error


def _cannot_open(path: Path) -> sqlite3.Error:
    """The error SQLite gives for a database file it cannot open."""
    path.mkdir()  # a folder where the database file should be
    try:
        sqlite3.connect(path).execute("SELECT 1")
    except sqlite3.Error as error:
        return error
    raise AssertionError("SQLite opened a folder")


def test_other_failures_are_not_about_writing(tmp_path: Path) -> None:
    assert unwritable_error(tmp_path / "x.sqlite3", sqlite3.OperationalError("locked")) is None


def test_a_folder_that_cannot_be_written_is_named_with_the_cause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    error = _cannot_open(tmp_path / "conversations.sqlite3")
    plain = unwritable_error(tmp_path / "conversations.sqlite3", error)
    assert plain is not None
    assert f"in {tmp_path} (SQLite says: unable to open database file)" in plain.message
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    denied = unwritable_error(tmp_path / "conversations.sqlite3", error)
    assert denied is not None
    assert "(you do not have permission to write there)" in denied.message
    monkeypatch.setattr(os, "statvfs", lambda path: SimpleNamespace(f_flag=os.ST_RDONLY))
    read_only = unwritable_error(tmp_path / "conversations.sqlite3", error)
    assert read_only is not None
    assert "(the disk it is on is read-only)" in read_only.message


def test_a_folder_that_is_gone_is_still_worded(tmp_path: Path) -> None:
    error = _cannot_open(tmp_path / "x")
    gone = tmp_path / "gone" / "conversations.sqlite3"
    worded = unwritable_error(gone, error)
    assert worded is not None
    assert str(gone.parent) in worded.message
