"""Whether another process has a database open, so that a check of the file can be racing it.

The start-up check reads the file's size and header while another instance may be checkpointing
into it: SQLite writes page 1 (with the new page count) before the pages that grow the file, so for
a moment a live file looks cut short. A verdict of damage is only final when nobody else has the
file open.

Every connection to a write-ahead-log database holds a shared lock on one byte of its ``-shm``
file for as long as it is open (SQLite's "dead man switch", at byte 128 in its Unix file locking).
Failing to take that byte exclusively means another process holds the file open. Windows locks
differently; there the answer is always "no", as before.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["open_elsewhere"]

# SQLite's os_unix.c: UNIX_SHM_BASE (120) + SQLITE_SHM_NLOCK (8).
_DEAD_MAN_SWITCH = 128


def open_elsewhere(path: Path) -> bool:
    """Whether another process has the write-ahead-log database at ``path`` open now.

    Only call it when the file is about to be given up on: closing a descriptor drops every lock
    this process holds on that file, SQLite's own included.
    """
    if sys.platform == "win32":
        return False
    import fcntl  # noqa: PLC0415 - POSIX only

    shm = path.with_name(path.name + "-shm")
    try:
        descriptor = os.open(shm, os.O_RDWR)
    except OSError:
        return False  # no -shm file: no connection anywhere
    try:
        try:
            fcntl.lockf(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _DEAD_MAN_SWITCH)
        except OSError:
            return True
        fcntl.lockf(descriptor, fcntl.LOCK_UN, 1, _DEAD_MAN_SWITCH)
        return False
    finally:
        os.close(descriptor)
