"""The .deb's metadata and file layout, and the portable tarball, built around a stand-in app.

Freezing takes half a minute, so these use a tiny shell script in place of the frozen folder; the
slow ``test_deb.py`` builds and installs the real thing.
"""

from __future__ import annotations

import datetime
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from deb import depends, make_deb, make_tarball, metainfo_with_release
from make_icons import IconSet, make_icons

from tests.packaging.tools import require_tool

REQUIRED_DEPENDS = (
    "fonts-noto-core",  # characters of any script, not boxes
    "libgl1",
    "libegl1",
    "libxcb1",
    "libxkbcommon-x11-0",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-keysyms1",
    "fontconfig-config",
    "fonts-dejavu-core | fonts-liberation2",
)


@pytest.fixture(scope="module")
def icons(tmp_path_factory: pytest.TempPathFactory) -> IconSet:
    return make_icons(tmp_path_factory.mktemp("icons"))


@pytest.fixture
def frozen(tmp_path: Path) -> Path:
    folder = tmp_path / "frozen"
    (folder / "_internal").mkdir(parents=True)
    program = folder / "desktop-chat"
    program.write_text("#!/bin/sh\necho stand-in\n", encoding="utf-8")
    program.chmod(0o700)
    (folder / "_internal" / "data.txt").write_text("x", encoding="utf-8")
    (folder / "_internal" / "data.txt").chmod(0o600)
    return folder


@pytest.fixture
def deb(frozen: Path, icons: IconSet, tmp_path: Path) -> Path:
    require_tool("dpkg-deb", "apt-get install dpkg", platforms=("linux",))
    return make_deb(
        frozen,
        icons.hicolor,
        version="1.2.0rc1",
        arch="amd64",
        work_dir=tmp_path / "work",
        output=tmp_path / "out.deb",
    )


def _field(deb: Path, name: str) -> str:
    return subprocess.run(
        ["dpkg-deb", "--field", str(deb), name], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_control_fields(deb: Path) -> None:
    assert _field(deb, "Package") == "desktop-chat"
    assert _field(deb, "Version") == "1.2.0~rc1"
    assert _field(deb, "Architecture") == "amd64"
    assert int(_field(deb, "Installed-Size")) > 0
    dependencies = [item.strip() for item in _field(deb, "Depends").split(",")]
    assert dependencies[0].startswith("libc6 (>= 2.")
    for required in REQUIRED_DEPENDS:
        assert required in dependencies
    assert _field(deb, "Recommends") == "fonts-noto-cjk"


def test_libc_floor_is_at_least_2_34() -> None:
    assert depends((2, 31)).startswith("libc6 (>= 2.34),")
    assert depends((2, 39)).startswith("libc6 (>= 2.39),")


def test_files_modes_and_owners(deb: Path) -> None:
    listing = subprocess.run(
        ["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    entries = {line.split()[-1].removeprefix("."): line.split()[:2] for line in listing}
    assert all(owner == "root/root" for _, owner in entries.values())
    assert entries["/opt/desktop-chat/desktop-chat"][0] == "-rwxr-xr-x"
    assert entries["/opt/desktop-chat/_internal/data.txt"][0] == "-rw-r--r--"
    assert entries["/usr/bin/desktop-chat"][0] == "-rwxr-xr-x"
    for path in (
        "/usr/share/applications/desktop-chat.desktop",
        "/usr/share/metainfo/io.github.desktopchat.DesktopChat.metainfo.xml",
        "/usr/share/icons/hicolor/16x16/apps/io.github.desktopchat.DesktopChat.png",
        "/usr/share/icons/hicolor/512x512/apps/io.github.desktopchat.DesktopChat.png",
        "/usr/share/icons/hicolor/scalable/apps/io.github.desktopchat.DesktopChat.svg",
        "/usr/share/doc/desktop-chat/copyright",
    ):
        assert entries[path][0] == "-rw-r--r--", path


def test_launcher_and_metainfo_content(deb: Path, tmp_path: Path) -> None:
    unpacked = tmp_path / "unpacked"
    subprocess.run(["dpkg-deb", "--extract", str(deb), str(unpacked)], check=True)
    launcher = (unpacked / "usr/bin/desktop-chat").read_text(encoding="utf-8")
    assert launcher.startswith("#!/bin/sh\n")
    assert 'exec /opt/desktop-chat/desktop-chat "$@"' in launcher
    metainfo = unpacked / "usr/share/metainfo/io.github.desktopchat.DesktopChat.metainfo.xml"
    assert '<release version="1.2.0rc1"' in metainfo.read_text(encoding="utf-8")
    validate = require_tool(
        "appstreamcli", "apt-get install appstream", platforms=("linux",), optional=True
    )
    result = subprocess.run(
        [validate, "validate", "--no-net", str(metainfo)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


def test_metainfo_release_is_added_once() -> None:
    text = metainfo_with_release("<component>\n</component>\n", "3.0", datetime.date(2030, 1, 2))
    assert text.count("<release ") == 1
    assert '<release version="3.0" date="2030-01-02"/>' in text


@pytest.mark.skipif(
    sys.platform == "win32",
    reason="the tarball is the Linux portable build; Windows has no mode bits",
)
def test_tarball_holds_the_folder_owned_by_root(frozen: Path, tmp_path: Path) -> None:
    output = make_tarball(frozen, "1.0.0", tmp_path / "app.tar.gz")
    with tarfile.open(output) as archive:
        members = {member.name: member for member in archive.getmembers()}
    assert set(members) == {
        "desktop-chat-1.0.0",
        "desktop-chat-1.0.0/desktop-chat",
        "desktop-chat-1.0.0/_internal",
        "desktop-chat-1.0.0/_internal/data.txt",
    }
    assert all(member.uid == 0 and member.uname == "root" for member in members.values())
    assert members["desktop-chat-1.0.0/desktop-chat"].mode & 0o100
