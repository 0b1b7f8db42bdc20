"""The icon the running app loads, and the ids that tie the desktop files together."""

from __future__ import annotations

import configparser
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from appinfo import EXECUTABLE, PROJECT_ROOT
from make_icons import SOURCE_SVG
from PySide6.QtGui import QIcon

from desktop_chat.core.resources import APP_ID, icon_path
from tests.packaging.tools import require_tool

RESOURCES = PROJECT_ROOT / "resources"
DESKTOP_FILE = RESOURCES / f"{EXECUTABLE}.desktop"
METAINFO = RESOURCES / f"{APP_ID}.metainfo.xml"


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP_FILE, encoding="utf-8")
    return parser["Desktop Entry"]


def test_runtime_icon_is_the_source_icon() -> None:
    path = icon_path()
    assert path.is_file()
    assert path.read_bytes() == SOURCE_SVG.read_bytes()


def test_runtime_icon_loads_in_qt(qapp: object) -> None:
    icon = QIcon(str(icon_path()))
    assert not icon.isNull()
    assert icon.pixmap(48, 48).width() == 48


def test_desktop_entry_points_at_the_command_and_icon() -> None:
    entry = _desktop_entry()
    assert entry["Exec"].split()[0] == EXECUTABLE
    assert entry["TryExec"] == EXECUTABLE
    assert entry["Icon"] == APP_ID
    assert entry["Type"] == "Application"


def test_metainfo_ids_match() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == DESKTOP_FILE.name
    assert root.findtext("provides/binary") == EXECUTABLE
    assert root.findtext("name") == _desktop_entry()["Name"]


def test_desktop_file_validates() -> None:
    tool = require_tool(
        "desktop-file-validate", "apt-get install desktop-file-utils", platforms=("linux",)
    )
    result = subprocess.run([tool, str(DESKTOP_FILE)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""  # no warnings either


def test_metainfo_validates(tmp_path: Path) -> None:
    tool = require_tool(
        "appstreamcli", "apt-get install appstream", platforms=("linux",), optional=True
    )
    result = subprocess.run(
        [tool, "validate", "--no-net", str(METAINFO)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
