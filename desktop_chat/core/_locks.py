"""Locks that other processes of the same profile see, and that die with the process holding them.

A lock is an open file locked by the operating system (``flock`` on POSIX, ``msvcrt.locking`` on
Windows). The lock goes when the file is closed, or when the process ends in any way, a SIGKILL
included, so a crash never leaves a lock that must be broken by hand. The lock is per open file:
two opens in one process exclude each other as two processes do.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = ["FileLock", "held"]

_POLL_SECONDS = 0.01


def _lock(descriptor: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt  # noqa: PLC0415 - Windows only

        try:
            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl  # noqa: PLC0415 - POSIX only

    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


class FileLock:
    """An exclusive lock on the file at ``path`` (created when missing).

    Args:
        path: the lock file; its folder must exist.
        clock: seconds, for waiting (injected by tests).
        sleep: pauses between attempts (injected by tests).
    """

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.path = path
        self._clock = clock
        self._sleep = sleep
        self._descriptor: int | None = None

    @property
    def locked(self) -> bool:
        """Whether this object holds the lock now."""
        return self._descriptor is not None

    def acquire(self, wait: float = 0.0) -> bool:
        """Take the lock, trying for up to ``wait`` seconds; True when it is taken.

        Raises:
            OSError: the lock file cannot be opened or created.
        """
        if self._descriptor is not None:
            return True
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = self._clock() + wait
        while not _lock(descriptor):
            if self._clock() >= deadline:
                os.close(descriptor)
                return False
            self._sleep(_POLL_SECONDS)
        self._descriptor = descriptor
        return True

    def release(self, *, remove: bool = False) -> None:
        """Let the lock go; with ``remove`` the lock file is deleted first (while still held)."""
        descriptor, self._descriptor = self._descriptor, None
        if descriptor is None:
            return
        if remove:
            with contextlib.suppress(OSError):
                self.path.unlink()
        os.close(descriptor)


@contextlib.contextmanager
def held(path: Path, wait: float) -> Iterator[bool]:
    """Hold the lock on ``path`` for the block, waiting up to ``wait`` seconds for it.

    Yields True when the lock is held, False when it could not be had in time (or the lock file
    cannot be made): the caller decides whether to go on without it.
    """
    lock = FileLock(path)
    try:
        taken = lock.acquire(wait)
    except OSError:
        taken = False
    try:
        yield taken
    finally:
        lock.release()
