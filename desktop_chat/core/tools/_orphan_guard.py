"""Starts a local tool server that ends with the app, even when the app is killed (Linux).

Run as ``python -m desktop_chat.core.tools._orphan_guard COMMAND ARGS...`` (a frozen app, which has
no ``-m``, runs itself with :data:`FROZEN_FLAG` first instead). It asks the kernel to
send it SIGTERM when the thread that started it ends, then replaces itself with COMMAND, which
keeps that request. The PID of the expected parent comes in ``PARENT_VARIABLE``: if the parent
died before the request was made, nobody would be left to send the signal, so it stops instead.
A command that cannot be run ends it with the shell's exit codes, 127 (not found) or 126.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

__all__ = [
    "FROZEN_FLAG",
    "NOT_FOUND",
    "NOT_RUNNABLE",
    "PARENT_VARIABLE",
    "main",
    "set_death_signal",
]

PARENT_VARIABLE = "DESKTOP_CHAT_TOOL_PARENT"
#: The first argument with which a frozen app runs this guard instead of itself.
FROZEN_FLAG = "--run-tool-guard"
NOT_FOUND = 127
NOT_RUNNABLE = 126
_PR_SET_PDEATHSIG = 1


def set_death_signal(signum: int) -> None:
    """Ask for ``signum`` when the parent thread ends (0 clears it).

    Raises:
        OSError: the kernel refused (an unknown signal number).
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0) != 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error))


def main(argv: list[str]) -> int:
    """Arm the death signal and become ``argv``; returns only when that cannot be done."""
    if not argv:
        print("usage: python -m desktop_chat.core.tools._orphan_guard COMMAND [ARGS...]",
              file=sys.stderr)  # fmt: skip
        return 2
    parent = os.environ.pop(PARENT_VARIABLE, "")
    set_death_signal(signal.SIGTERM)
    if parent and str(os.getppid()) != parent:
        # The app is already gone: a server started now would be an orphan from its first breath.
        return 1
    try:
        os.execvp(argv[0], argv)
    except FileNotFoundError:
        print(f"command not found: {argv[0]}", file=sys.stderr)
        return NOT_FOUND
    except OSError as error:
        print(f"cannot run {argv[0]}: {error.strerror}", file=sys.stderr)
        return NOT_RUNNABLE


if __name__ == "__main__":  # pragma: no cover - runs in the server's own process
    sys.exit(main(sys.argv[1:]))
