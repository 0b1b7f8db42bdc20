"""Where the app keeps its files: settings and the conversation database.

Everything lives in the platform's usual folders (via platformdirs, app name ``desktop-chat``),
unless ``DESKTOP_CHAT_HOME`` names one folder, which then holds ``config/`` and ``data/``:
portable installs and tests use it. Folders are created when first asked for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from desktop_chat.core._files import private_folder

__all__ = ["APP_NAME", "HOME_ENV", "AppPaths", "app_paths", "database_path", "settings_path"]

APP_NAME = "desktop-chat"
HOME_ENV = "DESKTOP_CHAT_HOME"


@dataclass(frozen=True, slots=True)
class AppPaths:
    """The folders the app writes to.

    Attributes:
        config_dir: settings (``settings.json``).
        data_dir: the conversation database.
    """

    config_dir: Path
    data_dir: Path

    def ensure(self) -> AppPaths:
        """Create the folders if they are missing and return self."""
        for folder in (self.config_dir, self.data_dir):
            private_folder(folder)
        return self


def app_paths(*, create: bool = True) -> AppPaths:
    """Return the app's folders, honouring ``DESKTOP_CHAT_HOME``.

    Args:
        create: make the folders exist before returning (the default).
    """
    home = os.environ.get(HOME_ENV, "").strip()
    if home:
        root = Path(home).expanduser()
        paths = AppPaths(
            config_dir=root / "config",
            data_dir=root / "data",
        )
    else:
        paths = AppPaths(
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        )
    return paths.ensure() if create else paths


def database_path() -> Path:
    """The conversation database: ``<data_dir>/conversations.sqlite3``."""
    return app_paths().data_dir / "conversations.sqlite3"


def settings_path() -> Path:
    """The settings file: ``<config_dir>/settings.json``."""
    return app_paths().config_dir / "settings.json"
