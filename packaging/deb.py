"""The Linux packages: a Debian ``.deb`` and a portable ``.tar.gz`` of the frozen folder.

The ``.deb`` installs::

    /opt/desktop-chat/                                  the frozen app
    /usr/bin/desktop-chat                               a launcher script
    /usr/share/applications/desktop-chat.desktop        the menu entry
    /usr/share/icons/hicolor/<size>/apps/<app id>.png   the icon at every size (+ scalable SVG)
    /usr/share/metainfo/<app id>.metainfo.xml           software-centre listing
    /usr/share/doc/desktop-chat/copyright
"""

from __future__ import annotations

import datetime
import os
import platform
import re
import shutil
import stat
import subprocess
import tarfile
import textwrap
from pathlib import Path

from appinfo import APP_ID, EXECUTABLE, PROJECT_ROOT, SUMMARY

__all__ = [
    "INSTALL_DIR",
    "control_text",
    "deb_version",
    "depends",
    "make_deb",
    "make_tarball",
    "metainfo_with_release",
    "stage_deb_root",
]

INSTALL_DIR = f"/opt/{EXECUTABLE}"
RESOURCES = PROJECT_ROOT / "resources"
MINIMUM_GLIBC = (2, 34)

# Qt's libraries for the offscreen and xcb platforms, plus fonts: a system without any font shows
# every character as an empty box. Ubuntu 24.04 renamed some libraries with a t64 suffix.
_SYSTEM_DEPENDS = (
    "libgl1",
    "libegl1",
    "libfontconfig1",
    "libfreetype6",
    "libglib2.0-0t64 | libglib2.0-0",
    "libdbus-1-3",
    "libx11-6",
    "libx11-xcb1",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    "libxcb1",
    "libxcb-cursor0",
    "libxcb-glx0",
    "libxcb-icccm4",
    "libxcb-image0",
    "libxcb-keysyms1",
    "libxcb-randr0",
    "libxcb-render0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-shm0",
    "libxcb-sync1",
    "libxcb-util1",
    "libxcb-xfixes0",
    "libxcb-xkb1",
    "fontconfig-config",
    "fonts-dejavu-core | fonts-liberation2",
    # Qt falls back, through fontconfig, to any installed font that has a character; Noto's core
    # set covers most scripts (Thai, Arabic, Hebrew, Devanagari ...), so replies in them are not
    # drawn as boxes on a desktop that came without them.
    "fonts-noto-core",
)

_LAUNCHER = f"""\
#!/bin/sh
exec {INSTALL_DIR}/{EXECUTABLE} "$@"
"""

_COPYRIGHT = """\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: desktop-chat

Files: *
License: MIT
 Permission is hereby granted, free of charge, to any person obtaining a copy of this software
 and associated documentation files (the "Software"), to deal in the Software without
 restriction, including without limitation the rights to use, copy, modify, merge, publish,
 distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
 Software is furnished to do so, subject to the following conditions:
 .
 The above copyright notice and this permission notice shall be included in all copies or
 substantial portions of the Software.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED.
"""


def deb_version(version: str) -> str:
    """Return ``version`` (PEP 440) spelled so that dpkg orders pre-releases before the release.

    ``1.0.0rc1`` becomes ``1.0.0~rc1`` and ``1.0.0.dev3`` becomes ``1.0.0~dev3``.
    """
    return re.sub(r"\.?(a|b|rc|dev)(\d+)", r"~\1\2", version)


def build_glibc() -> tuple[int, int]:
    """Return the C library version of this machine: the frozen libraries need at least that."""
    found = re.search(r"(\d+)\.(\d+)", platform.libc_ver()[1] or "")
    return (int(found.group(1)), int(found.group(2))) if found else MINIMUM_GLIBC


def depends(glibc: tuple[int, int]) -> str:
    """Return the ``Depends`` field for a build made against ``glibc``."""
    major, minor = max(glibc, MINIMUM_GLIBC)
    return ", ".join((f"libc6 (>= {major}.{minor})", *_SYSTEM_DEPENDS))


def control_text(version: str, arch: str, installed_size_kib: int, glibc: tuple[int, int]) -> str:
    """Return the ``DEBIAN/control`` file."""
    description = textwrap.indent(
        textwrap.fill(
            "Desktop Chat is a fast native client for servers that speak the OpenAI "
            "chat-completions API: OpenAI, Azure OpenAI, OpenRouter, Groq, and local servers "
            "such as Ollama, LM Studio, llama.cpp and vLLM. Replies stream in as Markdown, "
            "conversations are kept on this computer, and API keys stay in the system keyring.",
            width=78,
        ),
        " ",
    )
    return (
        f"Package: {EXECUTABLE}\n"
        f"Version: {deb_version(version)}\n"
        f"Architecture: {arch}\n"
        "Maintainer: Desktop Chat developers <desktop-chat@users.noreply.github.com>\n"
        f"Installed-Size: {installed_size_kib}\n"
        f"Depends: {depends(glibc)}\n"
        # Chinese, Japanese and Korean are a separate, large package.
        "Recommends: fonts-noto-cjk\n"
        "Suggests: gnome-keyring\n"
        "Section: net\n"
        "Priority: optional\n"
        f"Description: {SUMMARY}\n"
        f"{description}\n"
    )


def metainfo_with_release(text: str, version: str, date: datetime.date) -> str:
    """Return the metainfo XML ``text`` with a ``<releases>`` entry for ``version`` added."""
    release = (
        f'  <releases>\n    <release version="{version}" date="{date.isoformat()}"/>\n'
        "  </releases>\n"
    )
    return text.replace("</component>", release + "</component>", 1)


def stage_deb_root(frozen: Path, hicolor: Path, root: Path, version: str) -> None:
    """Lay out the package's files under ``root`` (which must not exist yet)."""
    shutil.copytree(frozen, root / INSTALL_DIR.lstrip("/"), symlinks=True)
    _write(root / "usr/bin" / EXECUTABLE, _LAUNCHER, executable=True)
    shutil.copyfile(
        RESOURCES / f"{EXECUTABLE}.desktop",
        _parent(root / "usr/share/applications" / f"{EXECUTABLE}.desktop"),
    )
    shutil.copytree(hicolor, root / "usr/share/icons/hicolor")
    metainfo = (RESOURCES / f"{APP_ID}.metainfo.xml").read_text(encoding="utf-8")
    _write(
        root / "usr/share/metainfo" / f"{APP_ID}.metainfo.xml",
        metainfo_with_release(metainfo, version, _release_date()),
    )
    _write(root / "usr/share/doc" / EXECUTABLE / "copyright", _COPYRIGHT)
    _normalize_modes(root)


def make_deb(
    frozen: Path, hicolor: Path, *, version: str, arch: str, work_dir: Path, output: Path
) -> Path:
    """Build ``output`` (a .deb) from the frozen folder and the hicolor icons; return it.

    Raises:
        subprocess.CalledProcessError: ``dpkg-deb`` rejected the package.
    """
    root = work_dir / "deb-root"
    if root.exists():
        shutil.rmtree(root)
    stage_deb_root(frozen, hicolor, root, version)
    size_kib = (
        sum(path.lstat().st_size for path in root.rglob("*") if not path.is_dir()) // 1024 + 1
    )
    _write(root / "DEBIAN/control", control_text(version, arch, size_kib, build_glibc()))
    _normalize_modes(root / "DEBIAN")
    output.parent.mkdir(parents=True, exist_ok=True)
    command = ["dpkg-deb", "--root-owner-group", "-Zzstd", "-z3", "--build", str(root), str(output)]
    # fakeroot is belt and braces: --root-owner-group alone already records root:root.
    if shutil.which("fakeroot"):
        command.insert(0, "fakeroot")
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return output


def make_tarball(frozen: Path, version: str, output: Path) -> Path:
    """Write the frozen folder as ``desktop-chat-<version>/`` into a gzip tarball; return it."""
    top = f"{EXECUTABLE}-{version}"

    def owned_by_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    output.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(output, "w:gz", compresslevel=6) as archive:
        archive.add(frozen, arcname=top, filter=owned_by_root)
    return output


def _release_date() -> datetime.date:
    # Reproducible builds set SOURCE_DATE_EPOCH; otherwise today.
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc).date()
    return datetime.datetime.now(tz=datetime.timezone.utc).date()


def _parent(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _write(path: Path, text: str, *, executable: bool = False) -> None:
    _parent(path).write_text(text, encoding="utf-8")
    path.chmod(0o755 if executable else 0o644)


def _normalize_modes(root: Path) -> None:
    """Give directories 0755 and files 0644, or 0755 when any execute bit was set."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        if path.is_dir() or mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH):
            path.chmod(0o755)
        else:
            path.chmod(0o644)
