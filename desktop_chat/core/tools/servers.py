"""How to reach one MCP tool server: a command to start (stdio) or an address (Streamable HTTP)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["ServerSpec"]


@dataclass(frozen=True, slots=True)
class ServerSpec:
    """How to reach one MCP server (secrets already resolved).

    A spec with a ``command`` starts a local server and talks to it over its standard input and
    output; one with a ``url`` talks to a running server over Streamable HTTP.

    Attributes:
        name: the name the user gave the server; every message about it uses this name.
        command: the program to run, for a local server.
        args: its arguments.
        env: variables added to the environment the server inherits from the app.
        cwd: the folder to start it in ("" for the app's own).
        url: the server's endpoint, for a remote one.
        headers: HTTP headers sent with every request (an ``Authorization`` header, say).
    """

    name: str
    command: str = ""
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: str = ""
    url: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
