"""Writing our files safely: atomic replacement, and moving a bad file aside under a unique name.

Two rules every file the application writes follows:

- A file is replaced atomically: written to a temporary file beside it, flushed to disk, then
  renamed over the old one, so a crash or a full disk leaves the old file or the new one, never
  half of one (:func:`atomic_target`, :func:`atomic_write_bytes`, :func:`atomic_write_text`).
- A file that cannot be used is never overwritten: it is moved (or copied) aside to
  ``<name>.<reason>-<UTC time>``, with ``-2``, ``-3`` ... added when that name is taken
  (:func:`set_aside`, :func:`copy_aside`, :func:`free_name`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

__all__ = [
    "PRIVATE_FILE",
    "PRIVATE_FOLDER",
    "atomic_target",
    "atomic_write_bytes",
    "atomic_write_text",
    "copy_aside",
    "free_name",
    "make_private",
    "private_folder",
    "set_aside",
    "timestamp",
]

#: The permissions of a file of the user's data: theirs alone (POSIX; Windows ignores them).
PRIVATE_FILE = 0o600
#: The permissions of a folder of the user's data.
PRIVATE_FOLDER = 0o700


def make_private(path: Path, mode: int = PRIVATE_FILE) -> None:
    """Let only the user read ``path`` (best effort: a file made by an older version, or on a
    file system without permissions, is left as it is)."""
    with contextlib.suppress(OSError):
        if path.exists() and path.stat().st_mode & 0o077:
            path.chmod(mode)


def private_folder(folder: Path) -> Path:
    """Create ``folder`` (and its parents) if missing, readable by the user alone; return it.

    Raises:
        OSError: it cannot be created.
    """
    folder.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    make_private(folder, PRIVATE_FOLDER)
    return folder


def timestamp() -> str:
    """Return the UTC time as used in the names of backups and kept-aside files."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime())


def free_name(path: Path, label: str) -> Path:
    """Return ``<path>.<label>``, or ``<path>.<label>-2``, ``-3`` ... if that name is taken."""
    candidate = path.with_name(f"{path.name}.{label}")
    counter = 1
    while candidate.exists():
        counter += 1
        candidate = path.with_name(f"{path.name}.{label}-{counter}")
    return candidate


def set_aside(path: Path, reason: str, *, companions: Iterable[str] = ()) -> Path:
    """Move ``path`` to ``<name>.<reason>-<UTC time>`` beside it and return the new path.

    Args:
        path: the file to move.
        reason: a word saying why (``corrupt``, ``newer`` ...); it becomes part of the name.
        companions: suffixes of files that belong with it (``-wal``); each one that exists is
            moved to the new name plus its suffix, so the moved files still go together.

    Raises:
        OSError: the file could not be moved (it is then where it was).
    """
    target = free_name(path, f"{reason}-{timestamp()}")
    path.replace(target)
    for suffix in companions:
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.replace(target.with_name(target.name + suffix))
    return target


def copy_aside(path: Path, reason: str) -> Path:
    """Copy ``path`` to ``<name>.<reason>-<UTC time>`` beside it and return the copy's path.

    Raises:
        OSError: the copy could not be made (no partial copy is left behind).
    """
    target = free_name(path, f"{reason}-{timestamp()}")
    try:
        shutil.copy2(path, target)
    except OSError:
        with contextlib.suppress(OSError):
            target.unlink(missing_ok=True)
        raise
    return target


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_directory(folder: Path) -> None:
    # Makes the rename itself durable on POSIX; Windows cannot open directories this way.
    if os.name == "posix":
        _fsync_path(folder)


@contextlib.contextmanager
def atomic_target(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; it replaces ``path`` only if the block succeeds.

    Whatever the block writes to the yielded path is flushed to disk and renamed over ``path``
    when the block ends normally; on an exception the temporary file is removed and ``path``
    is left as it was. The folder must exist. When ``path`` is a symbolic link, the file it
    points to is replaced and the link is kept (a settings file kept in a dotfiles folder).

    Raises:
        OSError: the temporary file could not be made, flushed or renamed.
    """
    if path.is_symlink():
        path = path.resolve()
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(handle)
    temporary_path = Path(temporary)
    try:
        yield temporary_path
        _fsync_path(temporary_path)
        os.replace(temporary_path, path)
        _fsync_directory(path.parent)
    finally:
        temporary_path.unlink(missing_ok=True)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (see :func:`atomic_target`).

    Raises:
        OSError: the file could not be written; ``path`` is unchanged.
    """
    with atomic_target(path) as temporary:
        temporary.write_bytes(data)


def atomic_write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` as UTF-8, line endings as given, atomically.

    Raises:
        OSError: the file could not be written; ``path`` is unchanged.
    """
    atomic_write_bytes(path, text.encode("utf-8"))
