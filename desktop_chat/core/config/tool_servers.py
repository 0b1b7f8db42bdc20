"""The tool (MCP) servers the user set up, as the settings file keeps them.

A server is reached either by starting a command (stdio) or at a URL (Streamable HTTP). Header
values that are secrets, such as a bearer token, are never in the settings: the file names the
header and the value lives in the keyring under :func:`header_secret_id`. Each server remembers the
tools the user allowed to run without asking ("Always allow"), which Settings can revoke.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = [
    "BUILTIN_SERVER",
    "DEFAULT_STEP_LIMIT",
    "DEFAULT_TOOL_TIMEOUT",
    "TOKEN_HEADER",
    "ToolServerConfig",
    "bearer_value",
    "header_secret_id",
    "name_value_pairs",
    "server_from_dict",
    "server_to_dict",
    "valid_server_name",
]

#: The name of the small tool server that ships with the app (a clock and a calculator).
BUILTIN_SERVER = "demo-tools"
#: Seconds a tool call may run before it is stopped.
DEFAULT_TOOL_TIMEOUT = 60
#: How many rounds of tool calls one reply may make.
DEFAULT_STEP_LIMIT = 10
#: The header a bearer token is sent in.
TOKEN_HEADER = "Authorization"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def valid_server_name(name: str) -> bool:
    """Whether ``name`` can name a server: letters, digits, ``_ . -``, at most 64 characters.

    Names become part of tool names sent to models, which accept only such characters.
    """
    return _NAME.fullmatch(name) is not None


def header_secret_id(server: str, header: str) -> str:
    """The keyring entry that holds a secret header's value for ``server``."""
    return f"mcp:{server}:{header.lower()}"


def bearer_value(token: str) -> str:
    """The value of :data:`TOKEN_HEADER` that carries ``token``."""
    return f"Bearer {token}"


def name_value_pairs(items: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """``NAME=VALUE`` items (variables, headers) as a mapping, and the items that are not."""
    pairs: dict[str, str] = {}
    bad: list[str] = []
    for item in items:
        name, separator, value = item.partition("=")
        if separator and name.strip():
            pairs[name.strip()] = value
        else:
            bad.append(item)
    return pairs, bad


@dataclass(frozen=True, slots=True)
class ToolServerConfig:
    """One tool server as set up in Settings.

    Attributes:
        name: its unique name, shown in the transcript and used by ``--tools``.
        command: the program to start (a stdio server), "" for an HTTP server.
        args: the program's arguments.
        env: variables added to the program's environment.
        cwd: the folder it starts in ("" for the app's).
        url: the Streamable HTTP endpoint, "" for a stdio server.
        headers: HTTP headers sent with every request, by name (not secrets).
        secret_headers: names of headers whose values are in the keyring.
        enabled: whether new chats use it (each chat can still turn it on or off).
        always_allowed: tools that run without asking first.
    """

    name: str
    command: str = ""
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    cwd: str = ""
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    secret_headers: tuple[str, ...] = ()
    enabled: bool = True
    always_allowed: tuple[str, ...] = ()

    @property
    def is_http(self) -> bool:
        """Whether it is reached at a URL rather than started as a program."""
        return bool(self.url)

    @property
    def builtin(self) -> bool:
        """Whether it is the server that ships with the app."""
        return self.name == BUILTIN_SERVER

    def with_allowed(self, tool: str, allowed: bool) -> ToolServerConfig:
        """A copy in which ``tool`` runs without asking (or asks again)."""
        kept = [name for name in self.always_allowed if name != tool]
        return replace(self, always_allowed=(*kept, tool) if allowed else tuple(kept))


def server_to_dict(server: ToolServerConfig) -> dict[str, Any]:
    """The JSON-ready form of ``server`` (secret header values are not part of it)."""
    data: dict[str, Any] = {"name": server.name, "enabled": server.enabled}
    if server.url:
        data.update(url=server.url, headers=dict(server.headers))
        data["secret_headers"] = list(server.secret_headers)
    else:
        data.update(command=server.command, args=list(server.args), env=dict(server.env))
        data["cwd"] = server.cwd
    data["always_allowed"] = list(server.always_allowed)
    return data


def server_from_dict(raw: Any) -> ToolServerConfig | None:
    """Read one server; None when the entry cannot be used (it is then reported as invalid)."""
    if not isinstance(raw, dict):
        return None
    name, command, url, cwd = (raw.get(key, "") for key in ("name", "command", "url", "cwd"))
    if not all(isinstance(text, str) for text in (name, command, url, cwd)):
        return None
    # The built-in server is started by the app itself: its entry keeps only the user's choices.
    if not valid_server_name(name) or (name != BUILTIN_SERVER and bool(command) == bool(url)):
        return None
    args, allowed, secret = (
        raw.get(key, []) for key in ("args", "always_allowed", "secret_headers")
    )
    env, headers = raw.get("env", {}), raw.get("headers", {})
    enabled = raw.get("enabled", True)
    if not (
        _strings(args) and _strings(allowed) and _strings(secret) and isinstance(enabled, bool)
    ):
        return None
    if not (_string_map(env) and _string_map(headers)):
        return None
    return ToolServerConfig(
        name,
        command,
        tuple(args),
        dict(env),
        cwd,
        url,
        dict(headers),
        tuple(secret),
        enabled,
        tuple(dict.fromkeys(allowed)),
    )


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _string_map(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(key, str) and isinstance(item, str) for key, item in value.items()
    )
