"""A frozen app has no ``python -m``: it starts the orphan guard and the built-in server as
itself, with a flag, and the program's entry point hands them over."""

from __future__ import annotations

import subprocess
import sys

import pytest

from desktop_chat.core.chat.tool_links import DEMO_SERVER_FLAG, builtin_spec
from desktop_chat.core.tools import _orphan_guard
from desktop_chat.core.tools.link import _stdio_parameters
from desktop_chat.core.tools.servers import ServerSpec


def test_a_frozen_app_runs_the_guard_and_the_demo_server_as_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    spec = builtin_spec()
    assert (spec.command, spec.args) == (sys.executable, (DEMO_SERVER_FLAG,))
    started = _stdio_parameters(ServerSpec("x", "uvx", ("tool",)), guarded=True)
    assert started.command == sys.executable
    assert started.args == [_orphan_guard.FROZEN_FLAG, "uvx", "tool"]


def _guard(command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop_chat", _orphan_guard.FROZEN_FLAG, command],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_entry_point_runs_the_guard_when_asked() -> None:
    ran = _guard("true")
    assert ran.returncode == 0, ran.stderr
    missing = _guard("no-such-command-x")
    assert missing.returncode == _orphan_guard.NOT_FOUND
    assert "command not found: no-such-command-x" in missing.stderr
