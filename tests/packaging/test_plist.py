"""The macOS Info.plist the spec hands to PyInstaller's BUNDLE."""

from __future__ import annotations

import plistlib

from appinfo import APP_ID, project_version
from macos import info_plist


def test_info_plist_round_trips_with_the_bundle_facts() -> None:
    version = project_version()
    parsed = plistlib.loads(plistlib.dumps(info_plist(version), fmt=plistlib.FMT_XML))
    assert parsed["CFBundleIdentifier"] == APP_ID
    assert parsed["CFBundleShortVersionString"] == version
    assert parsed["CFBundleVersion"] == version
    assert parsed["CFBundleExecutable"] == "desktop-chat"
    assert parsed["CFBundleIconFile"] == "desktop-chat.icns"
    assert parsed["CFBundlePackageType"] == "APPL"


def test_dark_mode_and_retina_are_enabled() -> None:
    parsed = plistlib.loads(plistlib.dumps(info_plist("1.0.0"), fmt=plistlib.FMT_BINARY))
    assert parsed["NSRequiresAquaSystemAppearance"] is False
    assert parsed["NSHighResolutionCapable"] is True
