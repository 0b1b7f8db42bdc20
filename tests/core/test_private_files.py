"""The user's data is theirs alone: folders 0700, the database, its companions and settings 0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from desktop_chat.core.config.paths import app_paths, database_path, settings_path
from desktop_chat.core.config.settings import Settings, save_settings
from desktop_chat.core.history.storage import Storage, open_storage

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_profile_is_readable_by_the_user_alone(app_home: Path) -> None:
    paths = app_paths()
    opened = open_storage(database_path())
    opened.storage.create_conversation("private")
    save_settings(Settings())
    assert _mode(paths.data_dir) == 0o700
    assert _mode(paths.config_dir) == 0o700
    database = database_path()
    companions = [database.with_name(database.name + s) for s in ("-wal", "-shm")]
    for path in [database, *companions, settings_path()]:
        assert path.exists(), path
        assert _mode(path) == 0o600, path
    opened.storage.close()


def test_files_an_older_version_left_readable_are_tightened(tmp_path: Path) -> None:
    database = tmp_path / "conversations.sqlite3"
    with Storage.open(database) as store:
        store.create_conversation("old")
    database.chmod(0o644)
    with Storage.open(database):
        assert _mode(database) == 0o600
