"""The app's own action icons: small line drawings bundled as SVG, drawn in one colour.

They are bundled rather than taken from the desktop's icon theme so that they look the same on
every platform, and in every theme: the default grey reads on the light and the dark scheme
alike, and buttons on the accent colour ask for white.
"""

from __future__ import annotations

import functools
from importlib import resources

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
from PySide6.QtGui import QIcon, QImageReader, QPixmap

__all__ = ["ICON_GREY", "ICON_NAMES", "ON_ACCENT", "action_icon"]

#: Readable on white and on the dark scheme's canvas (about 3.6:1 and 4.6:1).
ICON_GREY = "#7d8590"
ON_ACCENT = "#ffffff"
ICON_NAMES = frozenset(
    {
        "attach",
        "chat-settings",
        "continue",
        "copy",
        "edit",
        "new-chat",
        "regenerate",
        "send",
        "settings",
        "stop",
        "tools",
    }
)
_INK = "#000000"  # the colour the files are drawn in
_SIZES = (16, 20, 24, 32, 48)  # the larger ones serve high-density screens


@functools.cache
def _drawing(name: str) -> str:
    folder = resources.files("desktop_chat") / "resources" / "icons" / "actions"
    return (folder / f"{name}.svg").read_text(encoding="utf-8")


@functools.cache
def action_icon(name: str, color: str = ICON_GREY) -> QIcon:
    """The icon ``name`` (one of :data:`ICON_NAMES`) drawn in ``color``.

    A missing file (a broken installation) gives an empty icon: the buttons keep their words.
    """
    try:
        svg = _drawing(name).replace(_INK, color).encode()
    except OSError:
        return QIcon()
    icon = QIcon()
    data = QByteArray(svg)
    for size in _SIZES:
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        reader = QImageReader(buffer, QByteArray(b"svg"))
        reader.setScaledSize(QSize(size, size))
        image = reader.read()
        if not image.isNull():
            icon.addPixmap(QPixmap.fromImage(image))
    return icon
