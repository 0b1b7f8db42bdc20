"""No tool server outlives its link, nor the app when it is killed (Linux)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop_chat.core.tools import _orphan_guard
from tests.core.tools.conftest import alive, children

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")

#: A guard against a server that never ends, not a budget: the test passes as soon as it is gone.
PATIENCE = 60.0

APP = """
import sys
from desktop_chat.core.tools.link import ServerLink
from desktop_chat.core.tools.servers import ServerSpec

# A server that outlives the end of its input, as many do: only the death signal ends it.
SERVER = (
    "import time; from desktop_chat.core.tools.demo_tools import main; main([]); time.sleep(600)"
)
spec = ServerSpec("demo", command=sys.executable, args=("-c", SERVER))
link = ServerLink(spec)
link.tools()
print("ready", flush=True)
sys.stdin.read()
"""


def _gone(pid: int) -> bool:
    deadline = time.monotonic() + PATIENCE
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pid)


@pytest.mark.slow
def test_a_killed_app_takes_its_servers_along() -> None:
    app = subprocess.Popen(
        [sys.executable, "-c", APP], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert app.stdout is not None
        assert app.stdout.readline() == "ready\n"
        (server,) = children(app.pid)
        app.send_signal(signal.SIGKILL)
        app.wait(PATIENCE)
        assert _gone(server)
    finally:
        app.kill()
        app.wait(PATIENCE)
        assert app.stdin is not None
        app.stdin.close()
        app.stdout.close()  # type: ignore[union-attr]


def test_the_guard_refuses_to_start_a_server_for_a_parent_already_gone() -> None:
    env = {**os.environ, _orphan_guard.PARENT_VARIABLE: "1"}  # init is nobody's parent here
    done = subprocess.run(
        [sys.executable, "-m", _orphan_guard.__name__, sys.executable, "-c", "print('ran')"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (1, "")


def test_the_guard_becomes_the_server() -> None:
    env = {**os.environ, _orphan_guard.PARENT_VARIABLE: str(os.getpid())}
    code = f"import os; print(os.environ.get({_orphan_guard.PARENT_VARIABLE!r}, 'unset'))"
    done = subprocess.run(
        [sys.executable, "-m", _orphan_guard.__name__, sys.executable, "-c", code],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (0, "unset\n")


@pytest.fixture
def no_death_signal():
    """main() arms the death signal in this very process: disarm it after the test."""
    yield
    _orphan_guard.set_death_signal(0)


@pytest.mark.usefixtures("no_death_signal")
def test_the_guard_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _orphan_guard.main([]) == 2
    monkeypatch.delenv(_orphan_guard.PARENT_VARIABLE, raising=False)
    assert _orphan_guard.main(["no-such-command-here"]) == _orphan_guard.NOT_FOUND
    plain = tmp_path / "server"
    plain.write_text("#!/bin/sh\n")
    assert _orphan_guard.main([str(plain)]) == _orphan_guard.NOT_RUNNABLE
    monkeypatch.setenv(_orphan_guard.PARENT_VARIABLE, "1")
    assert _orphan_guard.main(["no-such-command-here"]) == 1
    assert _orphan_guard.PARENT_VARIABLE not in os.environ
    errors = capsys.readouterr().err
    assert "usage:" in errors
    assert "command not found: no-such-command-here" in errors
    assert f"cannot run {plain}: Permission denied" in errors


def test_the_kernel_refuses_an_unknown_signal() -> None:
    with pytest.raises(OSError, match="Invalid argument"):
        _orphan_guard.set_death_signal(999)
