"""Through the Settings dialog into a real Secret Service (a private GNOME Keyring)."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.config.settings import Settings
from desktop_chat.ui.dialogs.settings_dialog import SettingsDialog
from tests.keyring_service import SecretServiceSession

SECRET = "sk-real-keyring-7a6b5c4d3e2f"


def _files_containing(folder: Path, text: str) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and text.encode() in p.read_bytes()]


def test_key_is_stored_in_the_secret_service(
    qtbot: QtBot, app_home: Path, secret_service: SecretServiceSession
) -> None:
    dialog = SettingsDialog(Settings(), SecretStore())
    qtbot.addWidget(dialog)
    dialog.show()
    assert "Secret Service" in dialog.keyring_status.text()
    provider = dialog.add_provider("openai")
    qtbot.keyClicks(dialog.key_edit, SECRET)
    dialog.accept()
    _wait_saved(qtbot, dialog)
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    assert secret_service.backend.get_password("desktop-chat", provider.id) == SECRET
    assert _files_containing(app_home, SECRET) == []
    assert _files_containing(secret_service.keyring_dir, SECRET) == []

    reopened = SettingsDialog(dialog.result_settings(), SecretStore())
    qtbot.addWidget(reopened)
    reopened.select_provider(provider.id)
    # The keyring is read in the background, so the dialog never waits on it.
    qtbot.waitUntil(
        lambda: "A key is stored" in reopened.key_edit.placeholderText(), timeout=10_000
    )
    assert reopened.key_edit.text() == ""


def _wait_saved(qtbot: QtBot, dialog: SettingsDialog) -> None:
    """Save stores the keys in the background, then closes the dialog."""
    qtbot.waitUntil(lambda: dialog.isEnabled() and dialog.isHidden(), timeout=10_000)
