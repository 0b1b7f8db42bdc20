"""Settings: defaults, round trips, migrations and every kind of bad file."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from desktop_chat.core.config.paths import settings_path
from desktop_chat.core.config.providers import ProviderConfig, config_from_preset
from desktop_chat.core.config.settings import (
    DEFAULT_FONT_SIZE,
    SCHEMA_VERSION,
    Settings,
    load_settings,
    save_settings,
    settings_from_dict,
    settings_to_dict,
)
from desktop_chat.core.errors import SettingsError


@pytest.fixture
def path(app_home: Path) -> Path:
    return settings_path()


def _aside_files(path: Path) -> list[Path]:
    return sorted(p for p in path.parent.iterdir() if p.name.startswith(path.name + "."))


def test_missing_file_gives_defaults_without_a_problem(path: Path) -> None:
    loaded = load_settings(path)
    assert loaded.problem is None
    assert loaded.set_aside is None
    assert loaded.settings == Settings()
    assert loaded.settings.active_provider is not None
    assert loaded.settings.active_provider.kind == "demo"


def test_default_path_is_used(path: Path) -> None:
    settings = Settings(theme="dark")
    save_settings(settings)
    assert path.exists()
    assert load_settings().settings.theme == "dark"


def test_round_trip(path: Path) -> None:
    azure = config_from_preset("azure", provider_id="az")
    azure.model = "gpt-4o"
    azure.system_prompt = "Be brief."
    azure.temperature = 0.3
    azure.max_tokens = 512
    azure.proxy = "socks5://127.0.0.1:1081"
    settings = Settings(
        providers=[config_from_preset("openai", provider_id="oa"), azure],
        active_provider_id="az",
        theme="light",
        font_size=14,
        send_key="ctrl+enter",
        generate_titles=True,
        proxy="socks5://127.0.0.1:1080",
    )
    save_settings(settings, path)
    loaded = load_settings(path)
    assert loaded.problem is None
    assert loaded.settings == settings
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["schema_version"] == SCHEMA_VERSION


def test_save_is_atomic_and_leaves_no_temporary_file(path: Path) -> None:
    save_settings(Settings(font_size=12), path)
    save_settings(Settings(font_size=13), path)
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]
    assert json.loads(path.read_text(encoding="utf-8"))["font_size"] == 13


def test_failed_save_keeps_the_old_file(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save_settings(Settings(font_size=12), path)

    def failing_replace(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(SettingsError, match="No space left on device"):
        save_settings(Settings(font_size=20), path)
    monkeypatch.undo()
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]
    assert load_settings(path).settings.font_size == 12


def test_save_into_unwritable_place_raises_settings_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(SettingsError, match="could not be saved"):
        save_settings(Settings(), blocker / "settings.json")


@pytest.mark.parametrize(
    ("content", "suffix", "fragment"),
    [
        (b"", "empty", "empty"),
        (b"   \n", "empty", "empty"),
        (b"{not json", "corrupt", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "corrupt", "not valid JSON"),
        (b"[1, 2, 3]", "invalid", "settings object"),
        (b'"text"', "invalid", "settings object"),
        (b'{"schema_version": "one"}', "invalid", "schema_version"),
        (b'{"schema_version": 99, "theme": "dark"}', "newer", "newer version"),
        (b"[" * 100_000, "corrupt", "nested too deeply"),
    ],
)
def test_unusable_file_is_kept_aside(
    path: Path, content: bytes, suffix: str, fragment: str
) -> None:
    path.write_bytes(content)
    loaded = load_settings(path)
    assert loaded.settings == Settings()
    assert loaded.problem is not None
    assert fragment in loaded.problem
    assert loaded.set_aside is not None
    assert loaded.set_aside.name.startswith(f"settings.json.{suffix}-")
    assert loaded.set_aside.name in loaded.problem
    assert loaded.set_aside.read_bytes() == content
    assert not path.exists()
    assert load_settings(path).problem is None


def test_two_bad_files_in_a_row_are_both_kept(path: Path) -> None:
    path.write_bytes(b"{bad")
    first = load_settings(path).set_aside
    path.write_bytes(b"{worse")
    second = load_settings(path).set_aside
    assert first is not None
    assert second is not None
    assert first != second
    assert {p.read_bytes() for p in _aside_files(path)} == {b"{bad", b"{worse"}


def test_invalid_values_fall_back_and_the_rest_survives(path: Path) -> None:
    original = {
        "schema_version": 1,
        "theme": "purple",
        "font_size": -4,
        "send_key": "shift",
        "generate_titles": "yes",
        "proxy": 5,
        "providers": [
            {
                "id": "a",
                "name": "A",
                "kind": "openai",
                "base_url": "https://h/v1",
                "model": "m",
                "temperature": 9,
                "max_tokens": 0,
                "auth_style": "magic",
                "api_version": 5,
            },
            "not a provider",
            {"name": "no id"},
            {"id": "a", "name": "duplicate", "kind": "openai", "base_url": "https://x/v1"},
        ],
        "active_provider_id": "a",
    }
    path.write_text(json.dumps(original), encoding="utf-8")
    loaded = load_settings(path)
    settings = loaded.settings
    assert (settings.theme, settings.font_size, settings.send_key) == (
        "system",
        DEFAULT_FONT_SIZE,
        "enter",
    )
    assert settings.generate_titles is False
    assert settings.proxy == ""
    assert [p.id for p in settings.providers] == ["a"]
    provider = settings.providers[0]
    assert (provider.model, provider.temperature, provider.max_tokens, provider.auth_style) == (
        "m",
        None,
        None,
        "bearer",
    )
    assert provider.api_version is None
    assert settings.active_provider_id == "a"
    assert loaded.problem is not None
    assert "theme" in loaded.problem
    assert "font_size" in loaded.problem
    assert "and more" in loaded.problem
    assert loaded.set_aside is not None
    assert json.loads(loaded.set_aside.read_text(encoding="utf-8")) == original
    # The repaired settings were written back, so the next start is clean.
    again = load_settings(path)
    assert again.problem is None
    assert again.settings == settings


def test_invalid_values_with_a_failing_save_lose_nothing(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = b'{"schema_version": 1, "theme": "purple", "font_size": 15}'
    path.write_bytes(original)

    def failing_replace(src: Any, dst: Any) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(os, "replace", failing_replace)
    loaded = load_settings(path)
    assert loaded.settings.font_size == 15
    assert loaded.settings.theme == "system"
    assert loaded.set_aside is not None
    assert loaded.set_aside.read_bytes() == original
    assert path.read_bytes() == original


def test_a_bad_file_that_cannot_be_moved_is_left_in_place(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path.write_bytes(b"{broken")

    def failing_replace(self: Path, target: Any) -> Path:
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(Path, "replace", failing_replace)
    loaded = load_settings(path)
    assert loaded.settings == Settings()
    assert loaded.set_aside is None
    assert loaded.problem is not None
    assert "could not be moved aside" in loaded.problem
    assert path.read_bytes() == b"{broken"


def test_invalid_values_that_cannot_be_copied_leave_the_file(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = b'{"schema_version": 1, "theme": "purple"}'
    path.write_bytes(original)

    def failing_copy(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shutil, "copy2", failing_copy)
    loaded = load_settings(path)
    assert loaded.settings.theme == "system"
    assert loaded.set_aside is None
    assert loaded.problem is not None
    assert "left as it is" in loaded.problem
    assert path.read_bytes() == original


def test_unknown_fields_are_kept_but_never_secrets(path: Path) -> None:
    data = settings_to_dict(Settings())
    data.update(future_feature={"on": True}, api_key="sk-should-never-be-kept", token="t")
    path.write_text(json.dumps(data), encoding="utf-8")
    loaded = load_settings(path)
    assert loaded.problem is None
    assert loaded.settings.extra == {"future_feature": {"on": True}}
    save_settings(loaded.settings, path)
    text = path.read_text(encoding="utf-8")
    assert "future_feature" in text
    assert "sk-should-never-be-kept" not in text
    assert '"token"' not in text


def test_unknown_provider_fields_and_kinds_are_tolerated(path: Path) -> None:
    data = {
        "schema_version": 1,
        "providers": [{"id": "p", "kind": "brand-new", "base_url": "https://h/v1", "x": 1}],
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    loaded = load_settings(path)
    assert loaded.problem is None
    assert loaded.settings.providers == [ProviderConfig("p", "p", "brand-new", "https://h/v1")]
    assert loaded.settings.active_provider_id == "p"


def test_active_provider_falls_back(path: Path) -> None:
    settings, invalid = settings_from_dict(
        {"schema_version": 1, "providers": [], "active_provider_id": "gone"}
    )
    assert invalid == []
    assert settings.active_provider_id is None
    assert settings.active_provider is None
    settings, invalid = settings_from_dict({"schema_version": 1, "active_provider_id": 3})
    assert invalid == ["active_provider_id"]
    assert settings.active_provider_id == "demo"
    settings, invalid = settings_from_dict({"schema_version": 1, "providers": {"a": 1}})
    assert invalid == ["providers"]
    assert settings.providers == []


def test_migration_from_unversioned_single_provider_file(path: Path) -> None:
    version_0 = {
        "base_url": "http://127.0.0.1:11434/v1",
        "model": "llama3.2",
        "system_prompt": "You are terse.",
        "temperature": 0.5,
        "api_key": "sk-old-plaintext",
        "theme": "dark",
        "font_size": 13,
        "send_with_ctrl_enter": True,
    }
    path.write_text(json.dumps(version_0), encoding="utf-8")
    loaded = load_settings(path)
    assert loaded.problem is None
    settings = loaded.settings
    assert settings.schema_version == SCHEMA_VERSION
    assert (settings.theme, settings.font_size, settings.send_key) == ("dark", 13, "ctrl+enter")
    assert settings.active_provider == ProviderConfig(
        id="default",
        name="My provider",
        kind="custom",
        base_url="http://127.0.0.1:11434/v1",
        model="llama3.2",
        system_prompt="You are terse.",
        temperature=0.5,
    )
    assert settings.extra == {}
    save_settings(settings, path)
    assert "sk-old-plaintext" not in path.read_text(encoding="utf-8")


def test_migration_from_unversioned_file_without_provider() -> None:
    settings, invalid = settings_from_dict({"theme": "light", "send_with_ctrl_enter": False})
    assert invalid == []
    assert settings.theme == "light"
    assert settings.send_key == "enter"
    assert settings.providers == Settings().providers


def test_settings_from_dict_refuses_newer_versions() -> None:
    with pytest.raises(SettingsError, match="newer version"):
        settings_from_dict({"schema_version": SCHEMA_VERSION + 1})


def test_unreadable_file_gives_defaults(tmp_path: Path) -> None:
    folder = tmp_path / "settings.json"
    folder.mkdir()
    loaded = load_settings(folder)
    assert loaded.settings == Settings()
    assert loaded.problem is not None
    assert "could not be read" in loaded.problem
    assert folder.is_dir()


def test_a_file_that_starts_with_a_byte_order_mark_is_read_whole(path: Path) -> None:
    save_settings(Settings(theme="dark", font_size=15), path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # as Notepad saves UTF-8
    loaded = load_settings(path)
    assert loaded.problem is None
    assert (loaded.settings.theme, loaded.settings.font_size) == ("dark", 15)
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]


def test_saving_through_a_symbolic_link_keeps_the_link(tmp_path: Path, path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "desktop-chat.json"
    save_settings(Settings(theme="light"), target)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(os.path.relpath(target, path.parent))  # a relative link, as dotfiles use
    save_settings(Settings(theme="dark"), path)
    assert path.is_symlink()
    assert path.resolve() == target
    assert json.loads(target.read_text(encoding="utf-8"))["theme"] == "dark"
    assert load_settings(path).settings.theme == "dark"
    assert sorted(p.name for p in dotfiles.iterdir()) == ["desktop-chat.json"]
