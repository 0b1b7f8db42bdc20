"""``mcp add`` and ``mcp list``: set up tool (MCP) servers without the window.

``add NAME -- COMMAND [ARGS...]`` sets up a server the app starts (stdio); ``add NAME --url URL``
one it reaches over Streamable HTTP, whose bearer token (``--bearer-token-stdin``) goes to the
keyring and never to the settings file. New chats use a server added here; ``send --tools``
chooses servers for one message.
"""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from desktop_chat.cli.providers import CommandError, load_for_change
from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.config.settings import Settings
from desktop_chat.core.config.settings_file import SettingsFile
from desktop_chat.core.config.tool_servers import (
    TOKEN_HEADER,
    ToolServerConfig,
    bearer_value,
    header_secret_id,
    name_value_pairs,
    valid_server_name,
)

__all__ = ["add_tool_server", "list_tool_servers", "tool_servers_named"]


def _pairs(items: list[str], what: str) -> dict[str, str]:
    pairs, bad = name_value_pairs(items)
    if bad:
        raise CommandError(f"{what} {bad[0]!r} is not NAME=VALUE.")
    return pairs


def add_tool_server(options: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> None:
    """Add the tool server ``options`` describes; new chats use it.

    Raises:
        CommandError, DesktopChatError: what went wrong, in words (nothing was saved).
    """
    name: str = options.name
    if not valid_server_name(name):
        raise CommandError(
            f"{name!r} cannot name a tool server: use letters, digits, '_', '.' and '-' "
            "(at most 64)."
        )
    command: list[str] = options.server_command
    url: str = (options.url or "").strip()
    if bool(command) == bool(url):
        raise CommandError(
            "give either a command after '--' (desktop-chat mcp add NAME -- COMMAND ARGS) "
            "or --url URL."
        )
    if url and not url.startswith(("http://", "https://")):
        raise CommandError(f"the URL {url!r} does not start with http:// or https://.")
    settings = load_for_change()
    settings_file = SettingsFile(settings)
    if settings.tool_server(name) is not None:
        raise CommandError(f"a tool server named {name!r} exists already.")
    secret_headers: tuple[str, ...] = ()
    if options.bearer_token_stdin:
        if not url:
            raise CommandError("--bearer-token-stdin is for servers reached with --url.")
        token = stdin.readline(8192).strip()
        if not token:
            raise CommandError("no token was given on standard input.")
        secrets = SecretStore()
        if not secrets.is_secure:
            raise CommandError(f"the token was not stored: {secrets.explanation}")
        secrets.set(header_secret_id(name, TOKEN_HEADER), bearer_value(token))
        secret_headers = (TOKEN_HEADER,)
    server = ToolServerConfig(
        name,
        command=command[0] if command else "",
        args=tuple(command[1:]),
        env=_pairs(options.env, "the variable"),
        cwd=options.cwd or "",
        url=url,
        headers=_pairs(options.header, "the header"),
        secret_headers=secret_headers,
    )
    settings.tool_servers.append(server)
    settings_file.save(settings)
    where = url or " ".join(command)
    print(f"Added the tool server {name} ({where}); new chats use it.", file=stdout)


def list_tool_servers(as_json: bool, stdout: TextIO) -> None:
    """Print the tool servers set up (never a secret header's value)."""
    settings = load_for_change()
    rows = [
        {
            "name": server.name,
            "transport": "http" if server.is_http else "stdio",
            "command": [server.command, *server.args] if server.command else [],
            "url": server.url,
            "enabled": server.enabled,
            "builtin": server.builtin,
            "always_allowed": list(server.always_allowed),
        }
        for server in settings.tool_servers
    ]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2), file=stdout)
        return
    width = max(len(server.name) for server in settings.tool_servers)
    for server in settings.tool_servers:
        mark = "*" if server.enabled else " "
        where = (
            "(built in: a clock and a calculator)"
            if server.builtin
            else server.url or " ".join((server.command, *server.args))
        )
        transport = "http" if server.is_http else "stdio"
        print(f"{mark} {server.name:<{width}}  {transport:<5}  {where}", file=stdout)
    print("(* new chats use it)", file=stdout)


def tool_servers_named(settings: Settings, names: str) -> tuple[str, ...]:
    """The servers ``--tools`` names (comma-separated), checked to be set up.

    Raises:
        CommandError: one is not.
    """
    chosen = tuple(dict.fromkeys(name.strip() for name in names.split(",") if name.strip()))
    for name in chosen:
        if settings.tool_server(name) is None:
            known = ", ".join(server.name for server in settings.tool_servers)
            raise CommandError(f"no tool server is named {name!r} (set up: {known}).")
    return chosen
