"""The Windows installer script compiles (with warnings as errors) around a stand-in payload."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from make_icons import make_icons
from nsis import NSIS_SCRIPT, compile_installer

from tests.packaging.tools import require_tool


@pytest.fixture
def makensis() -> Path:
    return Path(require_tool("makensis", "apt-get install nsis / choco install nsis"))


@pytest.fixture
def payload(tmp_path: Path) -> Path:
    folder = tmp_path / "desktop-chat"
    (folder / "_internal").mkdir(parents=True)
    (folder / "desktop-chat.exe").write_bytes(b"MZ stand-in for the frozen program")
    (folder / "_internal" / "python311.dll").write_bytes(b"stand-in library")
    return folder


def test_installer_compiles(makensis: Path, payload: Path, tmp_path: Path) -> None:
    icons = make_icons(tmp_path / "icons")
    output = tmp_path / "desktop-chat_0.1.0_windows_amd64.exe"
    compile_installer(makensis, payload, icons.ico, "0.1.0", output)
    data = output.read_bytes()
    assert data[:2] == b"MZ"  # a Windows executable
    assert b"NullsoftInst" in data  # with an NSIS archive appended


def test_script_states_the_promised_behaviour() -> None:
    script = NSIS_SCRIPT.read_text(encoding="utf-8")
    assert "RequestExecutionLevel user" in script
    assert 'InstallDir "$LOCALAPPDATA\\Programs\\${APP_NAME}"' in script
    assert "Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\" in script
    assert 'Section /o "Desktop shortcut"' in script
    assert 'Section /o "un.Also remove my conversations and settings"' in script


def test_missing_version_stops_the_compile(makensis: Path, payload: Path) -> None:
    result = subprocess.run(
        [str(makensis), f"-DPAYLOAD_DIR={payload}", str(NSIS_SCRIPT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "Pass -DVERSION=<version>" in result.stdout + result.stderr
