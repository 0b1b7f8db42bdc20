"""The settings file as several processes share it: each save merges, none overwrites another's.

The window and the command line (``desktop-chat provider add``) may both change the settings of
one profile while both run. Writing the whole file from memory would undo what the other wrote.
A :class:`SettingsFile` remembers the settings as it last read or wrote them (the base); a save
then reads the file again, under a lock, and writes the base plus this process's changes plus the
other's: for each setting, and each provider by id, whichever side changed it.
"""

from __future__ import annotations

import contextlib
import copy
from dataclasses import fields
from pathlib import Path

from desktop_chat.core._locks import held
from desktop_chat.core.config.paths import settings_path
from desktop_chat.core.config.providers import ProviderConfig
from desktop_chat.core.config.settings import Settings, load_settings, save_settings

__all__ = ["LOCK_WAIT_SECONDS", "SettingsFile", "merge_settings"]

#: How long a save waits for another process's save; past it, it merges without the lock.
LOCK_WAIT_SECONDS = 2.0

_SCALARS = tuple(
    f.name for f in fields(Settings) if f.name not in {"schema_version", "providers", "extra"}
)


def _merge_providers(
    base: list[ProviderConfig], ours: list[ProviderConfig], theirs: list[ProviderConfig]
) -> list[ProviderConfig]:
    """Providers by id: ours where we added or changed one, theirs where only they did.

    A provider either side removed stays removed unless the other side changed it. The order is
    ours, then what only the other side added.
    """
    before = {p.id: p for p in base}
    other = {p.id: p for p in theirs}
    merged: list[ProviderConfig] = []
    for provider in ours:
        old = before.get(provider.id)
        if old is None or provider != old:
            merged.append(provider)
        elif provider.id in other:
            merged.append(other[provider.id])
        # else: unchanged here and removed there
    mine = {p.id for p in ours}
    for provider in theirs:
        changed_there = provider != before.get(provider.id)
        if provider.id not in mine and (provider.id not in before or changed_there):
            merged.append(provider)
    return merged


def merge_settings(base: Settings, ours: Settings, theirs: Settings) -> Settings:
    """What to write when we changed ``base`` into ``ours`` and someone else into ``theirs``.

    Where both changed the same setting, ours wins: it is the save being made now.
    """
    merged = copy.deepcopy(theirs)
    for name in _SCALARS:
        if getattr(ours, name) != getattr(base, name):
            setattr(merged, name, copy.deepcopy(getattr(ours, name)))
    for key in {*base.extra, *ours.extra}:
        if ours.extra.get(key) != base.extra.get(key):
            if key in ours.extra:
                merged.extra[key] = copy.deepcopy(ours.extra[key])
            else:
                merged.extra.pop(key, None)
    merged.providers = copy.deepcopy(
        _merge_providers(base.providers, ours.providers, theirs.providers)
    )
    if merged.provider(merged.active_provider_id) is None:
        merged.active_provider_id = merged.providers[0].id if merged.providers else None
    return merged


class SettingsFile:
    """One process's view of the settings file.

    Args:
        base: the settings as loaded from the file (copied; later changes to the object passed
            in are this process's changes).
        path: the file (default: :func:`desktop_chat.core.config.paths.settings_path`).
    """

    def __init__(self, base: Settings, path: Path | None = None) -> None:
        self.path = path if path is not None else settings_path()
        self._base = copy.deepcopy(base)

    def save(self, settings: Settings) -> Settings:
        """Write ``settings``' changes merged with what other processes saved; return the result.

        Nothing is written when neither side changed anything. The result is the new base; the
        caller shows it (another process may have added a provider).

        Raises:
            SettingsError: the file cannot be written (the message says why).
        """
        with contextlib.suppress(OSError):  # save_settings words the failure
            self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(f".{self.path.name}.lock")
        with held(lock_path, LOCK_WAIT_SECONDS):
            on_disk = load_settings(self.path) if self.path.exists() else None
            theirs = on_disk.settings if on_disk is not None and on_disk.problem is None else None
            if theirs is None:
                merged = copy.deepcopy(settings)
            else:
                merged = merge_settings(self._base, settings, theirs)
            if theirs is None or merged != theirs:
                save_settings(merged, self.path)
        self._base = copy.deepcopy(merged)
        return copy.deepcopy(merged)
