"""``desktop-chat --self-test`` streams a demo reply through the real window and says so."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from desktop_chat.ui.app.self_test import run_self_test


def test_self_test_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    before = dict(os.environ)
    assert run_self_test(["desktop-chat"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("self-test passed: streamed ")
    assert "http://127.0.0.1:" in line
    assert os.environ.get("DESKTOP_CHAT_HOME") == before.get("DESKTOP_CHAT_HOME")


@pytest.mark.slow
def test_self_test_subprocess(tmp_path: object) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-m", "desktop_chat", "--self-test"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("self-test passed:")
