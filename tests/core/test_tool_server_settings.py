"""Tool servers in the settings file: kept without secrets, read leniently, the built-in one
always there, and "Always allow" answers that can be revoked."""

from __future__ import annotations

import json
from pathlib import Path

from desktop_chat.core.config.settings import Settings, load_settings, save_settings
from desktop_chat.core.config.tool_servers import (
    BUILTIN_SERVER,
    ToolServerConfig,
    header_secret_id,
    server_from_dict,
    valid_server_name,
)

TIME = ToolServerConfig("time", "uvx", ("mcp-server-time",), {"TZ": "UTC"}, "/tmp")
REMOTE = ToolServerConfig(
    "remote",
    url="https://tools.example/mcp",
    headers={"X-Team": "a"},
    secret_headers=("Authorization",),
    enabled=False,
)


def test_servers_round_trip_through_the_file_without_secret_values(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    settings = Settings()
    settings.tool_servers += [TIME, REMOTE.with_allowed("search", True)]
    settings.tool_timeout = 30
    save_settings(settings, path)
    loaded = load_settings(path)
    assert loaded.problem is None
    assert loaded.settings.tool_servers == settings.tool_servers
    assert loaded.settings.tool_timeout == 30
    assert loaded.settings.tool_server("remote") == REMOTE.with_allowed("search", True)
    assert "Bearer" not in path.read_text()


def test_a_new_profile_has_the_builtin_server_off_for_new_chats() -> None:
    (builtin,) = Settings().tool_servers
    assert (builtin.name, builtin.enabled, builtin.builtin) == (BUILTIN_SERVER, False, True)


def test_bad_entries_are_dropped_and_named_and_the_builtin_comes_back(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    entries = [
        {"name": "ok", "command": "run-me"},
        {"name": "ok", "command": "twice"},
        {"name": "both", "command": "x", "url": "https://x"},
        {"name": "no way/out", "command": "x"},
        {"name": "env", "command": "x", "env": {"A": 1}},
        "not an object",
    ]
    path.write_text(json.dumps({"schema_version": 1, "tool_servers": entries, "tool_timeout": 0}))
    loaded = load_settings(path)
    assert [server.name for server in loaded.settings.tool_servers] == [BUILTIN_SERVER, "ok"]
    assert loaded.settings.tool_timeout == 60
    assert loaded.problem is not None
    assert "tool_servers[1]" in loaded.problem
    path.write_text(json.dumps({"schema_version": 1, "tool_servers": "nope"}))
    assert load_settings(path).settings.tool_servers == Settings().tool_servers


def test_names_secrets_and_allowed_tools() -> None:
    assert valid_server_name("my-server.v2")
    assert not valid_server_name("-lead")
    assert not valid_server_name("a" * 65)
    assert header_secret_id("remote", "Authorization") == "mcp:remote:authorization"
    allowed = TIME.with_allowed("get_time", True).with_allowed("convert", True)
    assert allowed.always_allowed == ("get_time", "convert")
    assert allowed.with_allowed("get_time", False).always_allowed == ("convert",)
    assert server_from_dict({"name": "x", "command": "y", "enabled": "yes"}) is None
    settings = Settings()
    settings.replace_tool_server(TIME)
    settings.replace_tool_server(TIME.with_allowed("get_time", True))
    assert [server.name for server in settings.tool_servers] == [BUILTIN_SERVER, "time"]
