"""The tool servers this process has started: one link per server, reused by every reply.

A chat names its servers; :class:`ToolLinks` turns their settings into a running link on first
use (reading secret headers from the keyring then, on the caller's thread), starts a new one when
a server's settings change, and stops them all together when the app quits.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.config.settings import Settings
from desktop_chat.core.config.tool_servers import (
    BUILTIN_SERVER,
    ToolServerConfig,
    header_secret_id,
)
from desktop_chat.core.errors import DesktopChatError
from desktop_chat.core.tools.link import ServerLink
from desktop_chat.core.tools.servers import ServerSpec

__all__ = ["DEMO_SERVER_FLAG", "ToolLinks", "builtin_spec", "server_spec"]

#: The command-line flag with which a frozen app runs the built-in tool server instead of itself.
DEMO_SERVER_FLAG = "--run-demo-tools"


def builtin_spec() -> ServerSpec:
    """How to start the tool server that ships with the app, as this Python or this app."""
    if getattr(sys, "frozen", False):
        return ServerSpec(BUILTIN_SERVER, sys.executable, (DEMO_SERVER_FLAG,))
    # Started from any folder, the child must find this very copy of the package.
    root = str(Path(__file__).resolve().parents[3])
    inherited = os.environ.get("PYTHONPATH", "")
    path = root + (os.pathsep + inherited if inherited else "")
    return ServerSpec(
        BUILTIN_SERVER,
        sys.executable,
        ("-m", "desktop_chat.core.tools.demo_tools"),
        {"PYTHONPATH": path},
    )


def server_spec(config: ToolServerConfig, secrets: SecretStore | None) -> ServerSpec:
    """The spec to reach ``config``'s server; secret headers are read from ``secrets``.

    Raises:
        SecretStoreError: the keyring refused a read.
    """
    if config.builtin:
        return builtin_spec()
    headers = dict(config.headers)
    for header in config.secret_headers:
        value = None if secrets is None else secrets.get(header_secret_id(config.name, header))
        if value:
            headers[header] = value
    return ServerSpec(
        config.name,
        config.command,
        config.args,
        dict(config.env),
        config.cwd,
        config.url,
        headers,
    )


class ToolLinks:
    """The links to the tool servers in use, by name; safe to use from any thread."""

    def __init__(self, secrets: SecretStore | None = None, *, start_timeout: float = 30.0) -> None:
        self._secrets = secrets
        self._start_timeout = start_timeout
        self._links: dict[str, ServerLink] = {}
        self._lock = threading.Lock()

    def links(self, settings: Settings, names: Sequence[str]) -> tuple[list[ServerLink], list[str]]:
        """The links to the servers ``names``, and a sentence for each that cannot be used."""
        found: list[ServerLink] = []
        problems: list[str] = []
        for name in names:
            config = settings.tool_server(name)
            if config is None:
                problems.append(
                    f"The tool server “{name}” is not set up any more; "
                    "choose the chat's tools again."
                )
                continue
            try:
                found.append(self.link(config))
            except DesktopChatError as error:
                problems.append(error.message)
        return found, problems

    def link(self, config: ToolServerConfig) -> ServerLink:
        """The link to ``config``'s server (not started until first used).

        Raises:
            SecretStoreError: a secret header could not be read.
        """
        spec = server_spec(config, self._secrets)
        with self._lock:
            known = self._links.get(config.name)
            if known is not None and known.spec == spec:
                return known
            self._links[config.name] = ServerLink(spec, start_timeout=self._start_timeout)
        if known is not None:
            known.close()
        return self._links[config.name]

    def close(self) -> None:
        """Stop every server."""
        with self._lock:
            links, self._links = list(self._links.values()), {}
        for link in links:
            link.close()
