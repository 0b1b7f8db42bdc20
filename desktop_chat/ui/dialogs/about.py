"""The About box: what this program is, its version, and where it keeps its files."""

from __future__ import annotations

import html
import platform

import PySide6
from PySide6.QtCore import QCoreApplication, qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop_chat import __version__
from desktop_chat.core.config.paths import app_paths

__all__ = ["about_html", "show_about"]


def _tr(text: str) -> str:
    return QCoreApplication.translate("About", text)


def about_html() -> str:
    """The About box's text (the version comes from the installed package's metadata)."""
    paths = app_paths(create=False)
    rows = [
        (_tr("Version"), __version__),
        (_tr("Qt"), f"{qVersion()} (PySide6 {PySide6.__version__})"),
        (_tr("Python"), platform.python_version()),
        (_tr("Settings"), str(paths.config_dir)),
        (_tr("Conversations"), str(paths.data_dir)),
    ]
    table = "".join(
        f"<tr><td>{html.escape(name)}&nbsp;&nbsp;</td><td>{html.escape(value)}</td></tr>"
        for name, value in rows
    )
    description = _tr(
        "A desktop chat client for OpenAI-compatible APIs. API keys are kept in the "
        "system keyring, conversations on this computer."
    )
    return f"<h3>Desktop Chat</h3><p>{html.escape(description)}</p><table>{table}</table>"


def show_about(parent: QWidget) -> None:
    """Show the About box over ``parent``."""
    QMessageBox.about(parent, _tr("About Desktop Chat"), about_html())
