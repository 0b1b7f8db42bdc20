"""Freeze Desktop Chat and build the installer for one operating system.

Usage: ``python packaging/build.py linux|windows|macos [--skip-freeze]``. Writes into ``dist/``::

    linux:   desktop-chat_<version>_linux_<arch>.deb and .tar.gz
    windows: desktop-chat_<version>_windows_<arch>.exe (NSIS setup) and .zip
    macos:   desktop-chat_<version>_macos_<arch>.dmg

Each OS's installer can only be built on that OS (PyInstaller does not cross-compile).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

from appinfo import (
    APP_NAME,
    DIST_DIR,
    EXECUTABLE,
    PROJECT_ROOT,
    artifact_name,
    normalized_arch,
    project_version,
)
from deb import make_deb, make_tarball
from macos import make_dmg
from make_icons import make_icons
from nsis import compile_installer, find_makensis

__all__ = [
    "BUILD_DIR",
    "BuildError",
    "check_installed_version",
    "freeze",
    "main",
]

HERE = Path(__file__).resolve().parent
BUILD_DIR = PROJECT_ROOT / "build" / "installer"
SPEC = HERE / "desktop-chat.spec"
_HOST = {"linux": "linux", "win32": "windows", "darwin": "macos"}


class BuildError(Exception):
    """A build step cannot run or failed; the message says what to do."""


def check_installed_version(version: str) -> None:
    """Refuse to build when the installed metadata (what ``--version`` shows) is out of date.

    Raises:
        BuildError: the installed version differs from pyproject.toml.
    """
    try:
        installed = metadata.version(EXECUTABLE)
    except metadata.PackageNotFoundError:
        raise BuildError("desktop-chat is not installed: run `pip install -e .` first") from None
    if installed != version:
        raise BuildError(
            f"pyproject.toml says {version} but the installed metadata says {installed}: "
            "run `pip install -e .` again so the frozen app reports the right version"
        )


def freeze() -> Path:
    """Run PyInstaller with the spec and return the frozen folder (or the .app on macOS)."""
    dist = BUILD_DIR / "pyinstaller-dist"
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(dist),
        "--workpath",
        str(BUILD_DIR / "pyinstaller-work"),
        str(SPEC),
    ]
    subprocess.run(command, check=True, cwd=PROJECT_ROOT)
    if sys.platform == "darwin":
        return dist / f"{APP_NAME}.app"
    return dist / EXECUTABLE


def build_linux(frozen: Path, version: str, arch: str) -> list[Path]:
    """Build the .deb and the portable .tar.gz."""
    if shutil.which("dpkg-deb") is None:
        raise BuildError("dpkg-deb is missing: install the Debian package `dpkg`")
    icons = make_icons(BUILD_DIR / "icons")
    deb = make_deb(
        frozen,
        icons.hicolor,
        version=version,
        arch=arch,
        work_dir=BUILD_DIR,
        output=DIST_DIR / artifact_name(version, "linux", arch, "deb"),
    )
    tarball = make_tarball(
        frozen, version, DIST_DIR / artifact_name(version, "linux", arch, "tar.gz")
    )
    return [deb, tarball]


def build_windows(frozen: Path, version: str, arch: str) -> list[Path]:
    """Build the NSIS setup program and a portable .zip."""
    makensis = find_makensis()
    if makensis is None:
        raise BuildError("makensis is missing: install NSIS (Debian package `nsis`)")
    icons = make_icons(BUILD_DIR / "icons")
    setup = DIST_DIR / artifact_name(version, "windows", arch, "exe")
    compile_installer(makensis, frozen, icons.ico, version, setup)
    archive = shutil.make_archive(
        str(DIST_DIR / artifact_name(version, "windows", arch, "zip").removesuffix(".zip")),
        "zip",
        root_dir=frozen.parent,
        base_dir=frozen.name,
    )
    return [setup, Path(archive)]


def build_macos(app_bundle: Path, version: str, arch: str) -> list[Path]:
    """Build the .dmg disk image around the .app bundle."""
    dmg = DIST_DIR / artifact_name(version, "macos", arch, "dmg")
    DIST_DIR.mkdir(parents=True, exist_ok=True)
    make_dmg(app_bundle, dmg)
    return [dmg]


def _size(path: Path) -> int:
    if path.is_dir():
        # lstat: PyInstaller links libraries into _internal; count each file once.
        return sum(item.lstat().st_size for item in path.rglob("*") if not item.is_dir())
    return path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", choices=("linux", "windows", "macos"))
    parser.add_argument(
        "--skip-freeze", action="store_true", help="reuse the frozen app from the last build"
    )
    options = parser.parse_args(argv)
    host = _HOST.get(sys.platform)
    try:
        if options.target != host:
            raise BuildError(
                f"the {options.target} installer can only be built on {options.target}"
            )
        version = project_version()
        check_installed_version(version)
        arch = normalized_arch()
        started = time.monotonic()
        if options.skip_freeze:
            frozen = (
                BUILD_DIR
                / "pyinstaller-dist"
                / (f"{APP_NAME}.app" if host == "macos" else EXECUTABLE)
            )
            if not frozen.exists():
                raise BuildError(f"nothing frozen yet at {frozen}: run without --skip-freeze")
        else:
            frozen = freeze()
        frozen_at = time.monotonic()
        builders = {"linux": build_linux, "windows": build_windows, "macos": build_macos}
        artifacts = builders[options.target](frozen, version, arch)
    except (BuildError, ValueError) as error:
        print(f"build failed: {error}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as error:
        print(f"build failed: {error}", file=sys.stderr)
        return 2
    finished = time.monotonic()
    print(f"frozen {frozen} ({_size(frozen) / 1e6:.0f} MB) in {frozen_at - started:.1f} s")
    for artifact in artifacts:
        print(f"built {artifact} ({artifact.stat().st_size / 1e6:.1f} MB)")
    print(f"installers built in {finished - frozen_at:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
