"""Which ``streaming`` replies a live process is still writing.

A reply row stays ``streaming`` while its process writes it; one left so by a crash is marked
``interrupted`` at the next start. The window is not the only writer: ``desktop-chat send`` may
be streaming into the same database when the window starts, and that reply is not interrupted.

The process that adds a ``streaming`` row claims it, before the row is committed, by holding an
OS lock on a file named after it in a folder beside the database. The lock lasts until the reply
is finished, or until the process ends in any way (the operating system drops the locks of a
killed process), so a row whose lock can be taken belongs to nobody alive.
"""

from __future__ import annotations

import threading
from pathlib import Path

from desktop_chat.core._files import private_folder
from desktop_chat.core._locks import FileLock

__all__ = ["claim", "claimed", "claims_folder", "release"]

_held: dict[tuple[str, int], FileLock] = {}
_guard = threading.Lock()


def claims_folder(database: Path) -> Path:
    """The folder of the lock files for ``database``'s streaming replies."""
    return database.with_name(database.name + ".streams")


def _key(database: Path, message_id: int) -> tuple[str, int]:
    return str(database.resolve()), message_id


def _lock_path(database: Path, message_id: int) -> Path:
    return claims_folder(database) / f"{message_id}.lock"


def claim(database: Path, message_id: int) -> None:
    """Claim reply ``message_id`` for this process until :func:`release`.

    Best effort: where no lock can be made (a read-only folder), the reply is unclaimed, as
    every reply was before claims existed.
    """
    lock = FileLock(_lock_path(database, message_id))
    try:
        private_folder(claims_folder(database))
        taken = lock.acquire()
    except OSError:
        return
    if taken:
        with _guard:
            _held[_key(database, message_id)] = lock


def release(database: Path, message_id: int) -> None:
    """Give up this process's claim on reply ``message_id`` (nothing if it had none)."""
    with _guard:
        lock = _held.pop(_key(database, message_id), None)
    if lock is not None:
        lock.release(remove=True)


def claimed(database: Path, message_id: int) -> bool:
    """Whether a live process (this one included) is still writing reply ``message_id``."""
    path = _lock_path(database, message_id)
    if not path.exists():
        return False
    probe = FileLock(path)
    try:
        free = probe.acquire()
    except OSError:
        return False
    if free:
        probe.release(remove=True)  # left by a process that died
    return not free
