"""Where files go: one folder under DESKTOP_CHAT_HOME, platformdirs otherwise."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from desktop_chat.core.config.paths import AppPaths, app_paths, database_path, settings_path


def test_home_variable_puts_everything_under_one_folder(app_home: Path) -> None:
    paths = app_paths()
    assert paths == AppPaths(config_dir=app_home / "config", data_dir=app_home / "data")
    assert paths.config_dir.is_dir()
    assert paths.data_dir.is_dir()
    # nothing writes logs or caches, so no empty folders for them either
    assert sorted(p.name for p in app_home.iterdir()) == ["config", "data"]


def test_folders_are_created_on_demand_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "portable" / "profile"
    monkeypatch.setenv("DESKTOP_CHAT_HOME", str(home))
    paths = app_paths(create=False)
    assert paths.config_dir == home / "config"
    assert not home.exists()
    app_paths()
    assert (home / "data").is_dir()


def test_file_locations(app_home: Path) -> None:
    assert database_path() == app_home / "data" / "conversations.sqlite3"
    assert settings_path() == app_home / "config" / "settings.json"


def test_without_the_variable_platformdirs_decide(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DESKTOP_CHAT_HOME")
    # Keep even this test out of the real profile: platformdirs honours the XDG variables.
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    paths = app_paths()
    assert paths.config_dir == Path(platformdirs.user_config_dir("desktop-chat", appauthor=False))
    assert paths.data_dir == Path(platformdirs.user_data_dir("desktop-chat", appauthor=False))
    assert str(paths.config_dir).startswith(str(tmp_path))
    assert "desktop-chat" in paths.data_dir.parts


def test_blank_variable_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESKTOP_CHAT_HOME", "  ")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert app_paths(create=False).config_dir == tmp_path / "xdg" / "desktop-chat"
