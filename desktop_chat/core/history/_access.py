"""Saying plainly why SQLite cannot write the database: a read-only disk, folder or file.

SQLite reports all of these as "unable to open database file" or "attempt to write a readonly
database", which tells a user nothing they can act on.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from desktop_chat.core.errors import StorageError

__all__ = ["unwritable_error"]

# SQLite's primary result codes for a file it may not write.
_SQLITE_READONLY = 8
_SQLITE_CANTOPEN = 14


def unwritable_error(path: Path, error: sqlite3.Error) -> StorageError | None:
    """The sentence for a database SQLite cannot write (a read-only folder, file or disk)."""
    code = getattr(error, "sqlite_errorcode", None)
    primary = None if code is None else code & 0xFF
    if primary not in (_SQLITE_READONLY, _SQLITE_CANTOPEN):
        return None
    folder = path.parent
    try:
        read_only_disk = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # AttributeError: Windows has no statvfs
        read_only_disk = False
    if read_only_disk:
        cause = "the disk it is on is read-only"
    elif not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        cause = "you do not have permission to write there"
    else:
        cause = f"SQLite says: {error}"
    return StorageError(
        f"Desktop Chat cannot write its conversation database in {folder} ({cause}). Your "
        "conversations there are unchanged. Make the folder and its files writable, or set "
        "DESKTOP_CHAT_HOME to another folder."
    )
