"""Files shipped inside the package (the application icon), found with importlib.resources.

The same lookup works from a source tree, an installed wheel and a frozen build, because the
PyInstaller spec copies ``desktop_chat/resources`` next to the frozen package.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["APP_ID", "icon_path"]

#: Reverse-DNS id: the AppStream id, the themed icon's name and the macOS bundle id. The menu
#: entry itself is ``desktop-chat.desktop``, matching ``QGuiApplication.setDesktopFileName``.
APP_ID = "io.github.desktopchat.DesktopChat"

_ICON_NAME = "desktop-chat.svg"


def icon_path() -> Path:
    """Return the path of the application icon (an SVG that ``QIcon`` loads at any size).

    Raises:
        FileNotFoundError: the package was installed without its resources (a broken build).
    """
    resource = resources.files("desktop_chat") / "resources" / "icons" / _ICON_NAME
    path = Path(str(resource))
    if not path.is_file():
        raise FileNotFoundError(f"The application icon is missing from this installation: {path}")
    return path
