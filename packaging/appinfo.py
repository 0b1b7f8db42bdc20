"""Facts every build step shares: the version (read from pyproject.toml), the app id, file names.

The version lives only in ``pyproject.toml``; installers, the Info.plist and artifact names read it
from there, the running app reads it from the installed metadata.
"""

from __future__ import annotations

import platform
import re
import sys
from pathlib import Path

from desktop_chat.core.resources import APP_ID

if sys.version_info >= (3, 11):
    import tomllib

__all__ = [
    "APP_ID",
    "APP_NAME",
    "DIST_DIR",
    "EXECUTABLE",
    "PROJECT_ROOT",
    "SUMMARY",
    "artifact_name",
    "normalized_arch",
    "project_version",
    "version_quad",
]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DIST_DIR = PROJECT_ROOT / "dist"
APP_NAME = "Desktop Chat"
EXECUTABLE = "desktop-chat"
SUMMARY = "Chat with OpenAI-compatible language models"
OPERATING_SYSTEMS = ("linux", "windows", "macos")

# One spelling per CPU across all three systems (Debian's), whatever the OS calls it.
_ARCH_ALIASES = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "x64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "armv8": "arm64",
}


def project_version(pyproject: Path = PROJECT_ROOT / "pyproject.toml") -> str:
    """Return ``[project] version`` from ``pyproject``.

    Raises:
        ValueError: the file has no usable version.
    """
    text = pyproject.read_text(encoding="utf-8")
    if sys.version_info >= (3, 11):
        version = tomllib.loads(text).get("project", {}).get("version")
    else:  # Python 3.10 has no tomllib; the version line is simple enough to read directly.
        match = re.search(r'^version\s*=\s*"([^"]+)"', text, flags=re.MULTILINE)
        version = match.group(1) if match else None
    if not isinstance(version, str) or not re.fullmatch(r"[0-9][0-9A-Za-z.+-]*", version):
        raise ValueError(f"{pyproject} has no valid [project] version (found {version!r})")
    return version


def normalized_arch(machine: str | None = None) -> str:
    """Return the CPU name used in file names (``amd64`` or ``arm64``) for ``machine``.

    Raises:
        ValueError: a CPU this project does not build for.
    """
    name = (machine or platform.machine()).lower()
    try:
        return _ARCH_ALIASES[name]
    except KeyError:
        raise ValueError(f"No installer is built for the CPU {name!r}") from None


def artifact_name(version: str, operating_system: str, arch: str, extension: str) -> str:
    """Return ``desktop-chat_<version>_<os>_<arch>.<extension>``.

    Raises:
        ValueError: an unknown operating system.
    """
    if operating_system not in OPERATING_SYSTEMS:
        raise ValueError(f"Unknown operating system {operating_system!r}")
    return f"{EXECUTABLE}_{version}_{operating_system}_{arch}.{extension}"


def version_quad(version: str) -> str:
    """Return the release part of ``version`` as four numbers (``1.2rc1`` -> ``1.2.0.0``).

    Windows version resources accept only this form.
    """
    release = re.match(r"\d+(?:\.\d+)*", version)
    numbers = release.group(0).split(".")[:4] if release else []
    return ".".join([*numbers, "0", "0", "0", "0"][:4])
