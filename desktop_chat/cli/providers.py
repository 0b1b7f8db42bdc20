"""``provider add`` and ``provider list``: set up providers without the window.

``add`` writes the settings file the window reads; with ``--api-key-stdin`` the key goes to the
system keyring and nowhere else (refused when only an insecure keyring exists).
"""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from desktop_chat.core.config.providers import (
    PRESETS,
    ProviderConfig,
    base_url_problem,
    config_from_preset,
)
from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.config.settings import Settings, load_settings
from desktop_chat.core.config.settings_file import SettingsFile
from desktop_chat.core.errors import DesktopChatError

__all__ = [
    "MAX_KEY_CHARS",
    "CommandError",
    "add_provider",
    "find_provider",
    "list_providers",
    "load_for_change",
    "read_key",
]

#: The longest API key read from standard input.
MAX_KEY_CHARS = 4096


class CommandError(DesktopChatError):
    """A command cannot do what it was asked; the message says why."""


def load_for_change() -> Settings:
    """The settings, refused when the file is unreadable: a save would replace the user's file.

    Raises:
        CommandError: the file cannot be read.
    """
    loaded = load_settings()
    if loaded.problem is not None and loaded.set_aside is None:
        # Unreadable (not moved aside): writing now would replace the user's file.
        raise CommandError(loaded.problem)
    return loaded.settings


def find_provider(settings: Settings, name: str) -> ProviderConfig:
    """The provider whose name (any case) or id is ``name``.

    Raises:
        CommandError: none has it.
    """
    wanted = name.strip().casefold()
    for provider in settings.providers:
        if provider.id == name or provider.name.strip().casefold() == wanted:
            return provider
    known = ", ".join(p.name for p in settings.providers) or "none"
    raise CommandError(f"no provider is named {name!r} (set up: {known}).")


def read_key(stdin: TextIO) -> str:
    """The API key on the first line of ``stdin`` (at most :data:`MAX_KEY_CHARS`).

    Raises:
        CommandError: nothing, or too much, was given.
    """
    line = stdin.readline(MAX_KEY_CHARS + 2)
    key = line.strip()
    if len(line.rstrip("\r\n")) > MAX_KEY_CHARS:
        raise CommandError(
            f"the API key on standard input is longer than {MAX_KEY_CHARS} characters."
        )
    if not key:
        raise CommandError("no API key was given on standard input.")
    return key


def _kind_for(base_url: str) -> str:
    for preset in PRESETS:
        if preset.base_url and preset.base_url.rstrip("/") == base_url.rstrip("/"):
            return preset.kind
    return "custom"


def add_provider(options: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> None:
    """Add the provider ``options`` describes and make it the one new chats use.

    Raises:
        CommandError, DesktopChatError: what went wrong, in words (nothing was saved).
    """
    name = " ".join(options.name.split())
    if not name:
        raise CommandError("the provider needs a name.")
    base_url = options.base_url.strip()
    problem = base_url_problem(base_url)
    if problem is not None:
        raise CommandError(problem)
    settings = load_for_change()
    # Saved as a change to what was read, so a window open meanwhile keeps its own changes.
    settings_file = SettingsFile(settings)
    if any(p.name.strip().casefold() == name.casefold() for p in settings.providers):
        raise CommandError(f"a provider named {name!r} exists already.")
    provider = config_from_preset(_kind_for(base_url), name=name)
    provider.base_url = base_url
    provider.model = (options.model or provider.model or "").strip()
    if options.api_key_stdin:
        secrets = SecretStore()
        if not secrets.is_secure:
            raise CommandError(f"the key was not stored: {secrets.explanation}")
        secrets.set(provider.id, read_key(stdin))
    settings.providers.append(provider)
    settings.active_provider_id = provider.id
    settings_file.save(settings)
    model = provider.model or "no model chosen yet (use --model, or pick one in the window)"
    print(f"Added {provider.name} ({provider.base_url}), {model}; new chats use it.", file=stdout)


def list_providers(as_json: bool, stdout: TextIO) -> None:
    """Print the providers set up, the one new chats use marked."""
    settings = load_for_change()
    rows = [
        {
            "id": provider.id,
            "name": provider.name,
            "kind": provider.kind,
            "base_url": provider.base_url,
            "model": provider.model,
            "active": provider.id == settings.active_provider_id,
        }
        for provider in settings.providers
    ]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2), file=stdout)
        return
    if not rows:
        print("No providers.", file=stdout)
        return
    width = max(len(str(row["name"])) for row in rows)
    for row in rows:
        mark = "*" if row["active"] else " "
        address = row["base_url"] or "(built in)"
        model = row["model"] or "(no model)"
        print(f"{mark} {row['name']:<{width}}  {address}  {model}", file=stdout)
