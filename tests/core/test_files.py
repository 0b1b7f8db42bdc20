"""Atomic writes and setting bad files aside, shared by settings, the database and exports."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from desktop_chat.core._files import (
    atomic_target,
    atomic_write_bytes,
    atomic_write_text,
    copy_aside,
    free_name,
    set_aside,
    timestamp,
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty folder of the test's own (the temporary folder also holds the app's home)."""
    path = tmp_path / "files"
    path.mkdir()
    return path


def test_timestamp_is_utc_seconds() -> None:
    assert re.fullmatch(r"\d{8}-\d{6}", timestamp())


def test_free_name_counts_up_past_taken_names(folder: Path) -> None:
    path = folder / "data.db"
    assert free_name(path, "old").name == "data.db.old"
    (folder / "data.db.old").write_text("x", encoding="utf-8")
    (folder / "data.db.old-2").write_text("x", encoding="utf-8")
    assert free_name(path, "old").name == "data.db.old-3"


def test_set_aside_moves_the_file_and_its_companions(folder: Path) -> None:
    path = folder / "db.sqlite3"
    path.write_bytes(b"main")
    Path(f"{path}-wal").write_bytes(b"wal")
    target = set_aside(path, "unreadable", companions=("-wal", "-shm"))
    assert re.fullmatch(r"db\.sqlite3\.unreadable-\d{8}-\d{6}", target.name)
    assert target.read_bytes() == b"main"
    assert Path(f"{target}-wal").read_bytes() == b"wal"
    assert not path.exists()
    assert not Path(f"{path}-wal").exists()
    assert not Path(f"{target}-shm").exists()


def test_set_aside_twice_in_one_second_keeps_both(folder: Path) -> None:
    path = folder / "settings.json"
    path.write_bytes(b"first")
    first = set_aside(path, "corrupt")
    path.write_bytes(b"second")
    second = set_aside(path, "corrupt")
    assert first != second
    assert {first.read_bytes(), second.read_bytes()} == {b"first", b"second"}


def test_set_aside_failure_leaves_the_file(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = folder / "settings.json"
    path.write_bytes(b"keep")

    def failing_replace(self: Path, target: Any) -> Path:
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(Path, "replace", failing_replace)
    with pytest.raises(OSError, match="Permission denied"):
        set_aside(path, "corrupt")
    monkeypatch.undo()
    assert [p.name for p in folder.iterdir()] == ["settings.json"]


def test_copy_aside_keeps_the_original(folder: Path) -> None:
    path = folder / "settings.json"
    path.write_bytes(b"{}")
    copy = copy_aside(path, "invalid")
    assert copy.name.startswith("settings.json.invalid-")
    assert copy.read_bytes() == path.read_bytes() == b"{}"


def test_atomic_write_replaces_and_leaves_no_temporary(folder: Path) -> None:
    path = folder / "out.txt"
    path.write_text("old", encoding="utf-8")
    atomic_write_text(path, "new\nlines\n")
    assert path.read_bytes() == b"new\nlines\n"
    atomic_write_bytes(path, b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"
    assert [p.name for p in folder.iterdir()] == ["out.txt"]


def test_a_failed_block_keeps_the_old_file(folder: Path) -> None:
    path = folder / "out.txt"
    path.write_text("old", encoding="utf-8")

    def write_half_then_fail() -> None:
        with atomic_target(path) as temporary:
            temporary.write_text("half", encoding="utf-8")
            raise RuntimeError("writer failed")

    with pytest.raises(RuntimeError):
        write_half_then_fail()
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in folder.iterdir()] == ["out.txt"]


def test_a_failed_rename_keeps_the_old_file(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = folder / "out.txt"
    path.write_text("old", encoding="utf-8")

    def failing_replace(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="No space left"):
        atomic_write_text(path, "new")
    monkeypatch.undo()
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in folder.iterdir()] == ["out.txt"]
