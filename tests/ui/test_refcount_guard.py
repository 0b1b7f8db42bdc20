"""Thousands of Qt calls and signal emits must not bring the process down (PySide6 6.12 bug)."""

from __future__ import annotations

import subprocess
import sys

from PySide6.QtCore import QObject, Signal

import desktop_chat.ui  # noqa: F401 - importing the package installs the guard


class _Source(QObject):
    fired = Signal(str)


def test_many_void_calls_and_emits_survive() -> None:
    source = _Source()
    received: list[str] = []
    source.fired.connect(received.append)
    for index in range(30_000):
        source.setObjectName("x")
        source.fired.emit(str(index))
    assert len(received) == 30_000


def test_a_fresh_process_survives_and_exits_cleanly() -> None:
    script = (
        "import desktop_chat.ui\n"
        "from PySide6.QtCore import QObject, Signal\n"
        "class S(QObject):\n"
        "    fired = Signal(int)\n"
        "s = S()\n"
        "for i in range(50_000):\n"
        "    s.setObjectName('x'); s.fired.emit(i)\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
