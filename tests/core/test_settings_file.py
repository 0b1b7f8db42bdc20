"""Two processes saving one settings file: each save merges, none undoes what the other wrote."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_chat.core._locks import FileLock
from desktop_chat.core.config import settings_file as settings_file_module
from desktop_chat.core.config.paths import settings_path
from desktop_chat.core.config.providers import config_from_preset
from desktop_chat.core.config.settings import Settings, load_settings, save_settings
from desktop_chat.core.config.settings_file import SettingsFile, merge_settings


def _provider(provider_id: str, name: str, model: str = "m") -> object:
    provider = config_from_preset("custom", provider_id=provider_id, name=name)
    provider.base_url = "http://127.0.0.1:9/v1"
    provider.model = model
    return provider


def _two_views() -> tuple[Settings, SettingsFile, Settings, SettingsFile]:
    save_settings(Settings())
    window = load_settings().settings
    command = load_settings().settings
    return window, SettingsFile(window), command, SettingsFile(command)


def _names(settings: Settings) -> list[str]:
    return [p.name for p in settings.providers]


def test_a_provider_another_process_added_survives_this_process_s_save() -> None:
    window, window_file, command, command_file = _two_views()
    added = _provider("cli", "From the command line")
    command.providers.append(added)  # type: ignore[arg-type]
    command.active_provider_id = "cli"
    command_file.save(command)

    window.theme = "dark"
    saved = window_file.save(window)

    on_disk = load_settings().settings
    assert on_disk == saved
    assert _names(on_disk) == ["Demo (offline)", "From the command line"]
    assert (on_disk.theme, on_disk.active_provider_id) == ("dark", "cli")


def test_where_both_changed_one_setting_the_later_save_wins() -> None:
    window, window_file, command, command_file = _two_views()
    command.font_size = 20
    command.proxy = "http://127.0.0.1:3128"
    command_file.save(command)
    window.font_size = 14
    saved = window_file.save(window)
    assert (saved.font_size, saved.proxy) == (14, "http://127.0.0.1:3128")


def test_removals_and_changes_of_providers_merge_by_id() -> None:
    base = Settings(
        providers=[_provider("a", "A"), _provider("b", "B"), _provider("c", "C")],  # type: ignore[list-item]
        active_provider_id="c",
    )
    ours = copy.deepcopy(base)
    theirs = copy.deepcopy(base)
    ours.providers = [p for p in ours.providers if p.id != "a"]  # we removed A
    ours.providers[0].model = "ours"  # and changed B
    theirs.providers[0].model = "theirs"  # they changed A, which we removed
    theirs.providers = [p for p in theirs.providers if p.id != "c"]  # they removed C
    theirs.providers.append(_provider("d", "D"))  # type: ignore[arg-type]
    theirs.extra = {"future": 1}

    merged = merge_settings(base, ours, theirs)

    # A change wins over a removal, whichever side made it: nothing anyone typed is lost.
    assert [(p.id, p.model) for p in merged.providers] == [
        ("b", "ours"),
        ("a", "theirs"),
        ("d", "m"),
    ]
    assert merged.active_provider_id == "b"  # C, the active one, is gone
    assert merged.extra == {"future": 1}


def test_a_provider_removed_there_but_changed_here_is_kept() -> None:
    base = Settings(providers=[_provider("a", "A")], active_provider_id="a")  # type: ignore[list-item]
    ours = copy.deepcopy(base)
    ours.providers[0].model = "still wanted"
    theirs = Settings(providers=[], active_provider_id=None)
    merged = merge_settings(base, ours, theirs)
    assert [(p.id, p.model) for p in merged.providers] == [("a", "still wanted")]
    assert merged.active_provider_id == "a"


def test_unknown_fields_merge_one_by_one() -> None:
    base = Settings(extra={"kept": 1, "dropped": 2, "theirs": 3})
    ours = copy.deepcopy(base)
    ours.extra = {"kept": 1, "theirs": 3, "ours": 4}
    theirs = copy.deepcopy(base)
    theirs.extra["theirs"] = 30
    merged = merge_settings(base, ours, theirs)
    assert merged.extra == {"kept": 1, "theirs": 30, "ours": 4}


def test_a_save_with_no_change_writes_nothing() -> None:
    save_settings(Settings(theme="light"))
    path = settings_path()
    before = path.stat()
    loaded = load_settings().settings
    assert SettingsFile(loaded).save(loaded) == loaded
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_first_save_and_a_save_over_a_bad_file_write_this_process_s_settings() -> None:
    settings = Settings(theme="dark")
    SettingsFile(Settings()).save(settings)
    assert load_settings().settings.theme == "dark"
    path = settings_path()
    path.write_text("{ not json", encoding="utf-8")
    SettingsFile(Settings()).save(Settings(theme="light"))
    assert load_settings().settings.theme == "light"
    kept = [p.name for p in path.parent.iterdir() if p.name.startswith("settings.json.corrupt")]
    assert len(kept) == 1  # the bad file was kept aside, not overwritten


def test_a_lock_never_let_go_delays_the_save_but_does_not_lose_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(settings_file_module, "LOCK_WAIT_SECONDS", 0.05)
    window, window_file, _command, _command_file = _two_views()
    path = settings_path()
    stuck = FileLock(path.with_name(f".{path.name}.lock"))
    assert stuck.acquire()
    try:
        window.theme = "dark"
        window_file.save(window)
    finally:
        stuck.release()
    assert load_settings().settings.theme == "dark"


_ADDER = """
import sys
from desktop_chat.core.config.providers import config_from_preset
from desktop_chat.core.config.settings import load_settings
from desktop_chat.core.config.settings_file import SettingsFile
tag = sys.argv[1]
for index in range(15):
    settings = load_settings().settings
    saving = SettingsFile(settings)
    provider = config_from_preset("custom", provider_id=f"{tag}{index}", name=f"{tag}{index}")
    settings.providers.append(provider)
    saving.save(settings)
"""


def test_two_processes_adding_providers_at_once_lose_none(app_home: Path) -> None:
    save_settings(Settings())
    adders = [subprocess.Popen([sys.executable, "-c", _ADDER, tag]) for tag in ("left", "right")]
    for adder in adders:
        assert adder.wait(timeout=60) == 0
    names = set(_names(load_settings().settings))
    expected = {f"{tag}{index}" for tag in ("left", "right") for index in range(15)}
    assert expected <= names
    assert json.loads(settings_path().read_text(encoding="utf-8"))["schema_version"] == 1
    assert str(app_home) in str(settings_path())
