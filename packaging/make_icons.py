"""Render the SVG app icon into every file the three systems want.

Usage: ``python packaging/make_icons.py OUT_DIR [--svg PATH]``. Writes::

    OUT_DIR/hicolor/<n>x<n>/apps/<app id>.png   n in HICOLOR_SIZES (Linux icon theme)
    OUT_DIR/hicolor/scalable/apps/<app id>.svg
    OUT_DIR/desktop-chat.ico                    Windows (executable, installer, shortcuts)
    OUT_DIR/desktop-chat.icns                   macOS (.app bundle)

Rendering uses Qt's own SVG renderer offscreen, so it needs no display and no extra dependency.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from appinfo import APP_ID, EXECUTABLE, PROJECT_ROOT
from icon_formats import ICNS_TYPES, ICO_SIZES, write_icns, write_ico
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QImageWriter, QPainter
from PySide6.QtSvg import QSvgRenderer

__all__ = ["HICOLOR_SIZES", "SOURCE_SVG", "IconSet", "make_icons", "render_png"]

SOURCE_SVG = PROJECT_ROOT / "resources" / "icons" / f"{EXECUTABLE}.svg"
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


@dataclass(frozen=True, slots=True)
class IconSet:
    """Where :func:`make_icons` put each output."""

    hicolor: Path
    ico: Path
    icns: Path


def render_png(svg: Path, size: int) -> bytes:
    """Return ``svg`` rendered as a ``size`` x ``size`` PNG with a transparent background.

    Raises:
        ValueError: Qt cannot read ``svg``.
    """
    # QPainter needs an application object; offscreen, so no display is needed.
    if QGuiApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        _keep_alive.append(QGuiApplication([sys.argv[0] if sys.argv else "make_icons"]))
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg} is not an SVG image Qt can render")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, QByteArray(b"png"))
    if not writer.write(image):
        raise ValueError(f"cannot encode the {size}px icon as PNG: {writer.errorString()}")
    buffer.close()
    return bytes(data.data())


_keep_alive: list[object] = []


def make_icons(out_dir: Path, svg: Path = SOURCE_SVG) -> IconSet:
    """Write the hicolor PNGs, the .ico and the .icns for ``svg`` under ``out_dir``."""
    sizes = sorted({*HICOLOR_SIZES, *ICO_SIZES, *ICNS_TYPES.values()})
    pngs = {size: render_png(svg, size) for size in sizes}

    hicolor = out_dir / "hicolor"
    for size in HICOLOR_SIZES:
        target = hicolor / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(pngs[size])
    scalable = hicolor / "scalable" / "apps" / f"{APP_ID}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(svg, scalable)

    ico = out_dir / f"{EXECUTABLE}.ico"
    ico.write_bytes(write_ico({size: pngs[size] for size in ICO_SIZES}))
    icns = out_dir / f"{EXECUTABLE}.icns"
    icns.write_bytes(write_icns({kind: pngs[size] for kind, size in ICNS_TYPES.items()}))
    return IconSet(hicolor=hicolor, ico=ico, icns=icns)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--svg", type=Path, default=SOURCE_SVG)
    options = parser.parse_args(argv)
    icons = make_icons(options.out_dir, options.svg)
    print(f"wrote {icons.hicolor}, {icons.ico}, {icons.icns}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
