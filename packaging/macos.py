"""The macOS bundle's Info.plist and the .dmg disk image."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from appinfo import APP_ID, APP_NAME, EXECUTABLE

__all__ = ["info_plist", "make_dmg"]

MINIMUM_MACOS = "11.0"


def info_plist(version: str) -> dict[str, Any]:
    """Return the Info.plist entries of ``Desktop Chat.app`` for ``version``."""
    return {
        "CFBundleName": APP_NAME,
        "CFBundleDisplayName": APP_NAME,
        "CFBundleIdentifier": APP_ID,
        "CFBundleExecutable": EXECUTABLE,
        "CFBundleIconFile": f"{EXECUTABLE}.icns",
        "CFBundlePackageType": "APPL",
        "CFBundleShortVersionString": version,
        "CFBundleVersion": version,
        "CFBundleInfoDictionaryVersion": "6.0",
        "LSApplicationCategoryType": "public.app-category.productivity",
        "LSMinimumSystemVersion": MINIMUM_MACOS,
        # False lets the app follow the system's dark mode instead of staying light.
        "NSRequiresAquaSystemAppearance": False,
        "NSHighResolutionCapable": True,
        "NSPrincipalClass": "NSApplication",
        "NSHumanReadableCopyright": "MIT License",
    }


def make_dmg(app_bundle: Path, output: Path) -> None:
    """Write a compressed disk image holding ``app_bundle`` and a link to /Applications.

    Raises:
        subprocess.CalledProcessError: ``hdiutil`` failed.
    """
    with tempfile.TemporaryDirectory() as staging_name:
        staging = Path(staging_name)
        subprocess.run(["ditto", str(app_bundle), str(staging / app_bundle.name)], check=True)
        os.symlink("/Applications", staging / "Applications")
        output.unlink(missing_ok=True)
        subprocess.run(
            [
                "hdiutil",
                "create",
                "-volname",
                APP_NAME,
                "-srcfolder",
                str(staging),
                "-ov",
                "-format",
                "UDZO",
                str(output),
            ],
            check=True,
        )
