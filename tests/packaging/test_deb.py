"""Build the real .deb, install it with apt, run the installed app's self-test, remove it.

Needs root (or password-less sudo) because it installs a system package. Set DESKTOP_CHAT_DEB to
test an already built package instead of building one (the release workflow does).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from appinfo import DIST_DIR, PROJECT_ROOT, artifact_name, normalized_arch, project_version

from tests.packaging.tools import IN_CI, require_tool

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

PACKAGE = "desktop-chat"


def _as_root() -> list[str]:
    """Return the prefix that runs a command as root, or skip / fail when there is none."""
    if os.geteuid() == 0:
        return []
    sudo = shutil.which("sudo")
    if (
        sudo
        and subprocess.run([sudo, "-n", "true"], capture_output=True, check=False).returncode == 0
    ):
        return [sudo, "-n"]
    message = "installing a .deb needs root or password-less sudo"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def _built_deb() -> Path:
    given = os.environ.get("DESKTOP_CHAT_DEB")
    if given:
        return Path(given).resolve()
    subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "packaging" / "build.py"), "linux"],
        check=True,
        timeout=240,
    )
    return DIST_DIR / artifact_name(project_version(), "linux", normalized_arch(), "deb")


def test_installed_deb_runs_its_self_test(app_home: Path) -> None:
    require_tool("apt-get", "a Debian or Ubuntu system", platforms=("linux",))
    root = _as_root()
    deb = _built_deb()
    assert deb.is_file()
    apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        install = subprocess.run(
            [*root, "apt-get", "install", "-y", "--no-install-recommends", str(deb)],
            capture_output=True,
            text=True,
            env=apt_env,
            timeout=120,
            check=False,
        )
        assert install.returncode == 0, install.stdout[-2000:] + install.stderr[-2000:]
        assert Path("/usr/share/applications/desktop-chat.desktop").is_file()
        # The icon the window loads at run time travels inside the frozen folder.
        assert Path(
            "/opt/desktop-chat/_internal/desktop_chat/resources/icons/desktop-chat.svg"
        ).is_file()
        plugins = {path.name for path in Path("/opt/desktop-chat").rglob("plugins/*/*")}
        assert {"libqxcb.so", "libqoffscreen.so", "libqsvgicon.so"} <= plugins
        assert not {name for name in plugins if "wayland" in name or "gtk" in name}
        assert Path(
            "/usr/share/icons/hicolor/256x256/apps/io.github.desktopchat.DesktopChat.png"
        ).is_file()

        run_env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DESKTOP_CHAT_HOME": str(app_home)}
        version = subprocess.run(
            ["/usr/bin/desktop-chat", "--version"],
            capture_output=True,
            text=True,
            env=run_env,
            timeout=60,
            check=False,
        )
        assert version.stdout.strip() == f"desktop-chat {project_version()}"

        result = subprocess.run(
            ["/usr/bin/desktop-chat", "--self-test"],
            capture_output=True,
            text=True,
            env=run_env,
            timeout=90,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.startswith("self-test passed"), result.stdout
    finally:
        subprocess.run(
            [*root, "apt-get", "remove", "-y", PACKAGE],
            check=False,
            env=apt_env,
            timeout=120,
            stdout=subprocess.DEVNULL,
        )
    assert not Path("/opt/desktop-chat/desktop-chat").exists()
